"""Attachment files made by the real tools that make them in the wild.

python-docx writes the DOCX report, LibreOffice (Debian's ``soffice``, headless, with a private
profile) turns it into DOC, PDF and XLS, Pillow + img2pdf make a scanned page, pypdf encrypts a
PDF. Tests, the benchmark and the demo build share these builders, so every figure and assertion
is about files shaped like the ones government sites publish: Chinese text, a table, two pages.
"""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

TITLE = "阳江市科学技术局2021年上半年工作总结"
PAGE_ONE = (
    "今年以来，我局坚持以习近平新时代中国特色社会主义思想为指导，围绕市委市政府中心工作，"
    "大力实施创新驱动发展战略，全市科技工作取得新进展。"
)
TABLE_HEADER = ("项目", "资金（万元）", "完成情况")
TABLE_ROWS = (
    ("高新技术企业培育", "320", "已完成"),
    ("科技特派员下乡", "85", "进行中"),
)
PAGE_TWO = "下半年，我局将继续深化科技体制改革，推动高新技术企业提质增效，确保完成全年目标任务。"
SIGNATURE = ("阳江市科学技术局", "2021年6月30日")
SCANNED_WORDS = "扫描件"

_SOFFICE_TIMEOUT = 120


def report_docx(path: Path, *, title: str = TITLE, paragraphs: int = 1) -> Path:
    """The report as Word writes it: a title, a paragraph, a table, a page break, page two."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    document.add_heading(title, level=1)
    for _ in range(paragraphs):
        document.add_paragraph(PAGE_ONE)
    table = document.add_table(rows=1 + len(TABLE_ROWS), cols=len(TABLE_HEADER))
    for row, values in zip(table.rows, (TABLE_HEADER, *TABLE_ROWS), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for _ in range(paragraphs):
        document.add_paragraph(PAGE_TWO)
    for line in SIGNATURE:
        document.add_paragraph(line)
    document.save(path)
    return path


def report_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "资金安排"
    sheet.append([TITLE])
    sheet.append(list(TABLE_HEADER))
    for name, amount, state in TABLE_ROWS:
        sheet.append([name, int(amount), state])
    second = workbook.create_sheet("说明")
    second.append([PAGE_TWO])
    workbook.save(path)
    return path


def soffice_convert(source: Path, target_ext: str, outdir: Path) -> Path:
    """LibreOffice headless, one conversion at a time with a throwaway profile."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("soffice not found: run `make attachment-tools`")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                target_ext,
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=_SOFFICE_TIMEOUT,
        )
    target = outdir / f"{source.stem}.{target_ext.split(':')[0]}"
    if not target.exists():
        raise RuntimeError(f"LibreOffice made no {target.name} from {source.name}")
    return target


def scanned_pdf(path: Path) -> Path:
    """One page that is only a picture of text, as a scanner's PDF is."""
    import img2pdf
    from PIL import Image, ImageDraw

    image = Image.new("L", (1240, 1754), color=255)
    draw = ImageDraw.Draw(image)
    for line in range(40):
        draw.rectangle((100, 120 + line * 38, 1100 - (line % 5) * 90, 140 + line * 38), fill=30)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(img2pdf.convert(buffer.getvalue()))
    return path


def encrypted_pdf(source: Path, path: Path, password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-256")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def encrypted_docx(source: Path, path: Path, password: str = "secret") -> Path:
    """Word's "Encrypt with Password": the DOCX inside an OLE2 container (msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as plain, path.open("wb") as encrypted:
        OOXMLFile(plain).encrypt(password, encrypted)
    return path


def truncated(source: Path, path: Path, keep: float = 0.4) -> Path:
    """A download cut off part-way, as a dropped connection leaves it."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zip_bomb(path: Path, members: int = 3, member_bytes: int = 64 * 1024 * 1024) -> Path:
    """Zeros compress about 1000:1: a few KB on the wire, hundreds of MB when unpacked."""
    block = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for index in range(members):
            with archive.open(f"报告{index}.txt", "w") as member:
                for _ in range(member_bytes // len(block)):
                    member.write(block)
    return path


def gzip_of(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data))
    return path


def build_all(directory: Path) -> dict[str, Path]:
    """Every attachment shape the tests need, made once into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["docx"] = report_docx(directory / "report.docx")
    files["pdf"] = soffice_convert(files["docx"], "pdf", directory)
    files["doc"] = soffice_convert(files["docx"], "doc", directory)
    files["wps"] = (
        directory / "report.wps"
    )  # WPS Writer saves OLE2 like Word; sites serve .doc as .wps
    shutil.copyfile(files["doc"], files["wps"])
    files["xlsx"] = report_xlsx(directory / "funds.xlsx")
    files["xls"] = soffice_convert(files["xlsx"], "xls", directory)
    files["et"] = directory / "funds.et"
    shutil.copyfile(files["xls"], files["et"])
    files["scanned_pdf"] = scanned_pdf(directory / "scanned.pdf")
    files["encrypted_pdf"] = encrypted_pdf(files["pdf"], directory / "encrypted.pdf")
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
    files["gzip_html"] = gzip_of(
        directory / "page.html.gz", "<html><body>正文</body></html>".encode()
    )
    return files
