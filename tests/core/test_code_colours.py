"""Code colours meet WCAG AA (4.5:1): the lessons' Pygments tokens on --code-bg in both
themes, and the exercise editor's token colours (CodeMirror's default style on white,
One Dark's palette on its #282c34)."""

from __future__ import annotations

import re
from pathlib import Path

from apps.core.management.commands.pygments_css import contrast

STATIC = Path(__file__).resolve().parents[2] / "static"
AA = 4.5


def test_lesson_token_colours_reach_aa_in_both_themes():
    css = (STATIC / "css" / "pygments.css").read_text(encoding="utf-8")
    low = []
    for selector, colour in re.findall(r"^\s*(.+?) \{ color: (#[0-9a-fA-F]{3,6})", css, re.M):
        background = "#1b2433" if 'data-theme="' in selector else "#eef2f8"
        if contrast(colour, background) < AA:
            low.append((selector, colour, round(contrast(colour, background), 2)))
    assert len(re.findall(r"\.s[ai] \{", css)) >= 6  # f-string parts, in every theme block
    assert low == []


def test_editor_token_colours_reach_aa():
    bundle = (STATIC / "vendor" / "codemirror" / "codemirror.min.js").read_text(encoding="utf-8")
    light = re.findall(r'tag:[^{}]{0,120}?color:"(#[0-9a-fA-F]{3,6})"', bundle)
    assert len(light) >= 12  # the default highlight style, f-strings ("special string") included
    assert [c for c in light if contrast(c, "#ffffff") < AA] == []
    # One Dark's palette: the colours declared next to its background.
    palette = re.search(r'var (\w+="#[0-9a-fA-F]{6}",(?:\w+="#[0-9a-fA-F]{3,6}",?)+)', bundle)
    assert palette is not None and '"#282c34"' in palette.group(1)
    named = dict(re.findall(r'(\w+)="(#[0-9a-fA-F]{3,6})"', palette.group(1)))
    backgrounds = {"#282c34", "#21252b", "#2c313a", "#353a42", "#3E4451", "#ffffff", "#528bff"}
    text = [c for c in named.values() if c not in backgrounds]
    assert len(text) >= 8
    assert [c for c in text if contrast(c, "#282c34") < AA] == []
