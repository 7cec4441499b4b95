"""The `migo-bot` commands a terminal user runs: status lookups and the telegram guard."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.contract.conftest import ROOT, SPEC_EXAMPLE, StartProcess
from tests.e2e.botapi import BotApiStandIn

TOKEN = "cli-token"
FIFO = "<a named pipe>"
# What `migo-bot telegram` needs to get as far as calling Telegram.
TELEGRAM_ENV = {
    "TELEGRAM_BOT_TOKEN": "123456:cli-bot-token",
    "PARTNER_SLUG": "migo-gt",
    "LEADS_API_TOKEN": "cli-leads-token",
    "REDIS_URL": "",
}


def migo_bot(
    *args: str, env: dict[str, str], base_url: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """The real command line; `cwd` is where it looks for `.env` (the project stays importable)."""
    if base_url is not None:
        env = {**env, "TELEGRAM_API_BASE_URL": base_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        check=False,
    )


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_status_prints_the_masked_record_and_exit_codes(sandbox_process: StartProcess) -> None:
    sandbox = sandbox_process("--token", TOKEN)
    body = {**SPEC_EXAMPLE, "cui": "1234567890101", "nit": "576937K", "phone": "+50255551234"}
    created = httpx.post(
        f"{sandbox.base_url}/leads", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    code = created.json()["data"]["invitationCode"]
    env = {"LEADS_API_URL": sandbox.base_url, "LEADS_API_TOKEN": TOKEN, "DEFAULT_LANGUAGE": "en"}
    found = migo_bot("status", code.lower(), env=env)
    assert found.returncode == 0, found.stderr
    assert f"Invitation code {code}" in found.stdout
    assert "Jane" in found.stdout
    assert "0101" in found.stdout
    assert "1234567890101" not in found.stdout
    missing = migo_bot("status", "ZZZZ999", env=env)
    assert missing.returncode == 1
    assert "ZZZZ999" in missing.stdout
    malformed = migo_bot("status", "no!", env=env)
    assert malformed.returncode == 2


@pytest.mark.parametrize("blank", ["", "   "])
def test_telegram_without_a_token_says_so_and_exits_2(blank: str) -> None:
    result = migo_bot("telegram", env={"TELEGRAM_BOT_TOKEN": blank})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr.splitlines()[-1]


def test_telegram_without_a_partner_says_so_and_exits_2() -> None:
    result = migo_bot("telegram", env={"TELEGRAM_BOT_TOKEN": "1:x", "PARTNER_SLUG": ""})
    assert result.returncode == 2
    assert "PARTNER_SLUG" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [("telegram",), ("console",), ("status", "ZZZZ999")],
)
def test_a_leads_api_without_its_token_is_refused_at_once(command: tuple[str, ...]) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "1:x",
        "PARTNER_SLUG": "migo-gt",
        "LEADS_API_URL": "http://127.0.0.1:9/rest",
        "LEADS_API_TOKEN": "",
    }
    result = migo_bot(*command, env=env)
    assert result.returncode == 2
    assert "LEADS_API_TOKEN" in result.stdout + result.stderr
    assert "Paso 1" not in result.stdout  # refused before the first question


def test_a_sandbox_on_a_busy_port_says_so_without_a_traceback() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = migo_bot("sandbox", "--host", "127.0.0.1", "--port", str(port), env={})
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_settings_are_named_one_per_line_without_their_values() -> None:
    secret = "123456:Zq9-in-the-wrong-place"
    env = {
        "TELEGRAM_HTTP_CLIENT": secret,
        "LEADS_API_URL": f"not a url {secret}",
        "LEADS_API_TIMEOUT_SECONDS": "inf",
        "REDIS_URL": f"redis://:{secret}/with-a-slash@127.0.0.1:6379/0",
        "SESSION_TTL_SECONDS": "99999999999999999999",
        "SUPPORT_USER_IDS": f"1,{secret},x",
        "WEBHOOK_SECRET_TOKEN": secret,
        "WEBHOOK_PORT": "99999",
        "LOG_LEVEL": secret,
        "METRICS_PORT": "not-a-port",
    }
    result = migo_bot("health", env=env)
    assert result.returncode == 1  # the healthcheck's "unhealthy", on one line
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("unhealthy: TELEGRAM_HTTP_CLIENT: Input should be")
    result = migo_bot("flow", env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "migo-bot: the settings are not valid:",
        "  TELEGRAM_HTTP_CLIENT: Input should be 'aiohttp' or 'httpx'",
        "  LEADS_API_URL is not an http(s) URL with a host",
        "  LEADS_API_TIMEOUT_SECONDS: Input should be a finite number",
        "  REDIS_URL is not a valid Redis URL",
        "  SESSION_TTL_SECONDS: Input should be less than or equal to 31536000",
        "  SUPPORT_USER_IDS: Input should be a valid integer, unable to parse string as an integer",
        "  WEBHOOK_SECRET_TOKEN is not 1 to 256 characters among A-Z, a-z, 0-9, _ and -",
        "  WEBHOOK_PORT: Input should be less than or equal to 65535",
        "  LOG_LEVEL is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        "  METRICS_PORT: Input should be a valid integer, unable to parse string as an integer",
    ]
    assert "Zq9" not in result.stderr


def test_a_redis_url_whose_database_is_not_a_number_is_refused_not_read_as_0() -> None:
    result = migo_bot("flow", env={"REDIS_URL": "redis://127.0.0.1:6379/sessions"})
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == ["  REDIS_URL is not a valid Redis URL"]


def test_an_env_file_that_is_not_utf8_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"TELEGRAM_BOT_TOKEN=\xff123456:SECRET-XYZ\n")
    result = migo_bot("flow", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "migo-bot: the settings could not be read from .env (UnicodeDecodeError)"
    ]


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379?db=3"])
def test_a_cluster_url_naming_a_database_is_refused_before_anything_starts(url: str) -> None:
    result = migo_bot("telegram", env={"REDIS_URL": url, "REDIS_CLUSTER": "true"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "migo-bot: the settings are not valid:",
        "  REDIS_CLUSTER is set, but REDIS_URL names a database other than 0",
    ]


@pytest.mark.parametrize("client", ["aiohttp", "httpx"])
async def test_a_token_telegram_refuses_is_named_not_printed(client: str) -> None:
    api = BotApiStandIn()
    await api.start()
    refused = "123456:a-token-telegram-does-not-know"
    try:
        result = await asyncio.to_thread(
            migo_bot,
            "telegram",
            env={**TELEGRAM_ENV, "TELEGRAM_BOT_TOKEN": refused, "TELEGRAM_HTTP_CLIENT": client},
            base_url=api.base_url,
        )
    finally:
        await api.stop()
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "migo-bot telegram: Telegram refused TELEGRAM_BOT_TOKEN"
    )
    assert refused not in result.stdout + result.stderr
    assert "Unclosed" not in result.stderr


@pytest.mark.parametrize("client", ["aiohttp", "httpx"])
def test_a_bot_api_that_does_not_answer_at_start_is_one_line_and_exit_1(client: str) -> None:
    dead = f"http://127.0.0.1:{dead_port()}/bot"
    result = migo_bot(
        "telegram", env={**TELEGRAM_ENV, "TELEGRAM_HTTP_CLIENT": client}, base_url=dead
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "migo-bot telegram: the Bot API at 127.0.0.1 did not answer (NetworkError)"
    )
    assert TELEGRAM_ENV["TELEGRAM_BOT_TOKEN"] not in result.stdout + result.stderr
    assert "Unclosed" not in result.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, ": cannot be read (No such file or directory)"),
        ("{not json", " is not a products catalogue (Invalid JSON: key must be a string"),
        ('{"currencies": 3}', " is not a products catalogue (currencies: Input should be"),
        ('{"payment_methods": []}', " is not a products catalogue (payment_methods: Tuple should"),
        ('{"default_sdk": "X"}', " is not a products catalogue (default_sdk is not one of sdk_"),
        (
            '{"a-key-of-the-file": 1}',
            " is not a products catalogue (Extra inputs are not permitted)",
        ),
        (FIFO, ": cannot be read (not a regular file)"),
    ],
)
def test_a_products_file_that_cannot_be_used_stops_every_command(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    products = tmp_path / "products.json"
    if content == FIFO:
        os.mkfifo(products)  # reading it would never end
    elif content is not None:
        products.write_text(content, encoding="utf-8")
    for command in (["console"], ["telegram"], ["status", "ABC1234"]):
        result = migo_bot(*command, env={"PRODUCTS_FILE": str(products)})
        assert result.returncode == 2
        assert result.stderr.splitlines()[0] == "migo-bot: the settings are not valid:"
        assert result.stderr.splitlines()[1].startswith(f"  PRODUCTS_FILE{problem}")
        assert "a-key-of-the-file" not in result.stderr


async def test_a_start_up_call_telegram_refuses_is_one_line_with_telegrams_reason() -> None:
    async def answer(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            me = {"id": 123456, "is_bot": True, "first_name": "Migo", "username": "migo_bot"}
            return web.json_response({"ok": True, "result": me})
        if request.match_info["method"] == "deleteWebhook":
            reason = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            return web.json_response(
                {"ok": False, "error_code": 400, "description": reason}, status=400
            )
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        result = await asyncio.to_thread(
            migo_bot, "telegram", env=TELEGRAM_ENV, base_url=f"http://127.0.0.1:{port}/bot"
        )
    finally:
        await runner.cleanup()
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "migo-bot telegram: Telegram refused a start-up call: "
        "Bad webhook: an https url must be provided for webhook"  # as PTB words it
    )
    assert TELEGRAM_ENV["TELEGRAM_BOT_TOKEN"] not in result.stdout + result.stderr


async def test_a_metrics_port_in_use_is_one_line_and_exit_1() -> None:
    api = BotApiStandIn()
    await api.start()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {**TELEGRAM_ENV, "TELEGRAM_BOT_TOKEN": api.token}
        env["METRICS_PORT"] = str(taken.getsockname()[1])
        try:
            result = await asyncio.to_thread(migo_bot, "telegram", env=env, base_url=api.base_url)
        finally:
            await api.stop()
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "migo-bot telegram: could not listen (Address already in use)"
    )


def test_status_with_a_token_the_leads_api_refuses_says_so_and_exits_2(
    sandbox_process: StartProcess,
) -> None:
    sandbox = sandbox_process("--token", TOKEN)
    env = {"LEADS_API_URL": sandbox.base_url, "LEADS_API_TOKEN": "not-the-token"}
    result = migo_bot("status", "ZZZZ999", env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "migo-bot status: the Leads API refused LEADS_API_TOKEN"
    )
    assert "not-the-token" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("LEADS_API_TOKEN", "pasted-with-an-nbsp\u00a0", "LEADS_API_TOKEN is not a bearer token"),
        ("TELEGRAM_BOT_TOKEN", "123456:abc/../../x", "TELEGRAM_BOT_TOKEN is not a bot token"),
        ("LEADS_API_URL", "http://xn--zz.invalid/rest", "LEADS_API_URL is not a valid URL"),
        ("FUNNEL_SWEEP_SECONDS", "0.0000001", "FUNNEL_SWEEP_SECONDS: Input should be greater"),
        ("REMINDER_AFTER_SECONDS", "700000", "REMINDER_AFTER_SECONDS is not below SESSION_TTL"),
    ],
)
def test_values_that_would_fail_later_are_refused_at_start(
    variable: str, value: str, line: str
) -> None:
    result = migo_bot("flow", env={variable: value})
    assert result.returncode == 2
    assert result.stderr.splitlines()[1].startswith(f"  {line}")
    assert value not in result.stderr


def test_an_env_file_that_is_a_pipe_is_refused_instead_of_read_for_ever(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".env")
    for command, status, line in [
        ("flow", 2, "migo-bot: the settings could not be read from .env (OSError)"),
        ("health", 1, "unhealthy: the settings could not be read from .env (OSError)"),
    ]:
        result = migo_bot(command, env={}, cwd=tmp_path)
        assert (result.returncode, result.stderr.splitlines()) == (status, [line])


def test_the_console_says_in_one_line_that_redis_does_not_answer() -> None:
    dead = f"redis://127.0.0.1:{dead_port()}/0"
    result = migo_bot("console", env={"REDIS_URL": dead})
    assert result.returncode == 3
    assert result.stderr.splitlines()[-1] == (
        "migo-bot console: the session store at REDIS_URL does not answer: "
        "Redis is unavailable (ConnectionError)"
    )
