"""The sandbox's fault injection: each mode misbehaves as documented, then it recovers."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.sandbox import Sandbox
from tests.contract.conftest import (
    SPEC_EXAMPLE,
    admin_url,
    counter,
    eventually,
    example,
    inject,
)

AUTH = {"Authorization": "Bearer test-token"}


async def post_lead(http: httpx.AsyncClient, base_url: str, cui: str = "1") -> httpx.Response:
    """POST a valid lead (distinct CUIs give distinct leads)."""
    return await http.post(f"{base_url}/leads", json=example(cui=cui), headers=AUTH)


async def received(http: httpx.AsyncClient, base_url: str) -> bool:
    """Whether the sandbox has received an API request."""
    return await counter(http, base_url, "requests") > 0


async def test_error_answers_the_status_for_the_next_n_requests_only(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="error", count=2, status=502)
    first = await post_lead(http, sandbox_url, "1")
    second = await http.get(f"{sandbox_url}/leads/ZZZZ999", headers=AUTH)
    assert (first.status_code, second.status_code) == (502, 502)
    assert first.headers["content-type"].startswith("text/plain")
    assert (await post_lead(http, sandbox_url, "2")).status_code == 201
    # Failed requests were not processed, and every API request was counted.
    assert await counter(http, sandbox_url, "leads") == 1
    assert await counter(http, sandbox_url, "requests") == 3


async def test_error_defaults_to_503(sandbox_url: str, http: httpx.AsyncClient) -> None:
    await inject(http, sandbox_url, mode="error")
    assert (await post_lead(http, sandbox_url)).status_code == 503


async def test_create_failed_answers_7105_and_stores_nothing(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="create_failed")
    response = await post_lead(http, sandbox_url)
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "errors": [{"message": "The lead could not be created", "code": 7105}],
    }
    assert await counter(http, sandbox_url, "leads") == 0


async def test_garbage_processes_the_request_then_answers_non_json(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="garbage")
    response = await post_lead(http, sandbox_url)
    assert response.status_code == 200
    with pytest.raises(ValueError, match="Expecting value"):
        response.json()
    assert await counter(http, sandbox_url, "leads") == 1


async def test_garbage_can_be_malformed_json(sandbox_url: str, http: httpx.AsyncClient) -> None:
    await inject(http, sandbox_url, mode="garbage", body='{"success": "maybe"}')
    response = await post_lead(http, sandbox_url)
    assert (response.status_code, response.text) == (200, '{"success": "maybe"}')


async def test_reply_answers_verbatim_without_processing(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="reply", status=418, body='{"success": true}')
    response = await post_lead(http, sandbox_url)
    assert (response.status_code, response.json()) == (418, {"success": True})
    assert await counter(http, sandbox_url, "leads") == 0


async def test_faults_are_queued_in_order(sandbox_url: str, http: httpx.AsyncClient) -> None:
    await inject(http, sandbox_url, mode="error", status=500)
    await inject(http, sandbox_url, mode="create_failed")
    statuses = [(await post_lead(http, sandbox_url, str(n))).status_code for n in range(3)]
    assert statuses == [500, 500, 201]
    assert await counter(http, sandbox_url, "leads") == 1


async def test_admin_and_health_requests_do_not_take_faults(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="error")
    assert (await http.get(admin_url(sandbox_url, "/health"))).status_code == 200
    assert await counter(http, sandbox_url, "leads") == 0
    assert (await post_lead(http, sandbox_url)).status_code == 503


async def test_delete_clears_pending_faults(sandbox_url: str, http: httpx.AsyncClient) -> None:
    await inject(http, sandbox_url, mode="error", count=5)
    cleared = await http.delete(admin_url(sandbox_url, "/_sandbox/faults"))
    assert cleared.json() == {"pending": 0}
    assert (await post_lead(http, sandbox_url)).status_code == 201


@pytest.mark.parametrize(
    "fault",
    [{"mode": "explode"}, {"mode": "error", "count": 0}, {"mode": "hang", "seconds": -1}, {}],
)
async def test_a_malformed_fault_is_refused(
    sandbox_url: str, http: httpx.AsyncClient, fault: dict[str, object]
) -> None:
    response = await http.post(admin_url(sandbox_url, "/_sandbox/faults"), json=fault)
    assert response.status_code == 400
    assert (await post_lead(http, sandbox_url)).status_code == 201


async def test_a_hang_answers_late_without_blocking_other_requests(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="hang", seconds=1.0)
    started = time.monotonic()
    hanging = asyncio.create_task(post_lead(http, sandbox_url, "1"))
    await eventually(lambda: received(http, sandbox_url))
    # The hanging request was processed at once; other requests are answered meanwhile.
    assert await counter(http, sandbox_url, "leads") == 1
    assert (await post_lead(http, sandbox_url, "2")).status_code == 201
    assert not hanging.done()
    response = await hanging
    assert time.monotonic() - started >= 1.0
    assert response.status_code == 201


async def test_stopping_wakes_a_hanging_request(sandbox: Sandbox, http: httpx.AsyncClient) -> None:
    await inject(http, sandbox.base_url, mode="hang", seconds=600)
    hanging = asyncio.create_task(
        http.post(f"{sandbox.base_url}/leads", json=SPEC_EXAMPLE, headers=AUTH)
    )
    await eventually(lambda: received(http, sandbox.base_url))
    started = time.monotonic()
    await sandbox.stop()
    assert time.monotonic() - started < 2
    response = await asyncio.wait_for(hanging, 2)
    assert response.status_code == 201
