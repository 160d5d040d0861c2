"""Build the bundled demo website ``site/`` from the seed texts in ``seeds/`` (both beside this
file, in ``crawler/demo/``).

In:  the five seed texts (``seeds/00N_*.txt``, copies of ``../shared/seeds``) and the clean
     Simplified texts of seeds 003 and 004 (``seeds/simplified/``, from the gold files).
Out: static HTML under ``site/``, committed with this script and installed as package data:

- ``gov/kjj/``: a TRS WCM government column, gb2312 pages (written with the gb18030 codec so
  every character survives), two list pages paginated by ``createPageHTML``;
- ``docshare1/``: a 三七文档-like document-sharing site (utf-8), one flattened body line per page;
- ``docshare2/``: a 公文素材库-like site (utf-8), the mirror copies in Traditional with pinyin;
- ``gov/fgw/``: a 发展和改革局 column whose reports are attachments (TRS ``P0…``/``W0…`` uploads,
  a Hanweb ``downfile.jsp``, 附件 labels): a PDF, a DOCX, a DOC served as .wps, a scanned PDF,
  an encrypted PDF, an oversize file and a broken one. The pages are written here; the files
  themselves are made by real tools (``crawler/demo/files.py``) when ``harvest demo`` or the
  tests first serve the site, and are not committed.

Run ``python -m crawler.demo.build_site``; the output depends only on the inputs (no clock, no
randomness), so a rebuild of an unchanged tree leaves ``git status`` clean.
"""

from __future__ import annotations

import html
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

DEMO = Path(__file__).resolve().parent
sys.path.insert(0, str(DEMO.parent))  # run as a script from anywhere: crawler/ is beside demo/

from crawler.demo.files import DEMO_FILES  # noqa: E402

SEEDS = DEMO / "seeds"
SITE = DEMO / "site"


@dataclass(frozen=True)
class Doc:
    """One document as a site shows it."""

    path: str  # relative to the site's folder
    title: str
    date: str  # YYYY-MM-DD shown on list pages
    paragraphs: tuple[str, ...]
    time: str = ""  # full timestamp where the page shows one


def _seed(number: str) -> list[str]:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8").split("\n")


def _simplified(number: str) -> tuple[str, ...]:
    text = (SEEDS / "simplified" / f"{number}.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.split("\n") if line.strip())


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _write(relative: str, text: str, codec: str = "utf-8") -> None:
    path = SITE / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(codec))


# --- the texts --------------------------------------------------------------------------------

REPORT_003 = _simplified("003")  # 2018年上半年科技工作总结, clean (digits lost as in the source)
REPORT_004 = _simplified("004")  # 阳江 2019 上半年 report in Simplified, ending with the 落款


def _seed_000() -> tuple[str, ...]:
    return tuple(line for line in _seed("000") if line.strip())


def _seed_001() -> tuple[str, str, str]:
    """(breadcrumb, flattened body line, title) as the 三七文档 page shows them."""
    lines = [line for line in _seed("001") if line.strip()]
    breadcrumb = lines[1].removeprefix("当前位置:")
    title = lines[3].removeprefix("本文标题:")
    return breadcrumb, lines[2], title


def _seed_002() -> tuple[str, tuple[str, ...]]:
    """(title, body paragraphs) of the 公文素材库 page; the scraped copy repeats the title."""
    lines = [line.strip() for line in _seed("002")]
    title = lines[2]
    start = lines.index(next(x for x in lines if x.startswith("时间:"))) + 1
    end = lines.index(next(x for x in lines if x.startswith("来源:网络整理")))
    body = tuple(x for x in lines[start:end] if x and x != title)
    return title, body


def _seed_004_traditional() -> tuple[str, ...]:
    """The mirror copy: Traditional with pinyin, up to the signature date (no gov footer)."""
    lines = [line for line in _seed("004") if line.strip()]
    end = next(i for i, x in enumerate(lines) if x.startswith("2019年6月27日"))
    return tuple(lines[: end + 1])


# Filler reports written for the demo so that the government column spans two list pages.
FILLER_2020_PLAN = (
    "2020年,市科学技术局将以习近平新时代中国特色社会主义思想为指导,围绕创新驱动发展战略,"
    "突出企业创新主体地位,着力提升区域创新能力,为全市高质量发展提供科技支撑。",
    "一、培育壮大创新主体",
    "全年力争新增高新技术企业30家,新增省级工程技术研究中心5家;"
    "落实研发费用加计扣除和高新技术企业税收优惠政策,引导企业加大研发投入。",
    "二、推进科技成果转移转化",
    "组织企业与高校院所开展产学研对接活动不少于4场,推动一批科技成果在本地转化落地;"
    "完善技术合同认定登记服务,全年技术合同登记额比上年增长一成以上。",
    "三、优化创新创业环境",
    "加快科技企业孵化器和众创空间建设,全年举办创新创业大赛1次、科技金融对接会2次,"
    "用好科技型企业融资贷款风险补偿资金,缓解中小微企业融资难题。",
    "四、加强科普和机关建设",
    "办好科技活动周和全国科普日活动,推进科普进社区、进学校、进农村;"
    "落实全面从严治党主体责任,持续改进作风,建设过硬科技干部队伍。",
)

FILLER_2019_SCIENCE_PLAN = (
    "为提高全民科学素质,根据全市科学技术普及工作部署,结合本局实际,制定2019年科普工作计划如下。",
    "一、工作目标",
    "全年组织各类科普活动不少于20场次,受众人数超过3万人次;新建社区科普宣传栏10个,"
    "培育市级科普教育基地2个。",
    "二、主要任务",
    "(一)办好科技活动周。5月组织科普大篷车进校园、科技下乡等主题活动,展示最新科技成果。",
    "(二)开展全国科普日活动。9月联合科协、教育等部门举办科普展览和科普讲座,普及防灾减灾和健康知识。",
    "(三)加强科普阵地建设。完善科普教育基地管理办法,推动基地向公众免费开放。",
    "三、保障措施",
    "落实科普工作经费,加强与各县(市、区)科技部门的协作,及时总结推广好的经验做法。",
)

FILLER_2018_SUMMARY = (
    "2018年,市科学技术局在市委、市政府的领导下,坚持以创新驱动发展为核心,"
    "扎实推进各项科技工作,全年主要目标任务顺利完成。",
    "一、创新主体不断壮大",
    "全年新增高新技术企业21家,总数达到86家;新认定市级工程技术研究中心8家,"
    "企业研发投入较上年明显增长。",
    "二、科技项目管理规范有序",
    "组织申报省级以上科技项目47项,获立项支持19项,争取上级资金1860万元;"
    "开展市级科技项目验收和绩效评价,规范项目资金使用。",
    "三、科技服务持续优化",
    "举办科技政策宣讲会6场,走访企业120余家,协调解决企业技术难题15个;科技企业孵化器新入驻企业23家。",
    "四、下一步工作",
    "围绕高新技术企业培育、科技成果转化和创新平台建设三项重点,抓好2019年各项任务落实。",
)


# --- the government column (TRS WCM, gb2312) ---------------------------------------------------

GOV_SITE_NAME = "示范市科学技术局"
GOV_COLUMN = "工作总结/计划"
GOV_PAGE_SIZE = 3

GOV_DOCS = (
    Doc(
        "202001/t20200116_361045.html",
        "示范市科学技术局2020年工作计划",
        "2020-01-16",
        FILLER_2020_PLAN,
        "2020-01-16 10:15",
    ),
    Doc(
        "201906/t20190628_358021.html",
        "阳江市科学技术局2019年上半年工作总结",
        "2019-06-28",
        REPORT_004,
        "2019-06-28 09:30",
    ),
    Doc(
        "201903/t20190305_352210.html",
        "示范市科学技术局2019年科普工作计划",
        "2019-03-05",
        FILLER_2019_SCIENCE_PLAN,
        "2019-03-05 16:02",
    ),
    Doc(
        "201901/t20190110_348876.html",
        "示范市科学技术局2018年工作总结",
        "2019-01-10",
        FILLER_2018_SUMMARY,
        "2019-01-10 08:45",
    ),
    Doc(
        "201807/t20180712_331457.html",
        "2018年上半年科技工作总结",
        "2018-07-12",
        REPORT_003,
        "2018-07-12 11:20",
    ),
)

GOV_HEAD = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{site}">
<meta name="SiteDomain" content="www.example.gov.cn">
<meta name="SiteIDCode" content="4499000001">
<meta name="ColumnName" content="{column}">
<meta name="ColumnType" content="工作总结">
{extra}<title>{title}</title>
</head>
<body>
<div class="top">
  <div class="logo"><a href="../index.html">{site}</a></div>
  <ul class="nav">
    <li><a href="../index.html">首页</a></li>
    <li><a href="../zwgk/index.html">政务公开</a></li>
    <li><a href="../tzgg/index.html">通知公告</a></li>
    <li><a href="../zcfg/index.html">政策法规</a></li>
    <li><a href="../kjj/index.html">{column}</a></li>
    <li><a href="../hdjl/index.html">互动交流</a></li>
  </ul>
  <div class="tools"><a href="javascript:void(0)">无障碍</a> <a href="javascript:void(0)">长者模式</a></div>
</div>
"""

GOV_FOOTER = """<div class="footer">
  <p><a href="../about.html">关于我们</a> | <a href="../help.html">网站帮助</a> | <a href="../sitemap.html">网站地图</a> | <a href="../privacy.html">隐私申明</a></p>
  <p>主办单位:示范市科学技术局 管理维护:示范市政务服务数据管理局 网站标识码:4499000001</p>
  <p>备案序号:粤ICP备12345678号-1 网站报障:0662-0000000</p>
  <p><a href="http://www.beian.gov.cn/">粤公网安备 44170202000999号</a></p>
  <p>版权所有:示范市科学技术局 建议使用1920*1080分辨率浏览本站</p>
</div>
</body>
</html>
"""

GOV_SIDEBAR = """<div class="side">
  <h3>热点信息</h3>
  <ul>
    <li><a href="../tzgg/202001/t20200110_360001.html">关于开展2020年度科技项目申报工作的通知</a></li>
    <li><a href="../zcfg/201912/t20191220_359900.html">示范市科技计划项目管理办法</a></li>
    <li><a href="http://www.most.gov.cn/">科学技术部</a></li>
    <li><a href="http://www.gov.cn/">中国政府网</a></li>
  </ul>
</div>
"""


def _gov_list_page(page: int, pages: int, docs: tuple[Doc, ...]) -> str:
    items = "\n".join(
        f'    <li><a href="./{d.path}" target="_blank" title="{_e(d.title)}">{_e(d.title)}</a>'
        f"<span>{d.date}</span></li>"
        for d in docs
    )
    head = GOV_HEAD.format(
        site=GOV_SITE_NAME, column=GOV_COLUMN, extra="", title=f"{GOV_COLUMN}-{GOV_SITE_NAME}"
    )
    return (
        head
        + f"""<div class="location">当前位置:<a href="../index.html">首页</a> &gt; <a href="./index.html">{GOV_COLUMN}</a></div>
<div class="main">
{GOV_SIDEBAR}<div class="list">
  <ul class="list_ul">
{items}
  </ul>
  <div class="page">
<script type="text/javascript">
// TRS WCM pager: total pages, current page (0-based), file prefix, extension
createPageHTML({pages}, {page}, "index", "html");
</script>
  </div>
</div>
</div>
"""
        + GOV_FOOTER
    )


def _gov_article(doc: Doc) -> str:
    meta = (
        f'<meta name="ArticleTitle" content="{_e(doc.title)}">\n'
        f'<meta name="PubDate" content="{doc.time}">\n'
        f'<meta name="ContentSource" content="{GOV_SITE_NAME}">\n'
    )
    # Articles live one folder below the column, so the shared header's "../" links are
    # rewritten to "../../" to keep them pointing at the same (non-document) pages.
    head = GOV_HEAD.format(
        site=GOV_SITE_NAME, column=GOV_COLUMN, extra=meta, title=f"{_e(doc.title)}-{GOV_SITE_NAME}"
    ).replace('href="../', 'href="../../')
    body = "\n".join(f"<p>{_e(p)}</p>" for p in doc.paragraphs)
    return (
        head
        + f"""<div class="location">当前位置:<a href="../../index.html">首页</a> &gt; <a href="../index.html">{GOV_COLUMN}</a> &gt; 正文</div>
<div class="article">
  <h1 class="title">{_e(doc.title)}</h1>
  <div class="info">发布时间:{doc.time} 来源:{GOV_SITE_NAME} 浏览次数:<span id="clicks">0</span> 【字体:<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</div>
  <div id="zoom">
<div class="TRS_Editor">
{body}
</div>
  </div>
  <div class="tools">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】 分享到: 扫一扫在手机打开当前页</div>
</div>
"""
        + GOV_FOOTER.replace('href="../', 'href="../../')
    )


def build_gov() -> None:
    pages = [GOV_DOCS[i : i + GOV_PAGE_SIZE] for i in range(0, len(GOV_DOCS), GOV_PAGE_SIZE)]
    for number, docs in enumerate(pages):
        name = "index.html" if number == 0 else f"index_{number}.html"
        _write(f"gov/kjj/{name}", _gov_list_page(number, len(pages), docs), "gb18030")
    for doc in GOV_DOCS:
        _write(f"gov/kjj/{doc.path}", _gov_article(doc), "gb18030")


# --- document-sharing site 1 (三七文档-like, utf-8) ----------------------------------------------

DS1_BREADCRUMB, DS1_001_BODY, DS1_001_TITLE = _seed_001()
DS1_DOC_001 = Doc("doc-8788882.html", DS1_001_TITLE, "2022-07-05", (DS1_001_BODY,))
# An exact copy of the government page's 003 report; it keeps the paragraph breaks so that its
# text is the same as the gov page's, which makes it the demo's exact duplicate.
DS1_DOC_003 = Doc("doc-9120455.html", "2018年上半年科技工作总结", "2022-08-19", REPORT_003)
DS1_DEAD = Doc("doc-8790001.html", "科技局2021年工作总结范文", "2022-07-11", ())  # never written
DS1_PAGES = ((DS1_DOC_001, DS1_DEAD), (DS1_DOC_003,))

DS1_HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
</head>
<body>
<div class="header">
  <div class="welcome">您好,欢迎访问三七文档 <a href="{root}login.html">登录</a> <a href="{root}register.html">注册</a></div>
  <div class="logo"><a href="{root}index.html">三七文档</a></div>
  <div class="search"><form action="{root}search.html"><input name="q"><button>搜索</button></form></div>
  <ul class="nav">
    <li><a href="{root}index.html">首页</a></li>
    <li><a href="{root}list/gongzuozongjie.html">工作总结</a></li>
    <li><a href="{root}list/gongzuojihua.html">工作计划</a></li>
    <li><a href="{root}list/hetong.html">合同范本</a></li>
  </ul>
</div>
"""

DS1_FOOT = """<div class="footer">
  <p><a href="{root}about.html">关于我们</a> - <a href="{root}contact.html">联系我们</a> - <a href="{root}copyright.html">版权申明</a></p>
  <p>本站所有资源均由用户上传分享,仅供学习交流,如有侵权请联系删除。 Copyright 三七文档 版权所有</p>
</div>
</body>
</html>
"""


def _ds1_list_page(number: int, pages: int, docs: tuple[Doc, ...]) -> str:
    def page_name(n: int) -> str:
        return "gongzuozongjie.html" if n == 1 else f"gongzuozongjie_{n}.html"

    items = "\n".join(
        f'    <li><a href="../{d.path}" title="{_e(d.title)}">{_e(d.title)}</a>'
        f'<span class="date">{d.date}</span></li>'
        for d in docs
    )
    pager = [f'<a href="{page_name(1)}">首页</a>']
    if number > 1:
        pager.append(f'<a href="{page_name(number - 1)}">上一页</a>')
    pager.extend(
        f"<b>{n}</b>" if n == number else f'<a href="{page_name(n)}">{n}</a>'
        for n in range(1, pages + 1)
    )
    if number < pages:
        pager.append(f'<a href="{page_name(number + 1)}">下一页</a>')
    pager.append(f'<a href="{page_name(pages)}">尾页</a>')
    return (
        DS1_HEAD.format(title="工作总结_三七文档", root="../")
        + f"""<div class="crumb">当前位置:<a href="../index.html">首页</a> &gt; 办公文档 &gt; 工作总结</div>
<div class="list">
  <ul>
{items}
  </ul>
  <div class="pages">{" ".join(pager)}</div>
</div>
"""
        + DS1_FOOT.format(root="../")
    )


def _ds1_doc_page(doc: Doc) -> str:
    crumb = DS1_BREADCRUMB if doc is DS1_DOC_001 else f"首页 > 办公文档 > 工作总结 > {doc.title}"
    body = "\n".join(f"<p>{_e(p)}</p>" for p in doc.paragraphs)
    return (
        DS1_HEAD.format(title=f"{_e(doc.title)} - 三七文档", root="")
        + f"""<div class="crumb">当前位置:{_e(crumb)}</div>
<div class="doc">
  <h1>{_e(doc.title)}</h1>
  <div class="docinfo">上传时间:{doc.date} 页数:3 格式:DOC 下载积分:5</div>
  <div class="content">
{body}
  </div>
  <div class="trailer">
    <p>本文标题:{_e(doc.title)}</p>
    <p>链接地址:https://www.777doc.com/{doc.path}</p>
  </div>
</div>
<div class="related"><h3>相关文档</h3>
  <ul><li><a href="doc-8700001.html">科技局工作总结范文</a></li><li><a href="doc-8700002.html">上半年工作总结</a></li></ul>
</div>
"""
        + DS1_FOOT.format(root="")
    )


def build_docshare1() -> None:
    home_hot = (
        f'<li><a href="{DS1_DOC_001.path}">{_e(DS1_DOC_001.title)}</a></li>'  # also listed below
    )
    _write(
        "docshare1/index.html",
        DS1_HEAD.format(title="三七文档 - 文档分享平台", root="")
        + f"""<div class="main">
  <h2>热门文档</h2>
  <ul>{home_hot}</ul>
  <h2>文档分类</h2>
  <ul>
    <li><a href="list/gongzuozongjie.html">工作总结</a></li>
    <li><a href="list/gongzuojihua.html">工作计划</a></li>
  </ul>
</div>
"""
        + DS1_FOOT.format(root=""),
    )
    for number, docs in enumerate(DS1_PAGES, start=1):
        name = "gongzuozongjie.html" if number == 1 else f"gongzuozongjie_{number}.html"
        _write(f"docshare1/list/{name}", _ds1_list_page(number, len(DS1_PAGES), docs))
    for doc in (DS1_DOC_001, DS1_DOC_003):
        _write(f"docshare1/{doc.path}", _ds1_doc_page(doc))


# --- document-sharing site 2 (公文素材库-like, utf-8) --------------------------------------------

DS2_002_TITLE, DS2_002_BODY = _seed_002()
DS2_DOCS = (
    Doc("4368.html", DS2_002_TITLE, "2021-10-22", DS2_002_BODY, "2021-10-22 11:13:39"),
    # Seed 000: the mirror copy of seed 001 (years shifted), Traditional with pinyin; its scraped
    # text has no title, so the demo gives it one in the same script.
    Doc(
        "5127.html", "科技局2020年上半年工作總結", "2021-11-03", _seed_000(), "2021-11-03 09:20:15"
    ),
    # Seed 004 as the mirror shows it: Traditional with pinyin, a near copy of the gov report.
    Doc(
        "6033.html",
        "陽江市科學技術局2019年上半年工作總結",
        "2021-12-01",
        _seed_004_traditional(),
        "2021-12-01 16:42:08",
    ),
)
DS2_PAGES = (DS2_DOCS[:2], DS2_DOCS[2:])

DS2_HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
<div class="head"><a href="../index.html">公文素材库</a> <a href="../index.html">首页</a></div>
"""

DS2_FOOT = """<div class="foot">
  <h3>推荐专题</h3>
  <ul><li><a href="../zt/zongjie.html">工作总结专题</a></li><li><a href="../zt/jihua.html">工作计划专题</a></li></ul>
  <p>公文素材库 m.bsmz.net 版权所有</p>
</div>
</body>
</html>
"""


def _ds2_list_page(number: int, pages: int, docs: tuple[Doc, ...]) -> str:
    items = "\n".join(
        f'  <li><a href="{d.path}">{_e(d.title)}</a> <span class="time">{d.date}</span></li>'
        for d in docs
    )
    pager = []
    if number > 1:
        pager.append(f'<a href="list_{number - 1}.html">上一页</a>')
    if number < pages:
        pager.append(f'<a href="list_{number + 1}.html">下一页</a>')
    return (
        DS2_HEAD.format(title=f"工作总结_公文素材库 第{number}页")
        + f"""<h2>工作总结</h2>
<ul class="news">
{items}
</ul>
<div class="pager">{" ".join(pager)}</div>
"""
        + DS2_FOOT
    )


def _ds2_doc_page(doc: Doc, others: tuple[Doc, ...]) -> str:
    body = "\n".join(f"<p>{_e(p)}</p>" for p in doc.paragraphs)
    related = "".join(f'<li><a href="{d.path}">{_e(d.title)}</a></li>' for d in others)
    return (
        DS2_HEAD.format(title=f"{_e(doc.title)}_公文素材库")
        + f"""<div class="crumb"><a href="../index.html">首页</a> &gt; <a href="list_1.html">工作总结</a></div>
<h1>{_e(doc.title)}</h1>
<div class="info">时间:{doc.time} 网站:公文素材库</div>
<div class="content">
<h2>{_e(doc.title)}</h2>
{body}
<p>来源:网络整理 免责声明:本文仅限学习分享,如产生版权问题,请联系我们及时删除。</p>
</div>
<div class="copy">
<p>{_e(doc.title)}</p>
<p>由互联网用户整理提供,转载分享请保留原作者信息,谢谢!</p>
<p>http://m.bsmz.net/news/{doc.path}</p>
</div>
<div class="rel"><h3>相关阅读</h3><ul>{related}</ul></div>
<div class="rel"><h3>最近更新</h3><ul><li><a href="9001.html">2021年科技工作计划</a></li></ul></div>
"""
        + DS2_FOOT
    )


def build_docshare2() -> None:
    for number, docs in enumerate(DS2_PAGES, start=1):
        _write(f"docshare2/news/list_{number}.html", _ds2_list_page(number, len(DS2_PAGES), docs))
    for doc in DS2_DOCS:
        others = tuple(d for d in DS2_DOCS if d is not doc)
        _write(f"docshare2/news/{doc.path}", _ds2_doc_page(doc, others))


# --- the whole site ------------------------------------------------------------------------------

ROOT_INDEX = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>harvest demo</title></head>
<body>
<h1>harvest demo website</h1>
<ul>
  <li><a href="gov/kjj/index.html">示范市科学技术局 工作总结/计划 (TRS WCM, gb2312)</a></li>
  <li><a href="docshare1/index.html">三七文档-like document sharing (utf-8)</a></li>
  <li><a href="docshare2/news/list_1.html">公文素材库-like document sharing (utf-8)</a></li>
  <li><a href="gov/fgw/index.html">示范市发展和改革局 reports as attachments (PDF, DOCX, WPS, …)</a></li>
</ul>
</body>
</html>
"""


# --- the attachment column (发展和改革局, gb2312, reports as files) ------------------------------

FGW_SITE_NAME = "示范市发展和改革局"
FGW_DATES = ("2021-07-05", "2021-07-12", "2021-07-20", "2021-08-01", "2021-08-02", "2021-08-03",
             "2021-08-04")
_FILE_NAMES = {"pdf": "pdf", "docx": "docx", "wps": "wps", "scanned": "pdf", "encrypted": "pdf",
               "oversize": "pdf", "broken": "docx"}


def _fgw_article_path(number: int, date: str) -> str:
    return f"{date[:4]}{date[5:7]}/t{date.replace('-', '')}_4{number:05d}.html"


def _fgw_link(spec, article_path: str) -> str:
    """How the page links its file: relative TRS uploads, a Hanweb download script."""
    name = f"{spec.title}.{_FILE_NAMES[spec.kind]}"
    if spec.path.endswith("downfile.jsp"):
        href = f"../module/download/downfile.jsp?classid=0&amp;filename={_e(name)}"
        return f'<p>附件：<a href="{href}">点击下载</a></p>'
    href = "../" + spec.path.removeprefix("gov/fgw/")
    if spec.path.rsplit("/", 2)[-2] == article_path.split("/")[0]:
        href = "./" + spec.path.rsplit("/", 1)[-1]
    return f'<p>附件：<a href="{href}">{_e(name)}</a></p>'


def build_gov_files() -> None:
    items = []
    for number, (spec, date) in enumerate(zip(DEMO_FILES, FGW_DATES, strict=True), start=1):
        path = _fgw_article_path(number, date)
        doc = Doc(path, spec.title, date, (), time=f"{date} 10:00")
        page = _gov_article(doc).replace(GOV_SITE_NAME, FGW_SITE_NAME).replace(
            '<div class="TRS_Editor">\n', '<div class="TRS_Editor">\n' + _fgw_link(spec, path)
        )
        _write(f"gov/fgw/{path}", page, "gb18030")
        items.append(doc)
    listing = _gov_list_page(0, 1, tuple(reversed(items))).replace(GOV_SITE_NAME, FGW_SITE_NAME)
    _write("gov/fgw/index.html", listing.replace(GOV_COLUMN, "附件公开"), "gb18030")


def build() -> None:
    """Rebuild ``site/`` from scratch."""
    if SITE.exists():
        shutil.rmtree(SITE)
    _write("robots.txt", "User-agent: *\nAllow: /\n")
    _write("index.html", ROOT_INDEX)
    build_gov()
    build_docshare1()
    build_docshare2()
    build_gov_files()


if __name__ == "__main__":
    build()
    for path in sorted(SITE.rglob("*")):
        if path.is_file():
            print(path.relative_to(DEMO))
