"""YAML for content files: the safe loader, in C where PyYAML was built with libyaml.

The pure-Python ``yaml.safe_load`` was an eighth of a full content import; the C loader
builds the same plain data (dicts, lists, strings, numbers, booleans) many times faster
and raises the same ``yaml.YAMLError`` family with line marks.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C or Python)
