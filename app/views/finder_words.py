"""Words people read on the finder's pages and in its API, in the request's language.

Plain results (services.finder) get their labels, distances in words, the one line naming what is
not known, and a directions link only where there is somewhere to go.

A card's words that change only with the data (its labels, lists, what is not known, a street
address's search link) are made once per asset, locale and data version and kept with the finder
index (Cards, at most CARDS_KEPT per locale); those of the search (a distance, open now, details
over two years old, a route from the searched place) are added to every result.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from babel.lists import format_list
from flask_babel import format_decimal, get_locale, gettext, lazy_gettext

from app.i18n import current_language
from assetmap.services import finder
from assetmap.services.areadata import LRU
from assetmap.services.finder_index import FinderIndex
from assetmap.vocab import subcategories
from needs_assessment.precision import PRECISE

# Vocabulary words shown to people (the stored values are in app/supports.py).
LANGUAGE_LABELS = {
    "en": lazy_gettext("English"),
    "fr": lazy_gettext("French"),
    "oj": lazy_gettext("Ojibwe"),
    "cr": lazy_gettext("Cree"),
    "moh": lazy_gettext("Mohawk"),
    "es": lazy_gettext("Spanish"),
    "pt": lazy_gettext("Portuguese"),
    "de": lazy_gettext("German"),
    "it": lazy_gettext("Italian"),
    "pl": lazy_gettext("Polish"),
    "uk": lazy_gettext("Ukrainian"),
    "ar": lazy_gettext("Arabic"),
    "zh": lazy_gettext("Chinese"),
    "pa": lazy_gettext("Punjabi"),
    "tl": lazy_gettext("Tagalog"),
    "ase": lazy_gettext("American Sign Language"),
    "fcs": lazy_gettext("Quebec Sign Language"),
}
FILTER_LANGUAGES = ("en", "fr", "oj", "cr", "moh")
WHEELCHAIR_LABELS = {
    "yes": lazy_gettext("wheelchair accessible"),
    "limited": lazy_gettext("partly wheelchair accessible"),
    "no": lazy_gettext("not wheelchair accessible"),
}
COST_LABELS = {"free": lazy_gettext("free"), "low": lazy_gettext("low cost"), "fee": lazy_gettext("fees apply")}
AGE_LABELS = {
    "children": lazy_gettext("children (0–12)"),
    "youth": lazy_gettext("youth (13–24)"),
    "adults": lazy_gettext("adults (25–64)"),
    "seniors": lazy_gettext("seniors (65+)"),
    "all": lazy_gettext("all ages"),
}
OPEN_LABELS = {
    "open": lazy_gettext("open"),
    "closed": lazy_gettext("closed"),
    "unknown": lazy_gettext("hours not known"),
}


# --- words ------------------------------------------------------------------------------------

# Words already looked up, per locale: a result card has a dozen of them, and each Babel lookup
# (gettext, a lazy label, a list or number format) costs tens of microseconds. Keys are the
# message (or a label's table and code); values are what gettext / str() / Babel gave.
_WORDS: dict[str, dict] = {}


def request_words() -> dict:
    """The words of the request's locale (look it up once, pass it to decorate for every result)."""
    locale = str(get_locale() or "en")
    words = _WORDS.get(locale)
    if words is None:
        words = _WORDS.setdefault(locale, {"language": current_language()})
    return words


_words = request_words


def _text(words: dict, message: str, **variables) -> str:
    """gettext(message, **variables), the translation looked up once per locale."""
    template = words.get(message)
    if template is None:
        template = words[message] = gettext(message)  # no variables: the translated template as it is
    return template % variables if variables else template


def _label(words: dict, table: str, labels: dict, code: str) -> str:
    """str() of a lazy label, once per locale."""
    key = (table, code)
    text = words.get(key)
    if text is None:
        text = words[key] = str(labels[code])
    return text


def distance_text(metres: float, words: dict | None = None) -> str:
    """'about 3 km, straight line': rounded so it claims no more than it knows."""
    if metres < 950:
        value, unit = max(100, round(metres / 100) * 100), "m"
    else:
        km = metres / 1000
        value, unit = (round(km * 2) / 2 if km < 10 else round(km)), "km"
    words = _words() if words is None else words
    key = ("distance", unit, value)
    text = words.get(key)
    if text is None:
        if unit == "m":
            text = gettext("about %(distance)s m, straight line", distance=format_decimal(value))
        else:
            text = gettext("about %(distance)s km, straight line", distance=format_decimal(value, format="#,##0.#"))
        if len(words) < 10_000:  # distances are rounded: a few hundred at most
            words[key] = text
    return text


def place_text(result: dict, words: dict | None = None) -> str:
    """Where a result is, in words, without a false distance."""
    words = _words() if words is None else words
    if result["location"] == "distance" and result.get("distance_m") is not None:
        return distance_text(result["distance_m"], words)
    return _place_words(result, words)


def _place_words(result: dict, words: dict) -> str:
    """place_text without a distance (what the data alone says)."""
    if result["location"] == "confidential":
        if not result.get("phone"):  # never tell people to call where there is no number
            return _text(words, "location confidential")
        return _text(words, "location confidential: contact them by phone")
    # A point with no distance (no place searched) or a town's point: the town is what is known.
    if result["location"] in ("community", "distance") and result.get("place"):
        return _text(words, "in %(community)s", community=result["place"])
    if result.get("place"):
        return _text(words, "location not known (%(area)s)", area=result["place"])
    return _text(words, "location not known")


def origin_note(origin: finder.Origin | None, words: dict | None = None) -> str | None:
    """What the distances are measured from, and how rough that is."""
    if origin is None:
        return None
    words = _words() if words is None else words
    if origin.precision == "rural_postal_code" and origin.postal_code:
        return _text(
            words,
            "%(code)s is a rural postal code covering a wide area; distances are approximate.",
            code=origin.postal_code,
        )
    if origin.precision == "rural_postal_code":
        return _text(
            words,
            "%(place)s is located only roughly (a rural postal area); distances are approximate.",
            place=origin.label,
        )
    if origin.precision in ("community", "municipality"):
        return _text(words, "Distances are measured from the centre of %(place)s.", place=origin.label)
    if origin.precision == "coordinates":
        return _text(words, "Distances are measured from the point you gave.")
    return _text(words, "Distances are measured from %(place)s.", place=origin.label)


def category_labels(rows: list[dict]) -> dict[str, str]:
    """Category slug -> label in the request's language, from rows of slug, label, label_fr (the
    finder index keeps them: not store.list_categories(), whose counts cost a scan at 100k assets)."""
    french = current_language() == "fr"
    return {c["slug"]: (c["label_fr"] if french and c["label_fr"] else c["label"]) for c in rows}


def subcategory_label(text: str | None, language: str | None = None) -> tuple[str | None, str | None]:
    """(words, language tag when they stay in the source's English on a French page)."""
    if not text or (language or current_language()) != "fr":
        return text, None
    french = subcategories.french(text)
    return (french, None) if french else (text, "en")


def _list_words(codes: str | None, labels: dict, table: str = "", words: dict | None = None) -> str | None:
    if not codes:
        return None
    if words is None:
        return ", ".join(str(labels.get(c, c)) for c in codes.split(","))
    return ", ".join(_label(words, table, labels, c) if c in labels else c for c in codes.split(","))


# A card's details in the order shown, as the one line names those a support does not state.
UNKNOWN_WORDS = {
    "address": lazy_gettext("Address"),
    "phone": lazy_gettext("Phone"),
    "website": lazy_gettext("Website"),
    "hours": lazy_gettext("Hours"),
    "languages": lazy_gettext("Languages"),
    "accessibility": lazy_gettext("Accessibility"),
    "cost": lazy_gettext("Cost"),
    "serves": lazy_gettext("Who it serves"),
    "verified": lazy_gettext("Date last checked"),
}


def details(result: dict) -> dict[str, str | None]:
    """The text of each card detail (None when not known); a confidential site has no address."""
    return _with_seen(_known_details(result), result)


def _with_seen(known: dict[str, str | None], result: dict) -> dict[str, str | None]:
    """A copy of the details with when they were last seen, unless that is old (old_year: flagged
    instead)."""
    if result.get("last_seen") and not result.get("old_year"):
        return {**known, "seen": result["last_seen"]}
    return dict(known)


def _known_details(result: dict) -> dict[str, str | None]:
    out = {
        "address": ", ".join(p for p in (result.get("address"), result.get("place"), result.get("postal_code")) if p),
        "phone": result.get("phone"),
        "website": result.get("website"),
        "hours": result.get("hours_text"),
        "languages": result.get("languages_text"),
        "accessibility": "; ".join(p for p in (result.get("wheelchair_text"), result.get("accessibility")) if p),
        "cost": "; ".join(_distinct(result.get("cost_text"), result.get("cost"))),
        "serves": "; ".join(p for p in (result.get("ages_text"), result.get("eligibility")) if p),
        "verified": result.get("verified_date"),
    }
    if result["location"] == "confidential":
        del out["address"]
    return {k: (v or None) for k, v in out.items()}


def _distinct(*texts: str | None) -> list[str]:
    """The texts given, without blanks or one repeating another ('Free' and 'free')."""
    out: list[str] = []
    for text in texts:
        if text and text.strip().casefold() not in {o.strip().casefold() for o in out}:
            out.append(text)
    return out


def unknown_list(known: dict[str, str | None], words: dict | None = None) -> str | None:
    """The details not known, as one list in words: 'phone, hours and cost'."""
    missing = tuple(k for k, v in known.items() if v is None)
    if not missing:
        return None
    words = _words() if words is None else words
    key = ("unknown_list", missing)
    text = words.get(key)
    if text is None:  # at most 2^9 combinations per locale
        names = [_label(words, "unknown", UNKNOWN_WORDS, k) for k in missing]
        text = words[key] = format_list([m[:1].lower() + m[1:] for m in names], locale=str(get_locale() or "en"))
    return text


def unknown_text(known: dict[str, str | None], words: dict | None = None) -> str | None:
    """One line for everything not known: 'Phone, hours and cost not known — check before you go.'"""
    words = _words() if words is None else words
    listed = unknown_list(known, words)
    if listed is None:
        return None
    sentence = _text(words, "%(details)s not known — check before you go.", details=listed)
    return sentence[:1].upper() + sentence[1:]


# The cards' own helpers: on the page, not in the API.
PAGE_ONLY = ("details", "unknown_list", "subcategory_lang", "mailing_address")
ROUTE_URL = "https://www.openstreetmap.org/directions?route="
ROUTE_BETWEEN = quote(";")  # quote() takes a character at a time: quote(a + ";" + b) is the three joined


@dataclass(frozen=True, slots=True)
class DataWords:
    """The words of a card that change only with the data and the locale, in decorate's order, and
    the end of a route to its precise point."""

    words: dict
    route_end: str | None


def data_words(result: dict, labels: dict[str, str], words: dict) -> DataWords:
    """What decorate adds to a result that its search does not change; the rest (a distance, the
    open state's words, the age of the details, a route from the searched place) is None here."""
    out: dict = {}
    out["category_label"] = labels.get(result["category"], result["category"])
    out["subcategory_label"], out["subcategory_lang"] = subcategory_label(result.get("subcategory"), words["language"])
    out["place_text"] = _place_words(result, words)
    out["open_text"] = None
    out["languages_text"] = _list_words(result.get("language_codes"), LANGUAGE_LABELS, "language", words) or result.get(
        "languages"
    )
    wheelchair, cost = result.get("wheelchair"), result.get("cost_level")
    out["wheelchair_text"] = _label(words, "wheelchair", WHEELCHAIR_LABELS, wheelchair) if wheelchair else None
    out["cost_text"] = _label(words, "cost", COST_LABELS, cost) if cost else None
    out["ages_text"] = _list_words(result.get("age_groups"), AGE_LABELS, "age", words)
    end = route_end(result)
    out["directions_url"] = None if end is not None else directions_url(result, None)
    out["old_text"] = None
    out["mailing_address"] = result.get("address_kind") == "mailing"
    out["details"] = _known_details({**result, **out})
    out["unknown_list"] = unknown_list(out["details"], words)  # "seen" is never unknown: the same with it
    out["unknown_text"] = unknown_text(out["details"], words)
    return DataWords(out, end)


def card(result: dict, known: DataWords, start: str, words: dict, *, api: bool = False) -> dict:
    """A result with its words: `known` (data_words of the result) and those of this search;
    `start`: route_start() of the searched place. api: without the page's helpers (PAGE_ONLY)."""
    out = {**result, **known.words}
    if result["location"] == "distance" and result.get("distance_m") is not None:
        out["place_text"] = distance_text(result["distance_m"], words)
    out["open_text"] = _label(words, "open", OPEN_LABELS, result["open_state"])
    if known.route_end is not None:
        out["directions_url"] = ROUTE_URL + start + ROUTE_BETWEEN + known.route_end
    if result.get("old_year"):
        out["old_text"] = _text(words, "Last seen %(year)s — check before you go.", year=result["old_year"])
    if api:
        for key in PAGE_ONLY:
            del out[key]
    else:
        out["details"] = _with_seen(out["details"], result)
    return out


def decorate(result: dict, labels: dict[str, str], origin: finder.Origin | None, words: dict | None = None) -> dict:
    """Add the words people read (in the request's language) to a plain result; `words`:
    request_words(), when the caller decorates many (Cards keeps them per data version)."""
    words = _words() if words is None else words
    return card(result, data_words(result, labels, words), route_start(origin), words)


CARDS_KEPT = 10_000  # the data's words of this many results per locale and data version (about 1.5 KB each)


class Cards:
    """Result cards in one locale for one data version: the words that change only with the data
    are made once per asset and kept (data_words), those of the search are added per result."""

    def __init__(self, labels: dict[str, str], words: dict):
        self.labels, self.words, self.kept = labels, words, LRU(CARDS_KEPT)

    def card(self, result: dict, start: str, *, api: bool = False) -> dict:
        """decorate(result) for the searched place whose route_start() is `start`."""
        known = self.kept.get(result["id"])
        if known is None:
            known = self.kept.put(result["id"], data_words(result, self.labels, self.words))
        return card(result, known, start, self.words, api=api)


def request_cards(index: FinderIndex) -> Cards:
    """The cards of the index's data version in the request's locale (kept with the index)."""
    key = ("cards", str(get_locale() or "en"))
    found = index.memo.get(key)
    if found is None:
        found = index.memo.setdefault(key, Cards(category_labels(index.categories), request_words()))
    return found


def route_start(origin: finder.Origin | None) -> str:
    """The start of a route from the searched place, quoted ('' when there is none or it is rough)."""
    return quote(f"{origin.latitude:.5f},{origin.longitude:.5f}") if origin and not origin.approximate else ""


def route_end(result: dict) -> str | None:
    """The end of a route to the result's precise point, quoted; None when it has none."""
    if result["location"] == "distance" and result.get("location_precision") in PRECISE:
        return quote(f"{result['latitude']},{result['longitude']}")
    return None


def directions_url(result: dict, origin: finder.Origin | None) -> str | None:
    """An OpenStreetMap link: a route to a precise point, else a search for a *street* address.

    Never from a mailing address (a PO box is not where people go) nor from an address whose kind
    is not known to be a street address (descriptions such as "Corner of Queen St and West St").
    """
    end = route_end(result)
    if end is not None:
        return ROUTE_URL + route_start(origin) + ROUTE_BETWEEN + end
    if result["location"] in ("distance", "community") and result.get("address") and street_address(result):
        text = ", ".join(p for p in (result["address"], result.get("place"), result.get("postal_code")) if p)
        return "https://www.openstreetmap.org/search?" + urlencode({"query": text})
    return None


def street_address(result: dict) -> bool:
    """True when the result's address is a street address people can go to (address_kind 'street')."""
    return result.get("address_kind") == "street"
