"""Benchmark of attachment text extraction (pipelines.attachments) per format.

In:  one report made by real tools in this run (python-docx writes it with N paragraphs a page
     and a table, LibreOffice converts it to PDF and DOC, openpyxl writes a funds workbook that
     LibreOffice converts to XLS), plus a ZIP of the DOCX and the PDF.
Out: for each format, pages/s and MB/s of ``read_attachment`` and of the bare library call on
     the same bytes in the same run (PDFium text of every page; python-docx paragraphs; one
     LibreOffice conversion to text; openpyxl / xlrd cell values), the ratio ours/bare, and the
     peak of Python allocations (tracemalloc) of each; LibreOffice's own peak RSS for DOC.

Ours does more than the bare call (sniffing, tables in body order, line joining, DOC via DOCX
so tables keep their rows), so a ratio under 1 is the price of that, not an error.

Run: ``.venv/bin/python benchmarks/attachments.py [--paragraphs N]``. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.attachments import Limits, read_attachment  # noqa: E402
from tests.attachments.make_files import (  # noqa: E402
    report_docx,
    report_xlsx,
    soffice_convert,
    zip_of,
)


def bare_pdf(body: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(body)
    chars = 0
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        chars += len(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return chars


def bare_docx(body: bytes) -> int:
    from docx import Document

    return sum(len(p.text) for p in Document(io.BytesIO(body)).paragraphs)


def bare_doc(body: bytes) -> int:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "report.doc"
        source.write_bytes(body)
        subprocess.run(
            [
                shutil.which("soffice") or "soffice",
                f"-env:UserInstallation=file://{work}/profile",
                "--headless",
                "--convert-to",
                "txt:Text (encoded):UTF8",
                "--outdir",
                work,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return len((Path(work) / "report.txt").read_text("utf-8"))


def bare_xlsx(body: bytes) -> int:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    cells = sum(
        1 for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for _ in row
    )
    book.close()
    return cells


def bare_xls(body: bytes) -> int:
    import xlrd

    book = xlrd.open_workbook(file_contents=body)
    return sum(
        len(book.sheet_by_index(i).row_values(r))
        for i in range(book.nsheets)
        for r in range(book.sheet_by_index(i).nrows)
    )


def bare_zip(body: bytes) -> int:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return bare_docx(archive.read("report.docx")) + bare_pdf(archive.read("report.pdf"))


def timed(call: Callable[[], object], repeats: int) -> tuple[float, int]:
    """Seconds per call (best of the repeats, after one warm-up) and the tracemalloc peak."""
    call()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak


def build(directory: Path, paragraphs: int) -> dict[str, Path]:
    docx = report_docx(directory / "report.docx", paragraphs=paragraphs)
    pdf = soffice_convert(docx, "pdf", directory)
    xlsx = report_xlsx(directory / "funds.xlsx")
    return {
        "pdf": pdf,
        "docx": docx,
        "doc": soffice_convert(docx, "doc", directory),
        "xlsx": xlsx,
        "xls": soffice_convert(xlsx, "xls", directory),
        "zip": zip_of(
            directory / "both.zip",
            {"report.docx": docx.read_bytes(), "report.pdf": pdf.read_bytes()},
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--paragraphs", type=int, default=60, help="paragraphs per page of the report"
    )
    args = parser.parse_args()
    bare = {
        "pdf": bare_pdf,
        "docx": bare_docx,
        "doc": bare_doc,
        "xlsx": bare_xlsx,
        "xls": bare_xls,
        "zip": bare_zip,
    }
    limits = Limits()
    with tempfile.TemporaryDirectory() as work:
        files = build(Path(work), args.paragraphs)
        pdf_pages = read_attachment(files["pdf"].read_bytes()).page_count or 1
        print(
            f"report: {pdf_pages} pages as PDF, sizes "
            + ", ".join(f"{k} {p.stat().st_size / 1024:.0f} KB" for k, p in files.items())
        )
        print(
            f"{'format':6} {'pages':>5} {'ours p/s':>9} {'bare p/s':>9} {'ours MB/s':>9} {'bare MB/s':>9}"
            f" {'ours/bare':>9} {'ours peak':>10} {'bare peak':>10}"
        )
        for kind, path in files.items():
            body = path.read_bytes()
            result = read_attachment(body, None, limits)
            if result.error:
                raise SystemExit(f"{kind}: {result.error}")
            repeats = 2 if kind == "doc" else 10
            ours, ours_peak = timed(lambda body=body: read_attachment(body, None, limits), repeats)
            base, base_peak = timed(lambda body=body, kind=kind: bare[kind](body), repeats)
            pages = (
                result.page_count
                if kind in {"xlsx", "xls"}
                else pdf_pages * (2 if kind == "zip" else 1)
            )
            megabytes = len(body) / 1e6
            print(
                f"{kind:6} {pages:5d} {pages / ours:9.1f} {pages / base:9.1f} {megabytes / ours:9.2f}"
                f" {megabytes / base:9.2f} {base / ours:9.2f} {ours_peak / 1e6:8.1f}MB {base_peak / 1e6:8.1f}MB"
            )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MB, largest LibreOffice child {children:.0f} MB")


if __name__ == "__main__":
    main()
