"""Idle reminders from the real bot process: once, in the prospect's language, across restarts
and replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from tests.e2e.botapi import ChatMessage, UserChat
from tests.e2e.harness import Stack, say, tap, until
from tests.e2e.test_replicas import Balancer, start_replicas
from tests.e2e.test_replicas import balancer as balancer  # the fixture
from tests.e2e.test_telegram import onboard_in_spanish

pytestmark = pytest.mark.e2e
AFTER = 2.0
REMINDERS = {"REMINDER_AFTER_SECONDS": str(int(AFTER)), "REMINDER_SWEEP_SECONDS": "0.2"}
SPANISH = "¿Seguimos?"
ENGLISH = "Shall we carry on?"


def reminders(user: UserChat) -> list[ChatMessage]:
    """The reminders the prospect received."""
    return [m for m in user.messages() if SPANISH in m.plain or ENGLISH in m.plain]


async def quiet_for(seconds: float) -> None:
    """Give a wrong second reminder every chance to arrive: more than one idle period."""
    await asyncio.sleep(seconds)


async def test_an_idle_prospect_is_reminded_once_in_their_language_and_can_continue(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    stack = await start_stack(**REMINDERS)
    ana = stack.api.user(5001, "Ana Lucía", "López García", language_code="es")
    jane = stack.api.user(5002, "Jane", None, language_code="en")
    quitter = stack.api.user(5003, "Otra", language_code="es")
    finisher = stack.api.user(5004, "Ana Lucía", "López García", language_code="es")
    question = await say(ana, "/start", "Paso 1 de 21")
    await tap(ana, question, "Usar: Ana Lucía", "Paso 2 de 21")
    await say(jane, "/start", "Step 1 of 21")
    await say(jane, "Jane", "Step 2 of 21")
    await say(quitter, "/start", "Paso 1 de 21")
    await say(quitter, "/cancel", "¿Seguro que quiere cancelar?")
    await say(quitter, "sí", "cancelamos el registro")
    summary = await onboard_in_spanish(finisher)
    await finisher.tap(summary, "✅ Confirmar y enviar")
    await until(finisher, "Su código de invitación es", timeout=20)

    spanish = await until(ana, SPANISH, timeout=15)
    english = await until(jane, ENGLISH, timeout=15)
    assert "Le faltan 20 pasos" in spanish.plain
    assert "20 steps left" in english.plain
    assert [text for text, _data in spanish.buttons] == ["▶️ Continuar"]
    assert [text for text, _data in english.buttons] == ["▶️ Continue"]

    # Continue asks the open question again; once the flow is cancelled the button is stale.
    again = await tap(ana, spanish, "▶️ Continuar", "Paso 2 de 21")
    assert "¡Qué gusto verle de nuevo!" in again.plain
    await say(jane, "/cancel", "Are you sure you want to cancel?")
    await say(jane, "yes", "cancelled")
    await jane.tap(english, "▶️ Continue")
    await stack.api.wait_until(
        lambda: len(jane.callback_answers()) == 1, 10.0, "the answer to the stale tap"
    )
    assert jane.callback_answers()[0].text == "That button is no longer active."

    await quiet_for(2 * AFTER)
    assert [len(reminders(user)) for user in (ana, jane, quitter, finisher)] == [1, 1, 0, 0]


async def test_the_reminder_is_sent_once_by_the_bot_restarted_after_the_answer(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    stack = await start_stack(**REMINDERS)
    user = stack.api.user(5011, "Ana Lucía", "López García", language_code="es")
    question = await say(user, "/start", "Paso 1 de 21")
    await tap(user, question, "Usar: Ana Lucía", "Paso 2 de 21")
    stack.bot.kill()
    await stack.bot.start(stack.api)

    reminder = await until(user, SPANISH, timeout=15)
    await tap(user, reminder, "▶️ Continuar", "Paso 2 de 21")

    await quiet_for(2 * AFTER)
    assert len(reminders(user)) == 1


async def test_two_webhook_replicas_send_each_reminder_once(
    start_stack: Callable[..., Awaitable[Stack]], balancer: Balancer
) -> None:
    stacks = await start_replicas(start_stack, balancer, **REMINDERS)
    # Started together, so both replicas' sweeps find the reminders due at the same moment.
    users = [stacks[0].api.user(5100 + n, "Ana", language_code="es") for n in range(20)]
    await asyncio.gather(*(say(user, "/start", "Paso 1 de 21") for user in users))

    await asyncio.gather(*(until(user, SPANISH, timeout=15) for user in users))

    await quiet_for(2 * AFTER)
    assert [len(reminders(user)) for user in users] == [1] * 20
