"""read_attachment() on files made by real tools: the text, its order, the counts, every reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipelines.attachments import AttachmentText, Limits, read_attachment
from tests.attachments.make_files import PAGE_ONE, PAGE_TWO, SIGNATURE, TITLE, png, zip_of

TABLE_ROW = "高新技术企业培育\t320\t已完成"


def read(
    files: dict[str, Path], name: str, declared: str | None = None, **limits: int
) -> AttachmentText:
    return read_attachment(files[name].read_bytes(), declared, Limits(**limits))


def assert_report_in_order(text: str, table_row: str = TABLE_ROW) -> None:
    """Title, page one, the table row, page two, the signature: each once, in that order."""
    parts = [TITLE, PAGE_ONE, table_row, PAGE_TWO, SIGNATURE[1]]
    positions = [text.find(part) for part in parts]
    assert -1 not in positions, [p for p, at in zip(parts, positions, strict=True) if at < 0]
    assert positions == sorted(positions)
    assert text.count(PAGE_ONE) == 1


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("docx", "python-docx"),
        ("doc", "libreoffice+python-docx"),
        ("wps", "libreoffice+python-docx"),
    ],
)
def test_word_files_give_the_report_with_its_table_rows_in_place(
    attachment_files: dict[str, Path], name: str, method: str
) -> None:
    result = read(attachment_files, name, "application/octet-stream")
    assert result.error is None
    assert result.method.startswith(method)
    assert result.page_count == 2
    assert_report_in_order(result.text)
    assert "项目\t资金（万元）\t完成情况\n" + TABLE_ROW in result.text


def test_a_pdf_gives_the_report_with_lines_cut_by_the_page_width_joined(
    attachment_files: dict[str, Path],
) -> None:
    result = read(attachment_files, "pdf", "application/pdf")
    assert (result.kind, result.page_count, result.needs_ocr, result.error) == (
        "pdf",
        2,
        False,
        None,
    )
    assert result.method.startswith("pypdfium2 ")
    # LibreOffice broke PAGE_ONE over two lines; the reader joins them back.
    assert_report_in_order(result.text.replace(" ", ""), TABLE_ROW.replace("\t", ""))
    assert "2021 年上半年工作总结\n今年以来" in result.text  # the title stays its own line


@pytest.mark.parametrize(("name", "kind"), [("xlsx", "xlsx"), ("xls", "doc"), ("et", "doc")])
def test_spreadsheets_give_every_sheet_row_by_row(
    attachment_files: dict[str, Path], name: str, kind: str
) -> None:
    result = read(attachment_files, name)
    assert (result.kind, result.page_count, result.error) == (kind, 2, None)
    assert result.text == "\n".join(
        [
            "资金安排",
            TITLE,
            "项目\t资金（万元）\t完成情况",
            TABLE_ROW,
            "科技特派员下乡\t85\t进行中",
            "",
            "说明",
            PAGE_TWO,
        ]
    )


def test_a_scanned_pdf_needs_ocr(attachment_files: dict[str, Path]) -> None:
    result = read(attachment_files, "scanned_pdf")
    assert (result.page_count, result.needs_ocr, result.text) == (1, True, "")
    assert result.error == "needs OCR: the pages are images without a text layer"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("encrypted_pdf", "encrypted: the PDF needs a password"),
        ("encrypted_docx", "encrypted: a password-protected Office file"),
        ("truncated_pdf", "broken: not a readable PDF (damaged or truncated)"),
        ("truncated_docx", "broken: not a readable ZIP (File is not a zip file)"),
    ],
)
def test_encrypted_and_broken_files_get_one_reason(
    attachment_files: dict[str, Path], name: str, error: str
) -> None:
    result = read(attachment_files, name)
    assert (result.error, result.text, result.ok) == (error, "", False)


def test_a_truncated_doc_is_broken_not_a_crash(
    attachment_files: dict[str, Path], tmp_path: Path
) -> None:
    data = attachment_files["doc"].read_bytes()
    result = read_attachment(data[: len(data) // 3])
    assert result.error is not None and result.error.startswith("broken: ")


def test_an_oversize_file_is_refused_before_it_is_read(attachment_files: dict[str, Path]) -> None:
    size = attachment_files["pdf"].stat().st_size
    result = read(attachment_files, "pdf", max_bytes=size - 1)
    assert result.error == f"oversize: {size} bytes, more than the limit of {size - 1}"
    assert (result.kind, result.method) == ("pdf", "sniff")


def test_a_zip_of_attachments_is_read_member_by_member(attachment_files: dict[str, Path]) -> None:
    result = read(attachment_files, "zip", "application/zip")
    assert result.error is None
    assert [(m.name, m.result.kind, m.result.error) for m in result.members] == [
        ("附件1/report.docx", "docx", None),
        ("附件2/report.pdf", "pdf", None),
    ]
    assert result.page_count == 4
    assert result.text.startswith("附件1/report.docx\n" + TITLE)
    assert result.text.count(PAGE_TWO) == 2


def test_a_zip_bomb_is_refused_from_its_directory(attachment_files: dict[str, Path]) -> None:
    result = read(attachment_files, "zip_bomb")
    assert result.error == "refused: member '报告0.txt' compressed 1028:1 (zip bomb?)"
    assert result.members == ()


def test_archive_bounds_on_members_and_total_bytes(attachment_files: dict[str, Path]) -> None:
    assert read(attachment_files, "zip", max_members=1).error == "refused: 2 members, more than 1"
    small = read(attachment_files, "zip", max_unpacked_bytes=1000).error
    assert small is not None and small.startswith("refused: ") and "more than 1000" in small


def test_a_member_that_unpacks_past_the_budget_is_refused_while_reading(tmp_path: Path) -> None:
    # The directory sizes pass (ratio under the limit) but the total crosses the budget.
    path = zip_of(tmp_path / "two.zip", {"a.txt": b"a" * 5000, "b.txt": b"b" * 5000})
    result = read_attachment(
        path.read_bytes(), None, Limits(max_unpacked_bytes=9000, max_ratio=10**6)
    )
    assert result.error == "refused: 10000 bytes unpacked, more than 9000 (zip bomb?)"


@pytest.mark.e2e
def test_gbk_member_names_of_windows_zips_are_read_as_chinese(tmp_path: Path) -> None:
    # Info-ZIP, like Windows' own zipper, stores the name's bytes as they are (GBK on a Chinese
    # system) without the UTF-8 flag.
    name = "工作总结.txt".encode("gbk")
    with open(bytes(tmp_path) + b"/" + name, "wb") as member:
        member.write("正文".encode())
    subprocess.run(["zip", "-q", "windows.zip", name], cwd=tmp_path, check=True)
    result = read_attachment((tmp_path / "windows.zip").read_bytes())
    assert [m.name for m in result.members] == ["工作总结.txt"]


def test_archives_inside_archives_stop_at_the_depth_limit(
    attachment_files: dict[str, Path], tmp_path: Path
) -> None:
    inner = attachment_files["zip"].read_bytes()
    outer = zip_of(tmp_path / "outer.zip", {"inner.zip": inner})
    result = read_attachment(outer.read_bytes(), None, Limits(max_depth=1))
    assert result.members[0].result.error == "refused: archive nested deeper than 1 levels"
    assert result.error == "no text: no member of the archive had any"
    assert read_attachment(outer.read_bytes(), None, Limits(max_depth=2)).text.count(PAGE_TWO) == 2


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty: the response had no body"),
        (
            "<html><body>附件</body></html>".encode(),
            "not an attachment: a text page, read as a page",
        ),
        (
            b"Rar!\x1a\x07\x01\x00" + bytes(64),
            "unsupported: RAR archives cannot be unpacked with free tools here",
        ),
    ],
)
def test_what_is_not_read_says_why(body: bytes, error: str) -> None:
    assert read_attachment(body).error == error


def test_an_image_needs_ocr() -> None:
    result = read_attachment(png(64, 64, [(10, 20, 50)]), "image/png")
    assert (result.kind, result.needs_ocr, result.error) == (
        "image",
        True,
        "needs OCR: the attachment is an image",
    )
