"""Small pieces of the transports: deep links, message splitting, session upgrades, logs."""

from __future__ import annotations

import asyncio
import logging

import pytest

import bot.telegram as telegram_module
from bot.deeplink import DeepLink, make_payload, parse_payload
from bot.logs import REDACTED, RedactSecrets
from bot.telegram import TELEGRAM_LIMIT, _split
from flows.session import SCHEMA_VERSION, SessionOutdated, load_session, new_session

ALLOWED = {"migo-gt", "tributax"}


@pytest.mark.parametrize(
    ("payload", "link"),
    [
        ("p-tributax", DeepLink(partner="tributax")),
        ("m-4f2a91", DeepLink(merchant="4f2a91")),
        ("p-tributax__m-4f2a91", DeepLink(partner="tributax", merchant="4f2a91")),
        ("m-shop_12__p-migo-gt", DeepLink(partner="migo-gt", merchant="shop_12")),
        ("p-unknown__m-7", DeepLink(merchant="7")),
        ("x-1__m-", DeepLink()),
        ("m-" + "9" * 70, DeepLink()),
        ("", DeepLink()),
        (None, DeepLink()),
        ("p-<script>", DeepLink()),
    ],
)
def test_deep_link_payloads(payload: str | None, link: DeepLink) -> None:
    assert parse_payload(payload, ALLOWED) == link


def test_made_payloads_round_trip_and_respect_telegrams_limit() -> None:
    payload = make_payload("tributax", "4f2a91")
    assert payload == "p-tributax__m-4f2a91"
    assert parse_payload(payload, ALLOWED) == DeepLink("tributax", "4f2a91")
    with pytest.raises(ValueError, match="64"):
        make_payload("tributax", "x" * 60)


def test_split_keeps_every_line_and_every_part_under_the_limit() -> None:
    lines = [f"<b>Sección {n}</b>\n• campo: {'valor ' * 30}" for n in range(60)]
    text = "\n".join(lines)
    parts = _split(text)
    assert len(parts) > 1
    assert all(len(part) < TELEGRAM_LIMIT for part in parts)
    assert "\n".join(parts) == text
    assert all(part.count("<b>") == part.count("</b>") for part in parts)


def test_split_cuts_a_single_overlong_line() -> None:
    parts = _split("x" * 9000)
    assert "".join(parts) == "x" * 9000
    assert all(len(part) < TELEGRAM_LIMIT for part in parts)


def test_a_session_from_another_schema_is_refused_not_crashed_on() -> None:
    session = new_session("abc", "es", "migo-gt")
    assert load_session(session.dump()) == session
    old = session.dump().replace(f'"v":{SCHEMA_VERSION}', '"v":0')
    with pytest.raises(SessionOutdated):
        load_session(old)
    with pytest.raises(SessionOutdated):
        load_session('{"v": 1, "unexpected": true}')
    with pytest.raises(SessionOutdated):
        load_session("not json")


def test_secrets_are_redacted_from_messages_and_tracebacks() -> None:
    token = "123456:AAE-secret"
    record = logging.LogRecord("x", logging.INFO, "f", 1, "url %s/bot%s", ("http://h", token), None)
    RedactSecrets([token]).filter(record)
    assert record.getMessage() == f"url http://h/bot{REDACTED}"
    try:
        raise RuntimeError(f"failed calling /bot{token}/getMe")
    except RuntimeError as error:
        failed = logging.LogRecord(
            "x", logging.ERROR, "f", 1, "boom", None, (RuntimeError, error, None)
        )
    RedactSecrets([token]).filter(failed)
    assert failed.exc_text is not None
    assert token not in failed.exc_text


def test_json_logs_carry_the_structured_fields() -> None:
    import json

    from bot.logs import JsonFormatter

    record = logging.LogRecord("bot.telegram", logging.INFO, "f", 1, "update handled", None, None)
    record.chat_id, record.step, record.event, record.outcome = (
        7,
        "cui",
        "Text",
        "cui-invalid-format",
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "update handled"
    assert entry["chat_id"] == 7
    assert entry["step"] == "cui"
    assert entry["outcome"] == "cui-invalid-format"
    assert entry["level"] == "INFO"


def test_a_placeholder_token_of_a_few_letters_does_not_mangle_the_logs() -> None:
    record = logging.LogRecord("bot", logging.INFO, "f", 1, "lead not submitted", None, None)
    RedactSecrets(["t", "123456:AAE-secret"]).filter(record)
    assert record.getMessage() == "lead not submitted"


async def test_a_shutdown_step_that_hangs_is_logged_and_left(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(telegram_module, "SHUTDOWN_STEP_SECONDS", 0.05)
    hung = asyncio.Event()

    async def hangs() -> None:
        await hung.wait()

    with caplog.at_level(logging.DEBUG, logger="bot.telegram"):
        await asyncio.wait_for(telegram_module._bounded_step("session store", hangs), 1)
        await telegram_module._bounded_step("funnel", lambda: asyncio.sleep(0))
    assert [r.getMessage() for r in caplog.records] == [
        "shutdown: session store not closed within 0.05 s; left",
        "shutdown: funnel closed",
    ]
