"""pipelines.extract.body: flattened bodies are split again at list markers."""

from __future__ import annotations

from pipelines.extract.body import resplit


def test_resplit_flattened_body_at_markers_after_sentence_ends():
    para = "我局认真贯彻落实各项科技政策,推动科技创新取得明显成效。" * 20
    flat = "具体工作总结如下:一、增质保量抓知识产权工作" + para + "二、实施培育计划" + para
    flat += "(一)出台政策" + para + "1、制订政策。第一、二季度共1.5亿元。"
    assert resplit([flat]) == [
        "具体工作总结如下:",
        "一、增质保量抓知识产权工作" + para,
        "二、实施培育计划" + para,
        "(一)出台政策" + para,
        "1、制订政策。第一、二季度共1.5亿元。",
    ]
    short = "总结如下:一、工作。二、打算。"
    assert resplit([short]) == [short]


def test_a_data_table_keeps_each_row_on_one_line():
    import lxml.html

    from pipelines.extract.body import serialize

    table = lxml.html.fromstring(
        "<div><p>各县区科技投入情况如下：</p><table>"
        "<tr><th><p>县区</p></th><th><p>投入（万元）</p></th></tr>"
        "<tr><td><p>阳东区</p></td><td><div>1200</div></td></tr>"
        # a layout row: one cell holding paragraphs keeps them apart
        "<tr><td><p>第一段正文。</p><p>第二段正文。</p></td></tr></table></div>"
    )
    assert serialize(table) == [
        "各县区科技投入情况如下：",
        "县区 投入（万元）",
        "阳东区 1200",
        "第一段正文。",
        "第二段正文。",
    ]
