"""A government column whose reports are attachments, built from files made by real tools.

Two sites on one server: ``kjj`` (the 科学技术局 column) and ``fgj`` (another bureau that
republishes one of the same reports). Article pages are TRS-shaped (gb2312 declared, the body
in ``div.TRS_Editor``, uploads named ``P0…``) and Hanweb-shaped (``downfile.jsp?filename=``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.attachments.make_files import TITLE

ROBOTS = "User-agent: *\nDisallow: /private/\n"
ARTICLE = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>{title}</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date} 09:30">
<meta name="ContentSource" content="{agency}"><script src="/js/common.js"></script></head>
<body><div class="header"><a href="/index.html">首页</a> 网站地图</div>
<div class="info">发布时间：{date} 来源：{agency} 【字体：大 中 小】</div>
<div id="zoom"><div class="TRS_Editor">{body}</div></div>
<div class="footer">主办单位：示范市人民政府 网站标识码4417000001 粤ICP备16010311号-3</div>
</body></html>"""
LIST = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>工作总结</title></head><body>
<ul class="list">{items}</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>"""
LONG_ARTICLE = "".join(
    f"<p>{n}、今年以来，我局围绕科技创新中心工作，扎实推进各项重点任务，第{n}项工作取得明显成效，"
    "为全市经济社会高质量发展提供了有力的科技支撑。</p>"
    for n in ("一", "二", "三", "四", "五")
)


def article(title: str, date: str, body: str, agency: str = "示范市科学技术局") -> bytes:
    return ARTICLE.format(title=title, date=date, body=body, agency=agency).encode("gb18030")


def build_site(root: Path, files: dict[str, Path]) -> dict[str, str]:
    """Write the two columns under ``root``; return {case: article path}."""
    uploads = root / "kjj" / "gzzj" / "202107"
    uploads.mkdir(parents=True)
    (root / "private").mkdir()
    (root / "module" / "download").mkdir(parents=True)
    (root / "fgj" / "202108").mkdir(parents=True)
    (root / "robots.txt").write_text(ROBOTS)
    copy = {
        "P020210705391827364512.doc": "doc",
        "P020210705391827364513.pdf": "pdf",
        "P020210706000000000001.pdf": "scanned_pdf",
        "P020210706000000000002.pdf": "encrypted_pdf",
        "P020210706000000000003.pdf": "truncated_pdf",
        "P020210706000000000004.zip": "zip_bomb",
        "P020210707000000000001.xls": "xls",
    }
    for name, key in copy.items():
        shutil.copyfile(files[key], uploads / name)
    shutil.copyfile(files["pdf"], root / "private" / "report.pdf")
    shutil.copyfile(files["wps"], root / "module" / "download" / "downfile.jsp")
    shutil.copyfile(files["docx"], root / "fgj" / "202108" / "W020210801000000000001.docx")
    shutil.copyfile(files["pdf"], uploads / "t20210708_400005.html")  # a PDF where a page should be
    # One oversize file: twice the configured max_attachment_bytes (see config()).
    (uploads / "P020210709000000000001.pdf").write_bytes(
        files["pdf"].read_bytes() + b"\0" * 200_000
    )
    cases = {
        "pointer_doc": "/kjj/gzzj/202107/t20210705_400001.html",
        "full_with_pdf": "/kjj/gzzj/202107/t20210706_400002.html",
        "bad_files": "/kjj/gzzj/202107/t20210707_400003.html",
        "hanweb_wps": "/kjj/gzzj/202107/t20210707_400004.html",
        "pdf_as_page": "/kjj/gzzj/202107/t20210708_400005.html",
        "other_site_docx": "/fgj/202108/t20210801_500001.html",
    }
    pages = {
        "pointer_doc": article(
            TITLE,
            "2021-07-05",
            '<p>附件：<a href="./P020210705391827364512.doc">阳江市科学技术局2021年上半年工作总结.doc</a></p>',
        ),
        "full_with_pdf": article(
            "示范市科学技术局2021年上半年重点工作情况",
            "2021-07-06",
            LONG_ARTICLE
            + '<p>相关附件：<a href="./P020210705391827364513.pdf">工作总结（PDF版）</a>'
            '　<a href="./P020210707000000000001.xls">资金安排表.xls</a></p>',
        ),
        "bad_files": article(
            "示范市科学技术局附件汇编",
            "2021-07-07",
            '<p>附件1：<a href="./P020210706000000000001.pdf">扫描件.pdf</a></p>'
            '<p>附件2：<a href="./P020210706000000000002.pdf">加密件.pdf</a></p>'
            '<p>附件3：<a href="./P020210706000000000003.pdf">损坏件.pdf</a></p>'
            '<p>附件4：<a href="./P020210706000000000004.zip">打包下载.zip</a></p>'
            '<p>附件5：<a href="./P020210709000000000001.pdf">超大文件.pdf</a></p>'
            '<p>附件6：<a href="/private/report.pdf">内部件.pdf</a></p>'
            '<p>附件7：<a href="./P020210799999999999999.pdf">已删除.pdf</a></p>',
        ),
        "hanweb_wps": article(
            "示范市科学技术局工作总结（WPS）",
            "2021-07-07",
            '<p>附件：<a href="/module/download/downfile.jsp?classid=0&amp;filename=工作总结.wps">'
            "点击下载</a></p>",
        ),
        "other_site_docx": article(
            TITLE,
            "2021-08-01",
            '<p>转发：<a href="./W020210801000000000001.docx">阳江市科学技术局2021年上半年工作总结.docx</a></p>',
            agency="示范市发展和改革局",
        ),
    }
    for case, path in cases.items():
        if case in pages:
            (root / path.lstrip("/")).write_bytes(pages[case])
    kjj = [p for c, p in cases.items() if c != "other_site_docx"]
    (root / "kjj" / "gzzj" / "index.html").write_bytes(
        LIST.format(
            items="".join(
                f'<li><a href="{p}">文章{i}</a><span>2021-07-0{i + 5}</span></li>'
                for i, p in enumerate(kjj)
            )
        ).encode("gb18030")
    )
    (root / "fgj" / "index.html").write_bytes(
        LIST.format(
            items=f'<li><a href="{cases["other_site_docx"]}">转发工作总结</a><span>2021-08-01</span></li>'
        ).encode("gb18030")
    )
    return cases


def config(path: Path, base_url: str, max_attachment_bytes: int) -> Path:
    defaults = {
        "politeness": {
            "download_delay": 0,
            "autothrottle": False,
            "obey_robots_txt": True,
            "concurrent_requests_per_domain": 4,
        },
        "limits": {
            "max_pages": 100,
            "max_attachment_bytes": max_attachment_bytes,
            "retry_times": 0,
        },
    }
    sites = [
        {
            "name": "demo_kjj",
            "family": "gov",
            "start_urls": [f"{base_url}/kjj/gzzj/index.html"],
            "allowed_domains": ["127.0.0.1"],
            "links": {"document": [r"/kjj/gzzj/\d{6}/t\d{8}_\d+\.html$"]},
        },
        {
            "name": "demo_fgj",
            "family": "gov",
            "start_urls": [f"{base_url}/fgj/index.html"],
            "allowed_domains": ["127.0.0.1"],
            "links": {"document": [r"/fgj/\d{6}/t\d{8}_\d+\.html$"]},
        },
    ]
    path.write_text(yaml.safe_dump({"defaults": defaults, "sites": sites}, allow_unicode=True))
    return path
