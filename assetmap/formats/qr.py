"""QR codes for printed pages (segno, pure Python): an SVG data: URI WeasyPrint and browsers show.

>>> qr_data_uri("https://example.org/finder/handout?ids=4").startswith("data:image/svg+xml;base64,")
True
"""

from __future__ import annotations

import base64

import segno


def qr_svg(text: str) -> str:
    """The QR code of text as SVG (error correction M: survives a smudge or a fold; 4-module quiet zone)."""
    code = segno.make_qr(text, error="m")
    return code.svg_inline(scale=4, border=4, dark="#000", light="#fff")


def qr_data_uri(text: str) -> str:
    """The QR code of text as a data: URI for <img src>."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text).encode("utf-8")).decode("ascii")
