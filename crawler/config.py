"""Load and validate ``config.yaml`` into typed objects.

In:  a YAML file with ``defaults`` (politeness, limits, schedule) and ``sites`` (one entry per
     site: name, family, start URLs, allowed domains, link patterns, schedule, overrides).
Out: a :class:`HarvestConfig` whose every site has its defaults merged in, its regexes compiled
     and its cron expression parsed, or a :class:`ConfigError` that names the site and the field.

The whole file is validated before anything is crawled. Strings may use ``${VAR}`` to take a
value from the environment (the demo and the tests point start URLs at a local server that way);
an unset variable is an error, never an empty string.
"""

from __future__ import annotations

import os
import re
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from crawler import settings as defaults
from crawler.spiders import FAMILIES
from pipelines.dedup.settings import NearDupSettings
from pipelines.regions import UnknownRegion
from pipelines.regions import lookup as lookup_region

DEFAULT_CONFIG = Path("config.yaml")
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SITE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file, site and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Politeness(_Strict):
    """How hard a site may be hit. A site entry may only tighten what it does not set."""

    download_delay: float = Field(defaults.DOWNLOAD_DELAY, ge=0)
    concurrent_requests_per_domain: int = Field(
        defaults.CONCURRENT_REQUESTS_PER_DOMAIN, ge=1, le=16
    )
    obey_robots_txt: bool = defaults.ROBOTSTXT_OBEY
    autothrottle: bool = defaults.HARVEST_AUTOTHROTTLE
    user_agent: str = defaults.USER_AGENT


class Limits(_Strict):
    """Safety bounds for one run over one site."""

    max_pages: int = Field(
        defaults.HARVEST_MAX_PAGES, ge=1, description="responses per run, list pages included"
    )
    max_list_pages: int = Field(
        defaults.HARVEST_MAX_LIST_PAGES, ge=1, description="pagination depth per start URL"
    )
    download_timeout: float = Field(defaults.DOWNLOAD_TIMEOUT, gt=0)
    max_page_bytes: int = Field(defaults.DOWNLOAD_MAXSIZE, ge=1024)
    max_attachment_bytes: int = Field(
        defaults.HARVEST_MAX_ATTACHMENT_BYTES, ge=1024, description="one attachment file"
    )
    max_attachments_per_page: int = Field(defaults.HARVEST_MAX_ATTACHMENTS_PER_PAGE, ge=0, le=100)
    follow_attachments: bool = defaults.HARVEST_FOLLOW_ATTACHMENTS
    retry_times: int = Field(defaults.RETRY_TIMES, ge=0, le=10)
    redirect_max_times: int = Field(defaults.REDIRECT_MAX_TIMES, ge=0, le=20)


class Incremental(_Strict):
    """How later runs avoid fetching what has not changed."""

    # List pages are always read; after this many list pages in a row that bring no new
    # document link, pagination stops (``harvest crawl --full`` walks everything).
    max_known_pages_in_a_row: int = Field(defaults.HARVEST_MAX_KNOWN_PAGES_IN_A_ROW, ge=1)
    # A known document is fetched again after an interval that halves when its text changed
    # and doubles while it stays the same, within these bounds.
    min_refetch_hours: float = Field(defaults.HARVEST_MIN_REFETCH_HOURS, ge=0)
    max_refetch_days: float = Field(defaults.HARVEST_MAX_REFETCH_DAYS, gt=0)
    # Send If-None-Match / If-Modified-Since with the ETag / Last-Modified the site gave.
    conditional_requests: bool = defaults.HARVEST_CONDITIONAL_REQUESTS


class Links(_Strict):
    """Regexes (searched in absolute URLs) saying what each link on a page leads to."""

    list: tuple[str, ...] = ()
    next: tuple[str, ...] = ()
    document: tuple[str, ...] = Field(..., min_length=1)

    @field_validator("list", "next", "document")
    @classmethod
    def _compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
        return patterns

    def matches(self, kind: Literal["list", "next", "document"], url: str) -> bool:
        return any(re.search(p, url) for p in getattr(self, kind))


_CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NUMBER = re.compile(r"\b[0-7]\b")


def _crontab_weekdays(field: str) -> str:
    """Crontab counts weekdays from Sunday = 0 (7 too); APScheduler 3 from Monday = 0. Names
    mean the same to both, so numbers are turned into names (``1-5`` -> ``mon-fri``)."""
    named = _WEEKDAY_NUMBER.sub(lambda m: _CRON_WEEKDAYS[int(m.group())], field)
    # A range starting on Sunday would run backwards in APScheduler's Monday-first week.
    return re.sub(r"\bsun-(\w+)", r"mon-\1,sun", named)


def cron_trigger(expression: str, timezone: Any = None, jitter: int | None = None) -> CronTrigger:
    """An APScheduler trigger for a crontab expression: ``minute hour day month weekday``, or
    six fields with seconds first (used by tests that cannot wait a minute)."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    second, minute, hour, day, month, weekday = fields
    return CronTrigger(
        second=second,
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_crontab_weekdays(weekday),
        timezone=timezone,
        jitter=jitter,
    )


def _check_cron(expression: str) -> str:
    try:
        trigger = cron_trigger(expression, timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {expression!r}: {exc}") from None
    # APScheduler accepts dates that do not exist (day 30 of February): such a site would
    # silently never be crawled.
    if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
        raise ValueError(f"cron expression {expression!r} never fires (no such date)")
    return expression


class Defaults(_Strict):
    schedule: str = defaults.HARVEST_SCHEDULE
    # Cron times are read in this zone: night-time crawls should be night-time for the sites.
    timezone: str = defaults.HARVEST_TIMEZONE
    # Seconds of random delay added to each scheduled start, so sites sharing a cron line
    # do not all start in the same second.
    jitter: int = Field(defaults.HARVEST_JITTER, ge=0, le=3600)
    politeness: Politeness = Politeness()
    limits: Limits = Limits()
    incremental: Incremental = Incremental()

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return _check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Site(_Strict):
    """One site to harvest, read by the spider of its ``family``."""

    name: str
    family: str
    description: str = ""
    # 行政区划 of the site's agency: a 6-digit code (441700) or names (广东省阳江市); documents
    # without a place of their own are filed under it, 市科技局 is completed with it
    region: str | None = None
    start_urls: tuple[str, ...] = Field(..., min_length=1)
    allowed_domains: tuple[str, ...] = Field(..., min_length=1)
    links: Links
    schedule: str | None = None
    politeness: Politeness = Politeness()
    limits: Limits = Limits()
    incremental: Incremental = Incremental()
    enabled: bool = True

    @field_validator("family")
    @classmethod
    def _family(cls, value: str) -> str:
        if value not in FAMILIES:
            raise ValueError(f"unknown family {value!r}; known: {', '.join(FAMILIES)}")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SITE_NAME.match(value):
            raise ValueError("must be lower-case letters, digits and _ and start with a letter")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return lookup_region(value).code
        except UnknownRegion as error:
            raise ValueError(str(error)) from None

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        for domain in domains:
            if "/" in domain or ":" in domain or not domain:
                raise ValueError(
                    f"a domain is a bare host name, without scheme or port: {domain!r}"
                )
        return domains

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        return None if value is None else _check_cron(value)

    @model_validator(mode="after")
    def _start_urls_inside_allowed_domains(self) -> Site:
        for url in self.start_urls:
            host = (urlsplit(url).hostname or "").lower()
            if not any(_inside(host, domain) for domain in self.allowed_domains):
                raise PydanticCustomError(
                    "outside_domains",
                    "start URL {url} is outside allowed_domains ({domains}): it would be "
                    "dropped as offsite",
                    {"url": url, "domains": ", ".join(self.allowed_domains)},
                )
        return self


def _inside(host: str, domain: str) -> bool:
    """Scrapy's offsite rule: the domain itself or any of its subdomains."""
    domain = domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


class ResolvedSite(_Strict):
    """A site with its defaults merged in: what spiders and the scheduler read."""

    name: str
    family: str
    description: str
    region: str | None  # 6-digit 行政区划代码
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    links: Links
    schedule: str
    politeness: Politeness
    limits: Limits
    incremental: Incremental
    enabled: bool


class Distributed(_Strict):
    """Distributed mode (crawler/distributed/): Dramatiq workers on Redis, one ingester.
    Off by default: ``harvest crawl`` and ``harvest schedule`` then work on one machine."""

    enabled: bool = defaults.HARVEST_DIST_ENABLED
    redis_url: str = defaults.HARVEST_DIST_REDIS_URL
    queue: str = Field(defaults.HARVEST_DIST_QUEUE, pattern=r"^[A-Za-z0-9_-]+$")
    stream: str = Field(defaults.HARVEST_DIST_STREAM, min_length=1)
    worker_threads: int = Field(defaults.HARVEST_DIST_WORKER_THREADS, ge=1, le=256)
    heartbeat_timeout: float = Field(defaults.HARVEST_DIST_HEARTBEAT_TIMEOUT, gt=0)
    maintenance_chance: float = Field(defaults.HARVEST_DIST_MAINTENANCE_CHANCE, gt=0, le=1)
    time_limit: float = Field(defaults.HARVEST_DIST_TIME_LIMIT, gt=0)
    max_retries: int = Field(defaults.HARVEST_DIST_MAX_RETRIES, ge=0, le=100)
    min_backoff: float = Field(defaults.HARVEST_DIST_MIN_BACKOFF, gt=0)
    max_backoff: float = Field(defaults.HARVEST_DIST_MAX_BACKOFF, gt=0)
    lock_ttl: float = Field(defaults.HARVEST_DIST_LOCK_TTL, gt=0)
    busy_delay: float = Field(defaults.HARVEST_DIST_BUSY_DELAY, gt=0)
    inline_cap: int = Field(defaults.HARVEST_DIST_INLINE_CAP, ge=1)
    spill_dir: str = defaults.HARVEST_DIST_SPILL_DIR
    work_dir: str = defaults.HARVEST_DIST_WORK_DIR
    fetched_ttl: float = Field(defaults.HARVEST_DIST_FETCHED_TTL, gt=0)
    slot_ttl: float = Field(defaults.HARVEST_DIST_SLOT_TTL, gt=0)
    ingest_batch: int = Field(defaults.HARVEST_DIST_INGEST_BATCH, ge=1)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not re.match(r"^(redis|rediss|unix)://", value):
            raise ValueError(f"not a redis:// URL: {value!r}")
        return value

    @model_validator(mode="after")
    def _backoff_order(self) -> Distributed:
        if self.max_backoff < self.min_backoff:
            raise ValueError("max_backoff is smaller than min_backoff")
        return self


def _check_dedup(values: dict[str, int | float]) -> dict[str, int | float]:
    """The near-duplicate settings (pipelines.dedup.settings.NearDupSettings field names)."""
    known = {f.name for f in fields(NearDupSettings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    NearDupSettings(**values)  # raises ValueError on inconsistent values
    return values


class _File(_Strict):
    defaults: Defaults = Defaults()
    # near-duplicate detection, for the whole archive (not per site)
    dedup: dict[str, int | float] = Field(default_factory=dict)
    sites: list[Site] = Field(..., min_length=1)
    distributed: Distributed = Distributed()

    @field_validator("dedup")
    @classmethod
    def _dedup(cls, values: dict[str, int | float]) -> dict[str, int | float]:
        return _check_dedup(values)

    @model_validator(mode="after")
    def _unique_names(self) -> _File:
        seen: set[str] = set()
        for site in self.sites:
            if site.name in seen:
                raise ValueError(f"site name {site.name!r} is used twice")
            seen.add(site.name)
        return self


class HarvestConfig(_Strict):
    path: str
    sites: tuple[ResolvedSite, ...]
    timezone: str = defaults.HARVEST_TIMEZONE
    jitter: int = defaults.HARVEST_JITTER
    dedup: dict[str, int | float] = Field(default_factory=dict)
    distributed: Distributed = Distributed()

    def scrapy_settings(self) -> dict[str, int | float]:
        """The whole-archive settings of this file as Scrapy settings (``HARVEST_DEDUP_*``)."""
        return {f"HARVEST_DEDUP_{k.upper()}": v for k, v in self.dedup.items()}

    def near_dup_settings(self) -> NearDupSettings:
        """The near-duplicate settings: built-in defaults with this file's ``dedup:`` on top."""
        return NearDupSettings(**self.dedup)

    def site(self, name: str) -> ResolvedSite:
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(s.name for s in self.sites)
        raise ConfigError(f"{self.path}: no site named {name!r} (known: {known})")

    def select(self, names: list[str] | tuple[str, ...] = ()) -> list[ResolvedSite]:
        """The named sites, or every enabled site when no name is given."""
        if names:
            return [self.site(n) for n in names]
        return [s for s in self.sites if s.enabled]


def _expand_env(value: Any, where: str, trail: tuple[str, ...] = ()) -> Any:
    """``${VAR}`` replaced from the environment; an unset one names the site and field."""
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                field = ".".join(trail) or "(top level)"
                raise ConfigError(
                    f"{where}: field {field!r}: environment variable ${{{name}}} is not set"
                )
            return os.environ[name]

        return _ENV_VAR.sub(repl, value)
    if isinstance(value, list):
        if trail == ("sites",):
            return [_expand_site(site, where, number) for number, site in enumerate(value, 1)]
        return [_expand_env(v, where, trail) for v in value]
    if isinstance(value, dict):
        return {k: _expand_env(v, where, (*trail, str(k))) for k, v in value.items()}
    return value


def _expand_site(site: Any, where: str, number: int) -> Any:
    name = site.get("name") if isinstance(site, dict) else None
    label = name if isinstance(name, str) and "${" not in name else f"#{number}"
    return _expand_env(site, f"{where}: site {label!r}")


def _describe(error: ValidationError, data: dict[str, Any], path: str) -> str:
    lines = []
    for err in error.errors():
        loc = list(err["loc"])
        where = path
        if len(loc) >= 2 and loc[0] == "sites" and isinstance(loc[1], int):
            try:
                name = data["sites"][loc[1]].get("name", f"#{loc[1] + 1}")
            except (AttributeError, IndexError, KeyError, TypeError):
                name = f"#{loc[1] + 1}"
            where += f": site {name!r}"
            loc = loc[2:]
        field = ".".join(str(p) for p in loc) or "(entry)"
        if err["type"] == "outside_domains":  # checked on the entry, about its start URLs
            field = "start_urls"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "missing":
            message = "missing required field"
        lines.append(f"{where}: field {field!r}: {message}")
    return "\n".join(lines)


def _override(default: _Strict, override: _Strict) -> Any:
    """``default`` with only the fields the site entry actually wrote taken from ``override``."""
    return default.model_copy(update={k: getattr(override, k) for k in override.model_fields_set})


def _resolve(site: Site, defaults: Defaults) -> ResolvedSite:
    return ResolvedSite(
        name=site.name,
        family=site.family,
        description=site.description,
        region=site.region,
        start_urls=site.start_urls,
        allowed_domains=site.allowed_domains,
        links=site.links,
        schedule=site.schedule or defaults.schedule,
        politeness=_override(defaults.politeness, site.politeness),
        limits=_override(defaults.limits, site.limits),
        incremental=_override(defaults.incremental, site.incremental),
        enabled=site.enabled,
    )


def parse_config(data: Any, path: str = "<config>") -> HarvestConfig:
    """Validate already-parsed YAML data; raise :class:`ConfigError` listing every problem."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping with a 'sites' list")
    data = _expand_env(data, path)
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, data, path)) from None
    return HarvestConfig(
        path=path,
        sites=tuple(_resolve(s, parsed.defaults) for s in parsed.sites),
        timezone=parsed.defaults.timezone,
        jitter=parsed.defaults.jitter,
        dedup=parsed.dedup,
        distributed=parsed.distributed,
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (plain YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is given twice (lines {seen[key]} and {line}); "
                    "only one can be meant",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | os.PathLike[str] | None = None) -> HarvestConfig:
    """Read and validate a config file (default: ``$HARVEST_CONFIG`` or ``./config.yaml``)."""
    path = Path(path or os.environ.get("HARVEST_CONFIG") or DEFAULT_CONFIG)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(data, str(path))
