"""Item pipelines, one module per stage, in the order Scrapy runs them.

extract (100) -> normalise (300) -> dedup (500) -> store (900); see ITEM_PIPELINES in
crawler/settings.py. Each module's docstring says what it takes and what it adds.
"""
