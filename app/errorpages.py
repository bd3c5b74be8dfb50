"""Error responses: JSON for the API, a plain page for people, never a stack trace."""

from __future__ import annotations

import sqlite3

from flask import jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.i18n import N_
from assetmap.errors import Busy, Conflict, InvalidParameter, NotFound

MESSAGES = {
    400: N_("Something in the request was not right."),
    401: N_("Please sign in first."),
    403: N_("Your account may not do this. Ask an administrator if you need to."),
    404: N_("This page does not exist. Check the address, or start again from the map."),
    405: N_("This address does not accept that kind of request."),
    409: N_("This was changed by someone else in the meantime."),
    503: N_("The site is busy. Nothing you entered was saved; please try again in a moment."),
    413: N_("The file is too large."),
    429: N_("Too many attempts. Please wait a little and try again."),
    500: N_("Something went wrong on our side. Nothing you entered was saved; please try again."),
}


def _respond(status: int, message: str):
    if request.path.startswith("/api/") or request.path.startswith("/hsds/"):
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _respond(
            400,
            gettext(
                "This form could not be accepted: its security token is missing or out of date "
                "(the page may have been open from an earlier session). Go back, reload the page and send it again; "
                "copy anything long you typed before reloading."
            ),
        )

    @app.errorhandler(InvalidParameter)
    def _invalid(exc):
        return _respond(400, str(exc))

    @app.errorhandler(NotFound)
    def _missing(exc):
        return _respond(404, str(exc))

    @app.errorhandler(Conflict)
    def _conflict(exc):
        return _respond(409, str(exc))

    @app.errorhandler(Busy)
    def _busy(exc):
        response, status = _respond(503, str(exc))
        response = app.make_response((response, status))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(sqlite3.OperationalError)
    def _database(exc):
        text = str(exc)
        if "interrupted" in text:  # ran past ASSETMAP_REQUEST_TIMEOUT_S (app.db.get_db)
            return _respond(503, gettext("This request took too long and was stopped. Try a narrower search."))
        if "locked" in text or "busy" in text:
            return _busy(
                Busy(gettext("The site is busy. Nothing you entered was saved; please try again in a moment."))
            )
        raise exc

    @app.errorhandler(413)
    def _too_large(exc):
        limit = app.config["MAX_UPLOAD_MB"]
        return _respond(
            413,
            f"The file is larger than {limit} MB. Split it into smaller files, or ask an administrator to raise ASSETMAP_MAX_UPLOAD_MB.",
        )

    @app.errorhandler(HTTPException)
    def _http(exc):
        message = MESSAGES.get(exc.code)
        return _respond(exc.code or 500, gettext(message) if message else (exc.description or "Error"))
