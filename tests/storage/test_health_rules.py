"""The health rules of crawler/storage/runs.py that no crawl test reaches: each on a run that
deserves it and on one that does not."""

from __future__ import annotations

from crawler.storage.runs import assess

HEALTHY = {
    "site": "kjj",
    "pages_fetched": 30,
    "list_pages": 2,
    "documents_linked": 20,
    "documents_seen": 20,
    "requests": 30,
    "errors": 0,
    "text_length_mean": 3000.0,
}


def run(**changes) -> dict:
    return {**HEALTHY, **changes}


def kinds(current: dict, history: list[dict]) -> list[str]:
    return [alert.kind for alert in assess(current, history)]


def test_a_healthy_run_raises_nothing():
    assert kinds(run(), [run(), run()]) == []


def test_nothing_fetched_is_unreachable_and_nothing_else():
    alerts = assess(run(pages_fetched=0, documents_seen=0), [run()])
    assert [(a.kind, a.site) for a in alerts] == [("unreachable", "kjj")]


def test_links_without_documents_where_recent_runs_had_some():
    broken = run(documents_seen=0, not_modified=0, not_due=0)
    assert kinds(broken, [run()]) == ["no_documents"]
    # a first run, or a site that never yielded documents, has nothing to compare with
    assert kinds(broken, []) == []
    assert kinds(broken, [broken]) == []
    # documents confirmed unchanged (304) or not yet due count as accounted for
    assert kinds(run(documents_seen=0, not_modified=20), [run()]) == []
    assert kinds(run(documents_seen=0, not_due=20), [run()]) == []


def test_pages_that_lost_half_their_text():
    alerts = assess(run(documents_changed=4, documents_shrunk=2), [run()])
    assert [a.kind for a in alerts] == ["text_length"]
    assert alerts[0].message.startswith("2 of 4 changed pages lost more than half")
    # one shrunk page among many changed ones is the page, not the template
    assert kinds(run(documents_changed=5, documents_shrunk=1), [run()]) == []


def test_mean_text_length_below_half_of_the_recent_median():
    history = [run(text_length_mean=m) for m in (3000.0, 2800.0, 9000.0)]
    alerts = assess(run(text_length_mean=1200.0), history)
    assert [a.kind for a in alerts] == ["text_length"]
    assert "fell to 1200 characters (recent runs: 3000)" in alerts[0].message
    assert kinds(run(text_length_mean=1600.0), history) == []
    # too few pages for a mean (None) says nothing
    assert kinds(run(text_length_mean=None), history) == []
