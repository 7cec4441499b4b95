"""Runtime configuration: one pydantic-settings class, built once by the CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from redis.connection import parse_url

from flows.catalogue import load_catalogue

DEFAULT_LEADS_API_URL = "https://api.ali.app/rest"
DEMO_PARTNER_SLUG = "migo-demo"
DAY = 24 * 3600
# Bounds keep a typo (an extra digit, "inf", 1e-9) from meaning "never", overflowing Redis'
# TTLs or sweeping thousands of times a second.
YEAR = 365 * DAY
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
BOT_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
HEADER_VALUE = re.compile(r"[!-~]+")  # printable ASCII, no spaces
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Every variable the bot reads, with the defaults documented in the README."""

    # Empty variables (as in .env.example) mean "not set", so defaults apply.
    # Floats are finite: "inf" is a typo, not a setting.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        allow_inf_nan=False,
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # The Bot API client: aiohttp costs a third of httpx's CPU per call (docs/performance.md).
    telegram_http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    leads_api_url: str | None = None
    leads_api_token: SecretStr | None = None
    leads_merchant_id: str | None = None
    leads_api_timeout_seconds: float = Field(default=10.0, ge=0.5, le=120)
    partner_slug: str | None = None
    tributax_partner_slug: str = "tributax"
    deep_link_partners: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    # True: REDIS_URL is one node of a Redis Cluster, and the client discovers the others.
    redis_cluster: bool = False
    session_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0, le=YEAR)
    # A prospect idle this long mid-flow gets one reminder (0: never); the sweep looks this often.
    reminder_after_seconds: int = Field(default=24 * 3600, ge=0, le=YEAR)
    reminder_sweep_seconds: float = Field(default=60.0, ge=0.1, le=DAY)
    support_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret_token: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    default_language: Literal["es", "en"] = "es"
    products_file: Path | None = None
    status_rate_limit: int = Field(default=10, gt=0, le=10_000)
    status_rate_window_seconds: int = Field(default=600, gt=0, le=DAY)
    log_level: str = "INFO"
    # Prometheus metrics on http://METRICS_HOST:METRICS_PORT/metrics; unset: not served.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # How often a replica looks for conversations abandoned (expired) in the funnel.
    funnel_sweep_seconds: float = Field(default=60.0, ge=0.1, le=DAY)

    @field_validator("support_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("deep_link_partners", mode="before")
    @classmethod
    def _split_partners(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"is not one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("redis_url")
    @classmethod
    def _redis_url_parses(cls, value: str | None) -> str | None:
        # redis-py's messages quote the URL's parts, a password among them: never repeated.
        invalid = "is not a valid Redis URL"
        if not value:
            return value
        try:
            parse_url(value)  # type: ignore[no-untyped-call]
        except (ValueError, TypeError):
            raise ValueError(invalid) from None
        parts = urlsplit(value)
        database = parts.path.strip("/")
        # redis-py reads a path that is not a number as database 0: a typo would share it.
        if parts.scheme != "unix" and database and not database.isdigit():
            raise ValueError(invalid)
        return value

    @field_validator("leads_api_url", "telegram_api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and (problem := http_url_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _looks_like_a_bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        # BotFather's format; anything else (spaces, a path) would be sent in every URL.
        token = value.get_secret_value() if value is not None else ""
        if token.strip() and not BOT_TOKEN.fullmatch(token):
            raise ValueError("is not a bot token (digits, a colon, then A-Z, a-z, 0-9, _, -)")
        return value

    @field_validator("leads_api_token")
    @classmethod
    def _fits_a_header(cls, value: SecretStr | None) -> SecretStr | None:
        # It is sent as "Authorization: Bearer …": a pasted NBSP or newline would break it.
        if value is not None and not HEADER_VALUE.fullmatch(value.get_secret_value()):
            raise ValueError("is not a bearer token (printable ASCII, no spaces)")
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _telegram_accepts_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's own rule for setWebhook's secret_token.
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("is not 1 to 256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("products_file")
    @classmethod
    def _catalogue_loads(cls, value: Path | None) -> Path | None:
        # Checked here so a bad file stops every command with one line, like any other setting.
        try:
            load_catalogue(value)
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise ValueError(f"cannot be read ({reason})") from None
        except ValidationError as error:
            raise ValueError(f"is not a products catalogue ({_first_problem(error)})") from None
        return value

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> Settings:
        # Only a chosen reminder: a short TTL alone (a demo, a test) just means no reminder.
        chosen = "reminder_after_seconds" in self.model_fields_set
        if chosen and self.reminder_after_seconds >= self.session_ttl_seconds:
            raise ValueError("REMINDER_AFTER_SECONDS is not below SESSION_TTL_SECONDS")
        return self

    @model_validator(mode="after")
    def _cluster_has_database_0_only(self) -> Settings:
        if self.redis_cluster and not self.redis_url:
            raise ValueError("REDIS_CLUSTER is set but REDIS_URL (one node of the cluster) is not")
        if self.redis_cluster and self.redis_url:
            database = parse_url(self.redis_url).get("db", 0)  # type: ignore[no-untyped-call]
            if database != 0:
                message = "REDIS_CLUSTER is set, but REDIS_URL names a database other than 0"
                raise ValueError(message)
        return self

    def missing(self, *variables: str) -> list[str]:
        """Those of the named variables (e.g. "LEADS_API_TOKEN") that are not set."""
        return [name for name in variables if not _given(getattr(self, name.lower()))]

    @property
    def effective_leads_api_url(self) -> str:
        """The Leads API base URL, falling back to the vendor's production URL."""
        return (self.leads_api_url or DEFAULT_LEADS_API_URL).rstrip("/")

    @property
    def allowed_partners(self) -> set[str]:
        """Partner slugs a deep link may select: the default partner and the listed ones."""
        return {p for p in [self.partner_slug, *self.deep_link_partners] if p}


def http_url_problem(url: str) -> str | None:
    """Why `url` cannot be an http(s) base URL, or None when it can (said of its variable)."""
    try:
        # httpx's parser, as the clients will read it (IDNA hosts included).
        parsed = httpx.URL(url)
        scheme, host = parsed.scheme, parsed.host
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return "is not a valid URL"
    if scheme not in ("http", "https") or not host:
        return "is not an http(s) URL with a host"
    return None


def settings_problems(error: ValidationError) -> list[str]:
    """One line per invalid variable, named as it is set; never its value (it may be a secret)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        # A list's items are reported by index (SUPPORT_USER_IDS, 0): the variable is the name.
        variable = str(problem["loc"][0]).upper() if problem["loc"] else ""
        message = problem["msg"].removeprefix("Value error, ")
        if not variable:
            lines.append(message)
        elif message.startswith("is "):
            lines.append(f"{variable} {message}")
        else:
            lines.append(f"{variable}: {message}")
    return list(dict.fromkeys(lines))  # two bad items of one list are one line


def _given(value: object) -> bool:
    """Set to something other than blanks (a token of spaces is a paste gone wrong)."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value is not None and str(value).strip() != ""


def _first_problem(error: ValidationError) -> str:
    """Where a file's first problem is and what it is, without the values (`a.0.b: msg`)."""
    problem = error.errors(include_input=False, include_url=False)[0]
    # An unknown key is the file's own text: only where it is, not what it is, is said.
    loc = problem["loc"][:-1] if problem["type"] == "extra_forbidden" else problem["loc"]
    where = ".".join(str(part) for part in loc)
    message = problem["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _split_csv(value: object) -> object:
    """Accept `1,2,3` (the natural way to write a list in an env file) as well as a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value
