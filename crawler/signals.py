"""Signals harvest adds to Scrapy's.

``page_not_modified(url: str, checked_at: str)``: a known document answered 304 Not Modified
to a conditional request; sent by the spiders, recorded by the store stage (no item flows
through extraction for a page that has not changed).

``link_dead(link: dict)``: a document link gave no document (an HTTP error, robots.txt, a body
that is not a text page, a request that finally failed); ``link`` has ``url``, ``status``,
``reason``, ``permanent``, ``checked`` and ``list_url``. Recorded by the store stage in
``dead_links`` (:mod:`crawler.storage.walks`).
"""

page_not_modified = object()
link_dead = object()
