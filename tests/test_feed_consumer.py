"""A downstream consumer polling `harvest export --after-change` (as a cron job would) across
real crawls of a copy of the demo site: the government column first, then a document-sharing
site that carries a copy of an old report (a new source of an old document), then the column
again after one article was revised (a new version). Every change reaches the consumer in
exactly one poll, and a poll with nothing new sends nothing."""

from __future__ import annotations

import json
import re
import shutil

import jsonschema
import pytest
import yaml

from crawler.browse.export import SCHEMA_FILE
from crawler.demo import DEMO_CONFIG, DEMO_SITE, DEMO_URL_VARIABLE, serve_directory
from tests.helpers import DEMO_GOV_ARTICLES, harvest, query_archive

pytestmark = pytest.mark.e2e

SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
_CURSOR = re.compile(r"next: --after-change (\d+)")


class Consumer:
    """Keeps the latest record of each document and the cursor between polls."""

    def __init__(self, db) -> None:
        self.db = db
        self.cursor = 0
        self.records: dict[int, dict] = {}
        self.polls: list[tuple[int, int, list[dict]]] = []  # (after, next cursor, records)

    def poll(self) -> list[dict]:
        result = harvest("export", "--db", str(self.db), "--after-change", str(self.cursor))
        assert result.returncode == 0, result.stderr
        found = [json.loads(line) for line in result.stdout.splitlines()]
        following = int(_CURSOR.search(result.stderr).group(1))
        for record in found:
            jsonschema.validate(record, SCHEMA)
            self.records[record["document_id"]] = record
        self.polls.append((self.cursor, following, found))
        self.cursor = following
        return found


@pytest.fixture
def world(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root)
    config = tmp_path / "config.yaml"
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["defaults"].setdefault("incremental", {})["min_refetch_hours"] = 0  # every page is due
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with serve_directory(root) as base_url:
        yield {"root": root, "config": config, "base": base_url, "db": tmp_path / "harvest.db"}


def crawl(world, site: str) -> None:
    result = harvest(
        "crawl", site, "--config", str(world["config"]), "--db", str(world["db"]),
        env={DEMO_URL_VARIABLE: world["base"]},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def documents_of(world, url_part: str) -> list[int]:
    rows = query_archive(
        world["db"], "SELECT document_id FROM sources WHERE url LIKE ?", [f"%{url_part}%"]
    )
    return [r[0] for r in rows]


def test_a_polling_consumer_receives_every_change_once(world):
    consumer = Consumer(world["db"])
    crawl(world, "demo_gov")
    first = consumer.poll()
    assert sorted(r["document_id"] for r in first) == [1, 2, 3, 4, 5]
    assert {tuple(r["changes"][:2]) for r in first} == {("document", "source")}
    assert consumer.poll() == []  # nothing happened: nothing sent

    # A doc-share site carries a Traditional copy of the 2019 阳江 report: same text, new source.
    crawl(world, "demo_docshare2")
    (old,) = documents_of(world, "t20190628_358021")
    second = consumer.poll()
    copy = next(r for r in second if r["document_id"] == old)
    assert "source" in copy["changes"] and "document" not in copy["changes"]
    assert sorted(s["site"] for s in copy["sources"]) == ["demo_docshare2", "demo_gov"]
    assert [s["primary_source"] for s in copy["sources"]] == [True, False]  # government first

    # The newest article is revised on the site: the page now serves a new version.
    article = world["root"] / DEMO_GOV_ARTICLES[0].lstrip("/")
    revision = "二〇二〇年新增一段修订说明，本段为更新内容。".encode("gb18030")
    article.write_bytes(article.read_bytes().replace(b"</p>", b"</p><p>" + revision + b"</p>", 1))
    (before,) = documents_of(world, "t20200116_361045")
    crawl(world, "demo_gov")
    (after,) = documents_of(world, "t20200116_361045")
    assert after != before
    third = {r["document_id"]: r for r in consumer.poll()}
    assert {"document", "version"} <= set(third[after]["changes"])
    assert "source" in third[before]["changes"]  # the old version lost its URL
    assert "新增一段修订说明" in consumer.records[after]["text"]
    assert consumer.poll() == []

    # Every numbered change was delivered in exactly the poll whose range held it, once.
    changes = query_archive(world["db"], "SELECT change_no, document_id FROM changes")
    for after_no, upto, records in consumer.polls:
        expected = {d for no, d in changes if after_no < no <= upto}
        sent = [r["document_id"] for r in records]
        assert sorted(sent) == sorted(expected)  # each changed document, no duplicate
        assert all(after_no < r["change_no"] <= upto for r in records)
    assert consumer.cursor == max(no for no, _ in changes)
