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
