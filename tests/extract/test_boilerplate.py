"""pipelines.extract.boilerplate: line rules drop boilerplate shapes only."""

from __future__ import annotations

import pytest

from pipelines.extract.boilerplate import clean_lines, is_boilerplate


@pytest.mark.parametrize(
    "line",
    [
        "主办单位:阳江市人民政府办公室 管理维护:阳江市政务服务和数据管理局 网站标识码:4417000019 备案序号:粤ICP备16010311号-3 网站报障:0662-3367662",
        "粤公网安备 44170202000121号",
        "鄂ICP备05003343号-1",
        "网站标识码:4208810001",
        "版权所有:钟祥市人民政府办公室 承办:钟祥市政务服务和大数据管理局",
        "Copyright © 2020 柳州市科学技术局 版权所有",
        "关于我们 | 网站帮助 | 网站地图 | 隐私申明",
        "|",
        ".",
        "发布时间:2019-06-28 09:30 来源:阳江市科学技术局 浏览次数:1024 【字体:大 中 小】",
        "【打印本页】【关闭窗口】",
        "您好,欢迎访问三七文档",
        "当前位置:首页 > 办公文档 > 工作范文 > 科技局2022年上半年工作总结范文",
        "本文标题:科技局2022年上半年工作总结范文",
        "链接地址:https://www.777doc.com/doc-8788882 .html",
        "时间:2021-10-22 11:13:39 网站:公文素材库",
        "来源:网络整理 免责声明:本文仅限学习分享,如产生版权问题,请联系我们及时删除。",
        "由互联网用户整理提供,转载分享请保留原作者信息,谢谢!",
        "http://m.bsmz.net/news/4368.html",
        "相关阅读",
        "最近更新",
        "推荐专题",
        "剩余内容已隐藏,展开全文 下载文档",
        "上一篇:关于开展科技活动周的通知",
        "扫一扫在手机打开当前页",
        "[2019-06-28]",
        "2022-03-15 本文由用户上传",
        "2022-03-15 10:22 阅读(123)",
        "作者:admin 2022-03-15",
        "第 1 页 共 3 页",
        "【我要纠错】 【打印】 【关闭】",
        "发布于2021-10-22 举报 免费下载",
        "您可能关注的文档",
        "无障碍 | 长者模式",
        "地址:阳江市江城区东风二路1号 邮编:529500",
        "本站资源均来自互联网,仅供学习交流 联系QQ:123456 关于本站",
        "Copyright © 2019 All Rights Reserved",
        "<<返回列表 上一篇:年度工作总结",
        "范文网 首页 > 工作总结",
        "本文来源:https://www.fanwen.example.com/zj/000.html",
        "阳江市科学技术局2019年上半年工作总结相关文章:",
        # found on templates outside the corpus (news pages, 信息公开 tables, blogs, mobile)
        "（责任编辑：李四）",
        "(编辑:王五 审核:赵六)",
        "索引号 000014349/2020-00211 主题分类 科技、教育",
        "成文日期 2020-07-06 发布日期 2020-07-06",
        "责任编辑 李四",
        "1.2020年科技项目汇总表.doc",
        "附件2：专项资金明细.xls（25KB）",
        "您所在的位置:首页 > 政务公开 > 部门动态",
        "您现在所在位置：首页 > 工作动态",
        "XX区科学技术局 > 工作总结",
        "工作动态 » 通知公告",
        "首页 政务公开",
        "道客巴巴 首页 文档分类 上传",
        "XX区科学技术局政府信息公开",
        "为你推荐",
        "近期文章",
        "2条评论",
        "打开APP,阅读全文更方便",
        "APP内免费下载 打开APP阅读",
        "《科技局2022年上半年工作总结范文》由范文网用户整理提供,仅供参考",
        "免费下载《科技局2022年上半年工作总结范文》word文档",
        "本文关键词:工作总结,科技局",
        "温馨提示:本文档共5页,可免费在线阅读",
        "【打 印】 【关 闭】",
        "更多>>",
        "【相关链接】",
        "■ 相关新闻",
    ],
)
def test_boilerplate_lines(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        # body sentences that mention the words boilerplate rules look for
        "加强政府网站建设,完成ICP备案和网站标识码的申报工作,网站安全等级保护测评顺利通过。",
        "开展知识产权保护宣传,查处侵犯版权案件3起,版权所有人合法权益得到有效维护。",
        "指导企业完成ICP备案12家,协助公安部门办理公网安备登记,推动互联网企业规范经营。",
        "来源于企业的技术需求共126项,已对接解决89项。",
        "一、上半年主要工作情况",
        "(一)出台政策 扶持中小微企业",
        "阳江市科学技术局",
        "2019年6月27日",
        "时间紧、任务重,我局克服困难,按时完成各项任务。",
        "(三)公开举报电话",
        "一、",
        "(三)推进无障碍环境建设",
        "加强网站建设,完成ICP备案,访客量稳步增长。",
        "引进来自互联网企业的技术人才12名",
        "(三)积极宣传报道,发布最新文章",
        "开展首页设计-改版工作",
        "一是完成上一篇章的修订",
        "收入>支出",
        "2019年完成网站建设>10个",
        "(一)首页改版 政务公开栏目调整",
        "推动政务APP上线,打开APP即可办理37项业务,下载量突破10万。",
        "附件清单已按要求报送市财政局。",
        "完成《科技项目管理办法.doc》的修订和印发工作,全年共受理项目申报126项。",
    ],
)
def test_body_lines_survive(line):
    assert not is_boilerplate(line)
    assert clean_lines([line]) == ([line], 0)


def test_strong_labels_drop_whole_sentences():
    assert is_boilerplate("免责声明:本站所有文章均来自网络,如有侵权请联系删除,谢谢合作与支持。")
    assert is_boilerplate(
        "当前位置:首页 > 政务公开 > 规划计划 > 工作总结 > 阳江市科学技术局2019年上半年工作总结"
    )


def test_link_list_items_below_the_body_go():
    body = ["今年以来," + "我局认真贯彻落实各项科技政策,推动科技创新取得明显成效。" * 8]
    lines = [*body, "相关文章", "科技局2018年工作总结 2019-01-02", "乡镇党建工作总结"]
    assert clean_lines(lines) == (body, 3)


def test_short_body_headings_after_a_list_above_the_body_stay():
    lines = ["推荐阅读", "一、上半年主要工作情况", "(一)创新驱动政策体系持续完善。"]
    assert clean_lines(lines) == (lines[1:], 1)


def test_no_gold_line_is_boilerplate():
    import json
    from pathlib import Path

    from pipelines.extract.body import resplit

    for path in sorted(
        (Path(__file__).parents[1] / "fixtures" / "extraction" / "gold").glob("*.json")
    ):
        lines = json.loads(path.read_text(encoding="utf-8"))["text"].split("\n")
        assert clean_lines(lines) == (lines, 0), path.name
        assert clean_lines(resplit(lines))[1] == 0, path.name


def test_a_notices_attachments_and_contacts_are_body_lines():
    lines = [
        "请各单位于5月20日前报送参赛名单。",
        "附件：1.知识竞答工作要求",
        "2.参赛报名表",
        "联系人：王明",
        "联系电话：0351-4041234",
        "邮箱：kjj@example.gov.cn",
    ]
    assert clean_lines(lines) == (lines, 0)
    # A footer row strings several labels together; an attachment file name is no body line.
    footer = "地址：太原市府西街69号 邮编：030002 联系电话：0351-4041234"
    assert clean_lines([*lines, footer, "附件：1.报名表.docx"]) == (lines, 2)


@pytest.mark.parametrize(
    "line",
    [
        "返回首页 | 通知公告",
        "建议使用IE9.0以上版本浏览器",
        "网站技术支持电话：0351-4041234",
        "总访问量：1234567",
        "[上一篇] [下一篇]",
        "当前您在- 中关村在线论坛 - BT下载专区 点击数：39",
    ],
)
def test_small_leftovers_are_boilerplate(line):
    assert is_boilerplate(line)
