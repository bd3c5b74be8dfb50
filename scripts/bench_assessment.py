"""Time the Muskoka district needs-assessment PDF, beside the print HTML alone, measured in the same run.

    python scripts/bench_assessment.py            # builds a fresh demo database in a temporary folder

Prints the run (compute) time, the print HTML render time (charts and maps included) as the
baseline, the PDF time made from nothing (HTML + WeasyPrint; the app's disk cache of PDFs emptied
before each of 3 runs, the best counts), the same PDF again from that cache, and its page count.
Target: PDF <= 3 s.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from app import create_app  # noqa: E402
from app.db import init_db  # noqa: E402
from assetmap.services import published  # noqa: E402
from assetmap.services.demo import DEMO_ASSESSMENT, load_demo  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        db = init_db(path)
        t0 = time.perf_counter()
        load_demo(db)
        load_s = time.perf_counter() - t0
        aid = db.execute("SELECT id FROM assessments WHERE external_id = ?", [DEMO_ASSESSMENT]).fetchone()[0]
        db.close()
        app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "bench"})
        client = app.test_client()
        client.get(f"/assessments/{aid}/print")  # warm up: imports matplotlib, fonts, templates
        pdf_cache = published.folder_for(app.instance_path, "pdf-cache", str(path))
        rows = []
        for _ in range(3):
            shutil.rmtree(pdf_cache, ignore_errors=True)  # made from nothing, not read back from disk
            t0 = time.perf_counter()
            html = client.get(f"/assessments/{aid}/print")
            t1 = time.perf_counter()
            pdf = client.get(f"/assessments/{aid}.pdf")
            t2 = time.perf_counter()
            again = client.get(f"/assessments/{aid}.pdf")
            t3 = time.perf_counter()
            assert html.status_code == 200 and pdf.status_code == 200 and again.data == pdf.data
            rows.append((t1 - t0, t2 - t1, t3 - t2, len(PdfReader(io.BytesIO(pdf.data)).pages), len(pdf.data)))
        shutil.rmtree(pdf_cache, ignore_errors=True)
        html_s, pdf_s, cached_s = (min(r[i] for r in rows) for i in range(3))
        pages, size = rows[0][3], rows[0][4]
        print(f"load-demo incl. the district assessment run   {load_s:8.3f} s")
        print(f"print HTML (charts, maps) - baseline          {html_s:8.3f} s")
        verdict = "PASS" if pdf_s <= 3 else "FAIL"
        print(
            f"PDF, Muskoka district ({pages} pages, {size / 1024:.0f} KB)  {pdf_s:8.3f} s  "
            f"{pdf_s / html_s:5.1f}x the HTML  <= 3 s: {verdict}"
        )
        print(f"the same PDF again (kept on disk)              {cached_s:8.3f} s")


if __name__ == "__main__":
    main()
