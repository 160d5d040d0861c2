"""Attachment files for the tests: the shared builders of crawler/demo/files.py (python-docx,
openpyxl, LibreOffice) plus the hostile shapes only tests need (a zip bomb, a DOCX encrypted as
Word does it, archives)."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

from crawler.demo.files import (
    PAGE_ONE,
    PAGE_TWO,
    SIGNATURE,
    TABLE_HEADER,
    TABLE_ROWS,
    TITLE,
    encrypted_pdf,
    png,
    report_docx,
    report_xlsx,
    scanned_pdf,
    soffice_convert,
    truncated,
)

__all__ = [
    "PAGE_ONE",
    "PAGE_TWO",
    "SIGNATURE",
    "TABLE_HEADER",
    "TABLE_ROWS",
    "TITLE",
    "build_all",
    "png",
    "report_docx",
    "report_xlsx",
    "soffice_convert",
    "zip_of",
]


def encrypted_docx(source: Path, path: Path, password: str = "secret") -> Path:
    """Word's "Encrypt with Password": the DOCX inside an OLE2 container (msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as plain, path.open("wb") as encrypted:
        OOXMLFile(plain).encrypt(password, encrypted)
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zip_bomb(path: Path, members: int = 3, member_bytes: int = 64 * 1024 * 1024) -> Path:
    """Zeros compress about 1000:1: a few hundred KB on the wire, 192 MB when unpacked."""
    block = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for index in range(members):
            with archive.open(f"报告{index}.txt", "w") as member:
                for _ in range(member_bytes // len(block)):
                    member.write(block)
    return path


def build_all(directory: Path) -> dict[str, Path]:
    """Every attachment shape the tests need, made once into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["docx"] = report_docx(directory / "report.docx")
    files["pdf"] = soffice_convert(files["docx"], "pdf", directory)
    files["doc"] = soffice_convert(files["docx"], "doc", directory)
    files["wps"] = directory / "report.wps"  # WPS saves Word's binary format; sites serve .wps
    shutil.copyfile(files["doc"], files["wps"])
    files["xlsx"] = report_xlsx(directory / "funds.xlsx")
    files["xls"] = soffice_convert(files["xlsx"], "xls", directory)
    files["et"] = directory / "funds.et"
    shutil.copyfile(files["xls"], files["et"])
    files["scanned_pdf"] = scanned_pdf(directory)
    encrypted_dir = directory / "encrypted"
    encrypted_dir.mkdir()
    files["encrypted_pdf"] = encrypted_pdf(files["docx"], encrypted_dir)
    files["encrypted_docx"] = encrypted_docx(files["docx"], directory / "encrypted.docx")
    files["truncated_pdf"] = truncated(files["pdf"], directory / "truncated.pdf")
    files["truncated_docx"] = truncated(files["docx"], directory / "truncated.docx")
    files["zip"] = zip_of(
        directory / "attachments.zip",
        {
            "附件1/report.docx": files["docx"].read_bytes(),
            "附件2/report.pdf": files["pdf"].read_bytes(),
        },
    )
    files["zip_bomb"] = zip_bomb(directory / "bomb.zip")
    files["gzip_html"] = directory / "page.html.gz"
    files["gzip_html"].write_bytes(gzip.compress("<html><body>正文</body></html>".encode()))
    return files
