"""pipelines.extract.quality: empty, hidden and boilerplate-only bodies are not good text."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem

from pipelines.extract.core import extract
from pipelines.extract.pipeline import ExtractPipeline

PARAGRAPH = "今年以来，我市坚持创新驱动发展战略，科技投入持续增加，企业创新能力明显提升。"
FOOTER = (
    "<div class='bottom'><p>主办单位：某某市人民政府办公室</p>"
    "<p>网站标识码：4417000019 粤ICP备16010311号-3</p><p>网站地图 | 联系我们</p></div>"
)


def page(body: str, title: str = "某某市科技工作动态") -> bytes:
    html = (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"
    )
    return html.encode("utf-8")


def test_a_body_hidden_until_a_script_runs_is_read():
    # WeChat hides the whole article with inline CSS until its script has laid it out.
    paragraphs = "".join(f"<p>{i}.{PARAGRAPH}</p>" for i in range(6))
    body = f"<div class='rich_media_content' id='js_content' style='visibility: hidden;'>{paragraphs}</div>"
    result = extract(page(body))
    assert result.text_original.count(PARAGRAPH) == 6
    assert (result.quality, result.quality_flags) == (1.0, [])


def test_an_image_only_article_is_flagged_not_good():
    body = "<h1>图片新闻</h1><div class='content'><img src='a.jpg'><img src='b.jpg'></div>" + FOOTER
    result = extract(page(body, "图片新闻"))
    assert result.quality_flags and result.quality <= 0.5
    assert "网站标识码" not in result.text_original


def test_a_body_of_boilerplate_alone_is_not_stored():
    # The rules drop the notice heading and the source line; a leftover line is no document.
    body = (
        "<div class='article'><p>【免责声明】</p><p>来源：网络整理</p><p>点击图片查看大图</p></div>"
    )
    result = extract(page(body + FOOTER))
    assert (result.quality, result.quality_flags) == (0.0, ["boilerplate-only"])
    with pytest.raises(DropItem):
        ExtractPipeline().process_item({"body": page(body + FOOTER), "url": "http://x.example/a"})


def test_a_short_body_is_low_quality():
    body = f"<div class='article'><p>{PARAGRAPH[:30]}</p></div>"
    result = extract(page(body))
    assert "short" in result.quality_flags and result.quality <= 0.3
