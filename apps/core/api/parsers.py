"""The REST API's JSON parser: DRF's, reading through the one safe loader.

DRF's own ``JSONParser`` calls ``json.load``: a few kilobytes of nested arrays raise
``RecursionError`` (a 500) and a 5,000-digit number a ``ValueError`` naming
``sys.set_int_max_str_digits()``. This one refuses both (and anything nested deeper than
:data:`apps.core.jsonbody.MAX_DEPTH`) with a ``400`` ``parse_error`` in the API's one
error shape. Form and multipart bodies (DRF's other default parsers) are flat
key/value pairs, bounded by Django's ``DATA_UPLOAD_MAX_*`` settings: nothing recurses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from apps.core import jsonbody


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            # bytes.decode accepts text encodings only (no bz2_codec and the like).
            text = stream.read().decode(encoding)
        except LookupError:
            raise ParseError(f"Unsupported charset {encoding!r} in the Content-Type.") from None
        except UnicodeDecodeError:
            raise ParseError(f"The request body is not valid {encoding}.") from None
        try:
            return jsonbody.loads(text, what="The request body")
        except jsonbody.JsonError as exc:
            raise ParseError(str(exc)) from None
