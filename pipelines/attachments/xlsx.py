"""Spreadsheets -> text: XLSX with openpyxl, XLS/ET (OLE2 BIFF8) with xlrd.

Both read every sheet, row by row, cells tab-separated, with the sheet's name as a heading line:
a funds table keeps its header next to its figures. xlrd (maintained, pure Python) reads an XLS
in about 1 ms where LibreOffice needs 1.5-2 s to start, and reads all sheets, where a LibreOffice
CSV export gives only the first.
"""

from __future__ import annotations

import io
import struct
import zipfile
from importlib.metadata import version

import openpyxl
import xlrd
from openpyxl.utils.exceptions import InvalidFileException

from pipelines.attachments.layout import rows_as_lines, unify_line_breaks
from pipelines.attachments.result import AttachmentText
from pipelines.sniff import MEDIA_TYPES

XLSX_METHOD = f"openpyxl {version('openpyxl')}"
XLS_METHOD = f"xlrd {version('xlrd')}"
XLS_MEDIA_TYPE = "application/vnd.ms-excel"
_MAX_ROWS_PER_SHEET = 100_000  # a sheet past this is a data dump, not a report: cut, not read whole


def read_xlsx(body: bytes) -> AttachmentText:
    result = AttachmentText(kind="xlsx", media_type=MEDIA_TYPES["xlsx"], method=XLSX_METHOD)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        return result.with_error(f"broken: not a readable XLSX ({type(error).__name__}: {error})")
    try:
        sheets = [
            (
                sheet.title,
                [
                    _cells(row)
                    for row in sheet.iter_rows(max_row=_MAX_ROWS_PER_SHEET, values_only=True)
                ],
            )
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()
    return _sheets_result(result, sheets)


def read_xls(body: bytes) -> AttachmentText:
    result = AttachmentText(kind="doc", media_type=XLS_MEDIA_TYPE, method=XLS_METHOD)
    try:
        book = xlrd.open_workbook(file_contents=body, on_demand=True)
    except xlrd.XLRDError as error:
        if "encrypted" in str(error).lower():
            return result.with_error("encrypted: the workbook needs a password")
        return result.with_error(f"broken: not a readable XLS ({error})")
    except (AssertionError, IndexError, ValueError, struct.error) as error:
        return result.with_error(f"broken: not a readable XLS ({type(error).__name__})")
    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = min(sheet.nrows, _MAX_ROWS_PER_SHEET)
            sheets.append((sheet.name, [_cells(sheet.row_values(r)) for r in range(rows)]))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return _sheets_result(result, sheets)


def _cells(values: tuple | list) -> list[str]:
    return ["" if value is None else _number_text(value) for value in values]


def _number_text(value: object) -> str:
    """320.0 as 320: spreadsheets store every number as a float."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheets_result(
    result: AttachmentText, sheets: list[tuple[str, list[list[str]]]]
) -> AttachmentText:
    lines: list[str] = []
    for name, rows in sheets:
        body = rows_as_lines(rows)
        if body:
            lines.extend([name, *body, ""])
    return AttachmentText(
        kind=result.kind,
        media_type=result.media_type,
        method=result.method,
        text=unify_line_breaks("\n".join(lines)),
        page_count=len(sheets),
    )
