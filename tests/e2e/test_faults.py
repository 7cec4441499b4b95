"""Faults the running bot must survive without losing an answer or creating a lead twice."""

from __future__ import annotations

import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from tests.contract.conftest import StartProcess
from tests.e2e.botapi import ChatMessage, UserChat
from tests.e2e.harness import SANDBOX_TOKEN, RedisServer, Stack, free_port, say, tap, until
from tests.e2e.test_telegram import onboard_in_spanish

pytestmark = pytest.mark.e2e
StartStack = Callable[..., Awaitable[Stack]]


async def inject(stack: Stack, **fault: object) -> None:
    url = stack.sandbox.base_url.removesuffix("/rest") + "/_sandbox/faults"
    async with httpx.AsyncClient() as http:
        response = await http.post(url, json=fault)
    assert response.status_code == 200, response.text


async def confirm(user: UserChat, summary: ChatMessage, *expect: str) -> ChatMessage:
    label = next(text for text, _ in summary.buttons if text.startswith(("✅", "🔄")))
    return await tap(user, summary, label, *expect)


DONE = "Su código de invitación es"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"mode": "error", "count": 1, "status": 503}, "No pudimos comunicarnos con Migo"),
        ({"mode": "create_failed", "count": 1}, "Migo no pudo crear el registro"),
    ],
)
async def test_leads_api_failures_keep_every_answer_and_retry_creates_one_lead(
    stack: Stack, fault: dict[str, object], message: str
) -> None:
    user = stack.api.user(2001, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    await inject(stack, **fault)
    again = await confirm(user, summary, message, "Revise sus datos")
    assert "Nombre: Ana Lucía" in again.plain
    assert "🔄 Reintentar" in [text for text, _ in again.buttons]
    await confirm(user, again, DONE)
    assert await stack.lead_count() == 1


async def test_garbage_after_the_lead_was_stored_never_duplicates_it(stack: Stack) -> None:
    user = stack.api.user(2007, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    await inject(stack, mode="garbage", count=1)
    again = await confirm(user, summary, "No pudimos comunicarnos con Migo", "Revise sus datos")
    # The API stored the lead before answering garbage: a retry is refused, not duplicated.
    await confirm(user, again, "Ya existe un registro con ese DPI")
    assert await stack.lead_count() == 1


async def test_a_leads_api_that_hangs_past_the_timeout_never_duplicates(stack: Stack) -> None:
    user = stack.api.user(2002, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    await inject(stack, mode="hang", count=1, seconds=5)
    again = await confirm(user, summary, "No pudimos comunicarnos con Migo", "Revise sus datos")
    # The lead was stored before the hang: the retry is refused as already registered.
    await confirm(user, again, "Ya existe un registro con ese DPI")
    assert await stack.lead_count() == 1


async def test_redis_down_is_told_and_recovered_from_without_losing_answers(
    start_stack: StartStack, tmp_path: Path
) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = RedisServer(tmp_path)
    await redis.start()
    try:
        stack = await start_stack(REDIS_URL=redis.url)
        user = stack.api.user(2003, "Ana", "López", language_code="es")
        await say(user, "/start", "Paso 1 de 21")
        await say(user, "Ana", "Paso 2 de 21")
        await redis.stop()
        down = await say(user, "López", "no está disponible", timeout=30)
        assert "Traceback" not in down.plain
        await redis.start()
        back = await say(user, "López", "Paso 3 de 21", timeout=30)
        assert back.plain
        summary = await say(user, "/summary", "Paso 3 de 21")
        assert "Nombre: Ana" in summary.plain
        assert "Apellidos: López" in summary.plain
    finally:
        await redis.stop()


async def test_flood_control_is_waited_out_and_nothing_is_lost(stack: Stack) -> None:
    user = stack.api.user(2004, "Ana", "López", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    stack.api.flood(count=2, retry_after=1)
    question = await say(user, "Ana", "Paso 2 de 21", timeout=20)
    assert question.plain
    refused = [c for c in stack.api.calls("sendMessage") if c.status == 429]
    assert len(refused) == 2


async def test_flood_control_that_outlasts_the_retries_skips_the_cosmetic_edit_only(
    stack: Stack,
) -> None:
    user = stack.api.user(2010, "Ana", "López", language_code="es")
    question = await say(user, "/start", "Paso 1 de 21")
    for answer in ["Ana", "López"]:
        question = await say(user, answer, "Paso")
    # Four refusals: the rate limiter's three retries are not enough for the edit.
    stack.api.flood(count=4, retry_after=1, methods={"editMessageText"})
    await user.tap(question, "Mujer")
    await until(user, "Paso 4 de 21", timeout=20)
    await stack.api.wait_until(
        lambda: len([c for c in stack.api.calls("editMessageText") if c.status == 429]) == 4,
        20.0,
        "four refused edits",
    )
    question = await say(user, "7 de marzo de 1990", "Paso 5 de 21")
    assert question.plain
    assert not any("Tuvimos un problema" in message.plain for message in user.messages())
    assert len(stack.api.calls("answerCallbackQuery")) == 1


async def test_a_prospect_who_blocked_the_bot_does_not_break_it(stack: Stack) -> None:
    user = stack.api.user(2005, "Ana", "López", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    await user.send("Ana")
    stack.api.block(user.user_id)  # before the bot answers (writing again unblocks)
    await stack.api.wait_until(
        lambda: any(c.status == 403 for c in stack.api.calls("sendMessage")), 10.0, "a 403"
    )
    stack.api.unblock(user.user_id)
    # The answer given while blocked was kept; the conversation goes on from there.
    question = await say(user, "López", "Paso 3 de 21")
    assert question.plain
    other = stack.api.user(2006, "Otra", language_code="es")
    await say(other, "/start", "Paso 1 de 21")


async def test_killed_before_the_code_reached_the_prospect_the_code_is_kept(
    stack: Stack,
) -> None:
    user = stack.api.user(2008, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    await inject(stack, mode="hang", count=1, seconds=1)  # a slow but successful answer
    await user.tap(summary, "✅ Confirmar y enviar")
    await until(user, "Enviando su solicitud")
    stack.api.flood(count=20, retry_after=30)  # so the code message cannot go out
    await stack.api.wait_until(
        lambda: any(c.status == 429 for c in stack.api.calls("sendMessage")), 10.0, "a 429"
    )
    stack.bot.kill()
    stack.api.flood(count=1, retry_after=1)
    await stack.bot.start(stack.api)
    answer = await say(user, "¿Y mi código?", "Su código de invitación es", timeout=20)
    code = re.search(r"\b[A-Z0-9]{7}\b", answer.plain)
    assert code is not None
    assert (await stack.lead(code.group(0)))["cui"] == "1234567890101"
    assert await stack.lead_count() == 1


async def test_an_enumeration_of_100_codes_is_stopped_by_the_rate_limit(stack: Stack) -> None:
    user = stack.api.user(2009, "Curioso", language_code="es")
    async with httpx.AsyncClient() as http:
        url = stack.sandbox.base_url.removesuffix("/rest") + "/_sandbox/requests"
        before = (await http.get(url)).json()["count"]
        for n in range(100):
            await user.send(f"/status ZZ{n:05d}")
        await stack.api.wait_until(lambda: len(user.messages()) >= 100, 30.0, "100 answers")
        after = (await http.get(url)).json()["count"]
    limited = [m for m in user.messages() if "muchas consultas" in m.plain]
    assert after - before == 10  # STATUS_RATE_LIMIT: only these reached the Leads API
    assert len(limited) == 90


async def test_killed_between_every_two_answers_the_onboarding_loses_nothing(
    stack: Stack,
) -> None:
    user = stack.api.user(2010, "Ana Lucía", "López García", language_code="es")
    restarts = 0

    def after_a_crash(act: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
        async def crashed_then(*args: object, **kwargs: object) -> object:
            nonlocal restarts
            if restarts or user.messages():  # from the first answer on
                stack.bot.kill()
                await stack.bot.start(stack.api)
                restarts += 1
            return await act(*args, **kwargs)

        return crashed_then

    # Every message, tap and shared contact goes to a bot that was SIGKILLed just before.
    user.send = after_a_crash(user.send)  # type: ignore[method-assign,assignment]
    user.tap = after_a_crash(user.tap)  # type: ignore[method-assign,assignment]
    user.share_contact = after_a_crash(user.share_contact)  # type: ignore[method-assign,assignment]
    summary = await onboard_in_spanish(user, timeout=20)
    assert restarts >= 20  # every answer after /start (23 today)
    for line in ["Nombre: Ana Lucía", "DPI (CUI): 1234 56789 0101", "Teléfono: +502 5555 1234"]:
        assert line in summary.plain
    done = await confirm(user, summary, DONE)
    code = re.search(r"\b[A-Z0-9]{7}\b", done.plain)
    assert code is not None
    assert await stack.lead_count() == 1


async def test_a_leads_api_that_is_down_then_back_gets_one_lead(
    start_stack: StartStack, sandbox_process: StartProcess
) -> None:
    port = free_port()
    stack = await start_stack(LEADS_API_URL=f"http://127.0.0.1:{port}/rest")
    user = stack.api.user(2011, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    # Nothing listens on the port: the connection is refused.
    again = await confirm(user, summary, "No pudimos comunicarnos con Migo", "Revise sus datos")
    assert "Nombre: Ana Lucía" in again.plain
    back = sandbox_process("--token", SANDBOX_TOKEN, "--port", str(port))
    await confirm(user, again, DONE)
    async with httpx.AsyncClient() as http:
        leads = (await http.get(back.base_url.removesuffix("/rest") + "/_sandbox/leads")).json()
    assert leads["count"] == 1
