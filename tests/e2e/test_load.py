"""Bursts on the real process: one chat typing fast, and many prospects at the same time."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from tests.e2e.botapi import UserChat
from tests.e2e.harness import Stack, say, until
from tests.e2e.test_telegram import onboard_in_spanish

pytestmark = pytest.mark.e2e
PROSPECTS = 200


def make_cui(serial: int) -> str:
    """A valid CUI (department 01, municipality 01) for any serial number."""
    digits = f"{serial:08d}"
    check = sum(int(d) * w for d, w in zip(digits, range(2, 10), strict=True)) % 11
    if check == 10:
        return make_cui(serial + 1)
    return f"{digits}{check}0101"


async def test_ten_messages_sent_at_once_are_applied_in_order(stack: Stack) -> None:
    user = stack.api.user(4001, "Ana", "López", language_code="es")
    await say(user, "/start", "Paso 1 de 21")
    answers = ["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala"]
    answers += ["1234 56789 0101", "31/12/2030", "Guatemala", "5555 1234"]
    for answer in answers:
        await user.send(answer)
    await until(user, "Paso 11 de 21", timeout=20)
    summary = await say(user, "/summary", "lleva hasta ahora")
    for line in [
        "Nombre: Ana",
        "Apellidos: López",
        "Género: Mujer",
        "Fecha de nacimiento: 07/03/1990",
        "Estado civil: Soltero(a)",
        "DPI (CUI): 1234 56789 0101",
        "Vencimiento del DPI: 31/12/2030",
        "Teléfono: +502 5555 1234",
    ]:
        assert line in summary.plain


async def test_many_prospects_at_once_each_get_their_own_lead(stack: Stack) -> None:
    users = [
        stack.api.user(5000 + n, "Ana Lucía", "López García", language_code="es")
        for n in range(PROSPECTS)
    ]
    cuis = [make_cui(10_000_000 + n * 7) for n in range(PROSPECTS)]
    started = time.monotonic()
    codes = await asyncio.gather(*(onboard(u, c) for u, c in zip(users, cuis, strict=True)))
    elapsed = time.monotonic() - started
    assert len(set(codes)) == PROSPECTS
    assert await stack.lead_count() == PROSPECTS
    for code, cui in zip(codes, cuis, strict=True):
        lead = await stack.lead(code)
        assert lead["cui"] == cui
        assert lead["phone"] == "+50255551234"
    print(f"{PROSPECTS} onboardings in {elapsed:.1f} s")


async def onboard(user: UserChat, cui: str) -> str:
    summary = await onboard_in_spanish(user, cui=cui, timeout=120)
    await user.tap(summary, "✅ Confirmar y enviar")
    done = await until(user, "Su código de invitación es", timeout=120)
    match = re.search(r"\b[A-Z0-9]{7}\b", done.plain)
    assert match is not None, done.plain
    return match.group(0)
