"""`migo-bot sandbox` as a real process: its command line, its token, its logs, its Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import redis.asyncio as aioredis

from tests.contract.conftest import ROOT, SPEC_EXAMPLE, StartProcess, example

TOKEN = "s3cret-sandbox-token"


async def test_a_configured_token_is_the_only_one_accepted(
    sandbox_process: StartProcess, http: httpx.AsyncClient
) -> None:
    url = sandbox_process("--token", TOKEN).base_url
    wrong = {"Authorization": "Bearer another-token"}
    refused = await http.post(f"{url}/leads", json=SPEC_EXAMPLE, headers=wrong)
    assert refused.status_code == 401
    assert refused.json()["success"] is False
    right = {"Authorization": f"Bearer {TOKEN}"}
    created = await http.post(f"{url}/leads", json=SPEC_EXAMPLE, headers=right)
    assert created.status_code == 201
    code = created.json()["data"]["invitationCode"]
    assert (await http.get(f"{url}/leads/{code}", headers=wrong)).status_code == 401
    assert (await http.get(f"{url}/leads/{code}", headers=right)).status_code == 200


async def test_it_prints_its_url_stops_on_sigterm_and_logs_no_personal_data(
    sandbox_process: StartProcess, http: httpx.AsyncClient
) -> None:
    process = sandbox_process("--token", TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = await http.post(f"{process.base_url}/leads", json=SPEC_EXAMPLE, headers=auth)
    code = created.json()["data"]["invitationCode"]
    await http.get(f"{process.base_url}/leads/{code}", headers=auth)
    await http.post(f"{process.base_url}/leads", json=example(email="jane@"), headers=auth)
    await http.post(f"{process.base_url}/leads", json=SPEC_EXAMPLE, headers=auth)
    await http.post(f"{process.base_url}/leads", content=b"Jane Doe", headers=auth)
    assert process.stop() == 0

    output = process.output
    assert f"Leads API sandbox on {process.base_url}" in output
    assert "POST /rest/leads -> 201" in output
    assert "GET /rest/leads/{code} -> 200" in output
    assert "POST /rest/leads -> 409" in output
    for secret in [TOKEN, code, "Jane", "Doe", "jane@", "XXXXXXXXX", "Example", "00000000"]:
        assert secret not in output


async def test_it_applies_the_configured_tributax_partner(
    sandbox_process: StartProcess, http: httpx.AsyncClient
) -> None:
    url = sandbox_process(env={"TRIBUTAX_PARTNER_SLUG": "tributax-gt"}).base_url
    auth = {"Authorization": "Bearer t"}
    refused = await http.post(f"{url}/leads", json=example(partner="tributax-gt"), headers=auth)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"].startswith("lastRtuUpdateDate: ")


async def test_redis_leads_survive_a_restart(
    sandbox_process: StartProcess, http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    auth = {"Authorization": "Bearer t"}
    first = sandbox_process("--redis")
    created = await http.post(f"{first.base_url}/leads", json=SPEC_EXAMPLE, headers=auth)
    assert created.status_code == 201
    code = created.json()["data"]["invitationCode"]
    assert first.stop() == 0
    assert "(leads in Redis)" in first.output

    second = sandbox_process("--redis")
    found = await http.get(f"{second.base_url}/leads/{code}", headers=auth)
    assert found.status_code == 200
    assert found.json()["data"]["invitationCode"] == code
    assert found.json()["data"]["cui"] == "XXXXXXXXX"
    again = await http.post(f"{second.base_url}/leads", json=SPEC_EXAMPLE, headers=auth)
    assert again.json()["errors"][0]["code"] == 7121
    keys = [key.decode() for key in await redis_client.keys("*")]
    assert keys
    assert all(key.startswith("sandbox:") for key in keys)


async def test_a_memory_sandbox_forgets_on_restart(
    sandbox_process: StartProcess, http: httpx.AsyncClient
) -> None:
    auth = {"Authorization": "Bearer t"}
    first = sandbox_process()
    created = await http.post(f"{first.base_url}/leads", json=SPEC_EXAMPLE, headers=auth)
    code = created.json()["data"]["invitationCode"]
    assert first.stop() == 0
    second = sandbox_process()
    assert (await http.get(f"{second.base_url}/leads/{code}", headers=auth)).status_code == 404


def test_redis_flag_without_redis_url_is_a_usage_error() -> None:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--redis"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


def test_an_unreachable_redis_fails_fast_without_printing_its_url() -> None:
    url = "redis://:hunter2@127.0.0.1:1/0"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--redis"],
        env={**os.environ, "REDIS_URL": url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "does not answer" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
