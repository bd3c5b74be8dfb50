"""Security headers on every response, with a per-request nonce for our own inline scripts.

Content-Security-Policy: scripts and styles only from this site, or inline with this request's
nonce (the folium map bootstrap and its style block carry it); no plugins; no framing; images
from this site and the configured tile server; forms post only here.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import g
from flask_login import current_user
from markupsafe import Markup

_INLINE_TAG = re.compile(r"<(script|style)(?![^>]*\bsrc=)(?![^>]*\bnonce=)([^>]*)>", re.IGNORECASE)


def csp_nonce() -> str:
    """This request's nonce (created on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def with_nonce(html: str) -> Markup:
    """Add this request's nonce to inline <script> and <style> tags of trusted, generated HTML."""
    nonce = csp_nonce()
    return Markup(_INLINE_TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"{m.group(2)}>', str(html)))


def content_security_policy(nonce: str, tile_url: str) -> str:
    img = ["'self'", "data:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            host = parts.netloc
            if "{s}" in tile_url:
                host = "*." + host.split(".", 1)[1]
            img.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {' '.join(img)}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["with_nonce"] = with_nonce

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if response.mimetype == "text/html":
            headers["Content-Security-Policy"] = content_security_policy(csp_nonce(), app.config.get("TILE_URL", ""))
        if app.config.get("SECURE_COOKIES"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if getattr(current_user, "is_authenticated", False):
            # Editor pages hold unpublished records and contacts: never kept by a browser or proxy.
            headers["Cache-Control"] = "no-store"
        return response
