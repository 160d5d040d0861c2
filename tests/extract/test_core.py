"""pipelines.extract.core on the saved pages of tests/fixtures/extraction (one per template and seed).

Every page: a known body sentence is present, known boilerplate is absent, the title and the
date are the ones cases.json gives. Plus the pipeline class and the hints.
"""

from __future__ import annotations

import json
from pathlib import Path

import opencc
import pytest

from pipelines.extract.core import extract
from pipelines.extract.decode import decode
from pipelines.extract.pipeline import ExtractPipeline
from pipelines.extract.quality import mojibake_spots

CORPUS = Path(__file__).parents[1] / "fixtures" / "extraction"
CASES = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
T2S = opencc.OpenCC("t2s").convert

# One sentence from the body of each seed, first and last paragraph (in Simplified).
BODY = {
    "000": ["截至5月底,我区已提交发明专利申请缴费207件", "促进辖区众创空间健康发展"],
    "001": ["在科技、双创、科普等方面取得了较好的成绩", "科技项目立项申报、高新技术企业申报等工作"],
    "002": ["为xx经济社会健康持续发展提供了强有力的科技支撑", "为全市经济提质增效添砖加瓦"],
    "003": ["以“两整”活动为抓手,深入推动企业科技创新", "抓好招商引资、固定资产投资、精准扶贫"],
    "004": ["市委、市政府对创新驱动发展高度重视", "阳江市科学技术局\n2019年6月27日"],
}
# Boilerplate that every template puts somewhere on its pages; none may reach the text.
BOILERPLATE = [
    "ICP备",
    "公网安备",
    "网站标识码",
    "主办单位",
    "打印本页",
    "关闭窗口",
    "字体",
    "欢迎访问",
    "当前位置",
    "本文标题",
    "链接地址",
    "免责声明",
    "由互联网用户整理提供",
    "相关阅读",
    "相关文档",
    "最近更新",
    "推荐专题",
    "网站地图",
    "关于我们",
    "上一篇",
    "下一篇",
    "发布时间",
    "发布日期",
    "浏览次数",
    "展开全文",
    "下载文档",
    "扫一扫",
    "http",
    "索引号",
    "上传时间",
    "来源:网络",
]


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return {name: extract((CORPUS / case["page"]).read_bytes()) for name, case in CASES.items()}


def gold(name: str) -> dict:
    return json.loads((CORPUS / CASES[name]["gold"]).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_body_present_boilerplate_absent(results, name):
    text = T2S(results[name].text_original)
    seed = name.rsplit("_", 1)[1]
    for sentence in BODY[seed]:
        assert sentence.replace("\n", "") in text.replace("\n", "")
    for phrase in BOILERPLATE:
        assert phrase not in text, phrase
    assert "(qū)" not in text and "(dǎo)" not in text


@pytest.mark.parametrize("name", sorted(CASES))
def test_title_and_date(results, name):
    result = results[name]
    assert T2S(result.title_original) == gold(name)["title"]
    assert result.published == CASES[name]["published"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_title_not_repeated_in_body(results, name):
    title = T2S(results[name].title_original)
    assert title not in T2S(results[name].text_original)


def test_every_template_has_a_dated_page():
    templates = {name.rsplit("_", 1)[0] for name in CASES}
    dated = {name.rsplit("_", 1)[0] for name, case in CASES.items() if case["published"]}
    assert templates == dated
    assert len(templates) >= 6 and len(CASES) >= 24


def test_one_paragraph_per_line(results):
    lines = results["trs_004"].text_original.split("\n")
    assert lines[0] == "一、上半年主要工作情况"
    assert lines[-2:] == ["阳江市科学技术局", "2019年6月27日"]
    assert len(lines) == 21


def test_encodings(results):
    assert (results["trs_004"].encoding, results["trs_004"].encoding_source) == (
        "gb18030",
        "meta",
    )
    assert (results["table_000"].encoding, results["table_000"].encoding_source) == (
        "gb18030",
        "meta",
    )
    # meta charset lies: gb2312 and big5 labels over UTF-8 bytes
    assert (results["zfxxgk_002"].encoding, results["zfxxgk_002"].encoding_source) == (
        "utf-8",
        "sniffed",
    )
    assert (results["mirror_004"].encoding, results["mirror_004"].encoding_source) == (
        "utf-8",
        "sniffed",
    )
    assert results["mirror_004"].declared_charsets == {"meta": "big5"}


def test_traditional_mirror(results):
    result = results["mirror_004"]
    assert result.title_original == "陽江市科學技術局2019年上半年工作總結"
    assert result.pinyin_removed == 502
    assert "區(qū)" not in result.text_original and "區" in result.text_original
    assert result.published == "2019-06-27"  # the signature date: the page shows none
    assert result.published_source == "signature"
    assert result.agency == "陽江市科學技術局"


def test_metadata_of_a_government_page(results):
    result = results["trs_004"]
    expected = {
        "published": "2019-06-28",
        "published_source": "meta",
        "agency": "阳江市科学技术局",
        "region": "阳江市",
        "year": 2019,
        "period": "上半年",
        "doc_type": "工作总结",
        "partial": False,
        "method": "container",
    }
    assert {k: getattr(result, k) for k in expected} == expected


def test_metadata_of_doc_share_pages(results):
    assert results["gwsck_002"].doc_type == "总结及计划"
    assert results["gwsck_002"].published == "2021-10-22"
    assert results["sanqi_001"].year == 2022  # the title's year, not the recycled body's
    assert results["sanqi_001"].text_original.startswith("2021年上半年,在区委")


def test_preview_pages_are_partial(results):
    assert all(results[f"preview_{k}"].partial for k in BODY)
    assert not any(results[f"sanqi_{k}"].partial for k in BODY)
    assert results["preview_004"].quality < results["sanqi_004"].quality


def test_mojibake_is_counted_and_kept(results):
    result = results["trs_000"]
    assert "汇总?cè)缦?" in result.text_original
    assert result.mojibake_spots == 2
    assert result.quality < 1.0
    assert results["trs_003"].mojibake_spots == 0
    assert mojibake_spots("耐ㄖ?柳鱼科字") == 1


def test_digits_lost_flags(results):
    assert "title_starts_with_year_suffix" in results["trs_003"].digits_lost
    assert "split_document_number" in results["trs_003"].digits_lost
    assert results["trs_004"].digits_lost == []


def test_hints_and_url_give_a_date_when_the_page_has_none():
    body = (CORPUS / "pages" / "mirror_001.html").read_bytes()
    assert extract(body).published is None  # no date on the page: none invented
    assert extract(body, hints={"list_date": "2022-03-16"}).published == "2022-03-16"
    url = "http://kjj.example.gov.cn/art/2022/3/17/art_21_9.html"
    assert extract(body, url=url).published == "2022-03-17"


def test_list_title_is_a_last_resort():
    body = (
        "<html><body><div><p>"
        + "我局认真贯彻落实各项科技政策,取得了较好的成绩。" * 4
        + "</p></div></body></html>"
    )
    result = extract(body.encode("utf-8"), hints={"list_title": "科技局2021年工作总结"})
    assert result.title_original == "科技局2021年工作总结"
    assert result.doc_type == "工作总结"


def test_empty_and_broken_pages():
    assert extract(b"").text_original == ""
    assert extract(b"<html><body></body></html>").text_original == ""
    assert extract(b"\x00\xff\xfe garbage").text_original is not None


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count


def test_pipeline_sets_item_fields_and_counts():
    stats = Stats()
    pipeline = ExtractPipeline(stats)
    item = {
        "body": (CORPUS / "pages" / "trs_004.html").read_bytes(),
        "final_url": None,
        "headers": {},
    }
    out = pipeline.process_item(item)
    assert out["title_original"] == "阳江市科学技术局2019年上半年工作总结"
    assert out["published"] == "2019-06-28"
    assert out["encoding"] == "gb18030"
    assert out["extraction"]["agency"] == "阳江市科学技术局"
    assert "text_original" not in out["extraction"]
    assert stats.values == {
        "harvest/extract/pages": 1,
        "harvest/extract/method/container": 1,
        "harvest/extract/encoding_source/meta": 1,
        "harvest/extract/mojibake": 1,
        **{f"harvest/extract/rule/{k}": n for k, n in out["extraction"]["dropped_by_rule"].items()},
    }


def test_pipeline_drops_pages_without_text():
    from scrapy.exceptions import DropItem

    stats = Stats()
    with pytest.raises(DropItem):
        ExtractPipeline(stats).process_item(
            {"body": b"<html><body></body></html>", "url": "http://x/"}
        )
    assert stats.values == {"harvest/extract/empty": 1}


@pytest.mark.parametrize("name", ["gwsck_002", "sanqi_001", "trs_004", "preview_003"])
def test_traditional_copy_of_a_page_loses_the_same_boilerplate(results, name):
    # The rules are written in Simplified; a page whose boilerplate is in Traditional too
    # (由互聯網用戶整理提供, 免責聲明, 當前位置) is matched through a converted copy.
    s2t = opencc.OpenCC("s2t").convert
    body = s2t(decode((CORPUS / CASES[name]["page"]).read_bytes()).text)
    result = extract(body.encode("utf-8"))
    text = T2S(result.text_original)
    for phrase in BOILERPLATE:
        assert phrase not in text, phrase
    assert text == T2S(s2t(results[name].text_original))
    assert result.published == CASES[name]["published"]
    assert result.partial == results[name].partial


def test_double_encoded_paragraphs_are_repaired():
    page = decode((CORPUS / "pages" / "hanweb_004.html").read_bytes()).text
    paragraphs = gold("hanweb_004")["text"].split("\n")
    for line in paragraphs[1:3]:
        page = page.replace(line, line.encode("utf-8").decode("latin-1"))
    result = extract(page.encode("utf-8"))
    assert result.mojibake_repaired == ["latin-1>utf-8", "latin-1>utf-8"]
    assert result.text_original.split("\n")[1:3] == paragraphs[1:3]


PARA = "<p>" + "我局认真贯彻落实各项科技政策,推动科技创新取得明显成效。" * 4 + "</p>"


@pytest.mark.parametrize(
    ("head", "body"),
    [
        # logo heading with the site name; the title only as a bold line in the content
        (
            "<title>阳江市科学技术局</title>",
            "<h1>阳江市科学技术局</h1><div id='zoom'>"
            "<p><strong>阳江市科学技术局2019年上半年工作总结</strong></p>" + PARA + "</div>",
        ),
        # <title> is column + site; the heading carries the document's title
        (
            "<title>工作总结_阳江市科学技术局</title>",
            "<h1>阳江市科学技术局2019年上半年工作总结</h1><div class='wzcon'>" + PARA + "</div>",
        ),
        # the title only as the first line of the body, in a div with a title-like class
        (
            "<title>阳江市人民政府</title>",
            "<div class='arttit'>阳江市科学技术局2019年上半年工作总结</div>"
            "<div class='article-content'>" + PARA + "</div>",
        ),
        # doc-share file name with its extension
        (
            "<title>阳江市科学技术局2019年上半年工作总结.doc - 文库</title>",
            "<h1>阳江市科学技术局2019年上半年工作总结.doc</h1><div>" + PARA + "</div>",
        ),
        # <title> with a hyphen suffix and no heading at all
        (
            "<title>阳江市科学技术局2019年上半年工作总结-阳江市人民政府</title>",
            "<div>" + PARA + "</div>",
        ),
        # <title> and logo heading are the agency; the title sits above the body in an element
        # no class names (a dated sidebar comes first)
        (
            "<title>阳江市科学技术局</title>",
            "<h1>阳江市科学技术局</h1><ul><li><a href='/1'>关于开展科技活动周的通知</a>"
            "<span>2015-01-01</span></li></ul><div class='zw-hd'>阳江市科学技术局2019年上半年"
            "工作总结</div><div class='ly'>来源:阳江市科学技术局</div><div>2019-06-28</div>"
            "<div class='article_con'>" + PARA + "</div>",
        ),
    ],
)
def test_title_candidates(head, body):
    page = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    result = extract(page.encode("utf-8"))
    assert result.title_original == "阳江市科学技术局2019年上半年工作总结"
    assert "上半年工作总结" not in result.text_original


def test_whole_title_segment_beats_a_body_line_that_lost_its_digits():
    # The body opens with the title minus its year ("年上半年…", digits lost in rendering): a
    # part of <title> must not outrank the whole <title> segment.
    page = (
        "<html><head><meta charset='utf-8'><title>2018年上半年科技工作总结</title></head><body>"
        "<div style='font-weight:bold'>2018年上半年科技工作总结</div>"
        "<div style='color:#999'>2018-07-12 11:20 来源:钟祥市科学技术局</div>"
        "<div><div>年上半年科技工作总结</div>" + PARA + "</div></body></html>"
    )
    result = extract(page.encode("utf-8"))
    assert result.title_original == "2018年上半年科技工作总结"
    assert result.published == "2018-07-12"


def test_publication_label_beats_update_and_writing_dates():
    page = (
        "<html><head><meta charset='utf-8'><title>阳江市科学技术局2019年上半年工作总结</title></head>"
        "<body><div>更新时间:2023-05-01</div><table><tr><td>成文日期:</td><td>2019-06-20</td>"
        "<td>发布日期:</td><td>2019-06-28</td></tr></table><div id='zoom'>" + PARA + "</div>"
        "<ul><li>2017-03-02</li></ul></body></html>"
    )
    assert extract(page.encode("utf-8")).published == "2019-06-28"


def test_info_bar_date_after_the_title_beats_a_labelled_list_before_it():
    # A 热点排行 list labels every item 发布时间: too; when the labelled dates disagree, the one
    # following the title is the page's own.
    items = "".join(
        f"<li><a href='/{i}'>关于第{i}批项目验收的通知</a><p>发布时间:2017-03-0{i}</p></li>"
        for i in range(1, 6)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>阳江市科学技术局2019年上半年工作总结</title>"
        f"</head><body><div class='side'><h3>热点排行</h3><ul>{items}</ul></div>"
        "<div id='Zoom'><h1>阳江市科学技术局2019年上半年工作总结</h1>"
        "<div>发布时间:2019-06-28 09:30 信息来源:阳江市科学技术局</div>" + PARA + "</div>"
        "</body></html>"
    )
    result = extract(page.encode("utf-8"))
    assert (result.published, result.published_source) == ("2019-06-28", "info-bar")


def test_info_bar_above_the_title_gives_the_date_but_a_header_clock_does_not():
    def page(bar: str) -> bytes:
        return (
            "<html><head><meta charset='utf-8'><title>阳江市科学技术局2019年上半年工作总结-范文</title>"
            f"</head><body><div>{bar}</div><h1>阳江市科学技术局2019年上半年工作总结</h1>"
            "<div class='body'>" + PARA + "</div></body></html>"
        ).encode("utf-8")

    assert extract(page("2019-06-28 | <a>工作总结</a> | 阅读 1,203")).published == "2019-06-28"
    assert extract(page("今天是:2026年11月25日 星期三")).published is None


def _bigram_f1(out: str, gold_text: str) -> float:
    import collections
    import re
    import unicodedata

    def grams(s: str) -> collections.Counter:
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", T2S(s)))
        return collections.Counter(s[i : i + 2] for i in range(len(s) - 1))

    o, g = grams(out), grams(gold_text)
    hit = sum((o & g).values())
    p, r = hit / max(1, sum(o.values())), hit / max(1, sum(g.values()))
    return 2 * p * r / (p + r) if p + r else 0.0


@pytest.mark.parametrize("name", sorted(CASES))
def test_line_rules_alone_clean_the_whole_page(results, name):
    """Defence in depth: containers and the dominant region usually keep boilerplate out, so
    here the line rules get every line of the page (nav, info bar, footer, link lists) and
    must still leave only the document."""
    from pipelines.extract.body import drop_link_lines, serialize
    from pipelines.extract.boilerplate import clean_lines
    from pipelines.extract.page import parse
    from pipelines.extract.titles import remove_titles
    from pipelines.text import squash, strip_pinyin

    tree = parse(decode((CORPUS / CASES[name]["page"]).read_bytes()).text)
    anchors = {squash(a.text_content()) for a in tree.iter("a")} - {""}
    title = results[name].title_original
    text, _ = strip_pinyin("\n".join(serialize(tree.find("body"))))
    lines = text.split("\n")
    lines, _ = clean_lines(lines, T2S(text).split("\n"))
    lines, _ = drop_link_lines(lines, anchors - {squash(title)})
    lines, _ = remove_titles(lines, title)
    out = "\n".join(lines)
    assert _bigram_f1(out, gold(name)["text"]) >= 0.98
    for phrase in BOILERPLATE:
        assert phrase not in T2S(out), phrase


def test_trafilatura_when_no_container_and_no_dominant_block():
    # A long sidebar of plain (unlinked) text: no element holds most of the page's text, so
    # trafilatura's choice stands and the line rules clean it.
    half = "".join(f"<p>{x}</p>" for x in gold("trs_004")["text"].split("\n"))
    sidebar = "".join(
        f"<li>关于开展第{i}批科技计划项目验收工作的通知 2017-03-02</li>" for i in range(60)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>阳江市科学技术局2019年上半年工作总结_阳江市人民政府</title>"
        "</head><body><div class='l'><h1>阳江市科学技术局2019年上半年工作总结</h1>"
        "<p>发布时间:2019-06-28 来源:阳江市科学技术局</p>"
        f"<div class='a'>{half}</div></div><div class='r'><ul>{sidebar}</ul></div>"
        "<div class='f'><p>主办单位:阳江市人民政府办公室 网站标识码:4417000019 粤ICP备16010311号-3</p>"
        "</div></body></html>"
    )
    result = extract(page.encode("utf-8"))
    assert result.method == "trafilatura"
    text = result.text_original
    assert "市委、市政府对创新驱动发展高度重视" in text
    for phrase in ("ICP备", "网站标识码", "发布时间", "验收工作的通知"):
        assert phrase not in text
    assert result.published == "2019-06-28"
    assert result.title_original == "阳江市科学技术局2019年上半年工作总结"


def test_pipeline_with_the_project_item():
    from crawler.items import PageItem

    item = PageItem(
        body=(CORPUS / "pages" / "mirror_001.html").read_bytes(),
        url="http://mirror.example.com/a/1.html",
        final_url="http://mirror.example.com/a/1.html",
        headers={"content-type": "text/html; charset=big5"},
        list_date="2022-03-16",
        list_title="科技局2022年上半年工作总結範文",
    )
    out = ExtractPipeline(Stats()).process_item(item)
    assert out["published"] == "2022-03-16"  # the page has no date: the list page's
    assert out["encoding"] == "utf-8"
    assert out["extraction"]["encoding_source"] == "sniffed"  # header and meta both say big5
    assert out["extraction"]["declared_charsets"] == {"header": "big5", "meta": "big5"}
    assert out["title_original"] == "科技局2022年上半年工作總結範文"


def test_pipeline_counts_rule_families():
    stats = Stats()
    item = {"body": (CORPUS / "pages" / "gwsck_002.html").read_bytes(), "url": None}
    out = ExtractPipeline(stats).process_item(item)
    assert out["extraction"]["dropped_by_rule"] == {"label-line": 1}  # 来源:网络整理 免责声明…
    assert stats.values["harvest/extract/rule/label-line"] == 1
    assert stats.values["harvest/extract/method/region"] == 1
