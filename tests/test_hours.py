"""Opening hours: the free-text converter and open / closed / unknown at a moment."""

from datetime import UTC, date, datetime

import pytest

from assetmap.vocab import hours


@pytest.mark.parametrize(
    "text, expected",
    [
        # every hours_text of the embedded Muskoka data that converts
        ("Mon-Fri 8:30 a.m.-4:30 p.m.", "Mo-Fr 08:30-16:30"),
        ("24 hours", "24/7"),
        ("24 h, 365 days", "24/7"),
        # ... and the ones that must stay unknown (extra words, no days, truncated, examples)
        ("Customer service Mon-Fri 8:30 a.m.-4:30 p.m.", None),  # a desk's hours, not the site's
        ("Town parks open 7 a.m.-11 p.m.", None),
        ("8:30 a.m.-4:30 p.m. (2020)", None),  # no days
        ("Mon-Fri 7:30 a.m.-6:30 p.m.; Saturday service (hours truncated on page)", None),
        ("Tuesdays 1-3 p.m. (free soup lunch)", None),
        ("Support services 24/7", None),
        ("By appointment (Oct 2021)", None),
        ("Example (Feb 2020): Thu 5:30 a.m.-11 p.m., Fri 5:30 a.m.-10 p.m., Sat 7 a.m.-8 p.m.", None),
        ("", None),
        (None, None),
        # the grammar
        ("Tuesdays 1-3 p.m.", "Tu 13:00-15:00"),  # the start borrows the end's p.m.
        ("Mon-Fri 11-1 p.m.", None),  # 11 a.m. or p.m.? ambiguous
        ("Daily 9-5", None),  # no a.m./p.m., no colon
        ("Daily 09:00-17:00", "Mo-Su 09:00-17:00"),
        ("Mon, Wed & Fri 9:00-17:00", "Mo,We,Fr 09:00-17:00"),
        ("Monday to Friday 9 a.m. to noon, 1-4:30 p.m.", "Mo-Fr 09:00-12:00,13:00-16:30"),
        ("Mon–Fri 8:30 am – 4:30 pm; Sat 10 a.m.-2 p.m.", "Mo-Fr 08:30-16:30; Sa 10:00-14:00"),
        ("Fri-Sat 8 p.m.-2 a.m.", "Fr-Sa 20:00-02:00"),  # past midnight
        ("Mon-Sun 12 a.m.-midnight", "24/7"),
        ("Sat-Mon 9 a.m.-5 p.m.", None),  # wrapping day ranges are not accepted
        ("Mon-Fri 13 p.m.-5 p.m.", None),
    ],
)
def test_from_text(text, expected):
    assert hours.from_text(text) == expected


# 2026-11-24 is a Tuesday; 2026-11-27 a Friday; 2026-12-25 (Christmas) a Friday.
@pytest.mark.parametrize(
    "expression, moment, expected",
    [
        ("Mo-Fr 08:30-16:30", "2026-11-24T10:00", "open"),
        ("Mo-Fr 08:30-16:30", "2026-11-24T08:29", "closed"),
        ("Mo-Fr 08:30-16:30", "2026-11-24T16:30", "closed"),  # the end is exclusive
        ("Mo-Fr 08:30-16:30", "2026-11-29T10:00", "closed"),  # Sunday: a closed day
        ("Fr-Sa 20:00-02:00", "2026-11-28T01:00", "open"),  # Saturday 1 a.m.: Friday night's hours
        ("Fr-Sa 20:00-02:00", "2026-11-29T01:30", "open"),  # Sunday 1:30 a.m.: Saturday night's
        ("Fr-Sa 20:00-02:00", "2026-11-28T02:00", "closed"),
        ("Fr-Sa 20:00-02:00", "2026-11-30T01:00", "closed"),  # Monday 1 a.m.: Sunday is closed
        ("Mo-Fr 08:30-16:30", "2026-12-25T10:00", "unknown"),  # Christmas: holiday hours not known
        ("Mo-Fr 08:30-16:30; PH off", "2026-12-25T10:00", "unknown"),  # no holiday calendar is trusted
        ("Mo-Fr 08:30-16:30", "2026-02-16T10:00", "unknown"),  # Family Day (Ontario only)
        ("Mo-Fr 08:30-16:30", "2026-08-03T10:00", "unknown"),  # Civic Holiday (optional)
        ("24/7", "2026-12-25T03:00", "open"),  # open 24/7 is open on holidays too
        ("Mo-Fr 08:30-16:30; Sa unknown", "2026-11-28T10:00", "unknown"),
        ("", "2026-11-24T10:00", "unknown"),
        (None, "2026-11-24T10:00", "unknown"),
        ("not opening hours", "2026-11-24T10:00", "unknown"),
    ],
)
def test_state_at(expression, moment, expected):
    assert hours.state_at(expression, datetime.fromisoformat(moment)) == expected


def test_state_at_converts_other_zones_to_local_time():
    # 15:00 UTC is 10:00 in Toronto (EST) in November; 22:00 UTC is 17:00, after closing.
    assert hours.state_at("Mo-Fr 08:30-16:30", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)) == "open"
    assert hours.state_at("Mo-Fr 08:30-16:30", datetime(2026, 11, 24, 22, 0, tzinfo=UTC)) == "closed"
    # the same instant seen from Paris (16:00 there) is still within that zone's office hours
    assert hours.state_at("Mo-Fr 08:30-16:30", datetime(2026, 11, 24, 15, 0, tzinfo=UTC), zone="Europe/Paris") == "open"
    assert (
        hours.state_at("Mo-Fr 08:30-16:30", datetime(2026, 11, 24, 16, 0, tzinfo=UTC), zone="Europe/Paris") == "closed"
    )


def test_possible_holidays_ontario():
    assert hours.possible_holiday(date(2026, 12, 28))  # Boxing Day observed (26th is a Saturday)
    assert hours.possible_holiday(date(2026, 9, 30))  # federal: Truth and Reconciliation
    assert not hours.possible_holiday(date(2026, 11, 24))
    assert not hours.possible_holiday(date(2026, 2, 16), region="CA-QC")  # Family Day is not Quebec's


def test_english_bank_holidays_make_weekly_hours_unknown():
    # The UK has public holidays only: asking the holidays package for optional or government days
    # raised ValueError, so every British place's "open now" failed.
    assert hours.state_at("Mo-Fr 09:00-17:00", datetime(2025, 8, 25, 10), "Europe/London", "GB-ENG") == "unknown"
    assert hours.state_at("Mo-Fr 09:00-17:00", datetime(2025, 8, 26, 10), "Europe/London", "GB-ENG") == "open"
