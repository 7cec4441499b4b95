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

from tests.contract.conftest import ROOT, SPEC_EXAMPLE, StartProcess
from tests.e2e.botapi import BotApiStandIn

TOKEN = "cli-token"
# What `migo-bot telegram` needs to get as far as calling Telegram.
TELEGRAM_ENV = {
    "TELEGRAM_BOT_TOKEN": "123456:cli-bot-token",
    "PARTNER_SLUG": "migo-gt",
    "LEADS_API_TOKEN": "cli-leads-token",
    "REDIS_URL": "",
}


def migo_bot(
    *args: str, env: dict[str, str], base_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    if base_url is not None:
        env = {**env, "TELEGRAM_API_BASE_URL": base_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        cwd=ROOT,
        check=False,
    )


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


def test_telegram_without_a_token_says_so_and_exits_2() -> None:
    result = migo_bot("telegram", env={"TELEGRAM_BOT_TOKEN": ""})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stdout + result.stderr


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
    result = migo_bot(
        "health",
        env={
            "METRICS_PORT": "not-a-port",
            "TELEGRAM_HTTP_CLIENT": "123456:a-token-set-in-the-wrong-variable",
        },
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "migo-bot: the settings are not valid:",
        "  TELEGRAM_HTTP_CLIENT: Input should be 'aiohttp' or 'httpx'",
        "  METRICS_PORT: Input should be a valid integer, unable to parse string as an integer",
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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/bot"
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
        (None, "cannot be read (No such file or directory)"),
        ("{not json", "not a products catalogue (Invalid JSON: key must be a string"),
        ('{"currencies": 3}', "not a products catalogue (currencies: Input should be"),
    ],
)
def test_a_products_file_that_cannot_be_used_stops_every_command(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    products = tmp_path / "products.json"
    if content is not None:
        products.write_text(content, encoding="utf-8")
    for command in (["console"], ["telegram"], ["status", "ABC1234"]):
        result = migo_bot(*command, env={"PRODUCTS_FILE": str(products)})
        assert result.returncode == 2
        assert result.stderr.splitlines()[0] == "migo-bot: the settings are not valid:"
        assert result.stderr.splitlines()[1].startswith(f"  PRODUCTS_FILE: {problem}")
