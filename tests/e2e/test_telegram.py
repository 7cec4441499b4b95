"""The real `migo-bot telegram` process over real HTTP: onboardings as a prospect does them."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable

import httpx
import pytest
import redis.asyncio as aioredis

from tests.e2e.botapi import ChatMessage, UserChat
from tests.e2e.harness import STAFF_ID, Stack, free_port, say, tap, until

pytestmark = pytest.mark.e2e


async def onboard_in_spanish(
    user: UserChat,
    start: str = "/start",
    cui: str = "1234 56789 0101",
    timeout: float = 10.0,  # noqa: ASYNC109
) -> ChatMessage:
    """A Spanish prospect typing and tapping up to the summary; returns the summary."""
    question = await say(user, start, "Paso 1 de 21", timeout=timeout)
    assert "¡Hola!" in question.plain
    question = await tap(user, question, "Usar: Ana Lucía", "Paso 2 de 21", timeout=timeout)
    question = await tap(
        user, question, "Usar: López García", "Paso 3 de 21", "género", timeout=timeout
    )
    question = await tap(user, question, "Mujer", "Paso 4 de 21", timeout=timeout)
    question = await say(user, "7 de marzo de 1990", "Paso 5 de 21", timeout=timeout)
    question = await tap(user, question, "Casado(a)", "Paso 6 de 21", timeout=timeout)
    question = await tap(user, question, "Usar: Guatemala", "Paso 7 de 21", timeout=timeout)
    question = await say(user, cui, "Paso 8 de 21", timeout=timeout)
    question = await say(user, "31/12/2030", "Paso 9 de 21", timeout=timeout)
    question = await tap(user, question, "Usar: Guatemala", "Paso 10 de 21", timeout=timeout)
    assert question.asks_contact
    await user.share_contact("50255551234")
    removal = await until(user, "+502 5555 1234", timeout=timeout)
    assert removal.removes_keyboard
    question = await until(user, "Paso 11 de 21", timeout=timeout)
    question = await say(user, "ana@example.com", "Paso 12 de 21", timeout=timeout)
    question = await say(user, "Tienda <La Bendición> & Cía", "Paso 13 de 21", timeout=timeout)
    question = await tap(
        user, question, "Usar: Tienda <La Bendición> & Cía", "Paso 14 de 21", timeout=timeout
    )
    question = await say(user, "Venta de abarrotes", "Paso 15 de 21", timeout=timeout)
    question = await say(user, "5a. avenida 12-34, zona 1", "Paso 16 de 21", timeout=timeout)
    question = await say(user, "576937-K", "Paso 17 de 21", timeout=timeout)
    question = await tap(user, question, "Pequeño contribuyente", "Paso 18 de 21", timeout=timeout)
    question = await tap(user, question, "Sí", "Paso 19 de 21", timeout=timeout)
    await user.tap(question, "Pagos con QR (Akisi)")
    await user.tap(question, "Tarjetas de débito y crédito (NeoNet)")
    await wait_for_buttons(user, question, "✅ Tarjetas de débito y crédito (NeoNet)", timeout)
    question = await tap(user, question, "Listo", "Paso 20 de 21", timeout=timeout)
    question = await tap(user, question, "Migo Link", "Paso 21 de 21", timeout=timeout)
    return await tap(user, question, "No", "Revise sus datos", timeout=timeout)


async def wait_for_buttons(
    user: UserChat,
    message: ChatMessage,
    label: str,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> None:
    await user.api.wait_until(
        lambda: label in [text for text, _ in message.buttons], timeout, f"button {label!r}"
    )


async def test_spanish_onboarding_end_to_end(stack: Stack) -> None:
    user = stack.api.user(1001, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    # User data is shown literally: escaped once, never interpreted as markup.
    assert "Tienda <La Bendición> & Cía" in summary.plain
    assert "• DPI (CUI): 1234 56789 0101" in summary.plain
    assert "• NIT: 576937-K" in summary.plain
    first_question = user.messages()[0]
    assert first_question.plain.endswith("Respuesta: Ana Lucía")
    await user.tap(summary, "✅ Confirmar y enviar")
    done = await until(user, "Su código de invitación es")
    code = re.search(r"\b[A-Z0-9]{7}\b", done.plain)
    assert code is not None
    assert done.reply_markup == {
        "inline_keyboard": [[{"text": "📋 Copiar código", "copy_text": {"text": code.group(0)}}]]
    }
    lead = await stack.lead(code.group(0))
    assert lead["commercialName"] == "Tienda <La Bendición> & Cía"
    assert lead["phone"] == "+50255551234"
    assert lead["cui"] == "1234567890101"
    assert lead["partner"] == "migo-gt"
    assert await stack.lead_count() == 1
    # The tapped summary shows what was chosen and lost its buttons.
    assert summary.buttons == []
    # /status alone looks up the prospect's own code; a stranger sees no personal data.
    status = await say(user, "/status", code.group(0))
    assert "Tienda <La Bendición> & Cía" in status.plain
    assert "López" not in status.plain
    assert "0101" not in status.plain


async def test_english_prospect_is_greeted_in_english_and_can_switch(stack: Stack) -> None:
    user = stack.api.user(1002, "Jane", None, language_code="en-US")
    question = await say(user, "/start", "Step 1 of 21")
    assert "Hello!" in question.plain
    question = await say(user, "/language", "Paso 1 de 21")
    question = await say(user, "/language", "Step 1 of 21")
    question = await say(user, "Jane", "Step 2 of 21")
    question = await say(user, "Doe", "Step 3 of 21")
    question = await say(user, "12345", "Step 3 of 21")
    assert "I didn't understand that answer" in question.plain


async def test_staff_see_the_masked_record_and_strangers_only_public_facts(stack: Stack) -> None:
    prospect = stack.api.user(1003, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(prospect)
    await prospect.tap(summary, "✅ Confirmar y enviar")
    done = await until(prospect, "Su código de invitación es")
    match = re.search(r"\b[A-Z0-9]{7}\b", done.plain)
    assert match is not None
    code = match.group(0)

    staff = stack.api.user(STAFF_ID, "Soporte", language_code="es")
    record = await say(staff, f"/status {code.lower()}", code)
    assert "Ana Lucía" in record.plain
    assert "0101" in record.plain
    assert "1234567890101" not in record.plain
    assert "a••••••@example.com" not in record.plain  # the local part is masked…
    assert "@example.com" in record.plain  # …the domain is not

    stranger = stack.api.user(1004, "Curioso", language_code="es")
    public = await say(stranger, f"/status {code}", code)
    assert "Tienda" in public.plain
    for private in ["Ana", "López", "0101", "example.com", "5555"]:
        assert private not in public.plain
    missing = await say(stranger, "/status ZZZZ999", "ZZZZ999")
    assert "No encontramos" in missing.plain
    malformed = await say(stranger, "/status abc", "no parece un código")
    assert malformed.plain


async def test_a_double_tap_on_confirm_creates_one_lead(stack: Stack) -> None:
    user = stack.api.user(1005, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    await user.tap(summary, "✅ Confirmar y enviar")
    await user.tap(summary, "✅ Confirmar y enviar")
    await until(user, "Su código de invitación es")
    answers = user.callback_answers()
    assert len(answers) >= 2
    assert await stack.lead_count() == 1


async def test_a_stale_button_is_answered_and_changes_nothing(stack: Stack) -> None:
    user = stack.api.user(1006, "Ana", "López", language_code="es")
    first = await say(user, "/start", "Paso 1 de 21")
    await say(user, "Ana", "Paso 2 de 21")
    await user.tap(first, "Usar: Ana")  # a button of an already answered question
    await user.api.wait_until(lambda: bool(user.callback_answers()), 10.0, "callback answer")
    assert user.callback_answers()[-1].text == "Ese botón ya no está activo."
    question = await say(user, "López", "Paso 3 de 21")
    assert question.plain


async def test_media_edits_and_other_contacts_are_refused_politely(stack: Stack) -> None:
    user = stack.api.user(1007, "Ana", "López", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    await user.send_photo()
    await until(user, "solo puedo leer texto")
    await user.send_sticker()
    await until(user, "solo puedo leer texto")
    typed = await user.send("Ana")
    await until(user, "Paso 2 de 21")
    await user.edit(typed, "Anita")
    await until(user, "las respuestas editadas no cuentan")
    await say(user, "/foo", "No conozco ese comando")  # never silence, never an answer
    summary = await say(user, "/summary", "lleva hasta ahora")
    assert "Nombre: Ana" in summary.plain
    assert "Anita" not in summary.plain
    assert "foo" not in summary.plain


async def test_commands_are_registered_in_both_languages(stack: Stack) -> None:
    spanish = {c["command"]: c["description"] for c in stack.api.commands(language_code="es")}
    english = {c["command"]: c["description"] for c in stack.api.commands(language_code="en")}
    assert spanish["status"] == "Consultar un código de invitación"
    assert english["status"] == "Check an invitation code"
    assert set(spanish) == set(english)
    assert "mode=polling" in stack.bot.log
    assert stack.api.token not in stack.bot.log


async def test_groups_get_status_only(stack: Stack) -> None:
    user = stack.api.user(1008, "Ana", language_code="es")
    group = stack.api.group(-100123)
    await group.send(user, "/start")
    (invite,) = await group.wait_for_messages(1)
    assert "chat privado" in invite.plain
    await group.send(user, "/status ZZZZ999")
    (answer,) = await group.wait_for_messages(1)
    assert "ZZZZ999" in answer.plain


async def test_the_conversation_survives_a_crash_of_the_bot(stack: Stack) -> None:
    user = stack.api.user(1009, "Ana Lucía", "López García", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    await say(user, "Ana Lucía", "Paso 2 de 21")
    question = await say(user, "López García", "Paso 3 de 21")
    stack.bot.kill()
    await stack.bot.start(stack.api)
    question = await tap(user, question, "Mujer", "Paso 4 de 21")
    question = await say(user, "/summary", "Paso 4 de 21")
    assert "Apellidos: López García" in question.plain


async def test_a_deep_link_selects_the_partner_and_the_merchant(stack: Stack) -> None:
    user = stack.api.user(1010, "Ana Lucía", "López García", language_code="es")
    first = await say(user, "/start p-tributax__m-tienda-42", "Paso 1 de 22")
    assert first.plain
    session = await stack_session(stack, user)
    assert session["partner"] == "tributax"
    assert session["merchant"] == "tienda-42"


async def test_an_unknown_partner_in_a_link_is_ignored(stack: Stack) -> None:
    user = stack.api.user(1011, "Ana", language_code="es")
    await say(user, "/start p-evil__m-x", "Paso 1 de 21")
    session = await stack_session(stack, user)
    assert session["partner"] == "migo-gt"


async def stack_session(stack: Stack, user: UserChat) -> dict[str, object]:
    client = aioredis.Redis.from_url(stack.bot.env["REDIS_URL"])
    try:
        raw = await client.get(f"onboarding:{{{user.user_id}}}:session")
    finally:
        await client.aclose()
    assert raw is not None
    data = json.loads(raw)
    assert isinstance(data, dict)
    return data


async def test_status_lookups_are_rate_limited_per_user(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    stack = await start_stack(STATUS_RATE_LIMIT="3")
    user = stack.api.user(1012, "Curioso", language_code="es")
    for code in ["AAAA111", "BBBB222", "CCCC333"]:
        answer = await say(user, f"/status {code}", code)
        assert "No encontramos" in answer.plain
    blocked = await say(user, "/status DDDD444", "muchas consultas")
    assert "DDDD444" not in blocked.plain
    other = stack.api.user(1013, "Otro", language_code="es")
    answer = await say(other, "/status DDDD444", "DDDD444")
    assert "No encontramos" in answer.plain


async def test_webhook_mode_with_a_secret_token(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    port = free_port()
    stack = await start_stack(
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET_TOKEN="s3cret-token",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    hook = stack.api.webhook
    assert hook is not None
    assert hook.secret_token == "s3cret-token"
    user = stack.api.user(1014, "Ana", "López", language_code="es")
    question = await say(user, "/start", "Paso 1 de 21")
    question = await tap(user, question, "Usar: Ana", "Paso 2 de 21")
    assert "mode=webhook" in stack.bot.log
    async with httpx.AsyncClient() as http:
        forged = await http.post(
            f"http://127.0.0.1:{port}/telegram",
            json={
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "text": "x",
                    "chat": {"id": 1014, "type": "private"},
                },
            },
        )
    assert forged.status_code == 403


async def test_a_forwarded_code_is_offered_for_lookup(stack: Stack) -> None:
    user = stack.api.user(1015, "Ana", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    await user.forward("Hola! Su código de invitación es zz9a8b7, regístrese en Migo")
    offer = await until(user, "ZZ9A8B7", "¿Quiere consultarlo?")
    answer = await tap(user, offer, "🔎 Consultar ZZ9A8B7", "ZZ9A8B7")
    assert "No encontramos" in answer.plain
    # A forwarded message is never taken as an answer.
    question = await say(user, "/summary", "Paso 1 de 21")
    assert "Todavía no ha respondido" in question.plain


async def test_a_forwarded_message_is_not_an_answer(stack: Stack) -> None:
    user = stack.api.user(1016, "Ana", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    await user.forward("María")
    await until(user, "Los mensajes reenviados no cuentan")
    question = await say(user, "/summary", "Paso 1 de 21")
    assert "María" not in question.plain


async def test_only_the_senders_own_contact_is_accepted(stack: Stack) -> None:
    user = stack.api.user(1017, "Ana", "López", language_code="es")
    question = await say(user, "/start", "Paso 1 de 21")
    for answer in ["Ana", "López"]:
        question = await say(user, answer, "Paso")
    question = await tap(user, question, "Mujer", "Paso 4 de 21")
    for answer in ["07/03/1990", "soltera", "Guatemala", "1234 56789 0101", "31/12/2030"]:
        question = await say(user, answer, "Paso")
    question = await say(user, "Guatemala", "Paso 10 de 21")
    assert question.asks_contact
    await user.share_contact("50255559999", user_id=4242)
    refused = await until(user, "Solo podemos usar su propio número", "Paso 10 de 21")
    assert refused.asks_contact
    await user.share_contact("+502 5555 1234")
    await until(user, "+502 5555 1234")
    await until(user, "Paso 11 de 21")


async def test_forget_deletes_everything_held_about_the_sender(stack: Stack) -> None:
    user = stack.api.user(1018, "Ana Lucía", "López García", language_code="es")
    summary = await onboard_in_spanish(user)
    await user.tap(summary, "✅ Confirmar y enviar")
    await until(user, "Su código de invitación es")
    keys = await chat_keys(stack, user)
    assert f"onboarding:{{{user.user_id}}}:code" in keys
    session = await stack_session(stack, user)
    assert "answers" not in session  # personal answers are gone once the code is given
    await say(user, "/forget", "borramos todo")
    assert await chat_keys(stack, user) == set()
    answer = await say(user, "/status", "/status seguido del código")
    assert answer.plain


async def test_cancel_leaves_no_personal_data_in_redis(stack: Stack) -> None:
    user = stack.api.user(1019, "Ana", "López", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    await say(user, "Ana", "Paso 2 de 21")
    question = await say(user, "/cancel", "Seguro que quiere cancelar")
    await tap(user, question, "Sí", "cancelamos el registro")
    assert await chat_keys(stack, user) == set()


async def chat_keys(stack: Stack, user: UserChat) -> set[str]:
    client = aioredis.Redis.from_url(stack.bot.env["REDIS_URL"], decode_responses=True)
    try:
        keys = await client.keys(f"onboarding:{{{user.user_id}}}:*")
    finally:
        await client.aclose()
    return {key for key in keys if not key.endswith((":lock", ":committed"))}


async def test_an_expired_session_is_explained_and_starts_again(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    stack = await start_stack(SESSION_TTL_SECONDS="2")
    user = stack.api.user(1020, "Ana", "López", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    question = await say(user, "Ana", "Paso 2 de 21")
    await asyncio.sleep(3)
    await user.tap(question, "⬅️ Atrás")
    expired = await until(user, "venció")
    assert "¡Hola!" not in expired.plain
    assert user.callback_answers()[-1].text == "Ese botón ya no está activo."
    # The next message starts a new conversation; it is not taken as an answer.
    restarted = await say(user, "López", "Paso 1 de 21")
    assert "venció" not in restarted.plain


async def test_sigterm_closes_everything_in_order_and_exits_0(
    start_stack: Callable[..., Awaitable[Stack]],
) -> None:
    stack = await start_stack(REMINDER_SWEEP_SECONDS="0.2", FUNNEL_SWEEP_SECONDS="0.2")
    user = stack.api.user(5301, "Ana Lucía", "López García", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    assert await stack.bot.stop() == 0
    closed = re.findall(r'"message": "shutdown: (.+?) closed"', stack.bot.log)
    assert closed == [
        "reminder sweep",
        "funnel sweep",
        "funnel",
        "Leads API client",
        "session store",
    ]
    assert "not closed within" not in stack.bot.log
