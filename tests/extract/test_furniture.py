"""pipelines.extract.furniture: feeds, comments, widgets and link lists go; the article stays."""

from __future__ import annotations

import lxml.html

from pipelines.extract.furniture import remove_furniture

SENTENCE = "今年以来，我局坚持创新驱动发展战略，科技投入持续增加，企业创新能力明显提升。"


def text_after(html: str) -> str:
    tree = lxml.html.fromstring(html)
    remove_furniture(tree)
    return tree.text_content()


def test_named_blocks_and_link_lists_go():
    links = "".join(f"<li><a href='/n{i}.html'>热点新闻标题第{i}条</a></li>" for i in range(8))
    html = (
        f"<html><body><div class='main'><h1>标题</h1><div class='text'><p>{SENTENCE}</p></div>"
        "<div class='share-box'>分享到：微信 微博</div>"
        "<div id='comment_list'><p>网友甲：说得好，支持！</p></div>"
        f"<ul class='news'>{links}</ul></div></body></html>"
    )
    text = text_after(html)
    assert SENTENCE in text
    for gone in ("分享到", "网友甲", "热点新闻标题"):
        assert gone not in text


def test_a_wrapper_with_a_furniture_word_holding_the_article_stays():
    paragraphs = "".join(f"<p>{i}.{SENTENCE}</p>" for i in range(5))
    html = (
        f"<html><body><div class='article-share-wrap'>{paragraphs}</div>"
        "<div class='footer'>主办单位：某某市科学技术局</div></body></html>"
    )
    text = text_after(html)
    assert text.count(SENTENCE) == 5 and "主办单位" not in text


def test_comments_go_even_when_longer_than_the_article():
    comments = "".join(f"<p>评论{i}：{SENTENCE * 3}</p>" for i in range(6))
    html = (
        f"<html><body><h1>标题</h1><div class='content'><p>短文正文一段。</p></div>"
        f"<div class='comments'>{comments}</div></body></html>"
    )
    text = text_after(html)
    assert "短文正文一段" in text and "评论0" not in text


def test_forum_replies_after_the_first_post_go():
    post = "<table class='post'><tr><td>作者{0}</td><td>{1} 发表于 2005-05-17 22:1{0}</td></tr></table>"
    html = (
        "<html><body>"
        + "".join(post.format(i, SENTENCE if i == 0 else f"回复{i}") for i in range(4))
        + "</body></html>"
    )
    text = text_after(html)
    assert SENTENCE in text and "回复1" not in text and "回复3" not in text
