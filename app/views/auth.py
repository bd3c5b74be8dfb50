"""Sign in and out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from app import auth
from app.db import get_db
from assetmap import store
from assetmap.store import users

bp = Blueprint("auth", __name__)

LOGIN_LIMIT = (10, 300)  # attempts per client per 5 minutes


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign-in form; attempts are rate limited per client."""
    error = None
    email = ""
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "")
        wait = auth.rate_limited("login", *LOGIN_LIMIT)
        if wait is not None:
            error = gettext(
                "Too many sign-in attempts. Please wait %(minutes)s minutes and try again.", minutes=wait // 60 + 1
            )
            status = 429
        else:
            db = get_db()
            user = users.authenticate(db, email, request.form.get("password", ""))
            if user is None:
                error = gettext("That email and password do not match an active account.")
                status = 401
            else:
                users.record_login(db, user["id"], store.now_iso())
                login_user(auth.User(user))
                flash(f"Signed in as {user['email']}.")
                return redirect(auth.safe_next(request.args.get("next"), url_for("maps.index")))
    return render_template("auth/login.html", error=error, email=email), status


@bp.post("/logout")
def logout():
    """Sign out everywhere: every session of this account ends, not only this browser's."""
    if current_user.is_authenticated:
        users.end_sessions(get_db(), current_user.id)
    logout_user()
    flash("Signed out.")
    return redirect(url_for("maps.index"))
