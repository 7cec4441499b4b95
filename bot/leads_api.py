"""Client of the Migo Leads API (spec/leads-api.md): every outcome is a value or our exception.

The client never logs a request or response body, nor an invitation code: only the method,
the route template and the status or failure kind.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from bot.settings import Settings
from flows.lead import DEFAULT_TRIBUTAX_PARTNER, Lead, LeadRecord

CONNECT_TIMEOUT_SECONDS = 5.0
VALIDATION_ERROR = "VALIDATION_ERROR"
ERROR_CREATE_LEAD = 7105
LEAD_ALREADY_REGISTERED = 7121
LEAD_NOT_FOUND = 7130

_log = logging.getLogger(__name__)
_CODE = re.compile(r"[A-Z0-9]{4,16}")
_LEADING_WORD = re.compile(r"""\s*["'`]?([A-Za-z][A-Za-z0-9]*)""")
T = TypeVar("T")
# Told (operation, outcome, seconds) after every create or get: metrics, never payloads.
Observer = Callable[[str, str, float], None]
# These failures happen before the request leaves the machine, so resending cannot duplicate.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class ApiError:
    """One `{message, code}` entry of a failed answer, with the Lead field it names, if any."""

    message: str
    code: str | int | None
    field: str | None


class LeadsApiError(Exception):
    """Base of every failure of the Leads API client."""


class LeadRejected(LeadsApiError):
    """The request was refused as invalid; `errors` are the server's entries."""

    def __init__(self, errors: tuple[ApiError, ...]) -> None:
        self.errors = errors
        named = ", ".join(e.field or str(e.code) for e in errors)
        super().__init__(f"the Leads API rejected the request ({named})")


class LeadNotCreated(LeadsApiError):
    """The server answered 7105 ERROR_CREATE_LEAD."""


class LeadAlreadyRegistered(LeadsApiError):
    """The server answered 7121 LEAD_ALREADY_REGISTERED."""


class LeadsApiMisconfigured(LeadsApiError):
    """The token or the configuration is wrong (401/403, no token, unusable URL)."""


class LeadsApiUnavailable(LeadsApiError):
    """No usable answer; `outcome_unknown` says whether the request may have been processed."""

    def __init__(self, reason: str, *, outcome_unknown: bool) -> None:
        self.outcome_unknown = outcome_unknown
        super().__init__(reason)


class InvalidCode(ValueError):
    """The text is not an invitation code (4–16 characters of A–Z and 0–9)."""


def normalize_code(text: str) -> str:
    """The invitation code in `text`, stripped and upper-cased, or InvalidCode."""
    code = text.strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidCode("an invitation code is 4 to 16 letters A-Z and digits 0-9")
    return code


def field_named(message: str) -> str | None:
    """The Lead field a message starts with (`email: ...`, `"email" must ...`), if any."""
    match = _LEADING_WORD.match(message)
    if match and match.group(1) in Lead.model_fields:
        return match.group(1)
    return None


def errors_from_validation(error: ValidationError) -> tuple[ApiError, ...]:
    """One `<field>: <reason>` entry per invalid field, as the Leads API reports validation."""
    entries: dict[str, ApiError] = {}
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"])
        ctx = item.get("ctx") or {}
        reason = str(ctx["error"]) if item["type"] == "value_error" else item["msg"]
        if not path:
            # A whole-model rule (the Tributax one) names its field at the start of its reason.
            path = field_named(reason) or "body"
            reason = reason.removeprefix(path).lstrip(" :") or reason
        message = f"{path}: {reason}"
        entries.setdefault(path, ApiError(message, VALIDATION_ERROR, field_named(message)))
    return tuple(entries.values())


def build_http_client(settings: Settings) -> httpx.AsyncClient:
    """An httpx client for the Leads API: base URL, timeouts and User-Agent from settings."""
    return httpx.AsyncClient(
        base_url=settings.effective_leads_api_url + "/",
        timeout=httpx.Timeout(settings.leads_api_timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS),
        headers={"User-Agent": f"migo-bot/{_version()}"},
    )


def _version() -> str:
    try:
        return version("migo-bot")
    except PackageNotFoundError:
        return "unknown"


class _ErrorEntry(BaseModel):
    message: str = ""
    code: str | int | None = None


class _Envelope(BaseModel):
    success: bool
    data: Any = None
    errors: list[_ErrorEntry] = []


class _Created(BaseModel):
    model_config = ConfigDict(extra="allow")

    invitationCode: str


class LeadsApiClient:
    """Creates and looks up leads; retries only what is safe to retry.

    GET is retried on any transient failure, up to `get_attempts` tries with exponential
    backoff. POST is resent (within the same bound) only when the request surely never
    reached the server; after a read timeout or any answer it is never resent.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: SecretStr | None,
        *,
        get_attempts: int = 3,
        backoff_seconds: float = 0.2,
        tributax_partner_slug: str = DEFAULT_TRIBUTAX_PARTNER,
        observer: Observer | None = None,
    ) -> None:
        if get_attempts < 1:
            raise ValueError("get_attempts must be at least 1")
        self._http = http
        self._token = token
        self._attempts = get_attempts
        self._backoff = backoff_seconds
        self._tributax = tributax_partner_slug
        self._observer = observer

    async def create_lead(self, lead: Lead, merchant_id: str | None = None) -> str:
        """Submit the lead and return its invitation code; sends x-merchant-id when given."""
        return await self._observed("create", self._create_lead(lead, merchant_id))

    async def get_lead(self, code: str) -> LeadRecord | None:
        """The record behind an invitation code, or None when no lead has it."""
        return await self._observed("get", self._get_lead(code))

    async def _observed(self, operation: str, call: Awaitable[T]) -> T:
        """Run one create or get, and tell the observer how it ended and how long it took."""
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await call
            outcome = "created" if operation == "create" else _found(result)
            return result
        except LeadsApiError as error:
            outcome = _OUTCOMES.get(type(error), "unavailable")
            raise
        finally:
            if self._observer is not None:
                self._observer(operation, outcome, time.perf_counter() - started)

    async def _create_lead(self, lead: Lead, merchant_id: str | None) -> str:
        payload = lead.payload()
        try:
            # A Lead built without context was checked against the default Tributax slug.
            Lead.model_validate(payload, context={"tributax_partner_slug": self._tributax})
        except ValidationError as error:
            raise LeadRejected(errors_from_validation(error)) from None
        headers = self._headers()
        if merchant_id:
            headers["x-merchant-id"] = merchant_id
        for attempt in range(1, self._attempts):
            try:
                response = await self._send("POST", "leads", "leads", headers, payload)
            except LeadsApiUnavailable as error:
                if error.outcome_unknown:
                    raise
                await self._pause(attempt)
            else:
                return _invitation_code(response)
        return _invitation_code(await self._send("POST", "leads", "leads", headers, payload))

    async def _get_lead(self, code: str) -> LeadRecord | None:
        path = f"leads/{normalize_code(code)}"
        headers = self._headers()
        for attempt in range(1, self._attempts):
            try:
                return _lead_record(await self._send("GET", path, "leads/{code}", headers))
            except LeadsApiUnavailable:
                await self._pause(attempt)
        return _lead_record(await self._send("GET", path, "leads/{code}", headers))

    def _headers(self) -> dict[str, str]:
        if self._token is None or not self._token.get_secret_value():
            raise LeadsApiMisconfigured("no Leads API token is configured (LEADS_API_TOKEN)")
        return {"Authorization": f"Bearer {self._token.get_secret_value()}"}

    async def _send(
        self, method: str, path: str, route: str, headers: dict[str, str], body: object = None
    ) -> httpx.Response:
        """One request; transport failures become LeadsApiUnavailable. Logs `route`, not path."""
        deadline = _deadline(self._http.timeout)
        try:
            # httpx bounds each read, not the call: a server sending a byte a second would
            # hold the call (and a graceful stop) forever without an overall deadline.
            async with asyncio.timeout(deadline):
                response = await self._http.request(method, path, headers=headers, json=body)
        except TimeoutError as error:
            _log.warning("leads api %s %s failed: over the %s s deadline", method, route, deadline)
            raise LeadsApiUnavailable(
                f"the Leads API took over {deadline} s", outcome_unknown=True
            ) from error
        except httpx.UnsupportedProtocol as error:
            raise LeadsApiMisconfigured("the Leads API URL is not http or https") from error
        except httpx.TransportError as error:
            kind = type(error).__name__
            _log.warning("leads api %s %s failed: %s", method, route, kind)
            raise LeadsApiUnavailable(
                f"the Leads API failed ({kind})",
                outcome_unknown=not isinstance(error, _NOT_SENT),
            ) from error
        _log.info("leads api %s %s -> %d", method, route, response.status_code)
        return response

    async def _pause(self, attempt: int) -> None:
        await asyncio.sleep(self._backoff * 2 ** (attempt - 1))


def _deadline(timeout: httpx.Timeout) -> float:
    """The longest one call may take: to connect, then to read the answer."""
    return (timeout.connect or 0.0) + (timeout.read or 0.0)


def _found(result: object) -> str:
    return "not-found" if result is None else "found"


_OUTCOMES: dict[type[LeadsApiError], str] = {
    LeadRejected: "rejected",
    LeadAlreadyRegistered: "already-registered",
    LeadNotCreated: "not-created",
    LeadsApiMisconfigured: "misconfigured",
    LeadsApiUnavailable: "unavailable",
}


def _envelope(response: httpx.Response) -> _Envelope:
    """The answer's envelope; raises for the outcomes both calls share."""
    status = response.status_code
    if status in (401, 403):
        raise LeadsApiMisconfigured(f"the Leads API refused the token (HTTP {status})")
    if status == 429:
        # Throttled: the server turned the request away without processing it.
        raise LeadsApiUnavailable("the Leads API is throttling (HTTP 429)", outcome_unknown=False)
    try:
        envelope = _Envelope.model_validate_json(response.content)
    except ValidationError:
        raise LeadsApiUnavailable(
            f"the Leads API answered something unreadable (HTTP {status})", outcome_unknown=True
        ) from None
    codes = {str(entry.code) for entry in envelope.errors}
    if str(ERROR_CREATE_LEAD) in codes:
        raise LeadNotCreated("the Leads API could not create the lead (7105)")
    if str(LEAD_ALREADY_REGISTERED) in codes:
        raise LeadAlreadyRegistered("the lead has already been registered (7121)")
    if response.is_server_error:
        raise LeadsApiUnavailable(f"the Leads API failed (HTTP {status})", outcome_unknown=True)
    return envelope


def _rejected(envelope: _Envelope, status: int) -> LeadsApiError:
    if not envelope.errors:
        return LeadsApiUnavailable(
            f"the Leads API failed without saying why (HTTP {status})", outcome_unknown=True
        )
    return LeadRejected(
        tuple(ApiError(e.message, e.code, field_named(e.message)) for e in envelope.errors)
    )


def _invitation_code(response: httpx.Response) -> str:
    envelope = _envelope(response)
    if not envelope.success:
        raise _rejected(envelope, response.status_code)
    try:
        return normalize_code(_Created.model_validate(envelope.data).invitationCode)
    except (ValidationError, InvalidCode):
        raise LeadsApiUnavailable(
            "the Leads API answered success without a usable invitation code",
            outcome_unknown=True,
        ) from None


def _lead_record(response: httpx.Response) -> LeadRecord | None:
    envelope = _envelope(response)
    if not envelope.success:
        if str(LEAD_NOT_FOUND) in {str(entry.code) for entry in envelope.errors}:
            return None
        raise _rejected(envelope, response.status_code)
    if envelope.data is None:
        return None
    try:
        return LeadRecord.model_validate(envelope.data)
    except ValidationError:
        raise LeadsApiUnavailable(
            "the Leads API answered a lead record of the wrong shape", outcome_unknown=True
        ) from None
