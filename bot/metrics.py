"""Prometheus metrics of one bot process, on a registry of its own (tests stay independent).

Labels are kinds, outcomes and step names only: never a chat id, a code or an answer.
Served by prometheus-client's own HTTP server when METRICS_PORT is set.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from bot.funnel import EVENTS, FUNNEL_STEPS

_log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

UPDATE_KINDS = (
    "start",
    "command",
    "text",
    "pick",
    "contact",
    "unsupported",
    "edited",
    "status",
    "forget",
    "funnel",
    "group-command",
)
LEADS_OUTCOMES = {
    "create": ("created", "rejected", "already-registered", "not-created", "unavailable"),
    "get": ("found", "not-found", "unavailable"),
}
_FUNNEL_HELP = {
    "reached": "Conversations that reached the step",
    "answered": "Conversations that answered (or skipped) the step",
    "invalid": "Invalid answers typed at the step",
    "abandoned": "Conversations whose session expired at the step",
}


class Metrics:
    """Every metric the bot exports, and the small calls that feed them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates = Counter(
            "migo_bot_updates", "Updates handled, by kind", ["kind"], registry=registry
        )
        self.handler_seconds = Histogram(
            "migo_bot_handler_seconds",
            "Time to handle an update, by kind",
            ["kind"],
            registry=registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.bot_api_errors = Counter(
            "migo_bot_bot_api_errors",
            "Bot API calls that failed, by error",
            ["kind"],
            registry=registry,
        )
        self.handler_failures = Counter(
            "migo_bot_handler_failures",
            "Updates whose handler failed for another reason than the Bot API, by error",
            ["kind"],
            registry=registry,
        )
        self.leads_api_calls = Counter(
            "migo_bot_leads_api_calls",
            "Leads API calls (retries included), by operation and outcome",
            ["operation", "outcome"],
            registry=registry,
        )
        self.leads_api_seconds = Histogram(
            "migo_bot_leads_api_seconds",
            "Duration of a Leads API call (retries included), by operation",
            ["operation"],
            registry=registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40),
        )
        self.leads_created = Counter(
            "migo_bot_leads_created", "Leads the Leads API created", registry=registry
        )
        self.funnel = {
            event: Counter(
                f"migo_bot_funnel_{event}",
                f"{_FUNNEL_HELP[event]} (counted by this process)",
                ["step"],
                registry=registry,
            )
            for event in EVENTS
        }
        # Series exist (at zero) from the start, so dashboards and rate() see every step.
        for kind in UPDATE_KINDS:
            self.updates.labels(kind)
        for operation, outcomes in LEADS_OUTCOMES.items():
            for outcome in outcomes:
                self.leads_api_calls.labels(operation, outcome)
        for counter in self.funnel.values():
            for step in FUNNEL_STEPS:
                counter.labels(step)
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def timed(
        self, kind: str, handler: Callable[P, Awaitable[R]]
    ) -> Callable[P, Coroutine[Any, Any, R]]:
        """The handler, counted and timed under `kind` (a failure too)."""

        @functools.wraps(handler)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return await handler(*args, **kwargs)
            finally:
                self.updates.labels(kind).inc()
                self.handler_seconds.labels(kind).observe(time.perf_counter() - started)

        return run

    def bot_api_error(self, error: BaseException) -> None:
        """A Bot API call failed (BadRequest, Forbidden, RetryAfter, NetworkError…)."""
        self.bot_api_errors.labels(type(error).__name__).inc()

    def handler_failure(self, error: BaseException) -> None:
        """A handler failed for another reason (the store, a bug)."""
        self.handler_failures.labels(type(error).__name__).inc()

    def leads_api_call(self, operation: str, outcome: str, seconds: float) -> None:
        """One Leads API call ended (LeadsApiClient's observer)."""
        self.leads_api_calls.labels(operation, outcome).inc()
        self.leads_api_seconds.labels(operation).observe(seconds)
        if operation == "create" and outcome == "created":
            self.leads_created.inc()

    def funnel_count(self, event: str, step: str) -> None:
        """Something the funnel counted (the funnel's on_count)."""
        if event in self.funnel:
            self.funnel[event].labels(step).inc()

    def serve(self, port: int, host: str) -> int:
        """Serve /metrics on a thread of prometheus-client's own; the port bound."""
        self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        bound = int(self._server.server_port)
        _log.info("metrics served on http://%s:%d/metrics", host, bound)
        return bound

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
