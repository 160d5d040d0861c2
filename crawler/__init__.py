"""harvest: scheduled scraping and archiving of Chinese local-government work reports.

Data flow: config.yaml (crawler.config) -> spiders (crawler.spiders) -> pipelines
(pipelines.extract, .normalise, .dedup, .store) -> SQLite (crawler.storage) -> Datasette /
JSONL export (crawler.cli).
"""

__version__ = "0.1.0"
