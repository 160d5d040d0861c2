"""Line-level cleaning of extracted text: boilerplate lines, repeated titles, pinyin.

In:  the text of a page's main region as lines (one paragraph per line), the document title.
Out: the lines that belong to the document, in order, and counts of what was removed.

A rule drops a line only when the whole line has a boilerplate *shape* (an ICP number, a
公网安备 number, a 10-digit 网站标识码, "本文标题:…", a nav row of short items joined by
pipes, ...) or when the line is short and starts with a boilerplate label. Words such as 版权,
网站建设 or ICP备案 inside a body sentence never drop it: body sentences are long, end in
punctuation, and do not consist of a label and a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# --- pinyin annotations -------------------------------------------------------------------------
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# "區(qū)": a Han character, then a parenthesised syllable carrying a tone mark. ASCII or
# full-width parentheses both occur on mirror sites.
# Han: the unified blocks, compatibility ideographs and the supplementary planes (rare names).
_HAN_CLASS = r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_PINYIN_TONED = re.compile(r"(?<=" + _HAN_CLASS + r")[(（]([a-zü]*[" + _TONED + r"][a-zü]*)[)）]")
# Plain toneless syllables ("區(qu)") are only removed when the page is clearly annotated and the
# syllable is valid pinyin, so that "(GDP)", "(一)", "(2020)" and "(a)" stay.
_PINYIN_PLAIN = re.compile(r"(?<=" + _HAN_CLASS + r")[(（]([a-zü]{1,6})[)）]")
_SYLLABLE = re.compile(
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|ua|uo"
    r"|ui|un|ve|ue|a|o|e|i|u|ü|v)"
)
_TONED_CHAR = re.compile("[" + _TONED + "]")
_PLAIN_MIN = 3  # toned annotations needed before plain syllables are trusted as pinyin
# Readers that lay a document out in visual lines (one element per rendered line) break
# annotations too: "區(q" / "ū)", "部門" / "(mén)". The annotation goes with the line break
# inside or before it, which was a wrap inside the paragraph, not a paragraph end.
_PINYIN_WRAPPED = re.compile(
    r"(?<="
    + _HAN_CLASS
    + r")\n?[(（](?=[a-zü"
    + _TONED
    + r"\n]{1,9}[)）])([a-zü"
    + _TONED
    + r"\n]+)[)）]"
)


def _plain(text: str) -> str:
    return text.translate(str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuüüüü"))


def strip_pinyin(text: str) -> tuple[str, int]:
    """Remove pinyin annotations after Han characters; return the text and how many went."""
    text, toned = _PINYIN_TONED.subn("", text)
    # Wrapped annotations only occur on annotated pages, which always keep some whole ones:
    # pages without any skip this pass.
    if toned and "\n" in text:
        wrapped = 0

        def unwrap(match: re.Match[str]) -> str:
            nonlocal wrapped
            syllable = match.group(1).replace("\n", "")
            if "\n" in match.group(0) and 1 <= len(syllable) <= 7 and _TONED_CHAR.search(syllable):
                wrapped += 1
                return ""
            return match.group(0)

        text = _PINYIN_WRAPPED.sub(unwrap, text)
        toned += wrapped
    plain = 0
    if toned >= _PLAIN_MIN:

        def drop(match: re.Match[str]) -> str:
            nonlocal plain
            if _SYLLABLE.fullmatch(_plain(match.group(1))):
                plain += 1
                return ""
            return match.group(0)

        text = _PINYIN_PLAIN.sub(drop, text)
    return text, toned + plain


# --- boilerplate line shapes ----------------------------------------------------------------------
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"
# Whole-line shapes: the number formats are specific enough to drop any line they appear in,
# provided the line is short (a footer row), never a body paragraph that mentions 备案.
_FOOTER_SHAPES = re.compile(
    r"[" + _PROVINCES + r"]ICP[备證证]\s*\d{6,10}号"  # 粤ICP备16010311号-3
    r"|[" + _PROVINCES + r"]公网安备\s*\d{14}号?"  # 粤公网安备 44170202000121号
    r"|網站標識碼|网站标识码\s*[:：]?\s*(?:\d{10}|bm\d{8})"
    r"|(?:Copyright|copyright|COPYRIGHT)\s*(?:©|\(c\)|&copy;)?"
    r"|版权所有|版權所有"
)
_FOOTER_MAX = 300  # a footer row, possibly several merged; body paragraphs end in 。

# Labels that start a short non-body line: "label: value" rows of info bars, doc-share headers
# and trailers, footers. Only lines up to _LABEL_MAX characters qualify.
_LABEL_LINE = re.compile(
    r"^[\s【\[(（]*(?:"
    r"主办单位|主办|承办单位|承办|协办单位|协办|管理维护|维护单位|技术支持|备案序号|网站报障|联系电话"
    r"|发布时间|发布日期|发布机构|信息来源|文章来源|来源|作者|浏览次数|点击数|阅读次数|点击率|访问量"
    r"|时间|日期|上传时间|更新时间|页数|大小|字号|字体|分享到|责任编辑|编辑|审核|索引号|分类|文号|发文字号"
    r"|成文日期|主题分类|名称|附件|位置|声明|上一条|下一条|發佈時間|發布時間|發佈日期|來源"
    r"|地址|邮编|邮政编码|传真|电子邮箱|邮箱|E-mail|Email|网站主办|运维单位|访问统计"
    r"|文档格式|格式|文档大小|上传者|上传人|贡献者|下载积分|积分|下载量|下载次数|浏览量|分享"
    r"|责编|发布者|发布人|供稿|撰稿|摄影|校对|录入|稿源|出处|审校|签发|审核人|初审|复审|终审|信息员"
    r"|作者单位|关键词|关键字|本文关键词|本页关键词|主题词|标签|文章标签|TAG标签|Tag标签|推荐度|热度|字数"
    r"|附件下载|相关文件|温馨提示"
    r")\s*[:：]"
)
# 政府信息公开 metadata tables put label and value in separate cells: "索引号 000014349/2020-00211
# 主题分类 科技". Chinese prose never puts a space after a word, so one of these labels followed
# by whitespace starts a table row, not a sentence.
_TABLE_LABEL_ROW = re.compile(
    r"^(?:索引号|发布机构|发文机关|发文单位|发文字号|文号|成文日期|发布日期|公开日期|主题分类|体裁分类"
    r"|信息分类|组配分类|服务对象|有效性|公开方式|公开范围|公开时限|名称|标题|生效日期|废止日期"
    # the same shape in info bars and bylines: "责任编辑 李四", "来源 本站"
    r"|责任编辑|作者|来源|信息来源|文章来源|发布时间|浏览次数|点击数)\s+\S"
)
_LABEL_MAX = 100
# Labels no report sentence starts with: the line goes whatever follows (a disclaimer is a
# full sentence ending in 。, a breadcrumb can be long).
_STRONG_LABEL = re.compile(
    r"^[\s【\[]*(?:(?:您(?:当前|现在)?(?:所在)?的?|当前|现在|所在)(?:位置|所在位置)|您的位置|當前位置|本文标题|本文链接|链接地址"
    r"|原文地址|本文地址|原文链接|免责声明|版权声明|免責聲明|上一篇|下一篇|上一篇文章|下一篇文章|分享到"
    r"|转载请注明|轉載請註明)\s*[:：]"
)
_STRONG_MAX = 250
# "发布于2021-10-22 …": a label without a colon, but always followed by the date.
_DATED_LABEL = re.compile(
    r"^(?:发布于|发表于|更新于|上传于|發佈於|發表於)\s*[:：]?\s*(?:19|20)\d{2}"
)

# Short lines that are boilerplate as a whole (possibly with a few extra words around).
# Phrases only site furniture uses: a short line holding one is boilerplate, sentence or not
# ("由互联网用户整理提供,转载分享请保留原作者信息,谢谢!").
_SITE_PHRASES = re.compile(
    r"欢迎访问|歡迎訪問|欢迎来到|打印本页|打印本頁|关闭窗口|關閉窗口|字体[:：]?\s*[【\[]?\s*大\s*中\s*小"
    r"|[【\[]\s*大\s*中\s*小\s*[】\]]|扫一扫在手机|掃一掃|分享到|收藏本页|加入收藏|设为首页|返回顶部"
    r"|政府网站找错|建议使用.{0,20}分辨率|剩余内容已隐藏|剩余.{0,8}未读|点击查看全文"
    r"|由互联网用户整理提供|转载分享请保留|来源[:：]\s*网络|本文由.{0,6}上传|仅供学习|联系删除"
    r"|侵权.{0,6}删除|联系QQ|您的电子邮箱|All Rights Reserved|Powered by|您是第.{0,12}位访"
    # doc-share trailers: "《…》由范文网用户整理提供", "免费下载《…》word文档"
    r"|由.{0,10}(?:用户|网友)(?:整理|上传|投稿)|免费下载《|[Ww]ord(?:文档|格式)|文档为doc格式"
    r"|扫码关注|关注公众号|分享给朋友|本文已影响|阅读本文需要"
)
# App banners of mobile doc-share pages ("打开APP,阅读全文更方便"); a report may say 打开APP
# in a sentence, so only a line that is not one goes.
_APP_BANNER = re.compile(r"打开APP|下载APP|APP内|客户端内|打开App|下载App|App内")
# Words a report may use too (无障碍环境建设, 来自互联网企业): the line goes only when it is
# little more than such words.
_MENU_WORDS = re.compile(
    r"您好|网站地图|網站地圖|关于我们|關於我們|联系我们|網站幫助|网站帮助|隐私申明|隱私申明|隐私声明"
    r"|无障碍|长者模式|关怀版|下载文档|下載文檔|展开全文|展開全文|阅读全文|继续阅读|相关阅读|相关文章"
    r"|相关文档|相关推荐|最近更新|最新更新|推荐专题|热门推荐|猜你喜欢|上传文档|用户上传|本站资源"
    r"|来自互联网|来源于网络|仅供参考|关于本站|请登录|免费注册|发表评论|标签[:：]|访问者|访客|English"
)
_MENU_REST = 6  # characters a line may have besides menu words
_SHORT_MAX = 60
# Headings of link lists; the list items themselves go by the link test in extract.
# Headings may be decorated: "【相关链接】", "■ 相关新闻", ">> 相关文章".
_LIST_HEADS = re.compile(
    r"^[\s【\[■●▪►>»]*(?:相关阅读|相关文章|相关文档|相关推荐|相关链接|最近更新|最新更新|推荐专题|热门推荐|猜你喜欢"
    r"|热门文章|最新文章|精彩推荐|延伸阅读|推荐阅读|相关閱讀|相關文章|您可能关注的文档|您可能感兴趣的"
    r"|猜你感兴趣|相关资料|相关范文|热门搜索|大家都在看|为你推荐|为您推荐|近期文章|最新评论|近期评论"
    r"|点击排行|阅读排行|热点新闻|热点信息|相关新闻|相关信息|相关附件|热门标签|文章归档|猜你想看"
    r"|最新动态|最新信息|最新发布)[】\]]?\s*[:：]?$"
    # "<article title>相关文章:": some sites head the list with the title; colon required.
    r"|^.{4,60}?(?:相关阅读|相关文章|相关文档|相关推荐|相关范文)[:：]$"
)
_URL_LINE = re.compile(
    r"^\s*(?:https?://|www\.)\S+(?:\s+\S*\.(?:html?|shtml|aspx?|php)\S*)?\s*$", re.I
)
# Nav rows: three or more short items separated by pipes or bullets.
_NAV_ROW = re.compile(r"^(?:[^|｜·•]{1,12}[|｜·•]){2,}[^|｜·•]{0,12}$")
# Nav rows separated by spaces only ("首页 政务公开", "道客巴巴 首页 文档分类 上传"): short
# unpunctuated words, one of them the home link. Prose has no spaces between words.
_SPACED_NAV_ITEM = re.compile(r"^[^\W_]{1,8}$")
_HOME_WORDS = frozenset(["首页", "网站首页", "主页", "首頁", "返回首页"])
# A page date on its own line ("2022-03-15", "[2019-06-28 09:30]"); signature dates are written
# 2019年6月27日 and are never matched by this.
_ISO_DATE_LINE = re.compile(
    r"^[\[(（【]?\s*(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*[\])）】]?$"
)
# Pager lines of paginated previews: "第 1 页 共 3 页", "第2页/共5页", "1/3".
_PAGER_LINE = re.compile(r"^(?:第\s*\d+\s*页)?\s*[/,，]?\s*(?:共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$")
# Lines made only of interface words (buttons, counters): each token alone is harmless in a
# sentence, a line of nothing else is a toolbar.
_UI_WORDS = frozenset(
    [
        "举报",
        "免费下载",
        "立即下载",
        "下载",
        "收藏",
        "分享",
        "打印",
        "关闭",
        "评论",
        "点赞",
        "纠错",
        "我要纠错",
        "返回",
        "顶部",
        "返回顶部",
        "上一页",
        "下一页",
        "首页",
        "尾页",
        "末页",
        "加入收藏",
        "复制链接",
        "微信",
        "微博",
        "QQ空间",
        "字号",
        "大",
        "中",
        "小",
        "默认",
        "放大",
        "缩小",
        "阅读",
        "浏览",
        "点击",
        "次",
        "人",
        "赞",
        "踩",
        "VIP",
        "会员",
        "admin",
        "作者",
        "编辑",
        "阅读量",
        "浏览量",
        "点击量",
        "人阅读",
        "次阅读",
        "次浏览",
        "人浏览",
        "评论数",
        "已有",
        "收藏数",
        "下载数",
        "手机版",
        "电脑版",
        "二维码",
        "微信扫一扫",
        "扫码分享",
        "登录",
        "注册",
        "我的",
        "分类",
        "发表评论",
        "下载本文",
        "下载全文",
        "复制全文",
        "收藏本文",
        "手机浏览本文",
        "更多",
        "更多>>",
        "查看更多",
        "点击查看更多",
        "返回栏目",
        "打印该页",
        "打印此页",
        "关",
        "闭",
        "打",
        "印",
    ]
)
# Tokens a toolbar or info line carries besides words: counts, dates, times.
_COMMENT_COUNT = re.compile(r"^\d+\s*(?:条|个)?(?:评论|回复|留言)$")
_COUNTER = re.compile(
    r"^(?:\d+|\d+\s*(?:条|个)?(?:评论|回复|留言)|(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}:\d{2}(?::\d{2})?)$"
)
_TOKENS = re.compile(r"[\s【】\[\]()（）|｜:：,，/·•]+")
# Breadcrumbs without a 当前位置 label: "首页 >> 工作动态", "网站首页 > 政务公开".
_BREADCRUMB = re.compile(r"(?:^|\s)(?:首页|网站首页|主页|首頁|返回首页)\s*(?:>>?|»|→|/|＞|›|-)")
# A breadcrumb that starts at the site or column name ("XX区科学技术局 > 工作总结"): the whole line
# is short unpunctuated names joined by arrows, which no sentence is.
# A bare ">" counts only with spaces around it, as breadcrumbs render it: "收入>支出" is no crumb.
_CRUMB_TRAIL = re.compile(
    r"^(?:[^\s>＞»›。，,；;：:！!？?]{1,20}(?:\s+>>?\s+|\s*(?:>>|»|＞|›)\s*))+"
    r"[^\s>＞»›。，,；;：:！!？?]{1,30}$"
)
# An attachment list item: a file name, optionally numbered and labelled, optionally sized
# ("1.2020年科技项目汇总表.doc", "附件2：专项资金明细.xls（23KB）"). A sentence does not end in ".doc".
_ATTACHMENT = re.compile(
    r"^(?:附件\s*\d{0,2}\s*[:：]?)?\s*(?:\d{1,2}\s*[.、．]\s*)?\S.{0,80}?"
    r"\.(?:docx?|xlsx?|pdf|wps|et|pptx?|zip|rar|7z|ofd|txt)\s*"
    r"(?:[(（\[]?\s*\d+(?:\.\d+)?\s*[KMG]?B\s*[)）\]]?)?\s*(?:下载|预览|查看)?$",
    re.I,
)
# Prev/next links and "back to list" anywhere in a short line.
_PREV_NEXT = re.compile(
    r"上一篇[:：]|下一篇[:：]|上一条[:：]|下一条[:：]|返回列表|上一篇文章|下一篇文章"
)
# "本文来源: https://…": a label and a URL, nothing else.
_LABELLED_URL = re.compile(r"^\S{1,10}[:：]\s*(?:https?://|www\.)\S+$", re.I)
# An info line led by the page date: "2020-07-06 16:40 文章来源:本站原创".
_DATED_INFO = re.compile(
    r"^[\[(（【]?\s*(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?.{0,40}?"
    r"(?:来源|作者|编辑|浏览|阅读|点击|字号|字体|發佈|來源)"
)
# The site's own name as a line: a place, then 门户网站 / 政府网 / 官网.
_SITE_NAME = re.compile(
    r"^[\u4e00-\u9fffXx]{1,10}?(?:省|市|县|区|州|盟|旗)[\u4e00-\u9fff]{0,12}"
    r"(?:门户网站|政府网站|网站|政府网|官网|官方网站|門戶網站|網站|政府信息公开|信息公开)$"
)
_LIST_ITEM_MAX = 40
_BODY_BEFORE_LIST = 200
_LONE_PUNCT = re.compile(r"^[\s\W_]*$")
_SENTENCE_END = re.compile(r"[。；;！!？]\s*$")


def _spaced_nav(line: str) -> bool:
    items = line.split()
    return (
        2 <= len(items) <= 12
        and any(x in _HOME_WORDS for x in items)
        and all(_SPACED_NAV_ITEM.match(x) for x in items)
    )


def _only_ui_words(line: str) -> bool:
    tokens = [t for t in _TOKENS.split(line) if t]
    # A count of comments ("2条评论") is a toolbar line on its own.
    if len(tokens) == 1 and _COMMENT_COUNT.match(tokens[0]):
        return True
    tokens = [t for t in tokens if not _COUNTER.match(t)]
    return bool(tokens) and all(t in _UI_WORDS for t in tokens)


def boilerplate_rule(line: str) -> str | None:
    """The rule family a boilerplate line falls under, or None for a line of the document."""
    s = line.strip()
    if not s or _LONE_PUNCT.match(s):
        return "punctuation"
    n = len(s)
    if _URL_LINE.match(s) or (n <= 200 and _LABELLED_URL.match(s)):
        return "bare-url"
    if _LIST_HEADS.match(s):
        return "link-list-heading"
    if _ISO_DATE_LINE.match(s):
        return "date-line"
    if n <= 40 and _PAGER_LINE.match(s):
        return "pager"
    if n <= 40 and _only_ui_words(s):
        return "toolbar"
    if n <= _FOOTER_MAX and _FOOTER_SHAPES.search(s) and not _SENTENCE_END.search(s):
        return "footer-number"
    if n <= _STRONG_MAX and _STRONG_LABEL.match(s):
        return "doc-share-label"
    if n <= _LABEL_MAX and (_DATED_LABEL.match(s) or _DATED_INFO.match(s)):
        return "info-bar"
    if n <= _LABEL_MAX and (_BREADCRUMB.search(s) or _CRUMB_TRAIL.match(s)):
        return "breadcrumb"
    if n <= _LABEL_MAX and _PREV_NEXT.search(s):
        return "prev-next"
    if n <= 30 and _SITE_NAME.match(s):
        return "site-name"
    # "时间:..." may open a body line ("时间:5月,地点:…"): a label line is not a sentence.
    if n <= _LABEL_MAX and _LABEL_LINE.match(s) and (n <= 40 or not _SENTENCE_END.search(s)):
        return "label-line"
    if n <= _LABEL_MAX and _TABLE_LABEL_ROW.match(s) and not _SENTENCE_END.search(s):
        return "table-label-row"
    if n <= 120 and _ATTACHMENT.match(s):
        return "attachment"
    if n <= _SHORT_MAX and _SITE_PHRASES.search(s):
        return "site-phrase"
    if n <= _SHORT_MAX and _APP_BANNER.search(s) and not _SENTENCE_END.search(s):
        return "site-phrase"
    if (
        n <= _SHORT_MAX
        and _MENU_WORDS.search(s)
        and len(squash(_MENU_WORDS.sub("", s))) <= _MENU_REST
    ):
        return "menu-words"
    if n <= 80 and (_NAV_ROW.match(s) or _spaced_nav(s)):
        return "nav-row"
    return None


def is_boilerplate(line: str) -> bool:
    """True when the whole line has the shape of site boilerplate (see module docstring)."""
    return boilerplate_rule(line) is not None


# --- titles inside the body ----------------------------------------------------------------------
_NON_CONTENT = re.compile(r"[\s\W_]+")
_DIGITS = re.compile(r"\d+")


def squash(text: str) -> str:
    """Comparable form of a line: no whitespace or punctuation."""
    return _NON_CONTENT.sub("", text)


def title_pattern(title: str) -> re.Pattern[str] | None:
    """A pattern matching ``title`` with any digits (recycled or lost years) at digit places.

    Digits and punctuation are made optional at their places so that "年上半年科技工作总结"
    (digits lost) and "科技局2020年…" (another year) both match "…2022年…".
    """
    core = squash(title)
    if len(core) < 4:
        return None
    parts = []
    for piece in re.split(r"(\d+)", core):
        if not piece:
            continue
        if piece.isdigit():
            parts.append(r"\d{0,8}")
        else:
            parts.append(r"[\s\W_]*".join(re.escape(ch) for ch in piece))
    return re.compile(r"^[\s\W_]*" + r"[\s\W_]*".join(parts))


def remove_titles(lines: list[str], title: str | None, lead: int = 3) -> tuple[list[str], int]:
    """Remove copies of the title from the body.

    - a line equal to the title, anywhere;
    - near the top, a line equal to it up to digits (recycled year, digits lost);
    - at the start of the first paragraph, copies glued to it (flattened doc-share bodies);
    - inside a flattened paragraph, a copy right after a sentence end (a page header that the
      flattening pasted into the text).
    """
    if not title:
        return lines, 0
    target = squash(title)
    bare_target = _DIGITS.sub("", target)
    pattern = title_pattern(title)
    inner = (
        re.compile(r"(?<=[。！？；!?;])\s*" + re.escape(title.strip()) + r"\s*")
        if len(target) >= 8
        else None
    )
    out: list[str] = []
    removed = 0
    longest = 2 * len(title) + 10  # a longer line cannot be a copy of the title
    for i, line in enumerate(lines):
        # Near the top: before any paragraph-length line (short leftovers may precede).
        near_top = i < lead + removed and all(len(x) < _SHORT_MAX for x in out)
        s = squash(line) if len(line) <= longest else ""
        if s and (s == target or (near_top and _DIGITS.sub("", s) == bare_target)):
            removed += 1
            continue
        while near_top and pattern and len(line) > len(target) + 20:
            m = pattern.match(line)
            if not m or _DIGITS.sub("", squash(m.group(0))) != bare_target:
                break
            line = line[m.end() :].lstrip()
            removed += 1
        if inner and len(line) > len(target) + 20 and title.strip() in line:
            line, n = inner.subn("", line)
            removed += n
        out.append(line)
    return out, removed


# A list marker (一、 / (一) / 1、) right after a sentence end starts a new paragraph.
_MARKER_BREAK = re.compile(
    r"(?<=[。；;！!？?：:])\s*(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）]"
    r"|\d{1,2}[、．](?!\d))"
)
_FLAT_MIN = 1000  # characters: longer than any real paragraph, so a flattened body


def resplit(lines: list[str]) -> list[str]:
    """Split bodies flattened into one line (doc-share sites) back into paragraphs at list
    markers that follow a sentence end. Lines of ordinary length are left alone."""
    out: list[str] = []
    for line in lines:
        if len(line) < _FLAT_MIN:
            out.append(line)
        else:
            out.extend(part for part in _MARKER_BREAK.split(line) if part)
    return out


def clean_lines(
    lines: Iterable[str],
    shadow: Sequence[str] | None = None,
    counts: dict[str, int] | None = None,
) -> tuple[list[str], int]:
    """Keep non-boilerplate lines (stripped); return them and how many were dropped.

    ``shadow`` is the same lines in Simplified Chinese for a Traditional page: the rules are
    written in Simplified and are matched against it, while the page's own lines are kept.
    ``counts``, when given, is incremented per rule family (see :func:`boilerplate_rule`).

    After a link-list heading (相关阅读, 最近更新 ...) below the body, the short lines that
    follow are its items (titles, often with dates) and go too, up to the first line that
    reads like body text.
    """
    kept: list[str] = []
    dropped = 0
    in_list = False
    lines = list(lines)
    for line, probe in zip(lines, shadow if shadow is not None else lines, strict=True):
        s = line.strip()
        if not s:
            continue
        p = probe.strip()
        rule = boilerplate_rule(p)
        if rule == "link-list-heading":
            # Only below the body: before it, a short body heading could pass for a list item.
            in_list = sum(len(x) for x in kept) >= _BODY_BEFORE_LIST
        elif in_list and len(p) <= _LIST_ITEM_MAX and not _SENTENCE_END.search(p):
            rule = "link-list-item"
        else:
            in_list = False
        if rule is None:
            kept.append(s)
            continue
        dropped += 1
        if counts is not None:
            counts[rule] = counts.get(rule, 0) + 1
    return kept, dropped
