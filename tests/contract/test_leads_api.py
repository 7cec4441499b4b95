"""The Leads API client against the sandbox: every outcome becomes a value or our exception."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.leads_api import (
    ApiError,
    InvalidCode,
    LeadAlreadyRegistered,
    LeadNotCreated,
    LeadRejected,
    LeadsApiClient,
    LeadsApiMisconfigured,
    LeadsApiUnavailable,
    build_http_client,
    normalize_code,
)
from bot.sandbox import Sandbox
from bot.settings import Settings
from flows.lead import LeadRecord
from tests.contract.conftest import (
    CLIENT_TIMEOUT_SECONDS,
    MakeClient,
    StartSandbox,
    admin_url,
    counter,
    example_lead,
    inject,
)

CODE = re.compile(r"[A-Z0-9]{7}")


@contextmanager
def refusing_port() -> Iterator[socket.socket]:
    """A loopback port that refuses connections: bound, never listening, held until exit."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder


def base_url_of(holder: socket.socket) -> str:
    """The API base URL on a held port."""
    return f"http://127.0.0.1:{holder.getsockname()[1]}/rest"


# Outcomes against every sandbox flavour (in-process memory, in-process Redis, process).


async def test_create_then_get_the_spec_example(api_url: str, make_client: MakeClient) -> None:
    client, _ = make_client(api_url)
    code = await client.create_lead(example_lead())
    assert CODE.fullmatch(code)
    record = await client.get_lead(code)
    assert isinstance(record, LeadRecord)
    assert (record.invitationCode, record.firstName, record.cui) == (code, "Jane", "XXXXXXXXX")
    assert (record.country, record.hasRegime, record.clientId) == ("GTM", True, "")
    assert record.paymentMethods is not None
    assert [m.slug for m in record.paymentMethods] == ["akisiQR", "td/tc"]
    assert record.payoutAccountNumber is None
    assert record.model_extra is not None
    assert re.fullmatch(r"[0-9a-f]{24}", record.model_extra["_id"])


async def test_codes_are_accepted_in_any_case_and_spacing(
    api_url: str, make_client: MakeClient
) -> None:
    client, _ = make_client(api_url)
    code = await client.create_lead(example_lead())
    record = await client.get_lead(f"  {code.lower()}\n")
    assert record is not None
    assert record.invitationCode == code


async def test_an_unknown_code_is_none(api_url: str, make_client: MakeClient) -> None:
    client, requests = make_client(api_url)
    assert await client.get_lead("ZZZZ999") is None
    assert requests.count == 1


async def test_the_same_lead_twice_is_already_registered(
    api_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    client, _ = make_client(api_url)
    await client.create_lead(example_lead())
    with pytest.raises(LeadAlreadyRegistered):
        await client.create_lead(example_lead(firstName="Juana"))
    assert await counter(http, api_url, "leads") == 1


async def test_a_lead_the_server_refuses_names_the_field(
    api_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    client, _ = make_client(api_url)
    with pytest.raises(LeadRejected) as rejected:
        await client.create_lead(example_lead(email="jane@"))
    [error] = rejected.value.errors
    assert (error.field, error.code) == ("email", "VALIDATION_ERROR")
    assert error.message.startswith("email: ")
    assert "jane@" not in str(rejected.value)
    assert await counter(http, api_url, "leads") == 0


async def test_the_merchant_id_is_forwarded_when_given(
    api_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    client, _ = make_client(api_url)
    with_id = await client.create_lead(example_lead(), merchant_id="merchant-42")
    without = await client.create_lead(example_lead(cui="1" * 13))
    meta = await http.get(admin_url(api_url, f"/_sandbox/leads/{with_id}/meta"))
    assert meta.json() == {"merchantId": "merchant-42"}
    meta = await http.get(admin_url(api_url, f"/_sandbox/leads/{without}/meta"))
    assert meta.json() == {"merchantId": None}


async def test_a_wrong_token_is_a_misconfiguration(
    start_sandbox: StartSandbox, make_client: MakeClient
) -> None:
    sandbox = await start_sandbox(token="the-right-token")
    client, requests = make_client(sandbox.base_url, token="a-wrong-token")
    with pytest.raises(LeadsApiMisconfigured):
        await client.create_lead(example_lead())
    with pytest.raises(LeadsApiMisconfigured):
        await client.get_lead("ZZZZ999")
    assert requests.count == 2
    right, _ = make_client(sandbox.base_url, token="the-right-token")
    assert CODE.fullmatch(await right.create_lead(example_lead()))


@pytest.mark.parametrize("token", [None, ""])
async def test_no_token_is_a_misconfiguration_without_a_request(
    sandbox_url: str, make_client: MakeClient, token: str | None
) -> None:
    client, requests = make_client(sandbox_url, token=token)
    with pytest.raises(LeadsApiMisconfigured):
        await client.create_lead(example_lead())
    with pytest.raises(LeadsApiMisconfigured):
        await client.get_lead("ZZZZ999")
    assert requests.count == 0


async def test_a_url_that_is_not_http_is_a_misconfiguration(make_client: MakeClient) -> None:
    client, _ = make_client("ftp://127.0.0.1:21/rest")
    with pytest.raises(LeadsApiMisconfigured):
        await client.create_lead(example_lead())
    with pytest.raises(LeadsApiMisconfigured):
        await client.get_lead("ZZZZ999")


# The Tributax rule, checked by the server and, with the configured slug, by the client.


async def test_the_server_rejects_a_tributax_lead_without_its_rtu_date(
    start_sandbox: StartSandbox, make_client: MakeClient
) -> None:
    sandbox = await start_sandbox(tributax_partner_slug="tributax-gt")
    client, requests = make_client(sandbox.base_url)
    with pytest.raises(LeadRejected) as rejected:
        await client.create_lead(example_lead(partner="tributax-gt"))
    assert [e.field for e in rejected.value.errors] == ["lastRtuUpdateDate"]
    assert requests.count == 1


async def test_the_client_checks_the_configured_tributax_slug_before_sending(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    client, requests = make_client(sandbox_url, tributax_partner_slug="tributax-gt")
    with pytest.raises(LeadRejected) as rejected:
        await client.create_lead(example_lead(partner="tributax-gt"))
    [error] = rejected.value.errors
    assert error.field == "lastRtuUpdateDate"
    assert error.message.startswith("lastRtuUpdateDate: ")
    assert requests.count == 0
    assert await counter(http, sandbox_url, "requests") == 0
    lead = example_lead(partner="tributax-gt", lastRtuUpdateDate="2024-06-30")
    assert CODE.fullmatch(await client.create_lead(lead))


# Answers of other shapes than the sandbox's own, replayed verbatim.


async def test_error_entries_keep_their_codes_and_name_lead_fields(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    errors = [
        {"message": '"email" must be a valid email', "code": "any.invalid"},
        {"message": "paymentMethods.0.slug: required", "code": 4001},
        {"message": "The lead is invalid", "code": None},
        {"message": "phoneNumber: unknown field"},
    ]
    body = json.dumps({"success": False, "errors": errors})
    await inject(http, sandbox_url, mode="reply", status=400, body=body)
    client, _ = make_client(sandbox_url)
    with pytest.raises(LeadRejected) as rejected:
        await client.create_lead(example_lead())
    assert rejected.value.errors == (
        ApiError('"email" must be a valid email', "any.invalid", "email"),
        ApiError("paymentMethods.0.slug: required", 4001, "paymentMethods"),
        ApiError("The lead is invalid", None, None),
        ApiError("phoneNumber: unknown field", None, None),
    )


@pytest.mark.parametrize("status", [200, 404])
@pytest.mark.parametrize("body", ['{"success": true}', '{"success": true, "data": null}'])
async def test_success_without_data_is_none(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient, status: int, body: str
) -> None:
    await inject(http, sandbox_url, mode="reply", status=status, body=body)
    client, _ = make_client(sandbox_url)
    assert await client.get_lead("25DC4D1") is None


async def test_7130_with_any_status_is_none(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    body = '{"success": false, "errors": [{"message": "LEAD_NOT_FOUND", "code": "7130"}]}'
    await inject(http, sandbox_url, mode="reply", status=200, body=body)
    client, _ = make_client(sandbox_url)
    assert await client.get_lead("25DC4D1") is None


async def test_7121_as_a_string_code_is_already_registered(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    body = '{"success": false, "errors": [{"message": "LEAD_ALREADY_REGISTERED", "code": "7121"}]}'
    await inject(http, sandbox_url, mode="reply", status=400, body=body)
    client, _ = make_client(sandbox_url)
    with pytest.raises(LeadAlreadyRegistered):
        await client.create_lead(example_lead())


async def test_a_get_refused_with_other_errors_is_rejected(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    body = '{"success": false, "errors": [{"message": "code: malformed", "code": "BAD_CODE"}]}'
    await inject(http, sandbox_url, mode="reply", status=400, body=body)
    client, requests = make_client(sandbox_url)
    with pytest.raises(LeadRejected) as rejected:
        await client.get_lead("25DC4D1")
    assert rejected.value.errors == (ApiError("code: malformed", "BAD_CODE", None),)
    assert requests.count == 1


async def test_a_forbidden_answer_is_a_misconfiguration(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="reply", status=403, body="Forbidden")
    client, _ = make_client(sandbox_url)
    with pytest.raises(LeadsApiMisconfigured):
        await client.create_lead(example_lead())


async def test_throttling_is_unavailable_and_surely_not_processed(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="reply", status=429, body="")
    client, requests = make_client(sandbox_url)
    with pytest.raises(LeadsApiUnavailable) as unavailable:
        await client.create_lead(example_lead())
    assert unavailable.value.outcome_unknown is False
    assert requests.count == 1


# Failures of POST: resent only when the request surely never reached the server.


async def test_create_failed_is_lead_not_created(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="create_failed")
    client, requests = make_client(sandbox_url)
    with pytest.raises(LeadNotCreated):
        await client.create_lead(example_lead())
    assert requests.count == 1
    assert await counter(http, sandbox_url, "leads") == 0


@pytest.mark.parametrize(
    "body", ["Service Unavailable", '{"success": false, "errors": [{"message": "boom"}]}']
)
async def test_a_server_error_on_create_is_not_resent_and_outcome_unknown(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient, body: str
) -> None:
    await inject(http, sandbox_url, mode="reply", status=503, body=body)
    client, requests = make_client(sandbox_url)
    with pytest.raises(LeadsApiUnavailable) as unavailable:
        await client.create_lead(example_lead())
    assert unavailable.value.outcome_unknown is True
    assert requests.count == 1
    assert await counter(http, sandbox_url, "requests") == 1


async def test_an_injected_5xx_on_create_is_not_resent(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="error", count=1)
    client, _ = make_client(sandbox_url)
    # A resend would have been answered 201: the exception proves there was none.
    with pytest.raises(LeadsApiUnavailable) as unavailable:
        await client.create_lead(example_lead())
    assert unavailable.value.outcome_unknown is True
    assert await counter(http, sandbox_url, "requests") == 1
    assert await counter(http, sandbox_url, "leads") == 0


async def test_a_read_timeout_on_create_is_not_resent_and_the_lead_exists_once(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="hang", count=3, seconds=30)
    client, requests = make_client(sandbox_url)
    started = time.monotonic()
    with pytest.raises(LeadsApiUnavailable) as unavailable:
        await client.create_lead(example_lead())
    assert time.monotonic() - started < 2
    assert unavailable.value.outcome_unknown is True
    assert isinstance(unavailable.value.__cause__, httpx.ReadTimeout)
    assert requests.count == 1
    assert await counter(http, sandbox_url, "requests") == 1
    assert await counter(http, sandbox_url, "leads") == 1


@pytest.mark.parametrize(
    "body",
    [
        None,
        '{"success": "maybe"}',
        '{"success": true}',
        '{"success": true, "data": {"_id": "1"}}',
        '{"success": true, "data": {"invitationCode": "not a code!"}}',
        '{"success": false}',
        "[]",
    ],
)
async def test_garbage_after_create_is_outcome_unknown(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient, body: str | None
) -> None:
    await inject(http, sandbox_url, mode="garbage", **({"body": body} if body else {}))
    client, requests = make_client(sandbox_url)
    with pytest.raises(LeadsApiUnavailable) as unavailable:
        await client.create_lead(example_lead())
    assert unavailable.value.outcome_unknown is True
    assert requests.count == 1
    assert await counter(http, sandbox_url, "leads") == 1


async def test_connection_refused_is_resent_then_surely_not_processed(
    make_client: MakeClient,
) -> None:
    with refusing_port() as port:
        client, requests = make_client(base_url_of(port), get_attempts=3)
        with pytest.raises(LeadsApiUnavailable) as unavailable:
            await client.create_lead(example_lead())
    assert unavailable.value.outcome_unknown is False
    assert isinstance(unavailable.value.__cause__, httpx.ConnectError)
    assert requests.count == 3


async def test_a_create_resent_after_connection_refused_succeeds_once(
    make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    sandbox = Sandbox()
    with refusing_port() as port:
        address = port.getsockname()

        async def come_up_on_second_attempt(request: httpx.Request) -> None:
            if requests.count == 2:
                port.close()
                await sandbox.start(*address)

        client, requests = make_client(
            base_url_of(port), get_attempts=3, on_request=come_up_on_second_attempt
        )
        try:
            code = await client.create_lead(example_lead())
            assert CODE.fullmatch(code)
            assert requests.count == 2
            assert await counter(http, sandbox.base_url, "leads") == 1
        finally:
            await sandbox.stop()


# Failures of GET: retried with backoff, up to get_attempts tries.


async def test_a_get_is_retried_through_server_errors(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    client, _ = make_client(sandbox_url)
    code = await client.create_lead(example_lead())
    await inject(http, sandbox_url, mode="error", count=2, status=503)
    record = await client.get_lead(code)
    assert record is not None
    assert record.invitationCode == code
    assert await counter(http, sandbox_url, "requests") == 4


@pytest.mark.parametrize(
    "fault",
    [
        {"mode": "error", "status": 500},
        {"mode": "garbage"},
        {"mode": "reply", "status": 200, "body": '{"success": true, "data": {"cui": 5}}'},
        {"mode": "hang", "seconds": 30},
    ],
)
async def test_a_get_gives_up_after_its_attempts(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient, fault: dict[str, object]
) -> None:
    await inject(http, sandbox_url, count=3, **fault)
    client, requests = make_client(sandbox_url, get_attempts=3)
    with pytest.raises(LeadsApiUnavailable):
        await client.get_lead("25DC4D1")
    assert requests.count == 3
    # The next request is served normally: all three faults were taken.
    assert await client.get_lead("25DC4D1") is None


async def test_a_get_is_retried_after_a_read_timeout(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    client, requests = make_client(sandbox_url)
    code = await client.create_lead(example_lead())
    await inject(http, sandbox_url, mode="hang", seconds=30)
    record = await client.get_lead(code)
    assert record is not None
    assert requests.count == 3


async def test_a_single_attempt_get_is_not_retried(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    await inject(http, sandbox_url, mode="error")
    client, requests = make_client(sandbox_url, get_attempts=1)
    with pytest.raises(LeadsApiUnavailable):
        await client.get_lead("25DC4D1")
    assert requests.count == 1


async def test_a_get_with_nothing_listening_is_surely_not_processed(
    make_client: MakeClient,
) -> None:
    with refusing_port() as port:
        client, requests = make_client(base_url_of(port), get_attempts=2)
        with pytest.raises(LeadsApiUnavailable) as unavailable:
            await client.get_lead("25DC4D1")
    assert unavailable.value.outcome_unknown is False
    assert requests.count == 2


def test_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LeadsApiClient(httpx.AsyncClient(), None, get_attempts=0)


# Invitation codes.


@pytest.mark.parametrize(
    ("text", "code"),
    [("25DC4D1", "25DC4D1"), (" 25dc4d1 ", "25DC4D1"), ("abcd", "ABCD"), ("A" * 16, "A" * 16)],
)
def test_codes_are_normalized(text: str, code: str) -> None:
    assert normalize_code(text) == code


@pytest.mark.parametrize(
    "text", ["", "ABC", "A" * 17, "25DC-4D1", "25DC 4D1", "ÁBCD", "25dc4d1/.."]
)
def test_malformed_codes_are_refused(text: str) -> None:
    with pytest.raises(InvalidCode):
        normalize_code(text)


@given(st.text(max_size=30))
def test_any_text_is_a_code_or_invalid(text: str) -> None:
    try:
        code = normalize_code(text)
    except InvalidCode:
        return
    assert re.fullmatch(r"[A-Z0-9]{4,16}", code)
    assert code == text.strip().upper()


async def test_a_malformed_code_is_refused_without_a_request(
    sandbox_url: str, make_client: MakeClient, http: httpx.AsyncClient
) -> None:
    client, requests = make_client(sandbox_url)
    with pytest.raises(InvalidCode):
        await client.get_lead("../leads")
    assert requests.count == 0
    assert await counter(http, sandbox_url, "requests") == 0


# The production client factory.


async def test_build_http_client_follows_the_settings(sandbox_url: str) -> None:
    settings = Settings(
        _env_file=None, leads_api_url=f"{sandbox_url}/", leads_api_timeout_seconds=2.5
    )
    async with build_http_client(settings) as http:
        assert str(http.base_url) == f"{sandbox_url}/"
        assert (http.timeout.connect, http.timeout.read) == (5.0, 2.5)
        assert re.fullmatch(r"migo-bot/\d+\.\d+\.\d+\S*", http.headers["User-Agent"])
        client = LeadsApiClient(http, SecretStr("t"))
        code = await client.create_lead(example_lead())
        assert await client.get_lead(code) is not None


# Logs carry outcomes, never bodies, codes or tokens.


async def test_logs_carry_outcomes_not_personal_data(
    sandbox_url: str,
    make_client: MakeClient,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # httpx's own INFO line carries the URL; the CLI turns that logger down to WARNING.
    caplog.set_level(logging.DEBUG, logger="bot")
    client, _ = make_client(sandbox_url, token="log-test-token")
    code = await client.create_lead(example_lead())
    await client.get_lead(code)
    await inject(http, sandbox_url, mode="error", count=4)
    with pytest.raises(LeadsApiUnavailable):
        await client.get_lead(code)
    with pytest.raises(LeadsApiUnavailable):
        await client.create_lead(example_lead(cui="7" * 13))
    with pytest.raises(LeadRejected):
        await client.create_lead(example_lead(email="jane@"))
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "POST leads -> 201" in ours
    assert "GET leads/{code} -> 503" in ours
    assert "POST leads -> 400" in ours
    for secret in ["log-test-token", code, "Jane", "Doe", "jane@", "XXXXXXXXX", "Example"]:
        assert secret not in ours


async def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline(
    make_client: MakeClient,
) -> None:
    done = asyncio.Event()

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        with contextlib.suppress(ConnectionError):
            while not done.is_set():  # a byte well within each read timeout, until the end
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(CLIENT_TIMEOUT_SECONDS / 4)
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client, requests = make_client(f"http://127.0.0.1:{port}/rest")
    started = time.monotonic()
    try:
        with pytest.raises(LeadsApiUnavailable) as unavailable:
            await client.create_lead(example_lead())
    finally:
        done.set()
        await asyncio.sleep(CLIENT_TIMEOUT_SECONDS / 2)  # the handler sees it and closes
        server.close()
        await server.wait_closed()
    # One attempt (a POST that may have arrived is never resent), over at connect + read.
    assert time.monotonic() - started < 2 * CLIENT_TIMEOUT_SECONDS + 1
    assert unavailable.value.outcome_unknown is True
    assert requests.count == 1
