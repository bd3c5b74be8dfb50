"""Languages of the public pages (English, French) through Flask-Babel.

The language is `?lang=en|fr` when given (remembered in a cookie for a year), else the cookie,
else the browser's Accept-Language, else English. Catalogues live in translations/ (the .po files
are committed; scripts/_venv.sh compiles them to .mo on every serve and test run).

Strings the map scripts show are handed to them as a JSON catalogue (`js_catalogue`), looked up
by `AM.t()` in static/js/common.js.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, request
from flask_babel import Babel, format_decimal, format_percent, get_locale, get_translations, gettext

LANGUAGES = ("en", "fr")
# The locale each language is formatted in: French as French Canadian writes numbers (31 827; 1,6 km).
LOCALES = {"en": "en_CA", "fr": "fr_CA"}
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
COOKIE = "lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where it is shown)."""
    return message


# Strings shown by static/js/*.js: extracted by pybabel from here, translated per request.
JS_MESSAGES = [
    N_("Category"),
    N_("Address"),
    N_("Phone"),
    N_("Website"),
    N_("Hours (as last seen)"),
    N_("Location"),
    N_("Source"),
    N_("source page"),
    N_("Details are as last seen on the source; check before you go."),
    N_("Loading…"),
    N_("Could not load details: %(error)s"),
    N_("Could not load population areas: %(error)s"),
    N_("Could not load municipality outlines: %(error)s"),
    N_("Could not load assets: %(error)s"),
    N_("%(count)s assets in view. Hollow markers are approximate points."),
    N_("Population %(population)s · %(label)s: %(value)s"),
    N_("no data"),
    N_("under %(value)s"),
    N_("%(value)s and over"),
    N_("%(low)s to %(high)s"),
    N_("1 (least deprived fifth)"),
    N_("5 (most deprived fifth)"),
    N_("1 asset"),
    N_("%(count)s assets"),
    N_("confidential location"),
    N_("location unknown"),
    N_("Your location"),
    N_("Finding your location…"),
    N_("Your browser could not give your location: %(error)s"),
    N_("Make a handout of the selected supports (%(count)s)"),
    N_("Precise points only are shown on the map; others are listed “in” their community."),
    N_("Suggest a correction"),
    # static/js/reach.js
    N_("By travel time to the nearest site. Area shapes are approximate."),
    N_("; nearest %(minutes)s min"),
    N_(
        "Suggestions are measured by straight line: choose “Straight line” to get one, "
        "then place it on the map to measure it by travel time."
    ),
    N_("Measured on the road network: the travel-time matrix has no times to a new site."),
    N_("everyone reached"),
    N_("up to 25% beyond reach"),
    N_("25–50%"),
    N_("50–75%"),
    N_("over 75%"),
    N_("Share of people beyond reach"),
    N_("%(label)s (%(areas)s areas, %(people)s beyond reach)"),
    N_("no census count"),
    N_("Rings: reach of each site (solid in town, dashed elsewhere). Area shapes are approximate."),
    N_("Outlined in black: uncertain, an asset left out for its approximate point is nearer than any used."),
    N_("Uncertain: an asset left out for its approximate point is nearer."),
    N_("fewer than %(n)s of %(population)s people beyond reach"),
    N_("Cannot be measured"),
    N_("not shown"),
    N_("%(unreached)s of %(population)s people beyond reach"),
    N_("; nearest about %(km)s km by road (estimated)"),
    N_("Put it back"),
    N_("What if this closed?"),
    N_("Hypothetical site"),
    N_("Calculating…"),
    N_("%(count)s more people reached"),
    N_("%(count)s more people beyond reach"),
    N_("no change in who is reached"),
    N_("People beyond reach: %(before)s → %(after)s (%(words)s)."),
    N_("New sites: %(added)s. Sites closed: %(removed)s. Nothing was saved."),
    N_("Could not compute the scenario: %(error)s"),
    N_("%(unreached)s of %(population)s people beyond reach."),
    N_("Could not load the analysis: %(error)s"),
    N_("Click the map where the new site would be."),
    N_("Searching the area centres…"),
    N_("Best site for %(weight)s: near the centre of %(area)s (on its own it would reach %(count)s more)."),
    N_("Could not suggest a site: %(error)s"),
    # static/js/uptake.js
    N_("Use of the service compared with expected (95%)"),
    N_("significantly lower"),
    N_("similar"),
    N_("significantly higher"),
    N_("Near or far, and use of the service"),
    N_("near but using it less: barriers other than distance"),
    N_("far and using it less: distance may be the barrier"),
    N_("far, using it as expected or more"),
    N_("near, using it as expected or more"),
    N_("not shown (small numbers or no people)"),
    N_("%(label)s (%(areas)s areas)"),
    N_("Area shapes are approximate."),
    N_("count not shown (small numbers)"),
    N_("%(observed)s used, %(expected)s expected: ratio %(ratio)s, likely between %(low)s and %(high)s"),
    N_("no people counted"),
    N_("%(count)s areas use %(service)s significantly less than expected."),
]


# Labels the demo data stores in English (app/demo.py), shown in the map's legend, and the places'
# help lines (assetmap.place.COUNTRIES), printed on handouts.
DATA_MESSAGES = [
    N_("Call or text 211"),
    N_("Call or text 211 (Ontario), any time, for help finding community and social services"),
    N_("Deprivation (CIMD 2021): residential instability, national quintile"),
    N_("Deprivation (CIMD 2021): ethno-cultural composition, national quintile"),
    N_("Deprivation (CIMD 2021): economic dependency, national quintile"),
    N_("Deprivation (CIMD 2021): situational vulnerability, national quintile"),
    # Labels new-place stores for England (services.place_rows)
    N_("IMD 2025: decile (1 = most deprived tenth of England)"),
    N_("IMD 2019: decile (1 = most deprived tenth of England)"),
    N_("Core20: the most deprived fifth of England (IMD 2025 deciles 1–2)"),
    N_("Core20: the most deprived fifth of England (IMD 2019 deciles 1–2)"),
    N_("IMD 2025 — income: decile (1 = most deprived tenth of England)"),
    N_("IMD 2025 — employment: decile (1 = most deprived tenth of England)"),
    N_("IMD 2025 — education, skills and training: decile (1 = most deprived tenth of England)"),
    N_("IMD 2025 — health deprivation and disability: decile (1 = most deprived tenth of England)"),
    N_("IMD 2025 — crime: decile (1 = most deprived tenth of England)"),
    N_("IMD 2025 — barriers to housing and services: decile (1 = most deprived tenth of England)"),
    N_("IMD 2025 — living environment: decile (1 = most deprived tenth of England)"),
    N_("People aged 0 to 15"),
    N_("People aged 16 to 64"),
    N_("People aged 65 and over"),
    N_("people"),
]


def select_locale() -> str:
    """The request's locale (LOCALES) for its language: ?lang=, then the cookie, then
    Accept-Language, then English."""
    return LOCALES[_select_language()]


def _select_language() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def thousands(value: float | None) -> str:
    """A whole number as the request's language writes it: '31,827' / '31 827'; None as '–'."""
    return "–" if value is None else format_decimal(round(float(value)), format="#,##0")


def percent(share: float | None) -> str:
    """A share as a whole percentage in the request's language ('25%' / '25 %'), never rounded to
    0% or 100% when it is neither ('<1%', '>99%'); None as '–'."""
    if share is None:
        return "–"
    if 0 < share < 0.005:
        return "<" + format_percent(0.01)
    if 0.995 <= share < 1:
        return ">" + format_percent(0.99)
    return format_percent(share)


def kilometres(metres: float | None) -> str:
    """A distance in km, one decimal under 10 km: '1.6 km' / '1,6 km'."""
    if metres is None:
        return "–"
    return format_decimal(metres / 1000, format="#,##0.0" if metres < 10_000 else "#,##0") + " km"


def current_language() -> str:
    """'en' or 'fr' for the current request."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else LANGUAGES[0]


def switch_url(lang: str) -> str:
    """The current page's URL in another language (other query parameters kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    return request.path + "?" + urlencode(args)


def js_catalogue() -> dict[str, str]:
    """The JavaScript strings translated into the request's language (only those that differ)."""
    out = {}
    for message in JS_MESSAGES:
        translated = gettext(message)
        if translated != message:
            out[message] = translated
    return out


def category_label(category: dict) -> str:
    """A category's label in the request's language (label_fr in French when there is one)."""
    if current_language() == "fr" and category.get("label_fr"):
        return category["label_fr"]
    return category["label"]


def _remember(response):
    wanted = request.args.get("lang")
    if wanted in LANGUAGES and not request.path.startswith(("/api/", "/static/")):
        if request.cookies.get(COOKIE) != wanted:
            response.set_cookie(COOKIE, wanted, max_age=COOKIE_MAX_AGE_S, samesite="Lax")
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def compile_catalogues(translations_dir: str | Path) -> list[Path]:
    """Compile each message catalogue (.po) whose .mo is missing or older, as `pybabel compile` does:
    an app started with plain `flask run` on a fresh clone speaks French too. Returns those compiled;
    a read-only tree is left as it is (the pages then stay in English)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(Path(translations_dir).glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as source:
                catalogue = read_po(source)
            tmp = mo.with_suffix(".mo.tmp")
            with tmp.open("wb") as out:
                write_mo(out, catalogue)
            tmp.replace(mo)
            compiled.append(mo)
        except OSError:
            continue
    return compiled


def init_app(app: Flask, translations_dir: str) -> None:
    """Set up Flask-Babel (compiling stale catalogues first), the language cookie and the template helpers."""
    compile_catalogues(translations_dir)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translations_dir)
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember)
    app.jinja_env.globals.update(
        current_language=current_language,
        switch_url=switch_url,
        language_names=LANGUAGE_NAMES,
        languages=LANGUAGES,
        js_catalogue=js_catalogue,
        category_label=category_label,
    )
    app.jinja_env.filters.update(thousands=thousands, pct=percent, km=kilometres)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Templates look the catalogue up once per request, not once per string (a results page holds
    # hundreds): Flask-Babel's own callables resolve the request context on every call.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def _translations():
    """This request's translations, fetched from Flask-Babel once and kept on `g`."""
    cached = g.get("_babel_translations")
    if cached is None:
        cached = g._babel_translations = get_translations()
    return cached
