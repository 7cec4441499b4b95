"""The Bot API stand-in behaves as Telegram, as python-telegram-bot itself observes it."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
import telegram
import tornado.web
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from tornado.httpserver import HTTPServer

from tests.e2e.botapi import BotApiStandIn, EntityParseError, clean_text, parse_html, utf16_len
from tests.e2e.harness import free_port

TOKEN = "123456:TEST-token_1"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token=TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
async def bot(api: BotApiStandIn) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=api.base_url) as ptb_bot:
        yield ptb_bot


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in buttons])


async def fails(
    api: BotApiStandIn, error: type[telegram.error.TelegramError], call: Awaitable[Any]
) -> str:
    """Awaits a Bot call that must fail with error; returns Telegram's raw description."""
    with pytest.raises(error):
        await call
    return api.calls()[-1].description


# --- methods --------------------------------------------------------------------------------


async def test_get_me_describes_the_bot(bot: telegram.Bot, api: BotApiStandIn) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "migo_test_bot")
    assert me.can_read_all_group_messages is False  # privacy mode, as a new bot has it
    assert api.calls("getMe")[0].status == 200


async def test_messages_get_fresh_ids_per_chat(bot: telegram.Bot, api: BotApiStandIn) -> None:
    ana = api.user(1001, "Ana", "López", "es")
    luis = api.user(1002, "Luis")
    await ana.send("hola")
    await luis.send("hola")
    first = await bot.send_message(1001, "uno")
    second = await bot.send_message(1001, "dos")
    other = await bot.send_message(1002, "tres")
    assert (first.message_id, second.message_id, other.message_id) == (2, 3, 2)
    assert first.from_user is not None and first.from_user.id == 123456
    assert (first.chat.id, first.chat.type, first.chat.first_name) == (1001, "private", "Ana")
    assert first.chat.last_name == "López"
    assert abs(first.date.timestamp() - time.time()) < 5
    assert [m.plain for m in ana.messages()] == ["uno", "dos"]


async def test_html_text_becomes_visible_text_and_utf16_entities(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    await api.user(1001).send("hola")
    sent = await bot.send_message(
        1001, "  <b>¡Hola 👋</b> <i>Ana &amp; Luis</i>\n", parse_mode="HTML"
    )
    assert sent.text == "¡Hola 👋 Ana & Luis"  # trimmed, entities decoded
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 8),  # 👋 is two UTF-16 code units
        ("italic", 9, 10),
    ]
    stored = api.user(1001).last_message()
    assert stored.text == "  <b>¡Hola 👋</b> <i>Ana &amp; Luis</i>\n"
    assert stored.plain == sent.text
    assert stored.parse_mode == "HTML"


async def test_reply_keyboard_asking_for_the_contact_then_removed(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    ana = api.user(1001)
    await ana.send("hola")
    share = KeyboardButton("📱 Compartir mi número", request_contact=True)
    sent = await bot.send_message(
        1001, "Tu teléfono", reply_markup=ReplyKeyboardMarkup([[share]], one_time_keyboard=True)
    )
    assert sent.reply_markup is None  # Telegram returns only inline keyboards
    assert ana.last_message().asks_contact
    assert ana.last_message().keyboard == [["📱 Compartir mi número"]]
    assert ana.reply_keyboard == [["📱 Compartir mi número"]]
    await ana.share_contact("50255551234")
    assert ana.reply_keyboard is None  # a one-time keyboard hides once used
    await bot.send_message(1001, "Gracias", reply_markup=ReplyKeyboardRemove())
    assert ana.last_message().removes_keyboard


async def test_edits_keep_history_and_an_omitted_markup_removes_the_keyboard(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    ana = api.user(1001)
    await ana.send("hola")
    sent = await bot.send_message(1001, "¿Género?", reply_markup=keyboard(("Mujer", "g:F")))
    message = ana.last_message()
    assert message.buttons == [("Mujer", "g:F")]
    edited = await bot.edit_message_text("¿Género? Mujer", chat_id=1001, message_id=sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    assert edited.reply_markup is None
    assert (message.plain, message.buttons, message.version) == ("¿Género? Mujer", [], 1)
    assert message.history[0].plain == "¿Género?"
    assert message.history[0].reply_markup == {
        "inline_keyboard": [[{"text": "Mujer", "callback_data": "g:F"}]]
    }
    await bot.edit_message_reply_markup(
        chat_id=1001, message_id=sent.message_id, reply_markup=keyboard(("Cambiar", "g:edit"))
    )
    assert (message.buttons, message.version) == ([("Cambiar", "g:edit")], 2)


async def test_deleted_message_can_no_longer_be_edited_or_deleted(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    await api.user(1001).send("hola")
    sent = await bot.send_message(1001, "borrar")
    assert await bot.delete_message(1001, sent.message_id) is True
    assert api.user(1001).messages() == []
    assert api.user(1001).messages(include_deleted=True)[0].deleted
    edit = bot.edit_message_text("x", chat_id=1001, message_id=sent.message_id)
    assert await fails(api, BadRequest, edit) == "Bad Request: message to edit not found"
    delete = bot.delete_message(1001, sent.message_id)
    assert await fails(api, BadRequest, delete) == "Bad Request: message to delete not found"


async def test_replies_need_the_replied_message_unless_told_otherwise(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    question = await api.user(1001).send("¿Qué es Migo?")
    answer = await bot.send_message(
        1001, "Una billetera", reply_parameters=ReplyParameters(question.message_id)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "¿Qué es Migo?"
    missing = bot.send_message(1001, "x", reply_parameters=ReplyParameters(999))
    assert await fails(api, BadRequest, missing) == "Bad Request: message to be replied not found"
    lenient = ReplyParameters(999, allow_sending_without_reply=True)
    assert (await bot.send_message(1001, "ok", reply_parameters=lenient)).reply_to_message is None


async def test_commands_per_scope_and_language(bot: telegram.Bot, api: BotApiStandIn) -> None:
    await api.user(1001).send("hola")
    spanish = [BotCommand("start", "Empezar"), BotCommand("status", "Consultar un código")]
    assert await bot.set_my_commands(spanish, language_code="es")
    assert await bot.set_my_commands([BotCommand("start", "Start")])
    here = BotCommandScopeChat(1001)
    assert await bot.set_my_commands([BotCommand("cancel", "Cancelar")], scope=here)
    assert [c.command for c in await bot.get_my_commands(language_code="es")] == [
        "start",
        "status",
    ]
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    assert [c.command for c in await bot.get_my_commands(scope=here)] == ["cancel"]
    assert api.commands({"type": "chat", "chat_id": 1001}) == [
        {"command": "cancel", "description": "Cancelar"}
    ]
    assert await bot.delete_my_commands(language_code="es")
    assert await bot.get_my_commands(language_code="es") == ()
    upper = bot.set_my_commands([BotCommand("Start", "x")])
    assert await fails(api, BadRequest, upper) == "Bad Request: BOT_COMMAND_INVALID"
    blank = bot.set_my_commands([BotCommand("start", " ")])
    assert (
        await fails(api, BadRequest, blank) == "Bad Request: command description must be non-empty"
    )


async def test_chat_action_menu_button_close_and_log_out(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    ana = api.user(1001)
    await ana.send("hola")
    assert await bot.send_chat_action(1001, "typing")
    assert ana.chat_actions() == ["typing"]
    wrong = bot.send_chat_action(1001, "dancing")
    assert await fails(api, BadRequest, wrong) == "Bad Request: wrong parameter action in request"
    assert (await bot.get_chat_menu_button(1001)).type == "default"
    assert await bot.set_chat_menu_button(1001, MenuButtonCommands())
    assert (await bot.get_chat_menu_button(1001)).type == "commands"
    assert await bot.close()
    assert await bot.log_out()


async def test_calls_are_recorded_with_decoded_parameters(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    await api.user(1001).send("hola")
    await bot.send_message(
        1001,
        "https://migo.gt",
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=keyboard(("Sí", "y")),
    )
    [call] = api.calls("sendMessage")
    assert call.params["chat_id"] == 1001
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"
    assert call.raw["chat_id"] == "1001"
    assert call.status == 200


# --- Telegram's errors ----------------------------------------------------------------------


async def test_identical_edits_are_not_modified(bot: telegram.Bot, api: BotApiStandIn) -> None:
    await api.user(1001).send("hola")
    markup = keyboard(("Mujer", "g:F"))
    sent = await bot.send_message(1001, "<b>¿Género?</b>", parse_mode="HTML", reply_markup=markup)
    same_text = bot.edit_message_text(
        "<b>¿Género?</b>",
        chat_id=1001,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=markup,
    )
    assert await fails(api, BadRequest, same_text) == NOT_MODIFIED
    same_markup = bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=markup)
    assert await fails(api, BadRequest, same_markup) == NOT_MODIFIED
    # the same words without the bold entity are a different content
    await bot.edit_message_text(
        "¿Género?", chat_id=1001, message_id=sent.message_id, reply_markup=markup
    )


async def test_edit_needs_an_existing_message_of_the_bot(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    typed = await api.user(1001).send("hola")
    unknown = bot.edit_message_text("x", chat_id=1001, message_id=77)
    assert await fails(api, BadRequest, unknown) == "Bad Request: message to edit not found"
    theirs = bot.edit_message_text("x", chat_id=1001, message_id=typed.message_id)
    assert await fails(api, BadRequest, theirs) == "Bad Request: message can't be edited"
    sent = await bot.send_message(1001, "hola")
    reply_keyboard = ReplyKeyboardMarkup([["Sí"]])
    wrong = bot.edit_message_text(  # what Telegram refuses, so PTB's types forbid it too
        "y",
        chat_id=1001,
        message_id=sent.message_id,
        reply_markup=reply_keyboard,  # type: ignore[arg-type]
    )
    assert await fails(api, BadRequest, wrong) == "Bad Request: inline keyboard expected"


async def test_callback_data_is_limited_to_64_bytes(bot: telegram.Bot, api: BotApiStandIn) -> None:
    await api.user(1001).send("hola")
    await bot.send_message(1001, "ok", reply_markup=keyboard(("A", "ñ" * 32)))  # 64 bytes
    too_long = bot.send_message(1001, "no", reply_markup=keyboard(("A", "ñ" * 32 + "x")))
    assert await fails(api, BadRequest, too_long) == "Bad Request: BUTTON_DATA_INVALID"
    empty = bot.send_message(1001, "no", reply_markup=keyboard(("A", "")))
    assert await fails(api, BadRequest, empty) == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )
    assert len(api.user(1001).messages()) == 1


async def test_text_is_limited_to_4096_utf16_units_after_parsing(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    await api.user(1001).send("hola")
    await bot.send_message(1001, "a" * 4096)
    await bot.send_message(1001, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    sent = await bot.send_message(1001, "👍" * 2048)
    long_text = bot.send_message(1001, "a" * 4097)
    assert await fails(api, BadRequest, long_text) == "Bad Request: message is too long"
    emoji = bot.send_message(1001, "👍" * 2048 + "a")
    assert await fails(api, BadRequest, emoji) == "Bad Request: message is too long"
    edit = bot.edit_message_text("b" * 4097, chat_id=1001, message_id=sent.message_id)
    assert await fails(api, BadRequest, edit) == "Bad Request: MESSAGE_TOO_LONG"


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("", None, "Bad Request: message text is empty"),
        (" \n\t\r", None, "Bad Request: message must be non-empty"),
        ("<b> </b>\n", "HTML", "Bad Request: message must be non-empty"),
    ],
)
async def test_empty_text_is_refused(
    bot: telegram.Bot, api: BotApiStandIn, text: str, parse_mode: str | None, description: str
) -> None:
    await api.user(1001).send("hola")
    empty = bot.send_message(1001, text, parse_mode=parse_mode)
    assert await fails(api, BadRequest, empty) == description


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<p>hola</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("ñ<x>", 'Unsupported start tag "x" at byte offset 2'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>hola", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>hola</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("hola</b>", "Unexpected end tag at byte offset 4"),
        ('<span class="x">a</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=x/>a</a>", "Unexpected end of name token at byte offset 8"),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
    ],
)
async def test_malformed_html_cannot_be_parsed(
    bot: telegram.Bot, api: BotApiStandIn, text: str, problem: str
) -> None:
    await api.user(1001).send("hola")
    sent = bot.send_message(1001, text, parse_mode="HTML")
    description = await fails(api, BadRequest, sent)
    assert description.startswith(f"Bad Request: can't parse entities: {problem}")


async def test_bare_ampersand_is_text_when_not_strict(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    await api.user(1001).send("hola")
    api.strict_ampersand = False
    sent = await bot.send_message(1001, "Tom & Jerry &nbsp; &lt", parse_mode="HTML")
    assert sent.text == "Tom & Jerry &nbsp; <"  # exactly what Telegram shows


async def test_supported_html_tags_give_telegrams_entities() -> None:
    text, entities = parse_html(
        '<a href="https://migo.gt">Migo</a> <tg-spoiler>s</tg-spoiler> '
        '<span class="tg-spoiler">t</span> <u>u</u> <s>x</s> <code>c</code> '
        '<pre><code class="language-python">p</code></pre> <blockquote expandable>q</blockquote> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &#128077;&#x1F44D;&quot;'
    )
    assert text == 'Migo s t u x c p q 👍 👍👍"'
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("text_link", 0, 4),
        ("spoiler", 5, 1),
        ("spoiler", 7, 1),
        ("underline", 9, 1),
        ("strikethrough", 11, 1),
        ("code", 13, 1),
        ("pre", 15, 1),
        ("expandable_blockquote", 17, 1),
        ("custom_emoji", 19, 2),
    ]
    assert entities[0]["url"] == "https://migo.gt"
    assert entities[6]["language"] == "python"
    with pytest.raises(EntityParseError, match="Invalid custom emoji identifier"):
        parse_html('<tg-emoji emoji-id="x">👍</tg-emoji>')


def test_text_is_cleaned_as_telegram_stores_it() -> None:
    bold, italic = {"type": "bold"}, {"type": "italic"}
    assert clean_text(*parse_html("  <b>a</b>\tb\r\n  ")) == (
        "a b",
        [{**bold, "offset": 0, "length": 1}],
    )
    assert clean_text(*parse_html("<b> </b> <i>x</i> ")) == (
        "x",
        [{**italic, "offset": 0, "length": 1}],
    )
    assert clean_text(*parse_html("\n\n<i>\n\nx</i>")) == (  # leading blanks end at an entity
        "\n\nx",
        [{**italic, "offset": 0, "length": 3}],
    )


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert parse_html(html.escape(text)) == (text, [])


@given(st.text())
def test_any_text_parses_or_fails_with_a_parse_error(text: str) -> None:
    try:
        visible, entities = parse_html(text)
    except EntityParseError:
        return
    assert all(0 <= e["offset"] < e["offset"] + e["length"] <= utf16_len(visible) for e in entities)


async def test_callback_query_answers_once(bot: telegram.Bot, api: BotApiStandIn) -> None:
    ana = api.user(1001)
    await ana.send("hola")
    await bot.send_message(1001, "¿Género?", reply_markup=keyboard(("Mujer", "g:F")))
    query = await ana.tap(ana.last_message(), "g:F")  # by callback_data
    assert await bot.answer_callback_query(query.id, text="Anotado")
    assert [a.text for a in ana.callback_answers()] == ["Anotado"]
    again = bot.answer_callback_query(query.id)
    assert await fails(api, BadRequest, again) == QUERY_INVALID
    unknown = bot.answer_callback_query("12345")
    assert await fails(api, BadRequest, unknown) == QUERY_INVALID


async def test_chats_the_bot_cannot_write_to(bot: telegram.Bot, api: BotApiStandIn) -> None:
    unknown = bot.send_message(999, "hola")
    assert await fails(api, BadRequest, unknown) == "Bad Request: chat not found"
    silent = api.user(1002)  # exists in the test, but never wrote to the bot
    assert await fails(api, BadRequest, bot.send_message(1002, "x")) == (
        "Bad Request: chat not found"
    )
    await api.group(-100123).send(silent, "/status ABC1234")
    assert await fails(api, Forbidden, bot.send_message(1002, "x")) == (
        "Forbidden: bot can't initiate conversation with a user"
    )


async def test_blocked_user_until_they_write_again(bot: telegram.Bot, api: BotApiStandIn) -> None:
    ana = api.user(1001)
    await ana.send("hola")
    api.block(1001)
    blocked = bot.send_message(1001, "¿Sigues ahí?")
    assert await fails(api, Forbidden, blocked) == "Forbidden: bot was blocked by the user"
    await ana.send("/start")
    assert (await bot.send_message(1001, "Hola de nuevo")).text == "Hola de nuevo"
    api.block(1001)
    api.unblock(1001)
    assert (await bot.send_message(ana.user_id, "¿Todo bien?")).chat.id == 1001


async def test_flood_control_for_the_next_calls(
    bot: telegram.Bot, api: BotApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns when retry_after is an int
    await api.user(1001).send("hola")
    api.flood(count=2, retry_after=3)
    for _ in range(2):
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(1001, "x")
        assert raised.value.retry_after == dtm.timedelta(seconds=3)
    assert api.calls("sendMessage")[-1].description == "Too Many Requests: retry after 3"
    await bot.send_message(1001, "ahora sí")
    assert [c.status for c in api.calls("sendMessage")] == [429, 429, 200]


async def test_wrong_or_malformed_token(api: BotApiStandIn) -> None:
    for token in ("123456:WRONG", "not-a-token"):
        wrong = telegram.Bot(token, base_url=api.base_url)
        try:
            with pytest.raises(InvalidToken):
                await wrong.initialize()
        finally:
            await wrong.shutdown()
    assert [(c.status, c.description) for c in api.calls()] == [
        (401, "Unauthorized"),
        (404, "Not Found"),
    ]


async def test_unknown_method_is_not_found(bot: telegram.Bot, api: BotApiStandIn) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}{TOKEN}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


# --- how requests arrive --------------------------------------------------------------------


async def test_json_query_string_and_multipart_requests(api: BotApiStandIn) -> None:
    await api.user(1001).send("hola")
    url = f"{api.base_url}{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "Sí", "callback_data": "y"}]]}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(
            f"{url}/sendMessage", json={"chat_id": 1001, "text": "json", "reply_markup": markup}
        )
        as_query = await client.get(f"{url}/SENDMESSAGE", params={"chat_id": "1001", "text": "q"})
        as_multipart = await client.post(
            f"{url}/sendMessage",
            data={"chat_id": "1001", "text": "multi", "reply_markup": json.dumps(markup)},
            files={"unused": ("a.txt", b"x")},
        )
    assert [r.json()["result"]["text"] for r in (as_json, as_query, as_multipart)] == [
        "json",
        "q",
        "multi",
    ]
    assert as_json.json()["result"]["reply_markup"] == markup
    assert [c.method for c in api.calls()] == ["sendMessage"] * 3


# --- getUpdates -----------------------------------------------------------------------------


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    ana = api.user(1001)

    async def write_later() -> None:
        await asyncio.sleep(0.2)
        await ana.send("hola")

    writer = asyncio.create_task(write_later())
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    await writer
    assert time.monotonic() - started < 2
    assert [u.message.text for u in updates if u.message] == ["hola"]


async def test_long_poll_waits_for_its_timeout(bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_offset_confirms_earlier_updates(bot: telegram.Bot, api: BotApiStandIn) -> None:
    ana = api.user(1001)
    for text in ("uno", "dos", "tres"):
        await ana.send(text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["uno", "dos"]
    assert len(await bot.get_updates()) == 3  # nothing confirmed yet
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["tres"]
    assert len(api.pending_updates()) == 1
    await ana.send("cuatro")
    assert [u.message.text for u in await bot.get_updates(offset=-1) if u.message] == ["cuatro"]
    assert len(api.pending_updates()) == 1


async def test_allowed_updates_filter_later_updates(bot: telegram.Bot, api: BotApiStandIn) -> None:
    ana = api.user(1001)
    await ana.send("hola")
    await bot.send_message(1001, "¿Sí?", reply_markup=keyboard(("Sí", "y")))
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert len(updates) == 1  # created before the call: still delivered, as in Telegram
    await ana.send("ignorado")
    await ana.tap(ana.last_message(), "Sí")
    later = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.callback_query.data for u in later if u.callback_query] == ["y"]
    assert len(later) == 1


async def test_a_second_polling_instance_terminates_the_first(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_until(lambda: len(api.calls("getUpdates")) == 1, 2)
    async with telegram.Bot(TOKEN, base_url=api.base_url) as replica:
        second = asyncio.create_task(replica.get_updates(timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        assert await second == ()


async def test_get_updates_conflicts_with_a_webhook(bot: telegram.Bot, api: BotApiStandIn) -> None:
    assert await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cr3t")
    assert api.calls("setWebhook")[0].status == 200
    conflict = bot.get_updates()
    assert await fails(api, Conflict, conflict) == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    bad_secret = bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces")
    assert await fails(api, BadRequest, bad_secret) == (
        "Bad Request: secret token contains unallowed characters"
    )
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


# --- the users' side ------------------------------------------------------------------------


async def test_user_updates_have_telegrams_shapes(bot: telegram.Bot, api: BotApiStandIn) -> None:
    ana = api.user(1001, "Ana", "López", "es", username="ana_gt")
    await ana.send("/start m-123")
    await ana.send_photo(caption="mi tienda")
    await ana.send_sticker()
    await ana.send_voice()
    await ana.send_location(14.6, -90.5)
    await ana.share_contact("50255551234")
    await ana.share_contact("50255559999", user_id=2002, first_name="Luis")
    typed = await ana.send("hola")
    await ana.edit(typed, "hola de nuevo")
    updates = await bot.get_updates()
    start, photo, sticker, voice, location, own, other, _, edited = updates
    assert start.message is not None and start.message.from_user is not None
    assert start.message.from_user.language_code == "es"
    assert start.message.from_user.username == "ana_gt"
    assert start.message.parse_entities() == {start.message.entities[0]: "/start"}
    assert photo.message is not None and photo.message.caption == "mi tienda"
    assert photo.message.photo[-1].width == 800
    assert sticker.message is not None and sticker.message.sticker is not None
    assert voice.message is not None and voice.message.voice is not None
    assert location.message is not None and location.message.location is not None
    assert location.message.location.latitude == 14.6
    assert own.message is not None and own.message.contact is not None
    assert (own.message.contact.user_id, own.message.contact.last_name) == (1001, "López")
    assert other.message is not None and other.message.contact is not None
    assert (other.message.contact.user_id, other.message.contact.first_name) == (2002, "Luis")
    assert edited.edited_message is not None
    assert edited.edited_message.text == "hola de nuevo"
    assert edited.edited_message.message_id == typed.message_id


async def test_groups_in_privacy_mode(bot: telegram.Bot, api: BotApiStandIn) -> None:
    group = api.group(-1001234567890, "Soporte")
    ana = api.user(1001)
    await group.send(ana, "buenos días")  # privacy mode: the bot does not see chatter
    await group.send(ana, "/status@migo_test_bot ABC1234")
    [command] = await bot.get_updates()
    assert command.message is not None
    assert (command.message.chat.type, command.message.chat.title) == ("supergroup", "Soporte")
    assert command.message.parse_entities() == {
        command.message.entities[0]: "/status@migo_test_bot"
    }
    reply = await bot.send_message(-1001234567890, "Código válido")
    [shown] = await group.wait_for_messages(1, timeout=1)
    assert shown.message_id == reply.message_id
    await group.send(ana, "gracias", reply_to=shown)  # a reply to the bot is seen
    replies = await bot.get_updates(offset=command.update_id + 1)
    assert [u.message.text for u in replies if u.message] == ["gracias"]
    await bot.send_message(-1001234567890, "¿Útil?", reply_markup=keyboard(("Sí", "y")))
    await group.tap(ana, group.last_message(), "Sí")
    [tap] = await bot.get_updates(offset=replies[-1].update_id + 1)
    assert tap.callback_query is not None and tap.callback_query.message is not None
    assert (tap.callback_query.from_user.id, tap.callback_query.message.chat.id) == (
        1001,
        -1001234567890,
    )
    assert group.messages() == [shown, group.last_message()]


async def test_test_side_helpers_fail_clearly(api: BotApiStandIn) -> None:
    ana = api.user(1001)
    with pytest.raises(TimeoutError, match="1 new bot message"):
        await ana.wait_for_messages(1, timeout=0.1)
    with pytest.raises(LookupError):
        ana.last_message()


async def test_tapping_needs_a_callback_button(bot: telegram.Bot, api: BotApiStandIn) -> None:
    ana = api.user(1001)
    await ana.send("hola")
    link = InlineKeyboardMarkup([[InlineKeyboardButton("Web", url="https://migo.gt")]])
    await bot.send_message(1001, "Visítanos", reply_markup=link)
    message = ana.last_message()
    with pytest.raises(LookupError, match="no callback button"):
        await ana.tap(message, "Web")
    with pytest.raises(LookupError, match="no callback button"):
        await ana.tap(message, "Otro")


# --- PTB's Application, polling and webhook -------------------------------------------------


def tiny_application(base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """/start with a button, an echo, and a button handler that answers and edits."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"Hola {html.escape(' '.join(context.args or []))}",
            reply_markup=keyboard(("Mujer", "g:F")),
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Listo")
        await query.edit_message_text(f"Elegiste <b>{query.data}</b>", parse_mode="HTML")

    application = Application.builder().token(TOKEN).base_url(base_url).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(button))
    return application


async def converse(api: BotApiStandIn) -> None:
    """The conversation both delivery paths must carry."""
    ana = api.user(1001, "Ana", language_code="es")
    await ana.send("/start m-123")
    [welcome] = await ana.wait_for_messages(1, timeout=5)
    assert (welcome.plain, welcome.buttons) == ("Hola m-123", [("Mujer", "g:F")])
    await ana.send("hola")
    [echoed] = await ana.wait_for_messages(1, timeout=5)
    assert echoed.plain == "hola"
    query = await ana.tap(welcome, "Mujer")
    await api.wait_until(lambda: welcome.version == 1 and query.answer is not None, 5)
    assert query.answer is not None and query.answer.text == "Listo"
    assert (welcome.plain, welcome.buttons) == ("Elegiste g:F", [])
    assert welcome.entities == [{"type": "bold", "offset": 9, "length": 3}]


async def test_application_over_long_polling(api: BotApiStandIn) -> None:
    application = tiny_application(api.base_url)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await converse(api)
        finally:
            await application.updater.stop()
            await application.stop()
    assert api.calls("deleteWebhook")  # PTB clears any webhook before polling


async def test_application_over_a_webhook_with_secret_token(api: BotApiStandIn) -> None:
    port = free_port()
    application = tiny_application(api.base_url)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cr3t-token",
        )
        try:
            assert api.webhook is not None and api.webhook.secret_token == "s3cr3t-token"
            await converse(api)
        finally:
            await application.updater.stop()
            await application.stop()
    assert {d.status for d in api.webhook_deliveries} == {200}
    assert [d.update_id for d in api.webhook_deliveries] == [1, 2, 3]


class FlakyReceiver(tornado.web.RequestHandler):
    """A webhook that fails its first requests, then records what it receives."""

    def initialize(self, state: dict[str, Any]) -> None:
        self.state = state

    def post(self) -> None:
        self.state["headers"].append(self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if self.state["failures"] > 0:
            self.state["failures"] -= 1
            self.set_status(500)
            return
        self.state["received"].append(json.loads(self.request.body)["update_id"])


async def test_webhook_retries_in_order_then_gives_up(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    state: dict[str, Any] = {"failures": 1, "received": [], "headers": []}
    routes = [(r"/hook", FlakyReceiver, {"state": state})]
    receiver = HTTPServer(tornado.web.Application(routes, log_function=lambda handler: None))
    port = free_port()
    receiver.listen(port, "127.0.0.1")
    try:
        ana = api.user(1001)
        await ana.send("uno")
        await ana.send("dos")
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="abc_DEF-1")
        await api.wait_until(lambda: len(state["received"]) == 2, 5)
        assert state["received"] == [1, 2]
        assert set(state["headers"]) == {"abc_DEF-1"}
        info = await bot.get_webhook_info()
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert info.pending_update_count == 0
        api.webhook_attempts = 2
        state["failures"] = 10
        await ana.send("tres")
        await api.wait_until(lambda: not api.pending_updates(), 5)
        assert [d.update_id for d in api.webhook_deliveries].count(3) == 2
        assert state["received"] == [1, 2]
    finally:
        receiver.stop()
        await receiver.close_all_connections()


async def test_deleting_a_webhook_can_drop_pending_updates(
    bot: telegram.Bot, api: BotApiStandIn
) -> None:
    await api.user(1001).send("hola")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert api.calls("deleteWebhook")[0].status == 200
    assert api.pending_updates() == []


async def test_a_stand_in_gap_fails_the_test_instead_of_passing_silently() -> None:
    api = BotApiStandIn(token=TOKEN)
    await api.start()
    await api.user(1001).send("hola")
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{api.base_url}{TOKEN}/sendMessage",
            data={"chat_id": "1001", "text": "*hola*", "parse_mode": "MarkdownV2"},
        )
    assert response.status_code == 500
    with pytest.raises(AssertionError, match="MarkdownV2"):
        await api.stop()
