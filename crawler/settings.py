"""Scrapy settings shared by every site; per-site politeness and limits come from config.yaml
(applied by crawler.spiders.base.SiteSpider.from_crawler)."""

BOT_NAME = "harvest"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Safe defaults; config.yaml's `defaults:` and each site entry override them per spider.
ROBOTSTXT_OBEY = True
USER_AGENT = "harvest/0.1 (+archiving public government reports)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Error pages are archived too (their status is a finding); the spider decides what to parse.
HTTPERROR_ALLOW_ALL = True

ITEM_PIPELINES = {
    "pipelines.extract.pipeline.ExtractPipeline": 100,
    "pipelines.normalise.NormalisePipeline": 300,
    "pipelines.dedup.DedupPipeline": 500,
    "pipelines.store.StorePipeline": 900,
}

# Where the archive lives; `harvest crawl --db` overrides it.
HARVEST_DB = "archive/harvest.db"
HARVEST_RAW_DIR = "archive/raw"

# Every response is also written to WARC under <archive>/warc/ (crawler/archiving.py). 950 is
# above every built-in middleware: it sees bodies before decompression, 3xx before redirects.
DOWNLOADER_MIDDLEWARES = {
    "crawler.archiving.WarcArchiveMiddleware": 950,
    # Scrapy's retries with a growing wait before each (crawler/middlewares.py)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
HARVEST_RETRY_BACKOFF = 2.0  # seconds before the first retry, doubling for each further one
HARVEST_RETRY_BACKOFF_MAX = 60.0
HARVEST_WARC_ENABLED = True
HARVEST_WARC_MAX_BYTES = 1024**3  # rotate WARC files at 1 GB
HARVEST_WARC_GZIP_LEVEL = 6
HARVEST_WARC_REVISITS = True  # identical payloads as revisit records

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
