"""Watching the bot: `migo-bot funnel`, `/funnel` for staff, and the metrics endpoint."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Awaitable, Callable

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bot.conversation import Conversations, Origin
from bot.funnel import FUNNEL_STEPS, RedisFunnel
from bot.leads_api import LeadsApiClient
from bot.sandbox import Sandbox
from bot.store import RedisSessionStore
from flows.catalogue import Catalogue
from flows.events import Pick, Start, Text
from tests.conftest import personal_data_in, redis_url
from tests.contract.test_funnel import ANSWERS
from tests.e2e.harness import STAFF_ID, Stack, say
from tests.e2e.test_cli import migo_bot

ORIGIN = Origin(lang="es", partner="migo-gt")


async def test_migo_bot_funnel_prints_every_step_in_order(redis_client: aioredis.Redis) -> None:
    sandbox = Sandbox()
    url = await sandbox.start()
    store = RedisSessionStore.from_url(redis_url(), ttl_seconds=600)
    funnel = RedisFunnel.from_url(redis_url(), ttl_seconds=600)
    try:
        async with httpx.AsyncClient(base_url=url + "/") as http:
            service = Conversations(
                store,
                LeadsApiClient(http, SecretStr("t")),
                catalogue=Catalogue(),
                tributax_partner="tributax",
                funnel=funnel,
            )
            for answer in [Start(), *ANSWERS]:
                await service.run(1, Text(answer) if isinstance(answer, str) else answer, ORIGIN)
            summary = await service.current(1)
            assert summary is not None
            done = await service.run(1, Pick(summary.binding, 0), ORIGIN)
            assert done[-1].key == "submit-done"
            for event in [Start(), Text("Ana"), Text("12345"), Text("12345")]:
                await service.run(2, event, ORIGIN)
            await service.run(3, Start(), ORIGIN)
    finally:
        await funnel.aclose()
        await store.aclose()
        await sandbox.stop()

    result = migo_bot("funnel", env={"REDIS_URL": redis_url()})
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert re.split(r"\s{2,}", header) == [
        "step", "reached", "completed", "drop-off", "invalid/completion", "abandoned",
    ]  # fmt: skip
    rows = {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line) for line in lines)}
    assert [line.split()[0] for line in lines] == list(FUNNEL_STEPS)
    assert rows["firstName"] == ["3", "2", "33.3 %", "0.00", "0"]
    assert rows["lastName"] == ["2", "1", "50.0 %", "2.00", "0"]
    assert rows["summary"] == ["1", "1", "0.0 %", "0.00", "0"]
    assert rows["lastRtuUpdateDate"] == ["0", "0", "-", "-", "0"]

    assert migo_bot("funnel", env={"REDIS_URL": ""}).returncode == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _metric(text: str, name: str, **labels: str) -> float:
    """One sample of a Prometheus text exposition."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(f"{name}{{{wanted}}}" if labels else name) + r" (\S+)"
    match = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    assert match is not None, f"{name} {labels} not in the metrics"
    return float(match.group(1))


@pytest.mark.e2e
async def test_staff_read_the_funnel_and_the_metrics_count_the_updates(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    port = _free_port()
    stack = await start_stack(METRICS_PORT=str(port))
    prospect = stack.api.user(1101, "Ana Lucía", language_code="es")
    await say(prospect, "/start", "Paso 1 de 21")
    await say(prospect, "Ana Lucía", "Paso 2 de 21")
    await say(prospect, "12345", "Paso 2 de 21")

    staff = stack.api.user(STAFF_ID, "Soporte", language_code="es")
    table = await say(staff, "/funnel", "Embudo de registro")
    # Spanish writes a non-breaking space before the percent sign.
    assert "1. Nombre: 1 → 1 · 0\u00a0% · 0 · 0 vencidas" in table.plain
    assert "2. Apellidos: 1 → 0 · 100\u00a0% · – · 0 vencidas" in table.plain
    assert f"{len(FUNNEL_STEPS)}. Resumen y envío: 0 → 0 · – · – · 0 vencidas" in table.plain
    group = stack.api.group(-100777)
    await group.send(staff, "/funnel")
    (in_group,) = await group.wait_for_messages(1)
    assert "1. Nombre: 1 → 1" in in_group.plain

    stranger = stack.api.user(1102, "Curious", language_code="en")
    refusals = [
        await say(stranger, "/funnel", "Sorry, that command is not available."),
        await say(prospect, "/funnel", "Lo sentimos, ese comando no está disponible."),
    ]
    for refusal in refusals:
        assert "→" not in refusal.plain and re.search(r"\d", refusal.plain) is None

    async with httpx.AsyncClient() as http:
        scraped = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    assert _metric(scraped, "migo_bot_updates_total", kind="start") == 1
    assert _metric(scraped, "migo_bot_updates_total", kind="text") == 2
    assert _metric(scraped, "migo_bot_updates_total", kind="funnel") == 4
    assert _metric(scraped, "migo_bot_handler_seconds_count", kind="text") == 2
    assert _metric(scraped, "migo_bot_funnel_reached_total", step="firstName") == 1
    assert _metric(scraped, "migo_bot_funnel_answered_total", step="firstName") == 1
    assert _metric(scraped, "migo_bot_funnel_reached_total", step="lastName") == 1
    assert _metric(scraped, "migo_bot_funnel_invalid_total", step="lastName") == 1
    assert _metric(scraped, "migo_bot_funnel_answered_total", step="lastName") == 0
    assert _metric(scraped, "migo_bot_leads_created_total") == 0
    assert personal_data_in(scraped) == []
    # Labels name kinds, steps and outcomes, never a chat (values are counts and timestamps).
    labels = {
        value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        for value in sample.labels.values()
    }
    assert labels and not any("1101" in value for value in labels)


@pytest.mark.e2e
async def test_the_bot_sweeps_an_expired_conversation_into_abandoned(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    port = _free_port()
    stack = await start_stack(
        METRICS_PORT=str(port), SESSION_TTL_SECONDS="2", FUNNEL_SWEEP_SECONDS="0.2"
    )
    prospect = stack.api.user(1103, "Ana Lucía", language_code="es")
    await say(prospect, "/start", "Paso 1 de 21")
    await say(prospect, "Ana Lucía", "Paso 2 de 21")
    abandoned = 0.0
    async with httpx.AsyncClient() as http:
        for _ in range(100):
            scraped = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            abandoned = _metric(scraped, "migo_bot_funnel_abandoned_total", step="lastName")
            if abandoned:
                break
            await asyncio.sleep(0.1)
    assert abandoned == 1
    result = migo_bot("funnel", env={"REDIS_URL": redis_url()})
    row = next(line for line in result.stdout.splitlines() if line.startswith("lastName"))
    assert re.split(r"\s{2,}", row) == ["lastName", "1", "0", "100.0 %", "-", "1"]
