"""Word lists the extraction rules are made of: labels, site phrases, menu and toolbar words,
link-list headings, document words and the meta tag names harvest reads.

Kept apart from the rules (:mod:`pipelines.extract.boilerplate`) so that adding a word seen on
a new site is a one-line change here and the rules' shapes stay readable.
"""

from __future__ import annotations

import re

# Province abbreviations, the first character of ICP and 公网安备 numbers.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"
# Labels that start a short non-body line: "label: value" rows of info bars, doc-share headers
# and trailers, footers. Only short lines qualify.
LABEL_LINE = re.compile(
    r"^[\s【\[(（|｜]*(?:"
    r"主办单位|主办|承办单位|承办|协办单位|协办|管理维护|维护单位|(?:网站)?技术支持(?:电话|单位|热线)?"
    r"|备案序号|网站报障|联系电话"
    r"|发布时间|发布日期|发布机构|信息来源|文章来源|来源|作者|浏览次数|点击数|阅读次数|点击率"
    r"|(?:网站|本站|总|今日)?访问量|访问人数|访问次数"
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
TABLE_LABEL_ROW = re.compile(
    r"^(?:索引号|发布机构|发文机关|发文单位|发文字号|文号|成文日期|发布日期|公开日期|主题分类|体裁分类"
    r"|信息分类|组配分类|服务对象|有效性|公开方式|公开范围|公开时限|名称|标题|生效日期|废止日期"
    # the same shape in info bars and bylines: "责任编辑 李四", "来源 本站"
    r"|责任编辑|作者|来源|信息来源|文章来源|发布时间|浏览次数|点击数)\s+\S"
)
# Labels no report sentence starts with: the line goes whatever follows (a disclaimer is a
# full sentence ending in 。, a breadcrumb can be long).
STRONG_LABEL = re.compile(
    r"^[\s【\[]*(?:(?:您(?:当前|现在)?(?:所在)?的?|当前|现在|所在)(?:位置|所在位置)|您的位置|當前位置|当前您在"
    r"|本文标题|本文链接|链接地址"
    r"|原文地址|本文地址|原文链接|免责声明|版权声明|免責聲明|上一篇|下一篇|上一篇文章|下一篇文章|分享到"
    r"|转载请注明|轉載請註明)\s*[:：-]"
)
# Headings of site notices standing alone on their line: "【免责声明】", "版权声明".
NOTICE_HEADING = re.compile(
    r"^[【\[]?\s*(?:免责声明|免責聲明|版权声明|版權聲明|特别声明|郑重声明|法律声明)\s*[】\]]?$"
)
# Phrases only site furniture uses: a short line holding one is boilerplate, sentence or not
# ("由互联网用户整理提供,转载分享请保留原作者信息,谢谢!").
SITE_PHRASES = re.compile(
    r"欢迎访问|歡迎訪問|欢迎来到|打印本页|打印本頁|关闭窗口|關閉窗口|字体[:：]?\s*[【\[]?\s*大\s*中\s*小"
    r"|[【\[]\s*大\s*中\s*小\s*[】\]]|扫一扫在手机|掃一掃|分享到|收藏本页|加入收藏|设为首页|返回顶部"
    r"|政府网站找错|建议使用.{0,20}(?:分辨率|浏览器)|最佳浏览|剩余内容已隐藏|剩余.{0,8}未读|点击查看全文"
    r"|由互联网用户整理提供|转载分享请保留|来源[:：]\s*网络|本文由.{0,6}上传|仅供学习|联系删除"
    r"|侵权.{0,6}删除|联系QQ|您的电子邮箱|All Rights Reserved|Powered by|您是第.{0,12}位访"
    # doc-share trailers: "《…》由范文网用户整理提供", "免费下载《…》word文档"
    r"|由.{0,10}(?:用户|网友)(?:整理|上传|投稿)|免费下载《|[Ww]ord(?:文档|格式)|文档为doc格式"
    r"|扫码关注|关注公众号|分享给朋友|本文已影响|阅读本文需要"
    # platforms hosting their users' articles: "…用户上传并发布，本平台仅提供信息存储服务"
    r"|仅提供信息存储服务|语音播报文章|减少或屏蔽此类内容|已标记为不喜欢"
    # copyright notices of the article: "…专稿，未经书面授权请勿转载。"
    r"|未经.{0,12}授权.{0,10}转载|版权归.{0,16}所有"
)
# App banners of mobile doc-share pages ("打开APP,阅读全文更方便"); a report may say 打开APP
# in a sentence, so only a line that is not one goes.
APP_BANNER = re.compile(r"打开APP|下载APP|APP内|客户端内|打开App|下载App|App内")
# Words a report may use too (无障碍环境建设, 来自互联网企业): the line goes only when it is
# little more than such words.
MENU_WORDS = re.compile(
    r"您好|网站地图|網站地圖|关于我们|關於我們|联系我们|網站幫助|网站帮助|隐私申明|隱私申明|隐私声明"
    r"|无障碍|长者模式|关怀版|下载文档|下載文檔|展开全文|展開全文|阅读全文|继续阅读|相关阅读|相关文章"
    r"|相关文档|相关推荐|最近更新|最新更新|推荐专题|热门推荐|猜你喜欢|上传文档|用户上传|本站资源"
    r"|来自互联网|来源于网络|仅供参考|关于本站|请登录|免费注册|发表评论|标签[:：]|访问者|访客|English"
)
# Headings of link lists; the list items themselves go by the link test in extract.
# Headings may be decorated: "【相关链接】", "■ 相关新闻", ">> 相关文章".
LIST_HEADS = re.compile(
    r"^[\s【\[■●▪►>»]*(?:相关阅读|相关文章|相关文档|相关推荐|相关链接|最近更新|最新更新|推荐专题|热门推荐|猜你喜欢"
    r"|热门文章|最新文章|精彩推荐|延伸阅读|推荐阅读|相关閱讀|相關文章|您可能关注的文档|您可能感兴趣的"
    r"|猜你感兴趣|相关资料|相关范文|热门搜索|大家都在看|为你推荐|为您推荐|近期文章|最新评论|近期评论"
    r"|点击排行|阅读排行|热点新闻|热点信息|相关新闻|相关信息|相关附件|热门标签|文章归档|猜你想看"
    r"|最新动态|最新信息|最新发布)[】\]]?\s*[:：]?$"
    # "<article title>相关文章:": some sites head the list with the title; colon required.
    r"|^.{4,60}?(?:相关阅读|相关文章|相关文档|相关推荐|相关范文)[:：]$"
)
HOME_WORDS = frozenset(["首页", "网站首页", "主页", "首頁", "返回首页"])
# Lines made only of interface words (buttons, counters): each token alone is harmless in a
# sentence, a line of nothing else is a toolbar.
UI_WORDS = frozenset(
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
        "上一篇",
        "下一篇",
        "上一条",
        "下一条",
        "返回目录",
        "目录",
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
        "播报",
        "播报文章",
        "关注",
        "已关注",
        "不喜欢",
        "不感兴趣",
        "不感兴趣×",
        "文章不错，点个赞吧",
        "点个赞吧",
        "文章不错",
    ]
)
# Words that name a document; a logo heading or site name has none of them.
DOC_WORDS = re.compile(
    r"总结|總結|计划|計劃|报告|報告|要点|要點|方案|汇报|彙報|匯報|规划|規劃|述职|述職|意见|意見|通知"
    r"|打算|思路|安排|范文|範文"
)
META_DATE_NAMES = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "article:published_time",
    "dc.date",
    "dc.date.created",
    "publish_time",
    "pubtime",
    "datepublished",
)
META_TITLE_NAMES = ("articletitle", "dc.title")
META_SOURCE_NAMES = ("contentsource", "source")
