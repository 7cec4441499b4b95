"""The `migo-bot` commands a terminal user runs: status lookups and the telegram guard."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx
import pytest

from tests.contract.conftest import ROOT, SPEC_EXAMPLE, StartProcess

TOKEN = "cli-token"


def migo_bot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
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
