"""Signals harvest adds to Scrapy's.

``page_not_modified(url: str, checked_at: str)``: a known document answered 304 Not Modified
to a conditional request; sent by the spiders, recorded by the store stage (no item flows
through extraction for a page that has not changed).
"""

page_not_modified = object()
