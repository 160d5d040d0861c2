"""The extract stage: raw page bytes -> title, clean text, date and metadata.

:func:`extract` (in :mod:`.core`) runs the steps; each concern has its own module (decode,
page, cms, body, boilerplate, vocabulary, titles, dates, metadata, quality). The Scrapy
pipeline is :mod:`.pipeline`, the only module here that imports Scrapy.
"""
