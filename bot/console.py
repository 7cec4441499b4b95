"""`migo-bot console`: the same conversation in a terminal, scriptable from stdin."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import unicodedata
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import IO, Any

from pydantic import SecretStr

from bot.conversation import Conversations, Origin
from bot.leads_api import InvalidCode, LeadsApiClient, build_http_client, normalize_code
from bot.render import button_text, label_text, reply_text
from bot.sandbox import Sandbox
from bot.settings import DEMO_PARTNER_SLUG, Settings
from bot.status import look_up
from bot.store import SessionStore, StoreError, open_store
from flows.catalogue import load_catalogue
from flows.events import COMMANDS, Command, Event, Pick, Reply, Start, Text, Unsupported
from flows.session import Language
from locales import catalog

CONSOLE_CHAT_ID = 0
SANDBOX_TOKEN = "console-sandbox"


def console_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the console conversation on stdin/stdout until the input ends."""
    lang: Language = args.lang or settings.default_language
    if settings.leads_api_url and settings.missing("LEADS_API_TOKEN"):
        # Any token does for a sandbox; finding out at the last question would be too late.
        print("migo-bot console: LEADS_API_URL is set but LEADS_API_TOKEN is not", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run_console(settings, lang, json_mode=args.json))
    except StoreError as error:
        # Mid-conversation the engine says so in the prospect's words; at start there is no one.
        print(
            f"migo-bot console: the session store at REDIS_URL does not answer: {error}",
            file=sys.stderr,
        )
        return 3


async def run_console(
    settings: Settings,
    lang: Language,
    *,
    json_mode: bool = False,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """The console loop; streams are injectable so tests can drive it in-process."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    async with _conversations(settings, stderr) as conversations:
        console = _Console(conversations, settings, lang, json_mode, stdout)
        await console.feed(Start())
        interactive = stdin.isatty()
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            await console.feed_line(line.rstrip("\r\n"))
        await conversations.store.forget_chat(CONSOLE_CHAT_ID)
    return 0


@asynccontextmanager
async def _conversations(settings: Settings, stderr: IO[str]) -> AsyncIterator[Conversations]:
    """The service with its Leads API (the embedded sandbox when none is configured)."""
    async with AsyncExitStack() as stack:
        token = settings.leads_api_token
        if settings.leads_api_url is None:
            sandbox = Sandbox(tributax_partner_slug=settings.tributax_partner_slug)
            url = await sandbox.start("127.0.0.1", 0)
            stack.push_async_callback(sandbox.stop)
            settings = settings.model_copy(update={"leads_api_url": url})
            token = token or SecretStr(SANDBOX_TOKEN)
            print(f"Using the built-in sandbox Leads API at {url}", file=stderr)
        http = build_http_client(settings)
        stack.push_async_callback(http.aclose)
        ttl = settings.session_ttl_seconds
        store: SessionStore = open_store(
            settings.redis_url, ttl_seconds=ttl, cluster=settings.redis_cluster
        )
        stack.push_async_callback(store.aclose)
        await store.forget_chat(CONSOLE_CHAT_ID)
        yield Conversations(
            store,
            LeadsApiClient(http, token, tributax_partner_slug=settings.tributax_partner_slug),
            catalogue=load_catalogue(settings.products_file),
            tributax_partner=settings.tributax_partner_slug,
        )


class _Console:
    """Translates lines into events and replies into printed text or JSON lines."""

    def __init__(
        self,
        conversations: Conversations,
        settings: Settings,
        lang: Language,
        json_mode: bool,
        out: IO[str],
    ) -> None:
        self.conversations = conversations
        self.origin = Origin(lang=lang, partner=settings.partner_slug or DEMO_PARTNER_SLUG)
        self.json_mode = json_mode
        self.out = out
        self.keyboard: Reply | None = None
        self.lang: Language = lang

    async def feed_line(self, line: str) -> None:
        """One typed line: a command, a choice number or label, or an answer."""
        command, _, arg = line.strip().partition(" ")
        if command.lower() == "/forget":
            await self.conversations.forget(CONSOLE_CHAT_ID)
            self.show(Reply(key="forgotten"))
            return
        if command.lower() == "/status":
            await self.status(arg.strip())
            return
        await self.feed(self.event_for(line))

    async def status(self, text: str) -> None:
        """`/status CODE` (or alone: this chat's own code), as a prospect sees it in Telegram."""
        words = text.split()
        text = words[0] if words else await self.conversations.linked_code(CONSOLE_CHAT_ID) or ""
        if not text:
            self.show(Reply(key="status-usage"))
            return
        try:
            code = normalize_code(text)
        except InvalidCode:
            self.show(Reply(key="status-invalid-code"))
            return
        conversations = self.conversations
        found, shown = await look_up(
            conversations.leads, code, self.lang, full=False, catalogue=conversations.catalogue
        )
        if self.json_mode:
            key = {"found": "status", "refused": "status-unavailable"}.get(found, f"status-{found}")
            line: dict[str, Any] = {"step": "status", "key": key, "text": shown}
            line |= {"choices": [], "progress": None}
            self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        else:
            self.out.write(shown + "\n\n")
        self.out.flush()

    def event_for(self, line: str) -> Event:
        text = line.strip()
        if text.startswith("/"):
            name, _, arg = text[1:].partition(" ")
            name = name.lower()
            if name == "start":
                return Start()
            if name in COMMANDS:
                return Command(name, arg.strip())
            return Unsupported("command")
        keyboard = self.keyboard
        if keyboard is not None and keyboard.binding is not None and keyboard.buttons:
            if text.isdigit() and 1 <= int(text) <= len(keyboard.buttons):
                return Pick(keyboard.binding, int(text) - 1)
            wanted = _fold(text)
            for index, button in enumerate(keyboard.buttons):
                if wanted and wanted == _fold(label_text(button.label, self.lang)):
                    return Pick(keyboard.binding, index)
        return Text(line)

    async def feed(self, event: Event) -> None:
        turn = await self.conversations.handle(CONSOLE_CHAT_ID, event, self.origin)
        if turn.session is not None:
            self.lang = turn.session.lang
            # A conversation started after /cancel keeps the language the prospect chose.
            self.origin = replace(self.origin, lang=self.lang)
        self.show_all(turn.replies)
        if turn.request is not None:
            done = await self.conversations.complete(CONSOLE_CHAT_ID, turn.request, self.origin)
            self.show_all(done.replies)

    def show_all(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.show(reply)
            if reply.binding is not None:
                self.keyboard = reply

    def show(self, reply: Reply) -> None:
        if reply.contact and catalog(self.lang).has(f"{reply.key}-typed"):
            # A terminal has no share-my-number button: the question asks to type it.
            reply = replace(reply, key=f"{reply.key}-typed")
        text = reply_text(reply, self.lang)
        if self.json_mode:
            self.out.write(json.dumps(self.as_json(reply, text), ensure_ascii=False) + "\n")
        else:
            self.out.write(text + "\n")
            for number, button in enumerate(reply.buttons, start=1):
                self.out.write(f"  {number}. {button_text(button, self.lang)}\n")
            if reply.key == "submit-done":
                self.out.write(f"{reply.args['code']}\n")
            self.out.write("\n")
        self.out.flush()

    def as_json(self, reply: Reply, text: str) -> dict[str, Any]:
        choices = [
            {"value": button.value or button.action, "label": button_text(button, self.lang)}
            for button in reply.buttons
        ]
        obj: dict[str, Any] = {
            "step": reply.step or reply.key,
            "key": reply.key,
            "text": text,
            "choices": choices,
            "progress": list(reply.progress) if reply.progress else None,
        }
        if reply.key == "submit-done":
            obj["code"] = reply.args["code"]
        return obj


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c.isalnum())
    return kept.casefold()
