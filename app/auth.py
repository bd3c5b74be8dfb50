"""Sessions, roles, CSRF and rate limits for the web app.

- Flask-Login keeps the signed-in user in the session cookie (HttpOnly, SameSite=Lax, and Secure
  when ASSETMAP_SECURE_COOKIES=1, as in production).
- Flask-WTF's CSRFProtect checks a token on every POST/PUT/PATCH/DELETE: forms carry it in a
  hidden field, scripts send it in the X-CSRFToken header (from the csrf-token meta tag).
- `roles_required(...)`: anonymous users get 401 (JSON API) or a redirect to the login page;
  signed-in users without the role get 403.
- Rate limits count in SQLite (users.hit_rate_limit), so several worker processes share them.
"""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlsplit

from flask import abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from app.db import get_db
from assetmap.errors import NotFound
from assetmap.store import users

login_manager = LoginManager()
csrf = CSRFProtect()


class User(UserMixin):
    """The signed-in account (a thin wrapper over a users row)."""

    def __init__(self, row: dict):
        self.row = row
        self.id = row["id"]
        self.email = row["email"]
        self.role = row["role"]

    def get_id(self) -> str:
        # The session version is part of the id: bumping it (logout, password change, reset) ends
        # every session of this user, wherever it was opened.
        return f"{self.id}:{self.row.get('session_version') or 1}"

    @property
    def is_active(self) -> bool:
        return bool(self.row["active"])

    @property
    def can_edit(self) -> bool:
        return self.role in users.EDIT_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        """How history names this person."""
        return f"{self.email} ({self.role})"


class Anonymous(AnonymousUserMixin):
    role = None
    can_edit = False
    is_admin = False
    label = "anonymous"


@login_manager.user_loader
def _load_user(session_id: str):
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isascii() or not user_id.isdigit() or len(user_id) > 12:
        return None
    try:
        row = users.get_user(get_db(), int(user_id))
    except NotFound:
        return None
    if str(row.get("session_version") or 1) != version or not row["active"]:
        return None  # ended by logout, a password change or an admin
    return User(row)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return jsonify(error="sign in first: this needs an editor account"), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def roles_required(*roles: str):
    """Allow only signed-in users with one of roles (401/redirect when anonymous, 403 otherwise)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                if wants_json():
                    return jsonify(error=f"your account ({current_user.role}) may not do this"), 403
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


editor_required = roles_required("admin", "editor")
admin_required = roles_required("admin")


def safe_next(target: str | None, default: str) -> str:
    """Follow only same-site paths (no scheme, no host, not '//...')."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def actor() -> str:
    """Who is making a change, for history."""
    return current_user.label if current_user.is_authenticated else "anonymous"


def client_address() -> str:
    """The client's address. Behind N trusted proxies (ASSETMAP_TRUST_PROXY=N) it is the Nth address
    from the right of X-Forwarded-For, as Werkzeug's ProxyFix reads it: the leftmost entries are
    whatever the client sent, so they are never trusted."""
    trusted = int(current_app.config.get("TRUST_PROXY") or 0)
    if trusted > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.remote_addr or "unknown"


def client_key() -> str:
    """A hashed client address for rate limits (the address itself is never stored)."""
    addr = client_address()
    return hashlib.sha256((current_app.config["SECRET_KEY"] + addr).encode()).hexdigest()[:24]


def rate_limited(scope: str, limit: int, period_s: int) -> int | None:
    """Count a hit for this client; returns seconds to wait when over the limit, else None."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    allowed, retry = users.hit_rate_limit(get_db(), f"{scope}:{client_key()}", limit, period_s)
    return None if allowed else retry


def init_app(app) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    secure = bool(app.config.get("SECURE_COOKIES"))
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    # A form left open all afternoon must still save: tokens last as long as the session.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "strong"
    csrf.init_app(app)

    @app.before_request
    def _user_in_g():
        g.user = current_user
