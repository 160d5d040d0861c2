"""Near-duplicate text comparison: the dedup normaliser, shingles, settings and similarity."""

from __future__ import annotations

import random
from dataclasses import asdict
from pathlib import Path

import numpy as np
import opencc
import pytest
from scrapy.settings import Settings

from pipelines.dedup.settings import NearDupSettings
from pipelines.dedup.similarity import (
    DEFAULTS,
    band_keys,
    dedup_normalise,
    estimated_jaccard,
    shingles,
    signature,
    signature_array,
    signature_bytes,
    signature_from_bytes,
    similarity,
    text_shingles,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "dedup"


def gold(number: str) -> str:
    return (FIXTURES / f"{number}.txt").read_text(encoding="utf-8")


def test_pinyin_annotations_do_not_separate_copies():
    annotated = "在區(qū)委、區（qū）政府的正確領(lǐng)導(dǎo)下"
    assert dedup_normalise(annotated) == dedup_normalise("在区委、区政府的正确领导下")
    assert "一" in dedup_normalise("(一)创新驱动 (GDP) 工作")
    assert "gdp" in dedup_normalise("(一)创新驱动 (GDP) 工作")


def test_normaliser_simplifies_and_drops_spacing_and_punctuation():
    assert (
        dedup_normalise("在區(qū)委、區(qū)政府的正確領(lǐng)導(dǎo)下，")
        == "在区委区政府的正确领导下"
    )
    assert dedup_normalise("一、 上半年\n工作情况：“双创”！") == "一上半年工作情况双创"
    assert dedup_normalise("ＡＢＣ科技") == "abc科技"  # NFKC and lower case


def test_numbers_placeholders_and_years_become_one_zero():
    assert dedup_normalise("2020年共计16家企业，增长3.5%") == "0年共计0家企业增长0"
    assert dedup_normalise("２０２１年") == "0年"  # full-width digits (NFKC)
    assert dedup_normalise("xxxx年xx市XX区x家") == "0年0市0区0家"
    assert dedup_normalise("二〇二〇年上半年") == "0年上半年"
    # x inside a Latin word is a letter, not a placeholder
    assert dedup_normalise("index 2020") == "index0"
    assert dedup_normalise("2020年", mask_numbers=False) == "2020年"


def test_recycled_seeds_differ_only_in_years_once_normalised():
    # 000 says 2020 where 001 says 2021; both start the same once numbers are masked
    assert dedup_normalise(gold("000")).startswith("0年上半年我局在区委区政府的正确领导下")
    assert dedup_normalise(gold("001")).startswith("0年上半年在区委区政府的正确领导下")


def test_shingles_are_character_ngrams():
    assert shingles("abcdef", 5) == {"abcde", "bcdef"}
    assert shingles("abc", 5) == {"abc"}
    assert shingles("", 5) == set()
    assert len(text_shingles(gold("002"))) > 1000


def test_settings_defaults_and_scrapy_overrides():
    assert asdict(DEFAULTS) == {
        "shingle_size": 5,
        "num_perm": 256,
        "bands": 64,
        "jaccard": 0.6,
        "containment": 0.8,
        "min_shingles": 100,
        "recycled_drop": 0.01,
        "max_candidates": 100,
    }
    assert DEFAULTS.rows == 4
    settings = NearDupSettings.from_settings(
        Settings({"HARVEST_DEDUP_SHINGLE_SIZE": "4", "HARVEST_DEDUP_JACCARD": "0.7"})
    )
    assert (settings.shingle_size, settings.jaccard, settings.num_perm) == (4, 0.7, 256)
    with pytest.raises(ValueError, match="divisible"):
        NearDupSettings(num_perm=256, bands=60)


def test_signature_round_trips_and_is_stable_across_calls():
    values = signature(text_shingles(gold("003")))
    assert len(values) == 256
    # stored as the low 16 bits of each value (b-bit MinHash), half the bytes
    assert signature_from_bytes(signature_bytes(values)) == [v & 0xFFFF for v in values]
    assert len(signature_bytes(values)) == 2 * len(values)
    assert signature(text_shingles(gold("003"))) == values  # fixed seed: other processes agree
    assert len(set(band_keys(values))) == 64


def test_seed_pairs():
    recycled = similarity(gold("000"), gold("001"))
    assert recycled.near_duplicate and recycled.recycled
    assert recycled.jaccard > 0.9
    for a, b in (("000", "002"), ("001", "003"), ("002", "003"), ("002", "004"), ("000", "004")):
        pair = similarity(gold(a), gold(b))
        assert not pair.near_duplicate, (a, b)
        assert pair.jaccard < 0.05


def test_traditional_copy_with_pinyin_is_a_near_duplicate_not_recycled():
    simplified = gold("001")
    traditional = opencc.OpenCC("s2t").convert(simplified)
    annotated = traditional.replace("區", "區(qū)").replace("導", "導(dǎo)")
    pair = similarity(simplified, annotated)
    assert pair.near_duplicate and not pair.recycled
    assert pair.jaccard > 0.95


def test_truncated_preview_is_caught_by_containment():
    full = gold("004")
    preview = full[: len(full) // 2] + "\n剩余内容已隐藏,下载文档查看全文"
    pair = similarity(full, preview)
    assert pair.jaccard < DEFAULTS.jaccard  # Jaccard alone would miss it
    assert pair.containment >= 0.8 and pair.near_duplicate
    assert not similarity(full, "上半年工作总结。" * 3).near_duplicate  # stubs are not "contained"


_WRAPPER_ALPHABET = (
    "您好欢迎访问三七文档当前位置首页办公文档工作范文本文标题链接地址时间网站公文素材库来源网络整理"
    "免责声明由互联网用户提供转载分享请保留原作者信息相关阅读最近更新推荐专题下载展开全文區領導"
    "abcxyzXHTTPwww.:/-_>|0123456789２０２１ ，。、：（）()【】qūlǐngdǎo\n"
)


def random_wrapper(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(0, 8)):
        lines.append("".join(rng.choice(_WRAPPER_ALPHABET) for _ in range(rng.randint(0, 300))))
    return "\n".join(lines)


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_property_a_document_nearly_duplicates_itself_in_any_docshare_wrapper(number):
    """Seeded random loop standing in for a hypothesis property test."""
    rng = random.Random(int(number) + 2026)
    text = gold(number)
    for _ in range(15):
        header, footer = random_wrapper(rng), random_wrapper(rng)
        wrapped = f"{header}\n{text}\n{footer}"
        pair = similarity(text, wrapped)
        assert pair.near_duplicate, (header[:80], footer[:80], pair)
        assert not pair.recycled


def test_signatures_stored_whole_by_older_archives_give_the_same_estimates():
    a = signature(text_shingles(gold("003")))
    b = signature(text_shingles(gold("003")[: len(gold("003")) * 2 // 3]))
    legacy = np.asarray(b, dtype="<u4").tobytes()  # how archives before version 14 kept them
    assert len(legacy) == 4 * len(b) and len(signature_bytes(b)) == 2 * len(b)
    assert np.array_equal(signature_array(legacy), signature_array(signature_bytes(b)))
    full = np.count_nonzero(np.asarray(a) == np.asarray(b)) / len(a)
    assert estimated_jaccard(a, signature_array(legacy)) == estimated_jaccard(a, b)
    assert abs(estimated_jaccard(a, b) - full) < 0.02  # 16 bits agree by chance 1 in 65,536
