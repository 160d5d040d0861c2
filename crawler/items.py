"""The one item that flows from the spiders through every pipeline stage.

A spider fills the *fetched* fields; each pipeline stage adds its own (extract: title, text,
metadata; normalise: Simplified text and hashes; dedup: its near-duplicate key; store writes
it out).
"""

from __future__ import annotations

import scrapy


class PageItem(scrapy.Item):
    # fetched, set by the spider
    site = scrapy.Field()  # config site name
    family = scrapy.Field()  # spider family (crawler.spiders.FAMILIES)
    primary_source = scrapy.Field()  # the family publishes originals (government sites)
    site_region = scrapy.Field()  # the site's configured 行政区划代码, or None
    url = scrapy.Field()  # the URL as linked (request URL before redirects)
    final_url = scrapy.Field()  # response.url after redirects
    status = scrapy.Field()  # HTTP status
    headers = scrapy.Field()  # dict[str, str], lower-case names
    body = scrapy.Field()  # raw bytes as served
    fetched_at = scrapy.Field()  # ISO 8601 UTC
    list_url = scrapy.Field()  # the list page that linked here
    list_title = scrapy.Field()  # link text on that list page
    list_date = scrapy.Field()  # YYYY-MM-DD shown next to the link, or None
    warc_file = scrapy.Field()  # WARC record of the response: file (relative to the archive),
    warc_offset = scrapy.Field()  # byte offset of its gzip member,
    warc_length = scrapy.Field()  # and its length
    payload_digest = scrapy.Field()  # sha1 payload digest, as in WARC-Payload-Digest
    attachments = scrapy.Field()  # list of dicts: the files the page links, as fetched
    #   (crawler.spiders.base.attachment_record; the attachment stage adds what they say)

    # extract stage (pipelines.extract.pipeline)
    title_original = scrapy.Field()  # the document's own title, in the page's script
    text_original = scrapy.Field()  # clean text, page's script, one paragraph per line
    published = scrapy.Field()  # YYYY-MM-DD or None
    encoding = scrapy.Field()  # codec the body was decoded with
    extraction = scrapy.Field()  # dict: everything else extraction knows (metadata, flags)

    # attachment stage (pipelines.attachment_stage)
    article_text = scrapy.Field()  # the page's own text when an attachment's text replaced it
    text_source = scrapy.Field()  # URL of the attachment whose text the document is, or None

    # normalise stage (pipelines.normalise)
    title = scrapy.Field()  # title in Simplified Chinese
    text = scrapy.Field()  # clean text in Simplified Chinese
    script = scrapy.Field()  # script of the page: "traditional" | "simplified"
    content_hash = scrapy.Field()  # sha1 of the dedup-normalised text
    # and in ``extraction``: agency (canonical), agency_original, region_code, province, city,
    # county (pipelines.regions)

    # dedup stage (pipelines.dedup.pipeline)
    dedup_shingles = scrapy.Field()  # set of character shingles of the masked dedup form
    dedup_signature = scrapy.Field()  # their MinHash signature (list of ints)
