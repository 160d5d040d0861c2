"""A long TRS WCM column shaped like a real one, written to a folder for the demo server.

Twenty article links per list page, newest first; the pager is TRS's own: the whole
``function createPageHTML(...)`` inline in the page head and the call further down, as many
real columns carry it. Among the links, as on real sites: one dead link (404), one article
behind a robots.txt ``Disallow``, and one "article" that is a PDF served as ``text/html``.
Each article has its own text (sentences of the demo's seed reports, picked by its number).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import yaml

from crawler.demo import DEMO_SITE

PER_PAGE = 20
COLUMN = "kjj/gzzj"
DOCUMENT_PATTERN = r"/kjj/gzzj/\d{6}/t\d{8}_\d+\.html$"
# Links that are in the list but never give a document (by article number).
DEAD, BLOCKED, BINARY = 7, 13, 29
SEEDS = sorted((DEMO_SITE.parent / "seeds").glob("*.txt"))

PAGER_DEFINITION = """
<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  document.write("共" + _nPageCount + "页&nbsp;");
  if(nCurrIndex == 0){ document.write("首页&nbsp;上一页&nbsp;"); }
  else {
    document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
    var prev = nCurrIndex - 1;
    var prevName = prev == 0 ? _sPageName : _sPageName + "_" + prev;
    document.write("<a href=\\"" + prevName + "." + _sPageExt + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex + 1 >= _nPageCount){ document.write("下一页&nbsp;尾页"); }
  else {
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount - 1) + "." + _sPageExt + "\\">尾页</a>");
  }
}
</script>
"""


def _sentences() -> list[str]:
    found = []
    for path in SEEDS:
        for part in path.read_text(encoding="utf-8").replace("\n", "。").split("。"):
            part = part.strip()
            if 12 <= len(part) <= 80:
                found.append(part + "。")
    return found


def article_path(number: int) -> str:
    day = date(2024, 12, 31) - timedelta(days=number * 3)
    return f"/{COLUMN}/{day:%Y%m}/t{day:%Y%m%d}_{100000 + number}.html"


def _article(number: int, sentences: list[str]) -> str:
    rng = random.Random(number)
    day = date(2024, 12, 31) - timedelta(days=number * 3)
    title = f"示范县科学技术局第{number}期工作简报"
    paragraphs = "".join(
        f"<p>　　{''.join(rng.sample(sentences, 3))}本期编号{number}，第{i + 1}部分。</p>"
        for i in range(4)
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}_示范县科学技术局</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{day} 09:30">
</head><body>
<div class="top">示范县人民政府门户网站 | <a href="/">首页</a> | <a href="/kjj/">科学技术局</a></div>
<div class="article"><h1>{title}</h1>
<div class="info">发布时间：{day} 来源：示范县科学技术局 【字体：大 中 小】</div>
<div id="zoom"><div class="TRS_Editor">{paragraphs}</div></div></div>
<div class="footer">主办：示范县人民政府办公室　网站标识码：4400000001</div>
</body></html>
"""


def _list_page(numbers: list[int], index: int, pages: int) -> str:
    rows = []
    for number in numbers:
        path = article_path(number)
        day = date(2024, 12, 31) - timedelta(days=number * 3)
        title = f"示范县科学技术局第{number}期工作简报"
        rows.append(
            f'<li><a href=".{path.removeprefix("/" + COLUMN)}" title="{title}" '
            f'target="_blank">{title}</a><span>{day}</span></li>'
        )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>工作总结_示范县科学技术局</title>
{PAGER_DEFINITION}</head><body>
<div class="nav"><a href="/">首页</a> <a href="/kjj/tzgg/index.html">通知公告</a></div>
<div class="side"><a href="/kjj/tzgg/202401/t20240108_5001.html">关于开展科技周活动的通知</a></div>
<ul class="list">
{chr(10).join(rows)}
</ul>
<div class="page"><script type="text/javascript">createPageHTML({pages}, {index}, "index", "html");</script></div>
</body></html>
"""


def build_column(root: Path, articles: int) -> list[str]:
    """Write a column of ``articles`` articles (numbered 1..articles, newest = highest) under
    ``root``; return the paths of the articles that give a document, newest first."""
    sentences = _sentences()
    numbers = list(range(articles, 0, -1))
    pages = -(-len(numbers) // PER_PAGE)
    column = root / COLUMN
    column.mkdir(parents=True, exist_ok=True)
    for index in range(pages):
        chunk = numbers[index * PER_PAGE : (index + 1) * PER_PAGE]
        name = "index.html" if index == 0 else f"index_{index}.html"
        (column / name).write_text(_list_page(chunk, index, pages), encoding="utf-8")
    stored = []
    for number in numbers:
        path = article_path(number)
        if number == DEAD:
            continue  # linked, never written: 404
        file = root / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        if number == BINARY:
            file.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 20)
            continue
        if not file.exists():
            file.write_text(_article(number, sentences), encoding="utf-8")
        if number != BLOCKED:
            stored.append(path)
    (root / "robots.txt").write_text(
        f"User-agent: *\nDisallow: {article_path(BLOCKED)}\n", encoding="utf-8"
    )
    return stored


def column_config(path: Path, **limits: int) -> None:
    """A config with the column as its one site, ``${HARVEST_DEMO_URL}`` as its server."""
    data = {
        "defaults": {
            "politeness": {
                "download_delay": 0,
                "autothrottle": False,
                "concurrent_requests_per_domain": 8,
            },
            "limits": {"max_pages": 2000, "max_list_pages": 30, "retry_times": 0, **limits},
        },
        "sites": [
            {
                "name": "column",
                "family": "gov",
                "start_urls": [f"${{HARVEST_DEMO_URL}}/{COLUMN}/index.html"],
                "allowed_domains": ["127.0.0.1"],
                "links": {"document": [DOCUMENT_PATTERN]},
            }
        ],
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
