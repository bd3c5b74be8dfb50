"""Error pages in the request's language (JSON under /api/)."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException


def _page(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def init_app(app) -> None:
    """Register HTML error pages for 404, 405 and 500."""

    @app.errorhandler(404)
    def not_found(_exc: HTTPException):
        return _page(404, gettext("This page does not exist. Check the address, or start again from the map."))

    @app.errorhandler(405)
    def not_allowed(_exc: HTTPException):
        return _page(405, gettext("This address does not accept that kind of request."))

    @app.errorhandler(500)
    def server_error(_exc: Exception):
        return _page(500, gettext("Something went wrong on our side. Please try again later."))
