"""Scrapy settings shared by every site, and the ONLY home of harvest's built-in defaults.

``crawler.config`` takes its defaults from here; ``config.yaml``'s ``defaults:`` and each site
entry override them per spider (applied by crawler.spiders.base.SiteSpider.from_crawler).
"""

BOT_NAME = "harvest"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Safe defaults; config.yaml's `defaults:` and each site entry override them per spider.
ROBOTSTXT_OBEY = True
USER_AGENT = "harvest/0.1 (+archiving public government reports)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy works through each response's output with this many asyncio tasks; its default of
# 100 spends more time starting tasks than a list page's twenty links and a document's one
# item need (a third of a fast crawl's CPU).
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 3.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
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
    "pipelines.attach.AttachmentPipeline": 200,
    "pipelines.normalise.NormalisePipeline": 300,
    "pipelines.dedup.pipeline.DedupPipeline": 500,
    "pipelines.store.StorePipeline": 900,
}

# Where the archive lives; `harvest crawl --db` overrides it.
HARVEST_DB = "archive/harvest.db"

# Every response is also written to WARC under <archive>/warc/ (crawler/archiving.py). 950 is
# above every built-in middleware: it sees bodies before decompression, 3xx before redirects.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.WarcArchiveMiddleware": 950,
    # Scrapy's retries with a growing wait before each (crawler/middlewares.py)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # distributed mode only: skips pages a killed predecessor of this job already delivered
    "crawler.distributed.crawling.DeliveredFilterMiddleware": 560,
}
HARVEST_RETRY_BACKOFF = 2.0  # seconds before the first retry, doubling for each further one
HARVEST_RETRY_BACKOFF_MAX = 60.0
HARVEST_WARC_ENABLED = True
HARVEST_WARC_MAX_BYTES = 1024**3  # rotate WARC files at 1 GB
HARVEST_WARC_GZIP_LEVEL = 3  # half the CPU of level 6 for ~8% larger WARC files
HARVEST_WARC_REVISITS = True  # identical payloads as revisit records

# Defaults of config.yaml's `defaults:` (crawler.config) beyond the Scrapy settings above.
HARVEST_SCHEDULE = "17 3 * * 1"  # Mondays at 03:17 (cron), outside office hours
HARVEST_TIMEZONE = "Asia/Shanghai"  # cron times are read in the sites' own zone
HARVEST_JITTER = 120  # seconds of random delay added to each scheduled start
HARVEST_AUTOTHROTTLE = True
HARVEST_MAX_PAGES = 500  # responses per run of one site, list pages included
HARVEST_MAX_LIST_PAGES = 20  # pagination depth per start URL
HARVEST_MAX_KNOWN_PAGES_IN_A_ROW = 1  # list pages with no new link before pagination stops
HARVEST_MIN_REFETCH_HOURS = 24.0
HARVEST_MAX_REFETCH_DAYS = 90.0
HARVEST_CONDITIONAL_REQUESTS = True
HARVEST_BATCH_SIZE = 20  # pages per store transaction
# Extract pages in a worker process (pipelines/extract/worker.py): a crawl then uses a second
# CPU core. Off, or on a one-core machine, pages are extracted in the crawl's own process.
HARVEST_EXTRACT_WORKER = True
# Attachments (PDF/DOC/DOCX/WPS/XLS/ZIP files linked from document pages; pipelines/attachments/)
HARVEST_FOLLOW_ATTACHMENTS = True
HARVEST_MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024  # reports as files are larger than pages
HARVEST_MAX_ATTACHMENTS_PER_PAGE = 10

# Near-duplicate detection (pipelines.dedup.settings.NearDupSettings; config.yaml `dedup:`).
HARVEST_DEDUP_SHINGLE_SIZE = 5  # characters per shingle
HARVEST_DEDUP_NUM_PERM = 256  # MinHash permutations
HARVEST_DEDUP_BANDS = 64  # LSH bands (x 4 rows = 256 permutations)
HARVEST_DEDUP_JACCARD = 0.6
HARVEST_DEDUP_CONTAINMENT = 0.8
HARVEST_DEDUP_MIN_SHINGLES = 100
HARVEST_DEDUP_RECYCLED_DROP = 0.01
HARVEST_DEDUP_MAX_CANDIDATES = 100

# Distributed mode (crawler/distributed/; config.yaml `distributed:`), off by default.
HARVEST_DIST_ENABLED = False
# Set only by a worker for the `harvest crawl` children it starts: their store stage streams
# pages to Redis (crawler/distributed/crawling.py) instead of writing SQLite.
HARVEST_DIST_CRAWL = False
HARVEST_DIST_JOB = ""  # the Dramatiq message id of that crawl's job
HARVEST_DIST_REDIS_URL = "redis://127.0.0.1:6379/0"
HARVEST_DIST_QUEUE = "harvest"  # Dramatiq queue of crawl_host messages
HARVEST_DIST_STREAM = "harvest:pages"  # Redis stream from the crawls to the ingester
HARVEST_DIST_WORKER_THREADS = 4  # concurrent host crawls per worker process
# A worker silent this long is dead and its messages go back to the queue; the maintenance
# that notices it runs on this fraction of broker commands (idle workers poll about once a
# second), so a dead worker's jobs come back within a minute or two.
HARVEST_DIST_HEARTBEAT_TIMEOUT = 60.0  # seconds
HARVEST_DIST_MAINTENANCE_CHANCE = 0.05
HARVEST_DIST_TIME_LIMIT = 6 * 3600.0  # seconds one host job may run (Dramatiq's default is 10 min)
HARVEST_DIST_MAX_RETRIES = 3  # then the job goes to the dead-letter queue
HARVEST_DIST_MIN_BACKOFF = 60.0  # seconds before the first retry, growing exponentially
HARVEST_DIST_MAX_BACKOFF = 3600.0
HARVEST_DIST_LOCK_TTL = 60.0  # seconds a host lock outlives a dead holder (renewed every third)
HARVEST_DIST_BUSY_DELAY = 30.0  # seconds before a job whose host is being crawled is tried again
HARVEST_DIST_INLINE_CAP = 1024 * 1024  # bytes of a page kept in the stream; larger ones spill
HARVEST_DIST_SPILL_DIR = "archive/spill"  # shared by workers and ingester (e.g. an NFS mount)
HARVEST_DIST_WORK_DIR = "archive/work"  # a worker's scratch space for its crawls
HARVEST_DIST_FETCHED_TTL = 7 * 86400.0  # seconds a job's "delivered" URL set outlives the job
HARVEST_DIST_SLOT_TTL = 7 * 86400.0  # seconds the scheduler remembers an enqueued slot
HARVEST_DIST_INGEST_BATCH = 200  # stream entries per ingester transaction

LOG_LEVEL = "INFO"
# Log messages name a dropped or failed item by its URL and reason, never dump its fields.
LOG_FORMATTER = "crawler.logformat.HarvestLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
