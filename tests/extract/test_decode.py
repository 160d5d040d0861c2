"""pipelines.extract.decode: labels are candidates, the bytes decide."""

from __future__ import annotations

import codecs

import pytest

from pipelines.extract.decode import canonical, declared_labels, decode

TEXT = "阳江市科学技术局2019年上半年工作总结。我局积极贯彻落实省政府的若干政策措施,推动科技创新。"
TRAD = "陽江市科學技術局2019年上半年工作總結。我局積極貫徹落實省政府的若干政策措施,推動科技創新。"


def page(charset: str | None, text: str = TEXT) -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("big5", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("utf-8", "utf-8"),
        ("nonsense", None),
        (None, None),
    ],
)
def test_canonical(label, codec):
    assert canonical(label) == codec


def test_gb2312_label_with_gbk_characters_decodes_as_gb18030():
    # 堃 and 镕 are GBK, not GB2312: a strict gb2312 decoder would fail on them.
    text = TEXT + "堃镕"
    decoded = decode(page("gb2312", text).encode("gb18030"))
    assert decoded.encoding == "gb18030"
    assert decoded.source == "meta"
    assert "堃镕" in decoded.text


def test_gb2312_label_on_utf8_bytes():
    decoded = decode(page("gb2312").encode("utf-8"))
    assert (decoded.encoding, decoded.source) == ("utf-8", "sniffed")
    assert TEXT in decoded.text
    assert decoded.labels == {"meta": "gb2312"}


def test_big5_label_on_utf8_bytes():
    decoded = decode(page("big5", TRAD).encode("utf-8"))
    assert (decoded.encoding, decoded.source) == ("utf-8", "sniffed")
    assert TRAD in decoded.text


def test_real_big5_page():
    decoded = decode(page("big5", TRAD).encode("big5"))
    assert (decoded.encoding, decoded.source) == ("big5hkscs", "meta")
    assert TRAD in decoded.text


def test_unlabelled_gbk_bytes_are_sniffed():
    decoded = decode(page(None).encode("gbk"))
    assert (decoded.encoding, decoded.source) == ("gb18030", "sniffed")
    assert TEXT in decoded.text


def test_header_lies_meta_tells_the_truth():
    body = page("gbk").encode("gbk")
    decoded = decode(body, {"Content-Type": "text/html; charset=utf-8"})
    assert (decoded.encoding, decoded.source) == ("gb18030", "meta")
    assert declared_labels(body, {"content-type": "text/html; charset=UTF-8"}) == {
        "header": "UTF-8",
        "meta": "gbk",
    }


def test_header_label_wins_when_bytes_agree():
    decoded = decode(page(None).encode("gb18030"), {"content-type": "text/html; charset=GB2312"})
    assert (decoded.encoding, decoded.source) == ("gb18030", "header")


def test_utf8_bom():
    decoded = decode(codecs.BOM_UTF8 + page("gbk").encode("utf-8"))
    assert (decoded.encoding, decoded.source) == ("utf-8-sig", "bom")
    assert decoded.text.startswith("<html>")


def test_damaged_bytes_fall_back_without_crashing():
    body = page("gb2312").encode("gb18030")
    damaged = body[:60] + b"\xff\xff" + body[60:]
    decoded = decode(damaged)
    assert decoded.encoding == "gb18030"
    assert "科学技术局" in decoded.text


def test_ascii_page():
    decoded = decode(b"<html><body><p>hello</p></body></html>")
    assert (decoded.text.endswith("</html>"), decoded.encoding) == (True, "utf-8")


def test_repair_double_encoded_lines():
    from pipelines.extract.decode import repair

    utf8_as_latin1 = TEXT.encode("utf-8").decode("latin-1")
    gbk_as_latin1 = TEXT.encode("gbk").decode("latin-1")
    text = "\n".join(["<p>" + TEXT + "</p>", utf8_as_latin1, gbk_as_latin1])
    fixed, done = repair(text)
    assert fixed == "\n".join(["<p>" + TEXT + "</p>", TEXT, TEXT])
    assert done == ["latin-1>utf-8", "cp1252>gb18030"]  # both byte maps agree on GBK here


def test_lossy_mojibake_and_good_text_are_left_alone():
    from pipelines.extract.decode import repair

    assert repair(TEXT) == (TEXT, [])
    damaged = "现将具体工作汇总?cè)缦?\n一、增质保量抓知识产权工作"
    assert repair(damaged) == (damaged, [])
    assert repair("Café crème, naïve résumé") == ("Café crème, naïve résumé", [])


def test_gbk_full_width_spaces_are_spaces_not_private_use_characters():
    # Old GBK editors wrote the full-width space as A3 A0; GB18030 reads it as U+E5E5.
    body = b"<p>" + b"\xa3\xa0\xa3\xa0" + "一、法官试题".encode("gb18030") + b"</p>"
    decoded = decode(body, {"content-type": "text/html; charset=gbk"})
    assert decoded.text == "<p>\u3000\u3000一、法官试题</p>"
