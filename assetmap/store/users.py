"""Accounts and roles, and a rate limiter shared by every worker process. No Flask here.

Roles: 'admin' (manages users and categories, can purge), 'editor' (adds, edits, archives assets,
moderates suggestions) and 'public' (reads and suggests, like anyone without an account).
Passwords are stored as werkzeug scrypt hashes.
"""

from __future__ import annotations

import math
import re
import time

from sqlite_utils import Database, Migrations
from werkzeug.security import check_password_hash, generate_password_hash

from assetmap.errors import Conflict, InvalidParameter, NotFound
from assetmap.store.db import transaction

ROLES = ("admin", "editor", "public")
EDIT_ROLES = ("admin", "editor")
MIN_PASSWORD_LENGTH = 10
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

migrations = Migrations("users")


@migrations()
def m001_users(db: Database) -> None:
    db["users"].create(
        {
            "id": int,
            "email": str,
            "password_hash": str,
            "role": str,
            "active": int,
            "created_at": str,
            "last_login_at": str,
        },
        pk="id",
        not_null={"email", "password_hash", "role", "active"},
        defaults={"active": 1},
    )
    db["users"].create_index(["email"], unique=True)
    # Fixed-window counters for rate limits; in SQLite so every worker process shares them.
    db["rate_limits"].create({"key": str, "window": int, "count": int}, pk=("key", "window"))


@migrations()
def m002_session_version(db: Database) -> None:
    # Part of every session's identity: bumping it ends all of the user's sessions at once
    # (logout, password change, an admin's reset or deactivation).
    db["users"].add_column("session_version", int, not_null_default=1)


def normalise_email(email: str) -> str:
    """Trimmed, lowercased email; InvalidParameter when it does not look like one."""
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidParameter(f"{email!r} is not an email address")
    return email


def check_password_rules(password: str) -> None:
    """Raise InvalidParameter unless the password is long enough."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidParameter(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_user(db: Database, email: str, password: str, role: str, now: str) -> dict:
    """Create an account; raises InvalidParameter for bad input and Conflict when the email exists."""
    email = normalise_email(email)
    if role not in ROLES:
        raise InvalidParameter(f"role must be one of {', '.join(ROLES)}")
    check_password_rules(password)
    password_hash = generate_password_hash(password)
    with transaction(db):
        if db.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchone():
            raise Conflict(f"an account for {email} already exists")
        db["users"].insert(
            {"email": email, "password_hash": password_hash, "role": role, "active": 1, "created_at": now}
        )
    return get_user_by_email(db, email)


def get_user(db: Database, user_id: int) -> dict:
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    if not rows:
        raise NotFound(f"no user with id {user_id}")
    return rows[0]


def get_user_by_email(db: Database, email: str) -> dict | None:
    rows = list(db.query("SELECT * FROM users WHERE email = ?", [(email or "").strip().lower()]))
    return rows[0] if rows else None


def authenticate(db: Database, email: str, password: str) -> dict | None:
    """The active user with this email and password, else None (same answer for every failure)."""
    user = get_user_by_email(db, email)
    if user is None:
        # Spend the same time as a real check, so response times do not reveal which emails exist.
        check_password_hash(generate_password_hash("timing"), password or "")
        return None
    if not check_password_hash(user["password_hash"], password or "") or not user["active"]:
        return None
    return user


def list_users(db: Database) -> list[dict]:
    return list(db.query("SELECT id, email, role, active, created_at, last_login_at FROM users ORDER BY email"))


def update_user(
    db: Database, user_id: int, *, role: str | None = None, active: bool | None = None, password: str | None = None
) -> dict:
    """Change a user's role, active flag or password."""
    get_user(db, user_id)
    changes: dict = {}
    if role is not None:
        if role not in ROLES:
            raise InvalidParameter(f"role must be one of {', '.join(ROLES)}")
        changes["role"] = role
    if active is not None:
        changes["active"] = 1 if active else 0
    if password:
        check_password_rules(password)
        changes["password_hash"] = generate_password_hash(password)
    if changes:
        with transaction(db):
            db["users"].update(user_id, changes)
            if "password_hash" in changes or changes.get("active") == 0:
                _bump_sessions(db, user_id)
    return get_user(db, user_id)


def _bump_sessions(db: Database, user_id: int) -> None:
    db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [user_id])


def end_sessions(db: Database, user_id: int) -> None:
    """End every session of the user (signing out everywhere)."""
    with transaction(db):
        _bump_sessions(db, user_id)


def record_login(db: Database, user_id: int, now: str) -> None:
    """Note when the user last signed in."""
    with transaction(db):
        db["users"].update(user_id, {"last_login_at": now})


def count_admins(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]


def hit_rate_limit(db: Database, key: str, limit: int, period_s: int, now: float | None = None) -> tuple[bool, int]:
    """Count one hit for key in the current window; returns (allowed, seconds until the window resets)."""
    now = time.time() if now is None else now
    window = int(now // period_s)
    with transaction(db):
        db.execute(
            "INSERT INTO rate_limits (key, window, count) VALUES (?, ?, 1) "
            "ON CONFLICT(key, window) DO UPDATE SET count = count + 1",
            [key, window],
        )
        count = db.execute("SELECT count FROM rate_limits WHERE key = ? AND window = ?", [key, window]).fetchone()[0]
        # Old windows are of no further use.
        db.execute("DELETE FROM rate_limits WHERE key = ? AND window < ?", [key, window])
    retry_after = int(math.ceil((window + 1) * period_s - now))
    return count <= limit, retry_after
