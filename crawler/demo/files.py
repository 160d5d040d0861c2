"""Attachment files for the demo site and the tests, made by the real tools that make them.

python-docx writes a report (a title, paragraphs, a funds table, a page break, page two, the
signature); LibreOffice (Debian's ``soffice``, headless, private profile, one at a time) turns it
into PDF, DOC and XLS, and into a password-protected PDF; a scanned page is a DOCX holding only a
PNG picture (written with zlib) that LibreOffice prints to PDF. Nothing here is committed as a
binary: ``harvest demo`` and the test fixtures build what is missing.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
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
SOFFICE_TIMEOUT = 120


class ToolMissing(RuntimeError):
    """LibreOffice is needed to make the files (``make attachment-tools`` installs it)."""


def report_docx(
    path: Path,
    *,
    title: str = TITLE,
    paragraphs: int = 1,
    page_one: Sequence[str] = (PAGE_ONE,),
    page_two: Sequence[str] = (PAGE_TWO,),
    signature: Sequence[str] = SIGNATURE,
) -> Path:
    """The report as Word writes it: title, page one (``paragraphs`` times), the funds table,
    a page break, page two, the signature."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    document.add_heading(title, level=1)
    for _ in range(paragraphs):
        for text in page_one:
            document.add_paragraph(text)
    table = document.add_table(rows=1 + len(TABLE_ROWS), cols=len(TABLE_HEADER))
    for row, values in zip(table.rows, (TABLE_HEADER, *TABLE_ROWS), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for _ in range(paragraphs):
        for text in page_two:
            document.add_paragraph(text)
    for line in signature:
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
    workbook.create_sheet("说明").append([PAGE_TWO])
    workbook.save(path)
    return path


def soffice_convert(source: Path, target: str, outdir: Path) -> Path:
    """LibreOffice headless converts ``source`` to ``target`` (an extension, optionally with
    ``:filter:options``) in ``outdir``, with a throwaway profile."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise ToolMissing("LibreOffice (soffice) is not installed: run `make attachment-tools`")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=SOFFICE_TIMEOUT,
        )
    made = outdir / f"{source.stem}.{target.split(':')[0]}"
    if not made.exists():
        raise RuntimeError(f"LibreOffice made no {made.name} from {source.name}")
    return made


def encrypted_pdf(source_docx: Path, outdir: Path, password: str = "secret") -> Path:
    """The report exported as a PDF that needs a password to open (LibreOffice's PDF export)."""
    options = (
        '{"EncryptFile":{"type":"boolean","value":"true"},'
        f'"DocumentOpenPassword":{{"type":"string","value":"{password}"}}}}'
    )
    return soffice_convert(source_docx, f"pdf:writer_pdf_Export:{options}", outdir)


def png(width: int, height: int, dark_rows: Sequence[tuple[int, int, int]]) -> bytes:
    """A greyscale PNG: white, with dark bars (``(top, bottom, right)``) like lines of print."""
    rows = []
    for y in range(height):
        right = next((r for top, bottom, r in dark_rows if top <= y < bottom), 0)
        rows.append(b"\0" + b"\x1e" * right + b"\xff" * (width - right))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def scanned_pdf(directory: Path, name: str = "scanned") -> Path:
    """A one-page PDF that is only a picture of text, as a scanner makes it."""
    from docx import Document
    from docx.shared import Cm

    bars = [(60 + n * 36, 78 + n * 36, 900 - (n % 5) * 80) for n in range(30)]
    image = directory / f"{name}.png"
    image.write_bytes(png(1000, 1200, bars))
    document = Document()
    document.add_picture(str(image), width=Cm(16))
    source = directory / f"{name}.docx"
    document.save(source)
    pdf = soffice_convert(source, "pdf", directory)
    source.unlink()
    image.unlink()
    return pdf


def truncated(source: Path, path: Path, keep: float = 0.4) -> Path:
    """A download cut off part-way, as a dropped connection leaves it."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


# --- the demo attachment column (crawler/demo/site/gov/fgw/, demo config `demo_files`) ---


@dataclass(frozen=True)
class DemoFile:
    path: str  # under crawler/demo/site/
    kind: str  # pdf | docx | wps | scanned | encrypted | oversize | broken
    title: str
    page_one: tuple[str, ...]


_FGW = "示范市发展和改革局"
DEMO_FILES = (
    DemoFile(
        "gov/fgw/202107/P020210705400001.pdf",
        "pdf",
        f"{_FGW}2021年上半年工作总结",
        (
            "今年以来，我局紧紧围绕全市经济社会发展目标，统筹推进重大项目建设，全市固定资产投资保持平稳增长。",
            "一、重大项目建设提速。全年安排市重点项目一百二十个，上半年完成投资进度的百分之五十六。",
        ),
    ),
    DemoFile(
        "gov/fgw/202107/W020210712400002.docx",
        "docx",
        f"{_FGW}2021年下半年工作计划",
        (
            "下半年，我局将围绕高质量发展主线，抓好项目谋划储备和要素保障，推动经济运行稳中向好。",
            "一、抓实项目储备。围绕交通、能源、水利等领域谋划一批打基础利长远的重大项目。",
        ),
    ),
    DemoFile(
        "gov/fgw/module/download/downfile.jsp",
        "wps",
        f"{_FGW}2020年度工作总结",
        (
            "二〇二〇年，面对复杂严峻的形势，我局扎实做好六稳工作，全面落实六保任务，经济运行逐步恢复。",
            "一、稳投资成效明显。全年争取中央预算内投资三点二亿元，专项债券项目全部开工建设。",
        ),
    ),
    DemoFile(
        "gov/fgw/202108/P020210801400004.pdf", "scanned", f"{_FGW}2021年工作要点（扫描件）", ()
    ),
    DemoFile("gov/fgw/202108/P020210802400005.pdf", "encrypted", f"{_FGW}内部工作简报", ()),
    DemoFile("gov/fgw/202108/P020210803400006.pdf", "oversize", f"{_FGW}规划文本（全本）", ()),
    DemoFile("gov/fgw/202108/P020210804400007.docx", "broken", f"{_FGW}统计公报", ()),
)
DEMO_OVERSIZE_BYTES = 600_000  # crawler/demo/config.yaml gives demo_files max_attachment_bytes 300000


def _demo_file(spec: DemoFile, work: Path) -> bytes:
    if spec.kind == "scanned":
        return scanned_pdf(work).read_bytes()
    docx = report_docx(
        work / "report.docx", title=spec.title or TITLE, page_one=spec.page_one or (PAGE_ONE,)
    )
    if spec.kind == "docx":
        return docx.read_bytes()
    if spec.kind == "wps":  # WPS saves Word's binary format; sites serve it as .wps
        return soffice_convert(docx, "doc", work).read_bytes()
    if spec.kind == "encrypted":
        return encrypted_pdf(docx, work).read_bytes()
    if spec.kind == "broken":
        return docx.read_bytes()[: docx.stat().st_size * 2 // 5]
    pdf = soffice_convert(docx, "pdf", work).read_bytes()
    if spec.kind == "oversize":
        return pdf + b"\0" * (DEMO_OVERSIZE_BYTES - len(pdf))
    return pdf


def ensure_demo_files(site: Path) -> list[Path]:
    """Make the demo column's attachments under ``site`` that are not there yet; the paths made."""
    made = []
    for spec in DEMO_FILES:
        target = site / spec.path
        if target.exists():
            continue
        with tempfile.TemporaryDirectory(prefix="harvest-demo-files-") as work:
            data = _demo_file(spec, Path(work))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        partial.replace(target)
        made.append(target)
    return made
