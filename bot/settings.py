"""Runtime configuration: one pydantic-settings class, built once by the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from redis.connection import parse_url

from flows.catalogue import load_catalogue

DEFAULT_LEADS_API_URL = "https://api.ali.app/rest"
DEMO_PARTNER_SLUG = "migo-demo"


class Settings(BaseSettings):
    """Every variable the bot reads, with the defaults documented in the README."""

    # Empty variables (as in .env.example) mean "not set", so defaults apply.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # The Bot API client: aiohttp costs a third of httpx's CPU per call (docs/performance.md).
    telegram_http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    leads_api_url: str | None = None
    leads_api_token: SecretStr | None = None
    leads_merchant_id: str | None = None
    leads_api_timeout_seconds: float = Field(default=10.0, gt=0)
    partner_slug: str | None = None
    tributax_partner_slug: str = "tributax"
    deep_link_partners: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    # True: REDIS_URL is one node of a Redis Cluster, and the client discovers the others.
    redis_cluster: bool = False
    session_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    # A prospect idle this long mid-flow gets one reminder (0: never); the sweep looks this often.
    reminder_after_seconds: int = Field(default=24 * 3600, ge=0)
    reminder_sweep_seconds: float = Field(default=60.0, gt=0)
    support_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret_token: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    default_language: Literal["es", "en"] = "es"
    products_file: Path | None = None
    status_rate_limit: int = Field(default=10, gt=0)
    status_rate_window_seconds: int = Field(default=600, gt=0)
    log_level: str = "INFO"
    # Prometheus metrics on http://METRICS_HOST:METRICS_PORT/metrics; unset: not served.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # How often a replica looks for conversations abandoned (expired) in the funnel.
    funnel_sweep_seconds: float = Field(default=60.0, gt=0)

    @field_validator("support_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("deep_link_partners", mode="before")
    @classmethod
    def _split_partners(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("products_file")
    @classmethod
    def _catalogue_loads(cls, value: Path | None) -> Path | None:
        # Checked here so a bad file stops every command with one line, like any other setting.
        try:
            load_catalogue(value)
        except OSError as error:
            raise ValueError(f"cannot be read ({error.strerror or type(error).__name__})") from None
        except ValidationError as error:
            raise ValueError(f"not a products catalogue ({_first_problem(error)})") from None
        return value

    @model_validator(mode="after")
    def _cluster_has_database_0_only(self) -> Settings:
        if self.redis_cluster and self.redis_url:
            try:
                database = parse_url(self.redis_url).get("db", 0)  # type: ignore[no-untyped-call]
            except ValueError:
                return self  # a malformed URL is the store's to refuse, without quoting it
            if database != 0:
                message = "REDIS_CLUSTER is set, but REDIS_URL names a database other than 0"
                raise ValueError(message)
        return self

    def missing(self, *variables: str) -> list[str]:
        """Those of the named variables (e.g. "LEADS_API_TOKEN") that are not set."""
        return [name for name in variables if getattr(self, name.lower()) in (None, "")]

    @property
    def effective_leads_api_url(self) -> str:
        """The Leads API base URL, falling back to the vendor's production URL."""
        return (self.leads_api_url or DEFAULT_LEADS_API_URL).rstrip("/")

    @property
    def allowed_partners(self) -> set[str]:
        """Partner slugs a deep link may select: the default partner and the listed ones."""
        return {p for p in [self.partner_slug, *self.deep_link_partners] if p}


def _first_problem(error: ValidationError) -> str:
    """Where a file's first problem is and what it is, without the values (`a.0.b: msg`)."""
    problem = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}" if where else problem["msg"]


def _split_csv(value: object) -> object:
    """Accept `1,2,3` (the natural way to write a list in an env file) as well as a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value
