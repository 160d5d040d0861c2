"""DOCX -> text with python-docx, paragraphs and tables in the order they stand in the body.

python-docx's ``document.paragraphs`` and ``document.tables`` are separate lists, which would put
every table after the text that refers to it; ``iter_inner_content()`` walks the body in order.
Horizontally merged cells come back once per grid column as the same cell object: read once.
"""

from __future__ import annotations

import io
import re
import zipfile
from importlib.metadata import version

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml.etree import XMLSyntaxError

from pipelines.attachments.layout import rows_as_lines, unify_line_breaks
from pipelines.attachments.result import AttachmentText
from pipelines.sniff import MEDIA_TYPES

METHOD = f"python-docx {version('python-docx')}"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BREAK = f"{_W}br"
_BREAK_TYPE = f"{_W}type"
_SAVED_PAGES = re.compile(rb"<Pages>(\d+)</Pages>")
_BROKEN = (zipfile.BadZipFile, PackageNotFoundError, XMLSyntaxError, KeyError, ValueError, EOFError)


def read_docx(body: bytes) -> AttachmentText:
    result = AttachmentText(kind="docx", media_type=MEDIA_TYPES["docx"], method=METHOD)
    try:
        document = Document(io.BytesIO(body))
        lines = _body_lines(document)
    except _BROKEN as error:
        return result.with_error(f"broken: not a readable DOCX ({type(error).__name__}: {error})")
    return AttachmentText(
        kind="docx",
        media_type=MEDIA_TYPES["docx"],
        method=METHOD,
        text=unify_line_breaks("\n".join(lines)),
        page_count=_page_count(body, document),
    )


def _body_lines(document: object) -> list[str]:
    lines: list[str] = []
    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        else:
            lines.append(block.text)
    return lines


def _table_lines(table: Table) -> list[str]:
    rows: list[list[str]] = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            nested = [line for inner in cell.tables for line in _table_lines(inner)]
            cells.append(" ".join([cell.text, *nested]).strip())
        rows.append(cells)
    return rows_as_lines(rows)


def _page_count(body: bytes, document: object) -> int:
    """Word paginates when it renders, so the file holds at best the count Word saved in
    docProps/app.xml (python-docx and LibreOffice leave 1 or nothing there); explicit page
    breaks + 1 is a lower bound. The larger of the two."""
    breaks = sum(
        1
        for element in document.element.body.iter(_BREAK)  # type: ignore[attr-defined]
        if element.get(_BREAK_TYPE) == "page"
    )
    saved = 0
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as package:
            match = _SAVED_PAGES.search(package.read("docProps/app.xml"))
            saved = int(match.group(1)) if match else 0
    except (KeyError, zipfile.BadZipFile):
        pass
    return max(saved, breaks + 1)
