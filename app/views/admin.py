"""Administration: accounts and categories (admins only)."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import admin_required
from app.db import get_db
from assetmap import store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.store import users

bp = Blueprint("admin", __name__, url_prefix="/admin")

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


@bp.get("/users")
@admin_required
def users_page():
    return render_template("admin/users.html", users=users.list_users(get_db()), roles=users.ROLES, errors={}, form={})


@bp.post("/users")
@admin_required
def create_user():
    db = get_db()
    form = {k: request.form.get(k, "") for k in ("email", "role")}
    try:
        users.create_user(db, form["email"], request.form.get("password", ""), form["role"], store.now_iso())
    except (InvalidParameter, Conflict) as exc:
        return render_template(
            "admin/users.html", users=users.list_users(db), roles=users.ROLES, errors={"create": str(exc)}, form=form
        ), 400
    flash(
        f"Created {form['email'].strip().lower()} ({form['role']}). Give them the password safely; they can be given a new one here."
    )
    return redirect(url_for("admin.users_page"))


@bp.post("/users/<int:user_id>")
@admin_required
def update_user(user_id: int):
    db = get_db()
    role = request.form.get("role") or None
    active = {"1": True, "0": False}.get(request.form.get("active", ""), None)
    target = users.get_user(db, user_id)
    losing_admin = target["role"] == "admin" and ((role and role != "admin") or active is False)
    if losing_admin and users.count_admins(db) <= 1:
        flash("There must be at least one active administrator.")
        return redirect(url_for("admin.users_page"))
    if user_id == current_user.id and active is False:
        flash("You cannot deactivate your own account.")
        return redirect(url_for("admin.users_page"))
    try:
        users.update_user(db, user_id, role=role, active=active, password=request.form.get("password") or None)
    except InvalidParameter as exc:
        flash(str(exc))
        return redirect(url_for("admin.users_page"))
    flash(f"Updated {target['email']}.")
    return redirect(url_for("admin.users_page"))


CATEGORY_FIELDS = (
    "label",
    "label_fr",
    "colour",
    "symbol",
    "sort_order",
    "description",
    "threshold_urban_m",
    "threshold_rural_m",
    "threshold_basis",
)


def _category_values(form) -> tuple[dict, dict]:
    values = {k: form.get(k, "").strip() for k in CATEGORY_FIELDS}
    errors = {}
    if not values["label"]:
        errors["label"] = "a label is required"
    if not COLOUR_RE.match(values["colour"]):
        errors["colour"] = "colour must look like #1a7f37"
    if not 1 <= len(values["symbol"]) <= 2:
        errors["symbol"] = "the symbol is one or two characters"
    for key in ("sort_order", "threshold_urban_m", "threshold_rural_m"):
        try:
            number = float(values[key]) if values[key] else None
        except ValueError:
            errors[key] = f"{key} must be a number"
            continue
        if number is not None and number < 0:
            errors[key] = f"{key} must not be negative"
        values[key] = int(number) if key == "sort_order" and number is not None else number
    return values, errors


@bp.get("/categories")
@admin_required
def categories():
    return render_template("admin/categories.html", categories=store.list_categories(get_db()), errors={}, new={})


@bp.post("/categories")
@admin_required
def save_category():
    db = get_db()
    slug = request.form.get("slug", "").strip()
    values, errors = _category_values(request.form)
    existing = {c["slug"] for c in store.list_categories(db)}
    if request.form.get("new") and (not SLUG_RE.match(slug) or slug in existing):
        errors["slug"] = "a new category needs an unused slug of lowercase letters, digits and _"
    if not request.form.get("new") and slug not in existing:
        raise InvalidParameter(f"no category {slug!r}")
    if errors:
        return render_template(
            "admin/categories.html", categories=store.list_categories(db), errors={slug: errors}, new=request.form
        ), 400
    store.upsert_categories(db, [{"slug": slug, **values}])
    flash(f"Saved category {values['label']}.")
    return redirect(url_for("admin.categories"))
