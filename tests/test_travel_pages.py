"""The /reach page and its PDF by travel time: the "How people travel" choice, the figure in minutes,
and the mode, source label and date stated on the page, in the PDF and in French."""

from __future__ import annotations

import re
import subprocess

from assetmap import store
from tests.test_travel_app import place  # noqa: F401  (the fixture: a place with a car matrix)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_straight_line_page_offers_the_modes_that_are_loaded(place):  # noqa: F811
    html = place.test_client().get("/reach?category=health").get_data(as_text=True)
    options = re.findall(r'<option value="(straight|car|transit|walk|bicycle)"( selected)?>([^<]*)</option>', html)
    today = store.travel_source(store.open_database(place.config["DATABASE"]), "matrix", "car")["imported_at"][:10]
    assert options == [
        ("straight", " selected", "Straight line (estimated)"),
        ("car", "", f"Car (OSRM table, Nov 2026, {today})"),
    ]
    assert 'name="threshold_min"' in html and 'id="threshold_km"' in html


def test_the_demo_without_travel_times_shows_no_choice(client):
    html = client.get("/reach?category=food").get_data(as_text=True)
    assert 'id="mode"' not in html and 'name="threshold_min"' not in html


def test_car_page_states_the_figure_the_mode_the_source_and_what_was_left_out(place):  # noqa: F811
    resp = place.test_client().get("/reach?category=health&mode=car&threshold_min=45")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    text = text_of(html)
    date = store.travel_source(store.open_database(place.config["DATABASE"]), "matrix", "car")["imported_at"][:10]
    assert "410 of 3,055 people (13%) live more than 45 minutes by car from health services." in text
    assert f"Travel times: Car, OSRM table, Nov 2026 (car.csv), loaded {date}." in text
    assert "Computed by a routing engine from each area's representative point" in text
    assert "1 area (55 people) is not in the travel-time file and is left out: Severn Bridge." in text
    # the ranked table: Sparrow Lake has no route at all; the left-out area is not ranked as "reached"
    rows = re.findall(r'<tr data-area="(\w+)">.*?</tr>', html, re.S)
    assert rows == ["A5"]
    assert "no route" in re.search(r'<tr data-area="A5">.*?</tr>', html, re.S).group(0)
    assert 'id="threshold_km"' not in html  # kilometres and circuity belong to the straight line
    assert '"travel": {"canAdd": false, "cannotAdd": "The travel-time matrix has no times to a new site' in html
    assert "/reach.pdf?category=health&amp;mode=car&amp;threshold_min=45.0" in html


def test_user_text_in_labels_and_names_is_escaped(place, tmp_path):  # noqa: F811
    db = store.open_database(place.config["DATABASE"])
    db.execute("UPDATE areas SET name = '<img src=x onerror=alert(1)>' WHERE id = 'A6'")
    db.conn.commit()
    (tmp_path / "car.csv").write_text((tmp_path / "car.csv").read_text())
    runner = place.test_cli_runner()
    label = "<script>alert('x')</script>"
    assert (
        runner.invoke(
            args=["import-travel-times", str(tmp_path / "car.csv"), "--mode", "car", "--label", label]
        ).exit_code
        == 0
    )
    html = place.test_client().get("/reach?category=health&mode=car").get_data(as_text=True)
    assert "<script>alert('x')</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "left out: &lt;img src=x onerror=alert(1)&gt;." in html


def test_a_mode_that_is_not_loaded_says_so_on_the_page(place):  # noqa: F811
    resp = place.test_client().get("/reach?category=health&mode=walk")
    assert resp.status_code == 400
    assert "no travel times for walk loaded: import a matrix (import-travel-times --mode walk)" in text_of(
        resp.get_data(as_text=True)
    )


def test_car_page_in_french(place):  # noqa: F811
    html = place.test_client().get("/reach?category=health&mode=car&threshold_min=30&lang=fr").get_data(as_text=True)
    text = text_of(html)
    assert "Comment les gens se déplacent" in text
    # numbers as French Canadians write them (issue 16); text_of() turns their no-break spaces into spaces
    assert "1 465 personnes sur 3 055 (48 %) vivent à plus de 30 minutes en voiture de la catégorie" in text
    assert "Temps de trajet : Voiture, OSRM table, Nov 2026 (car.csv), chargés le" in text
    assert "1 aire (55 personnes) n’est pas dans le fichier des temps de trajet" in text


def test_the_pdf_states_the_mode_its_source_label_and_date(place):  # noqa: F811
    resp = place.test_client().get("/reach.pdf?category=health&mode=car&threshold_min=30")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=resp.data, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    date = store.travel_source(store.open_database(place.config["DATABASE"]), "matrix", "car")["imported_at"][:10]
    assert "Who isn't reached: Health services" in text
    assert "1,465 of 3,055 people (48%) live more than 30 minutes by car from health services." in text
    assert f"Travel times: Car, OSRM table, Nov 2026 (car.csv), loaded {date}." in text
    assert "1 area (55 people) is not in the travel-time file and is left out: Severn Bridge." in text
    assert "Doe Lake 980 980 31 min" in text  # ranked rows: people, beyond reach, nearest
    straight = place.test_client().get("/reach.pdf?category=health&threshold_m=5000&circuity=1")
    text = subprocess.run(["pdftotext", "-", "-"], input=straight.data, capture_output=True, check=True).stdout.decode()
    assert "Distances are estimated: straight line x circuity, not routed (factor 1.0)." in " ".join(text.split())
