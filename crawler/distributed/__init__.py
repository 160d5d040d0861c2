"""Distributed harvesting: many machines crawl, one ingester writes the archive.

Roles (each a ``harvest`` command, each a systemd unit under ``deploy/``):

``harvest schedule``  with ``distributed.enabled`` only enqueues: one ``crawl_host`` message per
                      site and cron slot, at most once per slot (:mod:`.enqueue`)
``harvest worker``    a Dramatiq worker: each message crawls one host's sites, one
                      ``harvest crawl`` child after another, under a Redis lock per host
                      (:mod:`.jobs`, :mod:`.lock`, :mod:`.worker`)
``harvest ingest``    the only writer of SQLite and WARC: applies the crawls' stream entries
                      through the same storage code as one machine does (:mod:`.ingest`)
``harvest dist status``  queues, locked hosts, jobs and their last errors, ingester lag

The crawl child's store stage, in distributed mode, appends every page to a Redis stream in the
same MULTI that marks its URL delivered for the job (:mod:`.stream`, :mod:`.crawling`), so a
retried job skips what a killed predecessor already delivered. Redis keys live in :mod:`.keys`,
the broker and its settings in :mod:`.broker`.
"""
