"""The metrics: what feeds them (handlers, Bot API failures, the Leads API) and the endpoint."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import httpx
import pytest
from prometheus_client import generate_latest
from pydantic import SecretStr
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.leads_api import LeadRejected, LeadsApiClient, LeadsApiUnavailable
from bot.metrics import Metrics
from bot.sandbox import Sandbox
from bot.settings import Settings
from bot.store import StoreUnavailable
from bot.telegram import TelegramTransport
from tests.contract.conftest import StartSandbox, example_lead


def value(metrics: Metrics, name: str, **labels: str) -> float:
    sample = metrics.registry.get_sample_value(name, labels)
    return 0.0 if sample is None else sample


async def test_handlers_are_counted_and_timed_by_kind_even_when_they_fail() -> None:
    metrics, other = Metrics(), Metrics()

    async def fine(_update: object, _context: object) -> None:
        return None

    async def broken(_update: object, _context: object) -> None:
        raise RuntimeError("bug")

    await metrics.timed("text", fine)(None, None)
    await metrics.timed("text", fine)(None, None)
    with pytest.raises(RuntimeError):
        await metrics.timed("pick", broken)(None, None)
    assert value(metrics, "migo_bot_updates_total", kind="text") == 2
    assert value(metrics, "migo_bot_updates_total", kind="pick") == 1
    assert value(metrics, "migo_bot_handler_seconds_count", kind="pick") == 1
    # Each process (and each test) has a registry of its own.
    assert value(other, "migo_bot_updates_total", kind="text") == 0


async def test_bot_api_errors_are_counted_by_kind_from_edits_and_the_error_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # RetryAfter in PTB's coming form, without warning
    transport = TelegramTransport(Settings(_env_file=None))  # type: ignore[call-arg]

    async def refuse(error: Exception) -> None:
        raise error

    await transport.quietly(refuse(BadRequest("Message is not modified")))
    await transport.quietly(refuse(Forbidden("bot was blocked by the user")))
    retry = RetryAfter(dt.timedelta(seconds=3))
    for error in [retry, NetworkError("down"), StoreUnavailable("x"), KeyError("k")]:
        await transport.on_error(None, SimpleNamespace(error=error))  # type: ignore[arg-type]
    metrics = transport.metrics
    for kind in ("BadRequest", "Forbidden", "RetryAfter", "NetworkError"):
        assert value(metrics, "migo_bot_bot_api_errors_total", kind=kind) == 1, kind
    assert value(metrics, "migo_bot_handler_failures_total", kind="StoreUnavailable") == 1
    assert value(metrics, "migo_bot_handler_failures_total", kind="KeyError") == 1


async def test_leads_api_calls_are_counted_by_operation_and_outcome(
    start_sandbox: StartSandbox,
) -> None:
    metrics = Metrics()
    sandbox: Sandbox = await start_sandbox(token="t")
    async with httpx.AsyncClient(base_url=sandbox.base_url + "/", timeout=2) as http:
        client = LeadsApiClient(http, SecretStr("t"), observer=metrics.leads_api_call)
        code = await client.create_lead(example_lead(cui="1234567890101", nit="576937K"))
        with pytest.raises(LeadRejected):
            await client.create_lead(example_lead(email="not-an-email"))
        assert await client.get_lead(code) is not None
        assert await client.get_lead("ZZZZ999") is None
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9/", timeout=0.5) as http:
        client = LeadsApiClient(
            http, SecretStr("t"), observer=metrics.leads_api_call, backoff_seconds=0
        )
        with pytest.raises(LeadsApiUnavailable):
            await client.get_lead(code)
    calls = "migo_bot_leads_api_calls_total"
    assert value(metrics, calls, operation="create", outcome="created") == 1
    assert value(metrics, calls, operation="create", outcome="rejected") == 1
    assert value(metrics, calls, operation="get", outcome="found") == 1
    assert value(metrics, calls, operation="get", outcome="not-found") == 1
    assert value(metrics, calls, operation="get", outcome="unavailable") == 1
    assert value(metrics, "migo_bot_leads_created_total") == 1
    assert value(metrics, "migo_bot_leads_api_seconds_count", operation="create") == 2
    # Labels are operations and outcomes: no code, no payload.
    assert code not in generate_latest(metrics.registry).decode()


async def test_the_endpoint_serves_the_registry_until_stopped() -> None:
    metrics = Metrics()
    metrics.funnel_count("reached", "firstName")
    port = metrics.serve(0, "127.0.0.1")
    async with httpx.AsyncClient(timeout=2) as http:
        try:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        finally:
            metrics.stop()
        assert 'migo_bot_funnel_reached_total{step="firstName"} 1.0' in text
        assert 'migo_bot_funnel_abandoned_total{step="summary"} 0.0' in text
        with pytest.raises(httpx.TransportError):
            await http.get(f"http://127.0.0.1:{port}/metrics")
