"""The handout as seniors read it on paper: large print measured from the PDF's own fonts, the page
filled sensibly, a QR code that opens the same list, and the place's help line ("call or text 211")."""

import io
import subprocess

import pdfplumber
import pytest
import zxingcpp
from PIL import Image

from assetmap.place import Place, load_place, save_place

SHARE = "http://localhost/finder/handout?ids=4%2C74%2C88%2C100&lang={lang}"


def font_sizes(pdf: bytes) -> list[float]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [round(ch["size"], 2) for page in doc.pages for ch in page.chars]


def page_pngs(pdf: bytes, tmp_path, dpi: int = 150) -> list[Image.Image]:
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(tmp_path / "page")], check=True)
    return [Image.open(p) for p in sorted(tmp_path.glob("page*.png"))]


def decoded(images: list[Image.Image]) -> list[str]:
    return [code.text for image in images for code in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_handout_pdf_is_large_print_with_the_help_line_and_a_qr_code_of_its_link(client, tmp_path, lang):
    resp = client.get(f"/finder/handout.pdf?ids=4,74,88,100&lang={lang}")
    assert resp.status_code == 200
    sizes = font_sizes(resp.data)
    assert min(sizes) >= 12.0  # every character, not only the body, is 12 pt or more
    assert max(set(sizes), key=sizes.count) == 12.0  # the body text
    with pdfplumber.open(io.BytesIO(resp.data)) as doc:
        assert len(doc.pages) == 1
        text = " ".join((page.extract_text() or "") for page in doc.pages)
        page = doc.pages[0]
        lowest_text = max(ch["bottom"] for ch in page.chars)
        assert lowest_text > page.height * 0.6  # the page is used, not a third of it
    flat = " ".join(text.split())
    if lang == "en":
        assert (
            "Nothing here fits? Call or text 211 (Ontario), any time, for help finding community and social services."
            in flat
        )
        assert "Manna Food Bank" in flat and "Wahta Mohawks" in flat and "Mailing address: Box 14, Bala" in flat
    else:
        assert "Rien ne convient? Appelez ou textez le 211 (Ontario), jour et nuit," in flat
        assert "Alimentation · banque alimentaire" in flat
    assert decoded(page_pngs(resp.data, tmp_path)) == [SHARE.format(lang=lang)]


def test_short_list_gets_room_for_notes_and_stays_on_one_page(client):
    resp = client.get("/finder/handout.pdf?ids=4,74&lang=en")
    with pdfplumber.open(io.BytesIO(resp.data)) as doc:
        assert len(doc.pages) == 1
        words = doc.pages[0].extract_text()
        assert "Notes" in words and "Nothing here fits?" in words
    assert min(font_sizes(resp.data)) >= 12.0
    html = client.get("/finder/handout?ids=4,74,88,100&lang=en").get_data(as_text=True)
    assert "Notes" not in html  # four supports fill the page: no notes lines


def test_place_without_a_help_line_prints_none(client, db):
    save_place(db, Place(name="Muskoka", help_line=""))
    assert load_place(db).help_line == ""
    html = client.get("/finder/handout?ids=4,74&lang=en").get_data(as_text=True)
    assert "Nothing here fits?" not in html
    assert 'class="qr" src="data:image/svg+xml;base64,' in html
