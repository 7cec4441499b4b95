"""A local Leads API that behaves as spec/leads-api.md documents (`migo-bot sandbox`).

API routes, under base path /rest (so LEADS_API_URL=http://HOST:PORT/rest); both need
`Authorization: Bearer <token>` (any non-empty token, or exactly the one given with --token):

    POST /rest/leads            validates the body with flows.lead.Lead plus email syntax,
                                normalizes countries, applies the documented defaults and
                                answers 201 {success, data: {_id, invitationCode}};
                                400 VALIDATION_ERROR, 401, 409 with 7121 for a CUI already
                                registered for the same partner
    GET  /rest/leads/{code}     the merged record (code case-insensitive); 404 with 7130
    GET  /health, /rest/health  liveness, no token

Admin routes for tests (no token: the sandbox is for local use only):

    POST   /_sandbox/faults     {"mode", "count" (1), "status", "seconds" (30), "body"} queues
                                `count` faults; each following API request takes one:
                                  error          `status` (503) with a text body, not processed
                                  hang           processed, then answered after `seconds`
                                                 without blocking other requests
                                  garbage        processed, then answered 200 with `body`
                                                 (default: not JSON)
                                  create_failed  500 with error 7105, not processed
                                  reply          `status` (200) with `body` verbatim, not
                                                 processed
    DELETE /_sandbox/faults     drops the pending faults
    GET    /_sandbox/leads      {"count": N}: leads stored
    GET    /_sandbox/requests   {"count": N}: API requests received (faulty ones included)
    GET    /_sandbox/leads/{code}/meta   {"merchantId": ...}: the x-merchant-id it came with

Leads live in memory, or with --redis in REDIS_URL under keys `sandbox:*` (they survive a
restart). Log lines carry the method, the route template and the status: never a body, a
code or a token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import signal
import string
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import redis.asyncio as aioredis
import redis.exceptions
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.leads_api import (
    ERROR_CREATE_LEAD,
    LEAD_ALREADY_REGISTERED,
    LEAD_NOT_FOUND,
    VALIDATION_ERROR,
    ApiError,
    errors_from_validation,
)
from bot.settings import Settings
from flows.lead import DEFAULT_TRIBUTAX_PARTNER, Lead

BASE_PATH = "/rest"
CODE_LENGTH = 7
_CODE_ALPHABET = string.ascii_uppercase + string.digits
_CODE_TRIES = 10
_STOP_GRACE_SECONDS = 5.0
_log = logging.getLogger(__name__)

Added = Literal["added", "duplicate", "code_taken"]
Body = dict[str, Any]


class LeadStore(Protocol):
    """Where the sandbox keeps leads: records and request metadata as JSON, by code."""

    async def add(self, code: str, record: str, meta: str, identity: str | None) -> Added:
        """Store a lead unless its code is taken or its identity already registered."""
        ...

    async def record(self, code: str) -> str | None:
        """The stored record of a code."""
        ...

    async def meta(self, code: str) -> str | None:
        """The stored request metadata of a code."""
        ...

    async def count(self) -> int:
        """How many leads are stored."""
        ...


class MemoryLeadStore:
    """Leads in dictionaries; gone when the process ends."""

    def __init__(self) -> None:
        self._records: dict[str, str] = {}
        self._meta: dict[str, str] = {}
        self._identities: dict[str, str] = {}

    async def add(self, code: str, record: str, meta: str, identity: str | None) -> Added:
        """Store a lead unless its code is taken or its identity already registered."""
        if identity is not None and identity in self._identities:
            return "duplicate"
        if code in self._records:
            return "code_taken"
        self._records[code] = record
        self._meta[code] = meta
        if identity is not None:
            self._identities[identity] = code
        return "added"

    async def record(self, code: str) -> str | None:
        """The stored record of a code."""
        return self._records.get(code)

    async def meta(self, code: str) -> str | None:
        """The stored request metadata of a code."""
        return self._meta.get(code)

    async def count(self) -> int:
        """How many leads are stored."""
        return len(self._records)


class RedisLeadStore:
    """Leads in three Redis hashes under `sandbox:`; survives a sandbox restart."""

    RECORDS = "sandbox:leads"
    META = "sandbox:meta"
    IDENTITIES = "sandbox:identities"

    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client

    async def add(self, code: str, record: str, meta: str, identity: str | None) -> Added:
        """Store a lead unless its code is taken or its identity already registered."""
        if not await self._redis.hsetnx(self.RECORDS, code, record):
            return "code_taken"
        # HSETNX on the identity is the atomic duplicate check between concurrent requests.
        if identity is not None and not await self._redis.hsetnx(self.IDENTITIES, identity, code):
            await self._redis.hdel(self.RECORDS, code)
            return "duplicate"
        await self._redis.hset(self.META, code, meta)
        return "added"

    async def record(self, code: str) -> str | None:
        """The stored record of a code."""
        return _text(await self._redis.hget(self.RECORDS, code))

    async def meta(self, code: str) -> str | None:
        """The stored request metadata of a code."""
        return _text(await self._redis.hget(self.META, code))

    async def count(self) -> int:
        """How many leads are stored."""
        return int(await self._redis.hlen(self.RECORDS))


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class Fault(BaseModel):
    """How the next API requests misbehave (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["error", "hang", "garbage", "create_failed", "reply"]
    count: int = Field(default=1, ge=1, le=1000)
    status: int | None = Field(default=None, ge=200, le=599)
    seconds: float = Field(default=30.0, gt=0, le=3600)
    body: str | None = None


class Sandbox:
    """The Leads API stand-in: `start()` serves it on the running event loop until `stop()`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        store: LeadStore | None = None,
        tributax_partner_slug: str = DEFAULT_TRIBUTAX_PARTNER,
    ) -> None:
        self.token = token
        self.store: LeadStore = store or MemoryLeadStore()
        self.tributax_partner_slug = tributax_partner_slug
        self.faults: deque[Fault] = deque()
        self.requests = 0
        self._server: HTTPServer | None = None
        self._stopping = asyncio.Event()
        self._hanging = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.base_url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port) and return the API base URL (…/rest)."""
        sockets = bind_sockets(port, address=host)
        self._stopping.clear()
        self._server = HTTPServer(self._application())
        self._server.add_sockets(sockets)
        bound = sockets[0].getsockname()[1]
        netloc = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{netloc}:{bound}{BASE_PATH}"
        return self.base_url

    async def stop(self) -> None:
        """Stop listening, wake hanging requests and close every connection."""
        if self._server is None:
            return
        self._server.stop()
        self._stopping.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), _STOP_GRACE_SECONDS)
        await self._server.close_all_connections()
        self._server = None

    def take_fault(self) -> Fault | None:
        """Count an API request and hand it the next pending fault, if any."""
        self.requests += 1
        return self.faults.popleft() if self.faults else None

    async def hang(self, seconds: float) -> None:
        """Wait `seconds`, or less if the sandbox stops meanwhile."""
        self._hanging += 1
        self._idle.clear()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        finally:
            self._hanging -= 1
            if self._hanging == 0:
                self._idle.set()

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header carries an acceptable bearer token."""
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        return self.token is None or hmac.compare_digest(token.encode(), self.token.encode())

    def validate(self, body: object) -> Lead | tuple[ApiError, ...]:
        """The lead in a request body, or one error per invalid field."""
        context = {"tributax_partner_slug": self.tributax_partner_slug}
        errors: list[ApiError] = []
        lead: Lead | None = None
        try:
            lead = Lead.model_validate(body, context=context)
        except ValidationError as error:
            errors.extend(errors_from_validation(error))
        email = body.get("email") if isinstance(body, dict) else None
        if isinstance(email, str) and all(e.field != "email" for e in errors):
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError as error:
                errors.append(ApiError(f"email: {error}", VALIDATION_ERROR, "email"))
        if errors or lead is None:
            return tuple(errors)
        return lead

    async def create(self, lead: Lead, merchant_id: str | None) -> tuple[int, Body]:
        """Store a valid lead and answer as the API does."""
        identity = json.dumps([lead.partner, lead.cui]) if lead.cui else None
        meta = json.dumps({"merchantId": merchant_id})
        for _ in range(_CODE_TRIES):
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
            record = _record(lead, code)
            added = await self.store.add(code, json.dumps(record), meta, identity)
            if added == "added":
                return 201, {
                    "success": True,
                    "data": {"_id": record["_id"], "invitationCode": code},
                }
            if added == "duplicate":
                return 409, _failure(
                    "The lead has already been registered", LEAD_ALREADY_REGISTERED
                )
        return 500, _failure("The lead could not be created", ERROR_CREATE_LEAD)

    def _application(self) -> Application:
        args = {"sandbox": self}
        return Application(
            [
                (r"/health", _HealthHandler, args),
                (rf"{BASE_PATH}/health", _HealthHandler, args),
                (rf"{BASE_PATH}/leads", _LeadsHandler, args),
                (rf"{BASE_PATH}/leads/([^/]+)", _LeadHandler, args),
                (r"/_sandbox/faults", _FaultsHandler, args),
                (r"/_sandbox/leads", _CountHandler, args),
                (r"/_sandbox/requests", _RequestsHandler, args),
                (r"/_sandbox/leads/([^/]+)/meta", _MetaHandler, args),
            ],
            log_function=_log_request,
        )


def _record(lead: Lead, code: str) -> Body:
    """The GET record: the lead as given (normalized), its defaults and the server's fields."""
    given = lead.payload()
    given.setdefault("nationality", "GTM")
    if "commercialName" in given:
        given.setdefault("businessName", given["commercialName"])
    given.setdefault("canInvoice", False)
    given.setdefault("taxRegime", "NA")
    created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "_id": secrets.token_hex(12),
        "invitationCode": code,
        "createdAt": created,
        **given,
        "hasRegime": given["taxRegime"] != "NA",
        "clientId": given.get("clientId", ""),
        "payoutAccountNumber": None,
    }


def _failure(message: str, code: str | int) -> Body:
    return {"success": False, "errors": [{"message": message, "code": code}]}


def _log_request(handler: RequestHandler) -> None:
    # The path may hold an invitation code: log the route template instead.
    route = getattr(handler, "route", "(no route)")
    _log.info(
        "%s %s -> %d (%.1f ms)",
        handler.request.method,
        route,
        handler.get_status(),
        1000 * handler.request.request_time(),
    )


class _Handler(RequestHandler):
    route = ""

    def initialize(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def reply(self, status: int, body: object) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body))

    def reply_raw(self, status: int, body: str, content_type: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.finish(body)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Tornado's own line would carry the request URI; the exception text may carry a body.
        _log.error(
            "%s %s failed: %s", self.request.method, self.route, getattr(typ, "__name__", "")
        )


class _ApiHandler(_Handler):
    async def answer(self, respond: Callable[[], Awaitable[tuple[int, Body]]]) -> None:
        """Answer with `respond()` unless the next pending fault says otherwise."""
        fault = self.sandbox.take_fault()
        if fault is None:
            self.reply(*await respond())
        elif fault.mode == "error":
            self.reply_raw(fault.status or 503, "Service Unavailable", "text/plain")
        elif fault.mode == "create_failed":
            self.reply(500, _failure("The lead could not be created", ERROR_CREATE_LEAD))
        elif fault.mode == "reply":
            self.reply_raw(fault.status or 200, fault.body or "", "application/json")
        elif fault.mode == "hang":
            answer = await respond()
            await self.sandbox.hang(fault.seconds)
            self.reply(*answer)
        else:  # garbage
            await respond()
            self.reply_raw(200, fault.body or "<html>502 Bad Gateway</html>", "text/html")

    def unauthorized(self) -> tuple[int, Body] | None:
        if self.sandbox.authorized(self.request.headers.get("Authorization")):
            return None
        return 401, _failure("Unauthorized: a valid bearer token is required", "UNAUTHORIZED")


class _LeadsHandler(_ApiHandler):
    route = f"{BASE_PATH}/leads"

    async def post(self) -> None:
        await self.answer(self._create)

    async def _create(self) -> tuple[int, Body]:
        refused = self.unauthorized()
        if refused:
            return refused
        try:
            body = json.loads(self.request.body)
        except ValueError:
            return 400, _failure("body: must be a JSON object", VALIDATION_ERROR)
        lead = self.sandbox.validate(body)
        if isinstance(lead, tuple):
            errors = [{"message": e.message, "code": e.code} for e in lead]
            return 400, {"success": False, "errors": errors}
        return await self.sandbox.create(lead, self.request.headers.get("x-merchant-id"))


class _LeadHandler(_ApiHandler):
    route = f"{BASE_PATH}/leads/{{code}}"

    async def get(self, code: str) -> None:
        async def lookup() -> tuple[int, Body]:
            refused = self.unauthorized()
            if refused:
                return refused
            record = await self.sandbox.store.record(code.upper())
            if record is None:
                return 404, _failure("Unknown invitation code", LEAD_NOT_FOUND)
            return 200, {"success": True, "data": json.loads(record)}

        await self.answer(lookup)


class _HealthHandler(_Handler):
    route = "/health"

    def get(self) -> None:
        self.reply(200, {"status": "ok"})


class _FaultsHandler(_Handler):
    route = "/_sandbox/faults"

    def post(self) -> None:
        try:
            fault = Fault.model_validate_json(self.request.body)
        except ValidationError as error:
            self.reply(400, {"errors": [e.message for e in errors_from_validation(error)]})
            return
        self.sandbox.faults.extend([fault] * fault.count)
        self.reply(200, {"pending": len(self.sandbox.faults)})

    def delete(self) -> None:
        self.sandbox.faults.clear()
        self.reply(200, {"pending": 0})


class _CountHandler(_Handler):
    route = "/_sandbox/leads"

    async def get(self) -> None:
        self.reply(200, {"count": await self.sandbox.store.count()})


class _RequestsHandler(_Handler):
    route = "/_sandbox/requests"

    def get(self) -> None:
        self.reply(200, {"count": self.sandbox.requests})


class _MetaHandler(_Handler):
    route = "/_sandbox/leads/{code}/meta"

    async def get(self, code: str) -> None:
        meta = await self.sandbox.store.meta(code.upper())
        if meta is None:
            self.reply(404, _failure("Unknown invitation code", LEAD_NOT_FOUND))
        else:
            self.reply(200, json.loads(meta))


def sandbox_command(settings: Settings, args: argparse.Namespace) -> int:
    """`migo-bot sandbox`: serve the sandbox until SIGINT or SIGTERM."""
    if args.redis and not settings.redis_url:
        print("migo-bot sandbox: --redis needs REDIS_URL", file=sys.stderr)
        return 2
    return asyncio.run(_serve(settings, args))


async def _serve(settings: Settings, args: argparse.Namespace) -> int:
    url = settings.redis_url if args.redis else None
    client = aioredis.Redis.from_url(url) if url else None
    try:
        if client is not None and not await _answers(client):
            # The URL may carry a password: say which variable, not its value.
            print("migo-bot sandbox: the Redis at REDIS_URL does not answer", file=sys.stderr)
            return 1
        sandbox = Sandbox(
            token=args.token,
            store=RedisLeadStore(client) if client is not None else None,
            tributax_partner_slug=settings.tributax_partner_slug,
        )
        try:
            base_url = await sandbox.start(args.host, args.port)
        except OSError as error:
            print(
                f"migo-bot sandbox: cannot listen on {args.host}:{args.port} ({error.strerror})",
                file=sys.stderr,
            )
            return 2
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        storage = "Redis" if client is not None else "memory"
        print(f"Leads API sandbox on {base_url} (leads in {storage})", flush=True)
        await stop.wait()
        await sandbox.stop()
        return 0
    finally:
        if client is not None:
            await client.aclose()


async def _answers(client: aioredis.Redis) -> bool:
    try:
        await client.ping()
    except redis.exceptions.RedisError:
        return False
    return True
