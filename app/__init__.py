"""Community asset map and needs assessment: Flask application factory."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from app import config as settings

ROOT = Path(__file__).resolve().parent.parent


def _instance_secret(instance_path: Path) -> str:
    """A random secret kept in instance/secret_key, so sessions survive restarts in development."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def safe_href(url: str | None) -> str | None:
    """An http(s) URL fit for an href (a bare domain gets https://), else None."""
    url = (url or "").strip()
    if re.match(r"^https?://", url, re.I):
        return url
    if re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", url, re.I):
        return "https://" + url
    return None


WEAK_SECRETS = {"dev", "development", "secret", "changeme", "change-me", "test", "default", "password"}


def check_production_secret(key: str | None) -> None:
    """Refuse to run in production without a long, random ASSETMAP_SECRET_KEY."""
    if not key or len(key) < 32 or key.lower() in WEAK_SECRETS or len(set(key)) < 8:
        raise RuntimeError(
            "In production ASSETMAP_SECRET_KEY must be set to a long random value (at least 32 characters), e.g. "
            "export ASSETMAP_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in routes: whole numbers SQLite can hold (up to 2**63 - 1); larger ones are a 404,
    not an overflow deep in a query."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app; configuration from ASSETMAP_* variables, then test_config."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    app.url_map.converters["int"] = RecordIdConverter
    app.config.update(settings.defaults())
    from_env = settings.from_env()
    app.config.update(from_env)
    if test_config:
        app.config.update(test_config)
    if app.config.get("PRODUCTION"):
        check_production_secret(app.config.get("SECRET_KEY"))
        if "SECURE_COOKIES" not in from_env and "SECURE_COOKIES" not in (test_config or {}):
            app.config["SECURE_COOKIES"] = True
    if not app.config.get("DATABASE"):
        app.config["DATABASE"] = str(Path(app.instance_path) / "assetmap.db")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    app.json.sort_keys = False
    app.jinja_env.filters["safe_href"] = safe_href
    # thousands, pct (never rounded to 0% or 100%) and km, as the request's language writes them: app.i18n.
    from app.context import local_time
    from needs_assessment.precision import short as precision_short
    from needs_assessment.precision import source_words

    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["precision_short"] = precision_short
    app.jinja_env.filters["source_words"] = source_words

    from app import auth, cli, db, errorpages, i18n, security
    from app.views import admin, api, assessments, assets, finder, imports, locations, maps, ops, places, suggestions
    from app.views import auth as auth_views
    from app.views import hsds as hsds_views
    from app.views import uptake as uptake_views
    from app.views import uptake_api as uptake_api_views
    from app.views import uptake_imports as uptake_import_views

    db.init_app(app)
    auth.init_app(app)
    cli.init_app(app)
    i18n.init_app(app, str(ROOT / "translations"))
    errorpages.init_app(app)
    security.init_app(app)
    for blueprint in (
        maps.bp,
        api.bp,
        finder.bp,
        finder.api_bp,
        auth_views.bp,
        assets.bp,
        locations.bp,
        imports.bp,
        suggestions.bp,
        admin.bp,
        places.bp,
        ops.bp,
        hsds_views.bp,
        assessments.bp,
        uptake_views.bp,
        uptake_api_views.bp,
        uptake_import_views.bp,
    ):
        app.register_blueprint(blueprint)
    auth.csrf.exempt(api.reach_scenario)  # computes only; saves nothing and reads no session
    return app
