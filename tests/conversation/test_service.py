"""The Conversations service both transports share: store, engine and Leads API together."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bot.conversation import CODE_VALUE, Conversations, Origin
from bot.leads_api import LeadsApiClient
from bot.sandbox import Sandbox
from bot.store import MemorySessionStore
from flows.catalogue import Catalogue
from flows.events import Command, Pick, Start, Text

ORIGIN = Origin(lang="es", partner="migo-gt", profile={"profile_first": "Ana"})


@pytest.fixture
async def service() -> AsyncIterator[Conversations]:
    sandbox = Sandbox()
    url = await sandbox.start()
    async with httpx.AsyncClient(base_url=url + "/") as http:
        yield Conversations(
            MemorySessionStore(ttl_seconds=60),
            LeadsApiClient(http, SecretStr("t")),
            catalogue=Catalogue(),
            tributax_partner="tributax",
        )
    await sandbox.stop()


async def test_a_session_of_an_unknown_schema_starts_over_politely(service: Conversations) -> None:
    async with service.store.session(7) as slot:
        slot.data = '{"v": 99, "sid": "x"}'
    turn = await service.handle(7, Text("hola"), ORIGIN)
    assert [r.key for r in turn.replies] == ["session-outdated", "welcome", "firstName-ask"]
    assert turn.session is not None
    assert turn.session.v == 1


async def test_a_redelivered_update_is_applied_once(service: Conversations) -> None:
    await service.handle(8, Start(), ORIGIN, update_id=10)
    first = await service.handle(8, Text("Ana"), ORIGIN, update_id=11)
    again = await service.handle(8, Text("Ana"), ORIGIN, update_id=11)
    assert [r.key for r in first.replies] == ["lastName-ask"]
    assert again.duplicate
    assert again.replies == []
    current = await service.current(8)
    assert current is not None
    assert current.answers == {"firstName": "Ana"}
    assert current.updates == [10, 11]


async def test_cancel_deletes_the_stored_session(service: Conversations) -> None:
    await service.handle(9, Start(), ORIGIN)
    await service.handle(9, Text("Ana"), ORIGIN)
    await service.handle(9, Command("cancel"), ORIGIN)
    turn = await service.handle(9, Text("sí"), ORIGIN)
    assert [r.key for r in turn.replies] == ["cancelled"]
    assert await service.store.peek(9) is None
    assert turn.session is None


async def test_the_code_is_linked_to_the_chat_after_submission(service: Conversations) -> None:
    assert await service.store.get_value(5, CODE_VALUE) is None
    answers = ["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala"]
    answers += ["1234 56789 0101", "31/12/2030", "Guatemala", "5555 1234", "a@example.com"]
    answers += ["Tienda", "Tienda", "Abarrotes", "zona 1", "576937-K", "1", "no", "1", "listo"]
    answers += ["1", "no"]
    await service.run(5, Start(), ORIGIN)
    for answer in answers:
        await service.run(5, Text(answer), ORIGIN)
    replies = await service.run(5, Text("confirmar"), ORIGIN)
    assert [r.key for r in replies] == ["use-buttons", "summary"]
    binding = replies[-1].binding
    assert binding is not None
    replies = await service.run(5, Pick(binding, 0), ORIGIN)
    assert [r.key for r in replies] == ["submit-sending", "submit-done"]
    code = replies[-1].args["code"]
    assert await service.store.get_value(5, CODE_VALUE) == code
    session = await service.current(5)
    assert session is not None
    assert session.answers == {}
    assert session.code == code
