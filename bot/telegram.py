"""`migo-bot telegram`: the conversation on Telegram with python-telegram-bot 22.

The transport only translates: an Update becomes an Event for the shared Conversations
service, and each Reply becomes Bot API calls. Flow state never lives in PTB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

import httpx
from telegram import (
    Bot,
    BotCommand,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.conversation import Conversations, Origin, Turn
from bot.deeplink import parse_payload
from bot.funnel import Funnel, funnel_rows, open_funnel, render_funnel, sweep_forever
from bot.leads_api import InvalidCode, LeadsApiClient, build_http_client
from bot.leads_api import normalize_code as read_code
from bot.logs import redact
from bot.metrics import Metrics
from bot.reminders import ReminderSweep
from bot.render import HTML, button_text, replies_text
from bot.settings import Settings
from bot.status import look_up
from bot.store import SessionStore, StoreError, open_store
from bot.telegram_request import AiohttpRequest
from flows.catalogue import Catalogue, load_catalogue
from flows.display import show_phone
from flows.events import COMMANDS, Command, Contact, Event, Pick, Reply, Start, Text, Unsupported
from flows.session import Language
from locales import catalog

_log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096
# How long the Leads API may take before the prospect is told the application is on its way.
SENDING_NOTICE_SECONDS = 0.5
# Closing a connection takes milliseconds; a step stuck for longer must not keep SIGTERM from
# ending the process (orchestrators kill after their grace period, 10 s by default in Docker).
SHUTDOWN_STEP_SECONDS = 2.0
# Room for the HTML markup, which Telegram does not count but we do when splitting.
CHUNK = 3800
MENU = (
    "start",
    "back",
    "skip",
    "summary",
    "language",
    "help",
    "cancel",
    "restart",
    "status",
    "forget",
)
STATUS_PREFIX = "s:"
# An invitation code as people paste it: 7 characters mixing letters and digits.
CODE_IN_TEXT = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{7}\b")
Context = ContextTypes.DEFAULT_TYPE


def telegram_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the bot until stopped: long polling, or webhook when WEBHOOK_URL is set."""
    # Refused at start, not at the first submission: every lead names its partner, and a
    # missing API token would look to prospects like an outage after 30 questions.
    missing = settings.missing("TELEGRAM_BOT_TOKEN", "PARTNER_SLUG", "LEADS_API_TOKEN")
    if missing:
        print(f"migo-bot telegram: {', '.join(missing)} not set", file=sys.stderr)
        return 2
    requests = bot_api_requests(settings)
    application = build_application(
        settings,
        request=requests[0] if requests else None,
        get_updates_request=requests[1] if requests else None,
    )
    try:
        _run(application, settings)
    except InvalidToken:
        # PTB's message quotes the token; this line names the variable instead.
        return _failed("Telegram refused TELEGRAM_BOT_TOKEN", 2)
    except BadRequest as error:
        # A start-up call refused as asked (setWebhook's URL or secret, typically): Telegram's
        # reason is the operator's answer.
        return _failed(f"Telegram refused a start-up call: {_told(error, settings)}", 2)
    except NetworkError as error:
        host = urlsplit(settings.telegram_api_base_url).hostname
        return _failed(f"the Bot API at {host} did not answer ({type(error).__name__})", 1)
    except TelegramError as error:
        return _failed(f"Telegram answered {type(error).__name__}: {_told(error, settings)}", 1)
    except OSError as error:
        # The webhook or metrics server could not bind (port in use, unknown address).
        return _failed(f"could not listen ({error.strerror or type(error).__name__})", 1)
    finally:
        # A start-up that failed leaves PTB's shutdown undone: close what it opened.
        if requests:
            asyncio.run(_shut_down(requests))
    return 0


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _bounded_step(name: str, step: Callable[[], Awaitable[None]]) -> None:
    """One step of the shutdown; one that hangs is logged and left, so SIGTERM still exits."""
    try:
        async with asyncio.timeout(SHUTDOWN_STEP_SECONDS):
            await step()
    except TimeoutError:
        _log.warning("shutdown: %s not closed within %s s; left", name, SHUTDOWN_STEP_SECONDS)
    else:
        _log.debug("shutdown: %s closed", name)


def _failed(reason: str, status: int) -> int:
    print(f"migo-bot telegram: {reason}", file=sys.stderr)
    return status


def _told(error: TelegramError, settings: Settings) -> str:
    """What Telegram said, without our secrets (PTB's messages may quote a token)."""
    secrets = [settings.telegram_bot_token, settings.webhook_secret_token]
    return redact(error.message, [s.get_secret_value() for s in secrets if s is not None])


def _run(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    updates = ["message", "edited_message", "callback_query"]
    if settings.webhook_url:
        secret = settings.webhook_secret_token
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret.get_secret_value() if secret else None,
            allowed_updates=updates,
        )
    else:
        application.run_polling(allowed_updates=updates, poll_interval=0.0)


def bot_api_requests(settings: Settings) -> tuple[BaseRequest, BaseRequest] | None:
    """The Bot API clients (calls, long poll) for `settings`; None for PTB's own (httpx)."""
    if settings.telegram_http_client != "aiohttp":
        return None
    # The same pool sizes as PTB's defaults: 256 for calls, one for the long poll.
    return AiohttpRequest(), AiohttpRequest(1)


async def _shut_down(requests: tuple[BaseRequest, BaseRequest]) -> None:
    await asyncio.gather(*(request.shutdown() for request in requests))


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: AIORateLimiter | None = None,
) -> Application:  # type: ignore[type-arg]
    """The PTB Application with every handler wired to one TelegramTransport.

    Bot API requests go over `request` (and the long poll over `get_updates_request`, else
    `request` too) when given, as tests and the benchmark do; else over
    `settings.telegram_http_client`.
    """
    assert settings.telegram_bot_token is not None
    transport = TelegramTransport(settings)
    builder = Application.builder()
    if request is None and (defaults := bot_api_requests(settings)) is not None:
        request, get_updates_request = defaults
    if request is not None:
        builder = builder.request(request).get_updates_request(get_updates_request or request)
    configured = (
        builder.token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(transport.startup)
        .post_shutdown(transport.shutdown)
    )
    application = configured.build()
    private = filters.ChatType.PRIVATE
    timed = transport.metrics.timed
    application.add_handler(CommandHandler("status", timed("status", transport.on_status)))
    application.add_handler(CommandHandler("funnel", timed("funnel", transport.on_funnel)))
    application.add_handler(
        CommandHandler("start", timed("start", transport.on_start), filters=private)
    )
    application.add_handler(
        CommandHandler(list(COMMANDS), timed("command", transport.on_command), filters=private)
    )
    application.add_handler(
        CommandHandler("forget", timed("forget", transport.on_forget), filters=private)
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, timed("edited", transport.on_edited))
    )
    application.add_handler(CallbackQueryHandler(timed("pick", transport.on_button)))
    application.add_handler(
        MessageHandler(private & filters.CONTACT, timed("contact", transport.on_contact))
    )
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, timed("text", transport.on_text))
    )
    application.add_handler(
        MessageHandler(private & ~filters.TEXT, timed("unsupported", transport.on_unsupported))
    )
    application.add_handler(
        MessageHandler(filters.COMMAND, timed("group-command", transport.on_group_command))
    )
    application.add_error_handler(transport.on_error)
    return application


def transport_of(application: Application) -> TelegramTransport:  # type: ignore[type-arg]
    """The transport an application of `build_application` runs (its post_init's owner)."""
    transport = getattr(application.post_init, "__self__", None)
    assert isinstance(transport, TelegramTransport), "not an application of build_application"
    return transport


@dataclass
class _Services:
    store: SessionStore
    http: httpx.AsyncClient
    leads: LeadsApiClient
    conversations: Conversations
    funnel: Funnel
    sweeper: asyncio.Task[None]


class TelegramTransport:
    """Handlers (each a few lines) and the translation of replies into Bot API calls."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalogue: Catalogue = load_catalogue(settings.products_file)
        self._services: _Services | None = None
        self._bot: Bot | None = None
        self._reminder_sweep: asyncio.Task[None] | None = None
        self.metrics = Metrics()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def startup(self, application: Application) -> None:  # type: ignore[type-arg]
        settings = self.settings
        store = open_store(
            settings.redis_url,
            ttl_seconds=settings.session_ttl_seconds,
            cluster=settings.redis_cluster,
        )
        http = build_http_client(settings)
        leads = LeadsApiClient(
            http,
            settings.leads_api_token,
            tributax_partner_slug=settings.tributax_partner_slug,
            observer=self.metrics.leads_api_call,
        )
        funnel = open_funnel(settings, store, on_count=self.metrics.funnel_count)
        conversations = Conversations(
            store,
            leads,
            catalogue=self.catalogue,
            tributax_partner=settings.tributax_partner_slug,
            reminder_after_seconds=settings.reminder_after_seconds,
            funnel=funnel,
        )
        sweeper = asyncio.create_task(sweep_forever(funnel, settings.funnel_sweep_seconds))
        self._services = _Services(store, http, leads, conversations, funnel, sweeper)
        if settings.metrics_port is not None:
            self.metrics.serve(settings.metrics_port, settings.metrics_host)
        self._bot = application.bot
        await self._register_commands(application)
        if settings.reminder_after_seconds > 0:
            sweep = ReminderSweep(
                conversations, self.send_reminder, after_seconds=settings.reminder_after_seconds
            )
            self._reminder_sweep = asyncio.create_task(sweep.run(settings.reminder_sweep_seconds))
        store_kind = "redis-cluster" if settings.redis_cluster else "redis"
        _log.info(
            "migo-bot telegram started: mode=%s store=%s leads_api=%s",
            "webhook" if settings.webhook_url else "polling",
            store_kind if settings.redis_url else "memory",
            _without_credentials(settings.effective_leads_api_url),
        )

    async def shutdown(self, application: Application) -> None:  # type: ignore[type-arg]
        self.metrics.stop()
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        if (reminders := self._reminder_sweep) is not None:
            steps.append(("reminder sweep", lambda: _cancelled(reminders)))
        if (services := self._services) is not None:
            steps += [
                ("funnel sweep", lambda: _cancelled(services.sweeper)),
                ("funnel", services.funnel.aclose),
                ("Leads API client", services.http.aclose),
                ("session store", services.store.aclose),
            ]
        for name, step in steps:
            await _bounded_step(name, step)

    async def _register_commands(self, application: Application) -> None:  # type: ignore[type-arg]
        for lang in ("es", "en"):
            commands = [BotCommand(name, catalog(lang).render(f"cmd-{name}")) for name in MENU]
            await application.bot.set_my_commands(commands, language_code=lang)
            if lang == self.settings.default_language:
                await application.bot.set_my_commands(commands)

    @property
    def services(self) -> _Services:
        assert self._services is not None, "the application has not started"
        return self._services

    # ---- handlers ----------------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        payload = context.args[0] if context.args else None
        await self.run(update, Start(), payload=payload)

    async def on_command(self, update: Update, context: Context) -> None:
        name = _command_name(update)
        await self.run(update, Command(name, " ".join(context.args or [])))

    async def on_forget(self, update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        await self.services.conversations.forget(update.effective_chat.id)
        await self.say(update, "forgotten")

    async def on_text(self, update: Update, context: Context) -> None:
        message = _message(update)
        if await self.offer_lookup(update, message):
            return
        forwarded = message.forward_origin is not None
        await self.run(update, Unsupported("forward") if forwarded else Text(message.text or ""))

    async def on_contact(self, update: Update, context: Context) -> None:
        contact = _message(update).contact
        assert contact is not None and update.effective_user is not None
        own = contact.user_id == update.effective_user.id
        await self.run(update, Contact(contact.phone_number, own))

    async def on_unsupported(self, update: Update, context: Context) -> None:
        await self.run(update, Unsupported(_media_kind(_message(update))))

    async def on_edited(self, update: Update, context: Context) -> None:
        if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
            await self.say(update, "edited-message")

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        data = query.data or ""
        if data.startswith(STATUS_PREFIX):
            await query.answer()
            await self.lookup(update, data.removeprefix(STATUS_PREFIX))
            return
        binding, _, index = data.rpartition(":")
        event = Pick(binding, int(index)) if index.isdigit() and binding else Pick("", -1)
        await self.run(update, event)

    async def on_status(self, update: Update, context: Context) -> None:
        if context.args:
            await self.lookup(update, context.args[0])
            return
        chat = update.effective_chat
        code = await self.services.conversations.linked_code(chat.id) if chat else None
        await (self.lookup(update, code) if code else self.say(update, "status-usage"))

    async def on_funnel(self, update: Update, context: Context) -> None:
        """Staff see the funnel; anyone else learns nothing, not even that it exists."""
        user = update.effective_user
        if user is None or user.id not in self.settings.support_user_ids:
            await self.say(update, "funnel-not-available")
            return
        rows = funnel_rows(await self.services.funnel.counts())
        assert update.effective_chat is not None
        text = render_funnel(rows, self.guess_language(update), HTML)
        await self.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML)

    async def on_group_command(self, update: Update, context: Context) -> None:
        """Commands no other handler took: groups get a pointer, private chats a hint."""
        if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
            await self.run(update, Unsupported("command"))
        else:
            await self.say(update, "group-private-only")

    async def on_error(self, update: object, context: Context) -> None:
        """Log without personal data; tell the prospect their answers are safe."""
        error = context.error
        chat = update.effective_chat if isinstance(update, Update) else None
        if isinstance(error, TelegramError):
            self.metrics.bot_api_error(error)
        elif error is not None:
            self.metrics.handler_failure(error)
        if isinstance(error, Forbidden):
            # The prospect blocked the bot: nothing failed, and nobody can be told anything.
            _log.info("chat %s blocked the bot", chat.id if chat else "-")
            return
        if isinstance(error, RetryAfter):
            # Flood control outlasted the rate limiter's retries: another message would be
            # refused too. The answers are saved; the prospect's next message picks up.
            _log.warning(
                "chat %s: a message not sent under flood control", chat.id if chat else "-"
            )
            return
        # Telegram's own reason ("message is not modified", …) names no personal data.
        reason = f" ({error.message})" if isinstance(error, TelegramError) else ""
        _log.error(
            "handler failed for chat %s: %s%s",
            chat.id if chat else "-",
            type(error).__name__,
            reason,
            exc_info=(type(error), error, error.__traceback__) if error and _ours(error) else None,
        )
        if isinstance(update, Update) and chat is not None:
            unavailable = isinstance(error, StoreError)
            try:
                await self.say(update, "error-unavailable" if unavailable else "error-generic")
            except TelegramError as failure:
                self.metrics.bot_api_error(failure)
                _log.warning("could not tell chat %s: %s", chat.id, type(failure).__name__)

    # ---- running the conversation ------------------------------------------------------------

    async def run(self, update: Update, event: Event, *, payload: str | None = None) -> None:
        """Feed an event to the conversation and show what it answers."""
        chat = update.effective_chat
        assert chat is not None
        origin = self.origin(update, payload)
        conversations = self.services.conversations
        turn = await conversations.handle(chat.id, event, origin, update_id=update.update_id)
        lang = turn.session.lang if turn.session else origin.lang
        outcome = "duplicate" if turn.duplicate else (turn.replies[0].key if turn.replies else "")
        fields = {"chat_id": chat.id, "step": turn.before, "event": type(event).__name__}
        _log.info("update handled", extra={**fields, "outcome": outcome})
        if turn.request is None:
            await self.show(update, turn, lang)
            return
        # The lead goes out at once; "sending…" is said only if the Leads API is slow to answer,
        # so a quick answer costs the prospect one message (the code), not two.
        notice = [reply for reply in turn.replies if reply.key == "submit-sending"]
        shown = replace(turn, replies=[r for r in turn.replies if r.key != "submit-sending"])
        sending = asyncio.ensure_future(conversations.complete(chat.id, turn.request, origin))
        try:
            await self.show(update, shown, lang)
            finished, _ = await asyncio.wait({sending}, timeout=SENDING_NOTICE_SECONDS)
            if not finished:
                await self.send(chat.id, notice, lang)
        finally:
            # Once asked for, the submission completes and is shown even if the rest failed.
            done = await sending
            await self.send(chat.id, done.replies, lang)

    def origin(self, update: Update, payload: str | None) -> Origin:
        """Language, partner, merchant and profile a new conversation starts from."""
        user = update.effective_user
        link = parse_payload(payload, self.settings.allowed_partners)
        profile = {}
        if user is not None:
            profile = {"profile_first": user.first_name, "profile_last": user.last_name}
        return Origin(
            lang=self.guess_language(update),
            partner=link.partner or self.settings.partner_slug or "",
            merchant=link.merchant or self.settings.leads_merchant_id,
            profile=profile,
        )

    def guess_language(self, update: Update) -> Language:
        code = (update.effective_user.language_code or "") if update.effective_user else ""
        if code.lower().startswith("es"):
            return "es"
        if code.lower().startswith("en"):
            return "en"
        return self.settings.default_language

    async def show(self, update: Update, turn: Turn, lang: Language) -> None:
        """Answer the tap (if any), mark the tapped question answered, send the replies."""
        query = update.callback_query
        chat = update.effective_chat
        assert chat is not None
        replies = turn.replies
        if query is not None:
            if turn.duplicate:
                # A redelivered tap: its first delivery has most likely answered it already,
                # and Telegram refuses a second answer; that refusal is no failure.
                await self.quietly(query.answer())
                return
            stale = [r for r in replies if r.key == "stale-button"]
            if stale:
                await self.quietly(query.answer(catalog(lang).render("stale-button")))
                # An expired conversation still explains itself; a stale tap says nothing more.
                await self.send(chat.id, [r for r in replies if r.key != "stale-button"], lang)
                return
            answer = self.quietly(query.answer())
            if len(replies) == 1 and replies[0].in_place:
                markup = self.inline(replies[0], lang)
                await asyncio.gather(answer, self.quietly(query.edit_message_reply_markup(markup)))
                return
            # Independent trips to Telegram, made at once: the prospect waits for one, not three.
            marked = self.mark_answered(query.message, query.data or "", lang)
            await asyncio.gather(answer, marked, self.reply(chat.id, turn, lang))
            return
        await self.reply(chat.id, turn, lang)

    async def reply(self, chat_id: int, turn: Turn, lang: Language) -> None:
        """Send the turn's replies; leaving the phone step also drops the share keyboard."""
        if not turn.replies:
            return
        if turn.before == "phone" and (turn.session is None or turn.session.at != "phone"):
            await self.remove_contact_keyboard(chat_id, turn, lang)
        await self.send(chat_id, turn.replies, lang)

    async def mark_answered(self, message: object, data: str, lang: Language) -> None:
        """Show what was tapped under the question and drop its buttons."""
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        tapped = next(
            (
                button.text
                for row in message.reply_markup.inline_keyboard
                for button in row
                if button.callback_data == data
            ),
            None,
        )
        if tapped is None or not message.text:
            return
        # A one-tap default reads "Use: Ana"; the answer is just "Ana".
        tapped = tapped.removeprefix(catalog(lang).render("btn-use", {"value": ""}))
        answer = HTML.escape(catalog(lang).render("answered", {"answer": tapped}))
        text = f"{message.text_html}\n\n<i>{answer}</i>"
        if len(text) < TELEGRAM_LIMIT:
            await self.quietly(
                message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
            )

    async def remove_contact_keyboard(self, chat_id: int, turn: Turn, lang: Language) -> None:
        """The share-my-number keyboard goes away once the phone step is left."""
        phone = turn.session.answers.get("phone") if turn.session else None
        text = catalog(lang).render("answered", {"answer": show_phone(phone) if phone else "✔"})
        bot = self.bot
        await bot.send_message(chat_id, HTML.escape(text), reply_markup=ReplyKeyboardRemove())

    async def send(self, chat_id: int, replies: list[Reply], lang: Language) -> None:
        """One message for the replies of one turn (split if long), keyboard on the last part."""
        if not replies:
            return
        text = replies_text(replies, lang, HTML)
        markup = self.markup(replies, lang)
        chunks = _split(text)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await self.bot.send_message(
                chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
            )

    async def send_reminder(self, chat_id: int, reply: Reply, lang: Language) -> None:
        """A reminder from the sweep; a chat that blocked the bot is simply not reminded."""
        try:
            await self.send(chat_id, [reply], lang)
        except TelegramError as error:
            _log.info("chat %s: reminder not delivered (%s)", chat_id, type(error).__name__)

    def markup(
        self, replies: list[Reply], lang: Language
    ) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
        screen = next((r for r in reversed(replies) if r.binding is not None), None)
        done = next((r for r in replies if r.key == "submit-done"), None)
        if done is not None:
            code = str(done.args["code"])
            copy = catalog(lang).render("btn-copy-code")
            return InlineKeyboardMarkup(
                [[InlineKeyboardButton(copy, copy_text=CopyTextButton(code))]]
            )
        if screen is None:
            return None
        if screen.contact:
            share = KeyboardButton(catalog(lang).render("btn-share-phone"), request_contact=True)
            return ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True)
        return self.inline(screen, lang)

    def inline(self, reply: Reply, lang: Language) -> InlineKeyboardMarkup | None:
        """Buttons two to a row; callback data is `<session>.<keyboard>:<index>` (≈15 bytes)."""
        if not reply.buttons or reply.binding is None:
            return None
        buttons = [
            InlineKeyboardButton(button_text(b, lang), callback_data=f"{reply.binding}:{i}")
            for i, b in enumerate(reply.buttons)
        ]
        return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])

    # ---- status ------------------------------------------------------------------------------

    async def lookup(self, update: Update, text: str) -> None:
        """Resolve a code; staff see the masked full record, others only public facts."""
        user = update.effective_user
        lang = self.guess_language(update)
        try:
            code = read_code(text)
        except InvalidCode:
            await self.say(update, "status-invalid-code")
            return
        limited = await self.services.store.hit_rate_limit(
            f"status:{user.id if user else 0}",
            self.settings.status_rate_limit,
            self.settings.status_rate_window_seconds,
        )
        if limited:
            await self.say(update, "status-rate-limited")
            return
        staff = user is not None and user.id in self.settings.support_user_ids
        leads, catalogue = self.services.leads, self.catalogue
        _, text = await look_up(leads, code, lang, full=staff, catalogue=catalogue, markup=HTML)
        assert update.effective_chat is not None
        for chunk in _split(text):
            await self.bot.send_message(update.effective_chat.id, chunk, parse_mode=ParseMode.HTML)

    async def offer_lookup(self, update: Update, message: Message) -> bool:
        """A forwarded message (or one after onboarding) with a code gets a lookup button."""
        match = CODE_IN_TEXT.search((message.text or "").upper())
        if match is None:
            return False
        if message.forward_origin is None:
            session = await self.services.conversations.current(message.chat.id)
            if session is not None and session.at not in ("", "done"):
                return False
        code = match.group(0)
        lang = self.guess_language(update)
        button = InlineKeyboardButton(
            catalog(lang).render("btn-status", {"code": code}),
            callback_data=f"{STATUS_PREFIX}{code}",
        )
        await message.reply_text(
            HTML.escape(catalog(lang).render("status-offer", {"code": code})),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[button]]),
        )
        return True

    # ---- small helpers -----------------------------------------------------------------------

    @property
    def bot(self) -> Bot:
        assert self._bot is not None, "the application has not started"
        return self._bot

    async def quietly(self, call: object) -> None:
        """A cosmetic call (a tap's answer, an edit) that fails costs the prospect nothing.

        Pointless edits ("not modified", "not found"), taps answered already, a blocked bot,
        and flood control that outlasted the rate limiter's retries are all skipped.
        """
        try:
            await call  # type: ignore[misc]
        except (BadRequest, Forbidden, RetryAfter) as error:
            self.metrics.bot_api_error(error)
            if isinstance(error, Forbidden):
                _log.info("the prospect blocked the bot")
            elif isinstance(error, RetryAfter):
                _log.info("a cosmetic call skipped under flood control")
            else:
                _log.debug("edit refused: %s", error.message)

    async def say(self, update: Update, key: str, **args: object) -> None:
        """A single catalog message to the chat of an update."""
        assert update.effective_chat is not None
        text = HTML.escape(catalog(self.guess_language(update)).render(key, dict(args)))
        await update.get_bot().send_message(
            update.effective_chat.id, text, parse_mode=ParseMode.HTML
        )


def _command_name(update: Update) -> str:
    text = _message(update).text or "/"
    return text.split()[0][1:].split("@")[0].lower()


def _message(update: Update) -> Message:
    assert update.effective_message is not None
    return update.effective_message


def _media_kind(message: Message) -> str:
    for kind in ("photo", "sticker", "voice", "video", "document", "location", "audio"):
        if getattr(message, kind, None):
            return kind
    return "other"


def _split(text: str, size: int = CHUNK) -> list[str]:
    """Split at line breaks so no part passes Telegram's limit and no HTML tag is cut."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            chunks.append(current) if current else None
            current = ""
            chunks.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            chunks.append(current)
            candidate = line
        current = candidate
    if current:
        chunks.append(current)
    return chunks


def _ours(error: BaseException) -> bool:
    """Only our own bugs deserve a traceback; Telegram and store errors are expected events."""
    return not isinstance(error, TelegramError | StoreError)


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
