"""The bot's cost per update, side by side with the floor of its own stack (a script, not a test).

    python bench/run.py --quick        # under 30 s: the figures, fewer conversations
    python bench/run.py                # the full run recorded in docs/performance.md
    python bench/run.py --profile out  # also profiles the bot in-process (pip install '.[bench]')

Needs Redis: REDIS_URL, or a throwaway redis-server it starts. The Leads API is the sandbox
(`python -m bot sandbox`, a child process). See docs/performance.md for what is measured how.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
from pydantic import SecretStr
from telegram import Bot, Update
from telegram.ext import AIORateLimiter, Application
from telegram.request import BaseRequest, HTTPXRequest

from bench.floor import build_floor
from bench.infra import (
    SANDBOX_TOKEN,
    RedisCalls,
    command_stats,
    redis_server,
    sandbox_counts,
    sandbox_process,
)
from bench.instant import InstantRequest, InstantTelegram
from bench.updates import JSON, Action, cuis, onboarding
from bot.logs import configure_logging
from bot.settings import Settings
from bot.telegram import build_application, transport_of
from bot.telegram_request import AiohttpRequest

TOKEN = "123456:bench-token"
# The aiogram 3 FSM + RedisStorage version of the same form, per the issue: 3.7x the floor.
AIOGRAM_FACTOR = 3.7
CONFIRM = "confirm (submits the lead)"
# The chat ids of one phase, so phases never share a conversation.
_CHAT_BLOCK = 100_000


class TelegramSide(Protocol):
    # True when `act` never yields to the loop, so its own CPU can be measured and left out.
    inline: bool

    async def act(self, chat_id: int, kind: str, value: str) -> JSON: ...


@dataclass
class Phase:
    """What one pass of conversations through one application cost."""

    name: str
    updates: int = 0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_action: dict[str, list[float]] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    redis: Counter[str] = field(default_factory=Counter)
    server: Counter[str] = field(default_factory=Counter)
    api: Counter[str] = field(default_factory=Counter)
    leads: int = 0
    lead_requests: int = 0
    conversations: int = 0
    recorded: list[list[JSON]] = field(default_factory=list)

    @property
    def cpu_per_update_ms(self) -> float:
        return 1000 * self.cpu / max(1, self.updates)

    def percentile(self, q: float, latencies: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if latencies is None else latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Errors(logging.Handler):
    """Counts the records of failed handlers, so a broken run is not reported as fast."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# ---- driving conversations ---------------------------------------------------------------------


async def feed(application: Application, data: JSON) -> float:  # type: ignore[type-arg]
    """Hand one update to the Application as its update queue would; the seconds it took."""
    update = Update.de_json(data, application.bot)
    start = time.perf_counter()
    await application.update_processor.process_update(update, application.process_update(update))
    return time.perf_counter() - start


async def converse_live(
    application: Application,  # type: ignore[type-arg]
    side: TelegramSide,
    chats: list[tuple[int, list[Action]]],
    concurrency: int,
    phase: Phase,
    clock: Callable[[], float],
) -> None:
    """Each chat in order, `concurrency` chats at once; an inline prospect side is not counted."""
    queue = iter(chats)
    side_cpu = 0.0

    async def worker() -> None:
        nonlocal side_cpu
        for chat_id, actions in queue:
            recorded: list[JSON] = []
            for action in actions:
                before = clock()
                data = await side.act(chat_id, action.kind, action.value)
                if side.inline:
                    side_cpu += clock() - before
                recorded.append(data)
                took = await feed(application, data)
                phase.latencies.append(took)
                phase.by_action.setdefault(_action_kind(action), []).append(took)
                phase.kinds.append(_action_kind(action))
            phase.recorded.append(recorded)

    start = clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.cpu += clock() - start - side_cpu
    phase.updates += sum(len(actions) for _, actions in chats)
    phase.conversations += len(chats)


def _action_kind(action: Action) -> str:
    """Actions grouped as the bot treats them: a command, a confirm, a tap, a text…"""
    if action.value.startswith("/"):
        return action.value.split()[0]
    if action.value.startswith("✅ Confirmar"):
        return CONFIRM
    return action.kind


async def replay(
    application: Application,  # type: ignore[type-arg]
    conversations: list[list[JSON]],
    concurrency: int,
    phase: Phase,
    clock: Callable[[], float],
) -> None:
    """The same updates again (for the floor), with the same concurrency."""
    queue = iter(conversations)

    async def worker() -> None:
        for updates in queue:
            for data in updates:
                phase.latencies.append(await feed(application, data))

    start = clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.cpu += clock() - start
    phase.updates += sum(len(updates) for updates in conversations)
    phase.conversations += len(conversations)


# ---- the harness -------------------------------------------------------------------------------


@dataclass
class Bench:
    redis_url: str
    leads_api_url: str
    args: argparse.Namespace
    calls: RedisCalls
    errors: Errors
    cui: Iterator[str] = field(default_factory=cuis)
    block: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def settings(self, base_url: str, client: str = "aiohttp", token: str = TOKEN) -> Settings:
        return Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(token),
            telegram_api_base_url=base_url,
            telegram_http_client=client,  # type: ignore[arg-type]
            leads_api_url=self.leads_api_url,
            leads_api_token=SecretStr(SANDBOX_TOKEN),
            redis_url=self.redis_url,
            partner_slug="migo-gt",
            log_level="INFO",
        )

    def chats(self, count: int) -> list[tuple[int, list[Action]]]:
        base = next(self.block) * _CHAT_BLOCK
        return [(base + i, onboarding(next(self.cui))) for i in range(count)]

    async def measure(
        self,
        name: str,
        application: Application,  # type: ignore[type-arg]
        run: Callable[[Phase], Awaitable[None]],
        api_calls: Callable[[], Counter[str]],
    ) -> Phase:
        phase = Phase(name)
        redis.Redis.from_url(self.redis_url).flushdb()
        gc.collect()
        redis_before, server_before = Counter(self.calls.counts), command_stats(self.redis_url)
        api_before = api_calls()
        leads_before, requests_before = sandbox_counts(self.leads_api_url)
        errors_before = self.errors.count
        await run(phase)
        phase.redis = Counter(self.calls.counts) - redis_before
        phase.server = command_stats(self.redis_url) - server_before
        phase.server.pop("info", None)
        phase.api = api_calls() - api_before
        leads, requests = sandbox_counts(self.leads_api_url)
        phase.leads, phase.lead_requests = leads - leads_before, requests - requests_before
        if self.errors.count != errors_before:
            print(f"  !! {name}: {self.errors.count - errors_before} handler errors", flush=True)
        return phase


async def started(application: Application) -> Application:  # type: ignore[type-arg]
    """Initialized as run_polling would, without polling: updates are fed directly.

    The rate limiter keeps its code path but not its 30 calls/s ceiling: it is Telegram's
    limit on a real bot, and would make the pass measure waiting instead of work.
    """
    application.bot._rate_limiter = AIORateLimiter(  # type: ignore[attr-defined]
        overall_max_rate=1_000_000, max_retries=3
    )
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    return application


async def stopped(application: Application) -> None:  # type: ignore[type-arg]
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def _scripted(application: Application) -> tuple[object, ...]:  # type: ignore[type-arg]
    """The bot's session store and funnel (their scripts are named in the Redis counts)."""
    services = transport_of(application).services
    return services.store, services.funnel


async def in_process(bench: Bench, conversations: int, repeats: int) -> dict[str, Any]:
    """Bot and floor with the Bot API answered instantly in-process; interleaved pairs."""
    telegram = InstantTelegram()
    base = "http://instant.invalid/bot"
    bot = await started(build_application(bench.settings(base), request=InstantRequest(telegram)))
    bench.calls.name_scripts(*_scripted(bot))
    floor = await started(build_floor(TOKEN, base, bench.redis_url, InstantRequest(telegram)))
    clock = time.process_time
    concurrency = bench.args.concurrency
    calls = lambda: Counter(telegram.calls)  # noqa: E731

    def live(chats: list[tuple[int, list[Action]]]) -> Callable[[Phase], Awaitable[None]]:
        return lambda p: converse_live(bot, telegram, chats, concurrency, p, clock)

    # Warm-up: code paths, scripts loaded, connections open; its updates feed the first floor.
    warm = await bench.measure("warm-up", bot, live(bench.chats(conversations)), calls)
    recorded = warm.recorded
    anatomy = await one_onboarding(bench, bot, telegram)
    pairs: list[tuple[Phase, Phase]] = []
    for index in range(repeats):
        f = await bench.measure(
            "floor",
            floor,
            lambda p, recorded=recorded: replay(floor, recorded, concurrency, p, clock),
            calls,
        )
        b = await bench.measure("bot", bot, live(bench.chats(conversations)), calls)
        recorded = b.recorded
        pairs.append((f, b))
        print(f"  in-process pair {index + 1}/{repeats}: floor {f.cpu_per_update_ms:.3f} ms, "
              f"bot {b.cpu_per_update_ms:.3f} ms CPU/update", flush=True)  # fmt: skip
    # Handling latency without queueing behind other chats: one update at a time.
    alone = max(4, conversations // 10)
    solo_bot = await bench.measure(
        "bot alone",
        bot,
        lambda p: converse_live(bot, telegram, bench.chats(alone), 1, p, clock),
        calls,
    )
    solo_floor = await bench.measure(
        "floor alone",
        floor,
        lambda p: replay(floor, solo_bot.recorded, 1, p, clock),
        calls,
    )
    profile = None
    if bench.args.profile:
        profile = await profiled(bench, bot, telegram, conversations, clock)
    await stopped(bot)
    await stopped(floor)
    return {
        "pairs": pairs,
        "anatomy": anatomy,
        "profile": profile,
        "alone": (solo_floor, solo_bot),
    }


async def profiled(
    bench: Bench,
    bot: Application,  # type: ignore[type-arg]
    telegram: InstantTelegram,
    conversations: int,
    clock: Callable[[], float],
) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("bench: --profile needs pyinstrument (pip install pyinstrument)") from None

    chats = bench.chats(conversations)
    profiler = Profiler(interval=0.0005, async_mode="disabled")
    phase = Phase("profile")
    profiler.start()
    await converse_live(bot, telegram, chats, bench.args.concurrency, phase, clock)
    profiler.stop()
    return _write(Path(bench.args.profile), profiler.output_text(unicode=True, show_all=False))


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


async def one_onboarding(
    bench: Bench,
    bot: Application,  # type: ignore[type-arg]
    telegram: InstantTelegram,
) -> list[dict[str, Any]]:
    """One conversation alone, step by step: calls, round trips and Redis bytes per action."""
    client = redis.Redis.from_url(bench.redis_url)
    ((chat_id, actions),) = bench.chats(1)
    rows = []
    for action in actions:
        api_before, redis_before = Counter(telegram.calls), Counter(bench.calls.counts)
        data = await telegram.act(chat_id, action.kind, action.value)
        await feed(bot, data)
        keys = list(client.scan_iter(match=f"onboarding:{{{chat_id}}}:*"))
        size = sum(int(client.memory_usage(key, samples=0) or 0) for key in keys)
        session = client.get(f"onboarding:{{{chat_id}}}:session")
        rows.append(
            {
                "action": f"{action.kind} {action.value}",
                "api": dict(Counter(telegram.calls) - api_before),
                "redis": dict(Counter(bench.calls.counts) - redis_before),
                "bytes": size,
                "session_json": len(session or b""),
            }
        )
    client.close()
    return rows


async def over_http(bench: Bench, conversations: int, repeats: int) -> dict[str, Any]:
    """Bot and floor over loopback HTTP against the Bot API stand-in, with httpx and aiohttp."""
    from bench.standin import StandInTelegram

    side = StandInTelegram()
    clock = time.thread_time  # the stand-in serves on another thread
    concurrency = bench.args.concurrency
    calls = lambda: Counter(side.calls())  # noqa: E731
    apps: dict[str, Application] = {}  # type: ignore[type-arg]
    for client in ("httpx", "aiohttp"):
        request = HTTPXRequest() if client == "httpx" else AiohttpRequest()
        apps[f"bot {client}"] = await started(
            build_application(bench.settings(side.base_url, client, side.token), request=request)
        )
        apps[f"floor {client}"] = await started(
            build_floor(
                side.token,
                side.base_url,
                bench.redis_url,
                HTTPXRequest() if client == "httpx" else AiohttpRequest(),
            )
        )
    bench.calls.name_scripts(*_scripted(apps["bot httpx"]))
    warm = await bench.measure(
        "warm-up",
        apps["bot aiohttp"],
        lambda p: converse_live(
            apps["bot aiohttp"], side, bench.chats(conversations), concurrency, p, clock
        ),
        calls,
    )
    recorded = warm.recorded
    results: dict[str, list[Phase]] = {name: [] for name in apps}
    for index in range(repeats):
        for client in ("httpx", "aiohttp"):
            floor, bot = apps[f"floor {client}"], apps[f"bot {client}"]
            f = await bench.measure(
                f"floor {client}",
                floor,
                lambda p, floor=floor, recorded=recorded: replay(
                    floor, recorded, concurrency, p, clock
                ),
                calls,
            )
            chats = bench.chats(conversations)
            b = await bench.measure(
                f"bot {client}",
                bot,
                lambda p, bot=bot, chats=chats: converse_live(
                    bot, side, chats, concurrency, p, clock
                ),
                calls,
            )
            recorded = b.recorded
            results[f"floor {client}"].append(f)
            results[f"bot {client}"].append(b)
            print(f"  http pair {index + 1}/{repeats} {client}: floor {f.cpu_per_update_ms:.3f} "
                  f"ms, bot {b.cpu_per_update_ms:.3f} ms CPU/update", flush=True)  # fmt: skip
    per_call = await client_cost(side, bench.args.calls)
    for app in apps.values():
        await stopped(app)
    side.close()
    return {"results": results, "per_call": per_call}


async def client_cost(side: Any, count: int) -> dict[str, float]:
    """CPU of this thread per sendMessage, by request class (the stand-in's own not counted)."""
    user = await side.act(1, "text", "/start")  # the stand-in now knows chat 1
    chat_id = user["message"]["chat"]["id"]
    costs: dict[str, float] = {}
    telegram = InstantTelegram()
    makers: dict[str, Callable[[], BaseRequest]] = {
        "instant (no HTTP)": lambda: InstantRequest(telegram),
        "httpx (PTB default)": HTTPXRequest,
        "aiohttp (bot/telegram_request.py)": AiohttpRequest,
    }
    for name, make in makers.items():
        bot = Bot(side.token, base_url=side.base_url, request=make(), get_updates_request=make())
        async with bot:
            for _ in range(20):
                await bot.send_message(chat_id, "warm-up")
            start = time.thread_time()
            for _ in range(count):
                await bot.send_message(chat_id, "<b>Paso 3 de 21</b>", parse_mode="HTML")
            costs[name] = 1000 * (time.thread_time() - start) / count
    return costs


# ---- peak RSS with many sessions stored --------------------------------------------------------


def rss_child(redis_url: str, leads_api_url: str, sessions: int, touch: int) -> None:
    """In a fresh process: store `sessions` mid-flow sessions, feed `touch` of them one update."""

    async def main() -> dict[str, Any]:
        errors = Errors()
        bench = Bench(redis_url, leads_api_url, argparse.Namespace(), RedisCalls(), errors)
        telegram = InstantTelegram()
        app = await started(
            build_application(
                bench.settings("http://instant.invalid/bot"), request=InstantRequest(telegram)
            )
        )
        client = redis.Redis.from_url(redis_url)
        client.flushdb()
        baseline = _vm("VmRSS")
        ((template, actions),) = bench.chats(1)
        middle = 15  # at the commercial name: the session holds personal and document data
        for action in actions[:middle]:
            await feed(app, await telegram.act(template, action.kind, action.value))
        used_before = int(client.info("memory")["used_memory"])
        keys = list(client.scan_iter(match=f"onboarding:{{{template}}}:*"))
        dumps = [(key, client.dump(key), client.pttl(key)) for key in keys]
        chats = [template + 1 + i for i in range(sessions - 1)]
        pipe = client.pipeline(transaction=False)
        for number, chat_id in enumerate(chats):
            for key, dump, ttl in dumps:
                new = key.replace(f"{{{template}}}".encode(), f"{{{chat_id}}}".encode())
                pipe.restore(new, max(ttl, 0), dump, replace=True)
            if number % 1000 == 999:
                pipe.execute()
        pipe.execute()
        used_after = int(client.info("memory")["used_memory"])
        next_action = actions[middle]
        for chat_id in [template, *chats][:touch]:
            # Telegram's message ids: the instant side numbers them per chat.
            await feed(app, await telegram.act(chat_id, next_action.kind, next_action.value))
        memory = client.info("memory")
        await stopped(app)
        return {
            "sessions": sessions,
            "touched": touch,
            "bot_rss_start_mb": baseline / 1024,
            "bot_peak_rss_mb": _vm("VmHWM") / 1024,
            "redis_used_per_session_bytes": (used_after - used_before) / max(1, sessions - 1),
            "redis_used_memory_mb": int(memory["used_memory"]) / 2**20,
            "redis_rss_mb": int(memory["used_memory_rss"]) / 2**20,
            "errors": errors.count,
        }

    _quiet_logging(Errors())
    print(json.dumps(asyncio.run(main())))


def _vm(name: str) -> int:
    """A VmXxx line of /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def peak_rss(redis_url: str, leads_api_url: str, sessions: int, touch: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--rss-child", str(sessions), "--touch", str(touch),
               "--redis-url", redis_url, "--leads-api-url", leads_api_url]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


# ---- reporting ---------------------------------------------------------------------------------


def _per_update(counter: Counter[str], updates: int) -> str:
    items = sorted(counter.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {count / updates:.2f}" for name, count in items if count)


def report(args: argparse.Namespace, found: dict[str, Any], elapsed: float) -> None:
    """Print every figure; the last line is the ratio the issue asks for."""
    med = statistics.median
    pairs: list[tuple[Phase, Phase]] = found["in_process"]["pairs"]
    floors = [f for f, _ in pairs]
    bots = [b for _, b in pairs]
    cpu_ratio = med(b.cpu / b.updates / (f.cpu / f.updates) for f, b in pairs)
    p99_ratio = med(b.percentile(0.99) / f.percentile(0.99) for f, b in pairs)
    bot, floor = bots[-1], floors[-1]
    solo_floor, solo_bot = found["in_process"]["alone"]
    # One chat at a time: the floor replayed the bot's updates in the same order.
    keep = [kind != CONFIRM for kind in solo_bot.kinds]
    without_bot = [t for t, k in zip(solo_bot.latencies, keep, strict=True) if k]
    without_floor = [t for t, k in zip(solo_floor.latencies, keep, strict=True) if k]
    bot_p99_rest = solo_bot.percentile(0.99, without_bot)
    floor_p99_rest = solo_floor.percentile(0.99, without_floor)
    floor_cpu = med(f.cpu_per_update_ms for f in floors)
    bot_cpu = med(b.cpu_per_update_ms for b in bots)
    n = bot.updates
    out = [
        "",
        f"== in-process (Bot API answered instantly): {bot.conversations} onboardings, "
        f"{n} updates per pass, {len(pairs)} floor/bot pairs, {args.concurrency} chats at once",
        "                          floor      bot",
        f"CPU s per 1,000 updates   {floor_cpu:7.3f}  {bot_cpu:7.3f}",
        f"latency p50 ms            {med(f.percentile(0.5) for f in floors):7.3f}  "
        f"{med(b.percentile(0.5) for b in bots):7.3f}",
        f"latency p99 ms            {med(f.percentile(0.99) for f in floors):7.3f}  "
        f"{med(b.percentile(0.99) for b in bots):7.3f}",
        f"ratio bot/floor p99 latency: {p99_ratio:.2f} (with {args.concurrency} chats at once: "
        "an update waits for the others' CPU)",
        f"one update at a time ({solo_bot.updates} updates): p50 floor "
        f"{solo_floor.percentile(0.5):.3f} ms, bot {solo_bot.percentile(0.5):.3f} ms; p99 floor "
        f"{solo_floor.percentile(0.99):.3f} ms, bot {solo_bot.percentile(0.99):.3f} ms; "
        f"ratio bot/floor p99 latency alone: "
        f"{solo_bot.percentile(0.99) / solo_floor.percentile(0.99):.2f}",
        f"  the same without the confirm (its Leads API call, which the floor has no match for): "
        f"p99 floor {floor_p99_rest:.3f} ms, bot {bot_p99_rest:.3f} ms, ratio "
        f"{bot_p99_rest / floor_p99_rest:.2f}",
        f"Redis round trips per update, bot: {sum(bot.redis.values()) / n:.2f} "
        f"({_per_update(bot.redis, n)}); floor: {sum(floor.redis.values()) / floor.updates:.2f}",
        f"Redis commands executed per update, bot (those in scripts too): "
        f"{_per_update(bot.server, n)}",
        f"Bot API calls per update, bot: {sum(bot.api.values()) / n:.2f} "
        f"({_per_update(bot.api, n)})",
        f"Leads API calls per lead: {bot.lead_requests / max(1, bot.leads):.2f} "
        f"({bot.lead_requests} requests, {bot.leads} leads, {bot.conversations} onboardings)",
    ]
    out.append("Bot latency by kind of update (last pass): p50 / p99 ms, count")
    for kind, took in sorted(bot.by_action.items(), key=lambda item: -len(item[1])):
        ordered = sorted(took)
        p50, p99 = (
            ordered[len(ordered) // 2],
            ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        )
        out.append(f"  {kind:28} {1000 * p50:7.2f} / {1000 * p99:7.2f}  {len(took)}")
    anatomy = found["in_process"]["anatomy"]
    in_flight = [row["bytes"] for row in anatomy[1:-1]]
    out.append(
        f"Redis bytes per in-flight session (MEMORY USAGE of the chat's keys): median "
        f"{med(in_flight):.0f}, max {max(in_flight)}; session JSON at most "
        f"{max(row['session_json'] for row in anatomy)} bytes"
    )
    out.append("One onboarding alone, per action: Bot API calls; Redis round trips; Redis bytes")
    for row in anatomy:
        api = ", ".join(f"{k} {v}" for k, v in sorted(row["api"].items()))
        trips = sum(row["redis"].values())
        out.append(f"  {row['action'][:40]:40}  {api:58} {trips}  {row['bytes']} B")
    rss = found.get("rss")
    if rss:
        out.append(
            f"Peak RSS with {rss['sessions']:,} sessions stored in Redis ({rss['touched']:,} fed "
            f"an update): bot {rss['bot_peak_rss_mb']:.1f} MB (after start-up "
            f"{rss['bot_rss_start_mb']:.1f} MB); Redis used_memory "
            f"{rss['redis_used_memory_mb']:.1f} MB, RSS {rss['redis_rss_mb']:.1f} MB, "
            f"{rss['redis_used_per_session_bytes']:.0f} B per session"
        )
    http = found.get("http")
    if http:
        results: dict[str, list[Phase]] = http["results"]
        first = results["bot httpx"]
        out += [
            "",
            f"== over loopback HTTP (Bot API stand-in on its own thread; CPU of the bot's "
            f"thread): {first[0].conversations} onboardings per pass, {len(first)} rounds",
            "                        CPU ms/update   p50 ms   p99 ms   Bot API calls/update",
        ]
        for name, phases in results.items():
            out.append(
                f"  {name:22}  {med(p.cpu_per_update_ms for p in phases):11.3f}  "
                f"{med(p.percentile(0.5) for p in phases):7.3f}  "
                f"{med(p.percentile(0.99) for p in phases):7.3f}   "
                f"{sum(phases[-1].api.values()) / phases[-1].updates:.2f}"
            )
        out.append("CPU per sendMessage by request class (bot's thread, sequential calls):")
        out += [f"  {name:36} {cost:.3f} ms" for name, cost in http["per_call"].items()]
        best = med(p.cpu_per_update_ms for p in results["bot aiohttp"])
        out.append(
            f"bot over HTTP (aiohttp): {best:.3f} ms CPU/update; the aiogram reference "
            f"({AIOGRAM_FACTOR} x this floor in-process): {AIOGRAM_FACTOR * floor_cpu:.3f} ms"
        )
    if found["in_process"].get("profile"):
        out.append(f"profile written to {found['in_process']['profile']}")
    out.append(f"(run took {elapsed:.0f} s)")
    out.append(f"ratio bot/floor CPU per update: {cpu_ratio:.2f}")
    print("\n".join(out), flush=True)


def _quiet_logging(errors: Errors) -> None:
    """The bot's production logging (JSON at INFO), written to /dev/null: its cost is counted."""
    configure_logging("INFO", [TOKEN, SANDBOX_TOKEN], as_json=True)
    root = logging.getLogger()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    root.addHandler(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer conversations: under 30 s")
    parser.add_argument("--conversations", type=int, help="onboardings per in-process pass")
    parser.add_argument("--http-conversations", type=int, help="onboardings per HTTP pass")
    parser.add_argument("--repeats", type=int, help="interleaved floor/bot pairs")
    parser.add_argument("--concurrency", type=int, default=8, help="chats in flight at once")
    parser.add_argument("--calls", type=int, help="sendMessage calls per request class")
    parser.add_argument("--sessions", type=int, help="sessions stored for RSS (10,000)")
    parser.add_argument("--touch", type=int, help="stored sessions fed an update (RSS)")
    parser.add_argument("--no-http", action="store_true", help="skip the loopback HTTP mode")
    parser.add_argument(
        "--flush", action="store_true", help="REDIS_URL's database may be emptied (it is, often)"
    )
    parser.add_argument("--profile", help="write a pyinstrument profile of the bot here")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", help=argparse.SUPPRESS)
    parser.add_argument("--leads-api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.redis_url, args.leads_api_url, args.rss_child, args.touch)
        return
    quick = args.quick
    args.conversations = args.conversations or (20 if quick else 300)
    args.http_conversations = args.http_conversations or (4 if quick else 40)
    args.repeats = args.repeats or 3
    args.calls = args.calls or (100 if quick else 1000)
    # The RSS figure is the full run's; a quick run stores fewer sessions to stay short.
    args.sessions = args.sessions or (2_000 if quick else 10_000)
    args.touch = args.touch or (500 if quick else args.sessions)
    started_at = time.monotonic()
    errors = Errors()
    _quiet_logging(errors)
    calls = RedisCalls()
    with redis_server(flush=args.flush) as redis_url, sandbox_process() as leads_api_url:
        bench = Bench(redis_url, leads_api_url, args, calls, errors)
        found: dict[str, Any] = {}
        print(f"in-process: {args.conversations} onboardings x {args.repeats} pairs", flush=True)
        found["in_process"] = asyncio.run(in_process(bench, args.conversations, args.repeats))
        print(f"peak RSS: {args.sessions} sessions", flush=True)
        found["rss"] = peak_rss(redis_url, leads_api_url, args.sessions, args.touch)
        if not args.no_http:
            print(f"over HTTP: {args.http_conversations} onboardings x {args.repeats} pairs",
                  flush=True)  # fmt: skip
            found["http"] = asyncio.run(over_http(bench, args.http_conversations, args.repeats))
        redis.Redis.from_url(redis_url).flushdb()
    report(args, found, time.monotonic() - started_at)
    if errors.count:
        print(f"WARNING: {errors.count} handler errors during the run", flush=True)


if __name__ == "__main__":
    main()
