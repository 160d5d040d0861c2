"""Config validation: every kind of bad entry gives one message naming the site and field."""

from __future__ import annotations

import copy
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

import crawler.settings
from crawler import settings as defaults
from crawler.config import ConfigError, load_config, parse_config
from crawler.scheduler import next_runs
from tests.helpers import PROJECT_ROOT

GOOD = {
    "defaults": {"schedule": "0 4 * * *", "politeness": {"download_delay": 3}},
    "sites": [
        {
            "name": "city_kjj",
            "family": "gov",
            "start_urls": ["https://www.example.gov.cn/kjj/gzzj/index.html"],
            "allowed_domains": ["www.example.gov.cn"],
            "links": {"document": [r"/\d{6}/t\d{8}_\d+\.html$"], "next": [r"index_\d+\.html$"]},
            "politeness": {"concurrent_requests_per_domain": 2},
            "limits": {"max_list_pages": 5},
        },
        {
            "name": "docs",
            "family": "docshare",
            "start_urls": ["https://docs.example.com/list/1.html"],
            "allowed_domains": ["docs.example.com"],
            "links": {"document": [r"/doc-\d+\.html$"]},
            "schedule": "30 2 * * 1",
        },
    ],
}


def bad(mutate) -> str:
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(ConfigError) as info:
        parse_config(data, "config.yaml")
    return str(info.value)


def test_defaults_are_merged_and_site_values_win():
    config = parse_config(copy.deepcopy(GOOD), "config.yaml")
    kjj, docs = config.sites
    assert kjj.schedule == "0 4 * * *"
    assert docs.schedule == "30 2 * * 1"
    assert kjj.politeness.download_delay == 3
    assert kjj.politeness.concurrent_requests_per_domain == 2
    assert docs.politeness.concurrent_requests_per_domain == 1  # crawler/settings.py default
    assert kjj.politeness.obey_robots_txt is True
    assert kjj.limits.max_list_pages == 5
    assert docs.limits.max_list_pages == defaults.HARVEST_MAX_LIST_PAGES == 20
    assert kjj.links.matches("document", "https://www.example.gov.cn/kjj/201906/t20190628_1.html")
    assert not kjj.links.matches("document", "https://www.example.gov.cn/kjj/index_1.html")


def test_unknown_key_names_site_and_field():
    message = bad(lambda d: d["sites"][0].update(start_url="https://x.example/"))
    assert message == "config.yaml: site 'city_kjj': field 'start_url': unknown key"


def test_unknown_nested_key():
    message = bad(lambda d: d["sites"][1].update(politeness={"delay": 1}))
    assert message == "config.yaml: site 'docs': field 'politeness.delay': unknown key"


def test_missing_field():
    message = bad(lambda d: d["sites"][1].pop("allowed_domains"))
    assert message == "config.yaml: site 'docs': field 'allowed_domains': missing required field"


def test_bad_cron_expression():
    message = bad(lambda d: d["sites"][1].update(schedule="61 2 * * *"))
    assert message.startswith(
        "config.yaml: site 'docs': field 'schedule': bad cron expression '61 2 * * *'"
    )


def test_bad_default_cron_expression():
    message = bad(lambda d: d["defaults"].update(schedule="every day"))
    assert message.startswith("config.yaml: field 'defaults.schedule': bad cron expression")


def test_bad_pattern():
    message = bad(lambda d: d["sites"][0]["links"].update(document=["(unclosed"]))
    assert message.startswith(
        "config.yaml: site 'city_kjj': field 'links.document': bad regular expression '(unclosed'"
    )


def test_a_region_is_read_as_its_division_code():
    config = parse_config(copy.deepcopy(GOOD), "config.yaml")
    assert config.sites[0].region is None
    data = copy.deepcopy(GOOD)
    data["sites"][0]["region"] = "广东省阳江市"
    assert parse_config(data, "config.yaml").sites[0].region == "441700"


def test_unknown_region_names_site_and_field():
    message = bad(lambda d: d["sites"][0].update(region="阳江县"))
    assert message.startswith(
        "config.yaml: site 'city_kjj': field 'region': region '阳江县': not one division"
    )


def test_the_committed_config_files_its_government_sites_under_their_cities():
    sites = {s.name: s for s in load_config(PROJECT_ROOT / "config.yaml").sites}
    assert (sites["yangjiang_kjj"].region, sites["hangzhou_kjj"].region) == ("441700", "330100")


def test_unknown_family():
    message = bad(lambda d: d["sites"][0].update(family="forum"))
    assert message.startswith("config.yaml: site 'city_kjj': field 'family':")


def test_bad_politeness_value():
    message = bad(lambda d: d["sites"][0]["politeness"].update(download_delay=-1))
    assert message.startswith("config.yaml: site 'city_kjj': field 'politeness.download_delay':")


def test_domain_with_scheme_and_bad_url():
    message = bad(lambda d: d["sites"][0].update(allowed_domains=["https://www.example.gov.cn"]))
    assert "site 'city_kjj': field 'allowed_domains'" in message
    message = bad(lambda d: d["sites"][0].update(start_urls=["ftp://x"]))
    assert "site 'city_kjj': field 'start_urls': not an http(s) URL: 'ftp://x'" in message


def test_duplicate_site_names():
    message = bad(lambda d: d["sites"][1].update(name="city_kjj"))
    assert "site name 'city_kjj' is used twice" in message


def test_every_problem_is_reported_at_once():
    def two_errors(d):
        d["sites"][0].update(bogus=1)
        d["sites"][1].update(schedule="nope")

    message = bad(two_errors)
    assert len(message.splitlines()) == 2


def test_environment_variables(monkeypatch):
    data = copy.deepcopy(GOOD)
    data["sites"][1]["start_urls"] = ["${DEMO_BASE}/list/1.html"]
    data["sites"][1]["allowed_domains"] = ["127.0.0.1"]
    monkeypatch.setenv("DEMO_BASE", "http://127.0.0.1:8123")
    assert parse_config(data).sites[1].start_urls == ("http://127.0.0.1:8123/list/1.html",)
    monkeypatch.delenv("DEMO_BASE")
    with pytest.raises(ConfigError) as info:
        parse_config(data, "config.yaml")
    assert str(info.value) == (
        "config.yaml: site 'docs': field 'start_urls': environment variable ${DEMO_BASE} is not set"
    )


def test_a_start_url_outside_allowed_domains_is_refused():
    message = bad(lambda d: d["sites"][1].update(start_urls=["https://other.example.com/a.html"]))
    assert message == (
        "config.yaml: site 'docs': field 'start_urls': start URL "
        "https://other.example.com/a.html is outside allowed_domains (docs.example.com): "
        "it would be dropped as offsite"
    )
    # a subdomain of an allowed domain is inside it, as for Scrapy's offsite filter
    data = copy.deepcopy(GOOD)
    data["sites"][1]["allowed_domains"] = ["example.com"]
    parse_config(data, "config.yaml")


def test_a_cron_expression_that_never_fires_is_refused():
    message = bad(lambda d: d["sites"][1].update(schedule="0 3 30 2 *"))
    assert message == (
        "config.yaml: site 'docs': field 'schedule': "
        "cron expression '0 3 30 2 *' never fires (no such date)"
    )


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    text = yaml.safe_dump(GOOD, allow_unicode=True, sort_keys=False)
    path.write_text(
        text.replace("  family: gov\n", "  family: gov\n  family: docshare\n"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "key 'family' is given twice" in str(info.value)
    assert str(info.value).startswith(f"{path}: not valid YAML")


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("sites: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(empty)


def test_file_round_trip(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(GOOD, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    assert [s.name for s in config.select()] == ["city_kjj", "docs"]
    assert config.site("docs").family == "docshare"
    with pytest.raises(ConfigError, match="no site named 'nope'"):
        config.select(["nope"])


def test_dedup_settings_are_checked_and_become_scrapy_settings():
    data = copy.deepcopy(GOOD)
    data["dedup"] = {"jaccard": 0.7, "shingle_size": 4}
    config = parse_config(data, "config.yaml")
    assert config.scrapy_settings() == {
        "HARVEST_DEDUP_JACCARD": 0.7,
        "HARVEST_DEDUP_SHINGLE_SIZE": 4,
    }
    message = bad(lambda d: d.update(dedup={"jacard": 0.7}))
    assert message.startswith("config.yaml: field 'dedup': unknown key(s) jacard; known:")
    message = bad(lambda d: d.update(dedup={"num_perm": 100, "bands": 64}))
    assert "field 'dedup'" in message and "divisible" in message


# --- the committed config.yaml -------------------------------------------------------------

COMMITTED = PROJECT_ROOT / "config.yaml"
SITE_PAGES = PROJECT_ROOT / "tests" / "fixtures" / "spiders"


@pytest.fixture(scope="module")
def committed():
    return load_config(COMMITTED)


def test_committed_config_loads_with_its_four_sites(committed):
    assert [s.name for s in committed.sites] == ["yangjiang_kjj", "hangzhou_kjj", "doc777", "bsmz"]
    assert all(s.enabled for s in committed.sites)


def test_every_committed_site_has_a_family_spider_scrapy_finds(committed):
    settings = Settings()
    settings.setmodule(crawler.settings)
    spiders = set(SpiderLoader.from_settings(settings).list())
    assert {s.family for s in committed.sites} <= spiders
    assert {s.name: s.family for s in committed.sites} == {
        "yangjiang_kjj": "gov",
        "hangzhou_kjj": "gov",
        "doc777": "docshare",
        "bsmz": "docshare",
    }


def test_committed_start_urls_are_inside_allowed_domains(committed):
    for site in committed.sites:
        for url in site.start_urls:
            host = urlsplit(url).hostname
            assert any(host == d or host.endswith("." + d) for d in site.allowed_domains), (
                site.name,
                url,
            )


def test_committed_schedules_parse_and_fire_on_monday_nights(committed):
    now = datetime(2026, 11, 27, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Friday
    table = {name: (expr, times) for name, expr, times in next_runs(committed, 2, now)}
    assert set(table) == {s.name for s in committed.sites}
    for expr, times in table.values():
        assert expr == "17 3 * * 1"
        assert [t.strftime("%a %Y-%m-%d %H:%M %Z") for t in times] == [
            "Mon 2026-11-30 03:17 CST",
            "Mon 2026-12-07 03:17 CST",
        ]


def test_every_committed_site_has_saved_list_and_document_pages(committed):
    for site in committed.sites:
        for kind in ("list", "doc"):
            assert (SITE_PAGES / f"{site.name}_{kind}.html").is_file(), (site.name, kind)
