"""QR codes of join links, drawn on the server as SVG paths (no script, no network)."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathFillImage


@lru_cache(maxsize=256)
def svg_for(url: str) -> bytes:
    """An SVG QR code of ``url``: dark modules on a white square (readable in dark themes
    too), medium error correction so a projector's glare or a smudge still scans."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,  # the quiet zone the standard asks for
        image_factory=SvgPathFillImage,
    )
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
