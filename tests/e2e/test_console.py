"""`migo-bot console` as a real process, answers piped on stdin, against a real sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx

from tests.contract.conftest import ROOT, StartProcess

# A complete onboarding as typed in a terminal: numbers pick the listed choices.
SPANISH_ANSWERS = [
    "Ana Lucía",
    "López García",
    "mujer",
    "7 de marzo de 1990",
    "casada",
    "1",  # Usar: Guatemala
    "1234 56789 0101",
    "31/12/2030",
    "GT",
    "+502 5555-1234",
    "Ana.Lopez@Example.COM",
    "Tienda La Bendición",
    "1",  # same legal name
    "Venta de abarrotes",
    "5a. avenida 12-34, zona 1",
    "576937-k",
    "2",  # pequeño contribuyente
    "sí",
    "1",
    "2",
    "Listo",
    "1",  # MIGO_LINK_USD
    "sí",  # optional details
    "El Salvador",
    "San Salvador",
    "/skip",
    "Sacatepéquez",
    "Antigua Guatemala",
    "/skip",
    "Colonia El Carmen",
    "/skip",
    "1",
    "2",
    "Listo",
    "1",  # confirm and send
]
SANDBOX_TOKEN = "test-token"


def run_console(
    answers: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LOG_LEVEL": "WARNING", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input="\n".join(answers) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        cwd=ROOT,
        check=False,
    )


def test_piped_spanish_onboarding_reaches_the_sandbox_with_every_answer_normalized(
    sandbox_process: StartProcess,
) -> None:
    sandbox = sandbox_process("--token", SANDBOX_TOKEN)
    env = {"LEADS_API_URL": sandbox.base_url, "LEADS_API_TOKEN": SANDBOX_TOKEN}
    result = run_console(SPANISH_ANSWERS, "--lang", "es", env={**env, "PARTNER_SLUG": "migo-gt"})
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip().splitlines()[-1]
    assert code.isalnum()
    assert len(code) == 7
    assert "Paso 1 de 21" in result.stdout
    assert "Dato opcional 1 de 9 · Datos personales" in result.stdout
    # The terminal has no share-my-number button, so its phone question does not mention one.
    assert "¿Cuál es su número de teléfono? Escríbalo" in result.stdout
    assert "Compartir mi número" not in result.stdout
    assert "Traceback" not in result.stderr
    response = httpx.get(
        f"{sandbox.base_url}/leads/{code.lower()}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    )
    record: dict[str, Any] = response.json()["data"]
    assert record["invitationCode"] == code
    expected = {
        "firstName": "Ana Lucía",
        "lastName": "López García",
        "gender": "F",
        "dateOfBirth": "1990-03-07",
        "maritalStatus": "casado",
        "nationality": "GTM",
        "cui": "1234567890101",
        "expirationDate": "2030-12-31",
        "country": "GTM",
        "phone": "+50255551234",
        "email": "Ana.Lopez@example.com",
        "commercialName": "Tienda La Bendición",
        "businessName": "Tienda La Bendición",
        "economicActivity": "Venta de abarrotes",
        "address": "5a. avenida 12-34, zona 1",
        "nit": "576937K",
        "taxRegime": "pequeno_contribuyente",
        "canInvoice": True,
        "paymentMethods": [
            {"slug": "akisiQR", "acquirerSlug": "akisi"},
            {"slug": "td/tc", "acquirerSlug": "neonet"},
        ],
        "sdk": "MIGO_LINK_USD",
        "countryOfBirth": "SLV",
        "placeOfBirth": "San Salvador",
        "location": {
            "administrativeAreaLevel1": "Sacatepéquez",
            "administrativeAreaLevel2": "Antigua Guatemala",
        },
        "neighborhood": "Colonia El Carmen",
        "currencies": [320, 840],
        "partner": "migo-gt",
    }
    assert {key: record.get(key) for key in expected} == expected


def test_json_mode_prints_one_object_per_reply_with_api_step_names() -> None:
    result = run_console(SPANISH_ANSWERS[:4], "--json", "--lang", "en")
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert replies[0]["step"] == "welcome"
    asked = [r["step"] for r in replies if r["key"].endswith("-ask")]
    assert asked == ["firstName", "lastName", "gender", "dateOfBirth", "maritalStatus"]
    gender = next(r for r in replies if r["step"] == "gender")
    assert gender["progress"] == [3, 21]
    assert gender["choices"][:3] == [
        {"value": "F", "label": "Woman"},
        {"value": "M", "label": "Man"},
        {"value": "OTHER", "label": "Other"},
    ]
    assert "Using the built-in sandbox" in result.stderr


ENGLISH_ANSWERS = [
    "Jane",
    "Doe",
    "woman",
    "March 7, 1990",
    "single",
    "/back",
    "1",  # back at maritalStatus: Single again
    "Guatemala",
    "1587564440904",
    "2030-12-31",
    "Guatemala",
    "5555 1234",
    "jane@example.com",
    "Jane's Store",
    "1",
    "Retail",
    "Avenida Reforma 1-23",
    "42932-5",
    "1",
    "no",
    "1",
    "done",
    "1",
    "no",
    "1",
]


def test_embedded_sandbox_completes_an_english_onboarding_and_prints_the_code() -> None:
    result = run_console(ENGLISH_ANSWERS, "--lang", "en", env={"LEADS_API_URL": ""})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1].isalnum()
    assert len(lines[-1]) == 7
    assert "Step 1 of 21" in result.stdout


def test_status_in_the_console_looks_the_code_up_as_a_prospect_would() -> None:
    lookups = ["/status", "/status nope!", "/status ZZ99ZZ9 please"]
    result = run_console([*ENGLISH_ANSWERS, *lookups], "--lang", "en", env={"LEADS_API_URL": ""})
    assert result.returncode == 0, result.stderr
    code = result.stdout.split("Your invitation code is:\n", 1)[1].split("\n", 1)[0]
    own, invalid, unknown = result.stdout.split(f"Invitation code {code}", 1)[1].split("\n\n")[:3]
    assert "Trade name: Jane's Store" in own
    assert "First name" not in own  # personal data is for support staff only
    assert invalid.startswith("That doesn't look like an invitation code")
    assert unknown.startswith("We found no registration with the code ZZ99ZZ9")


def test_status_in_json_mode_says_what_it_found() -> None:
    result = run_console(["/status ZZ99ZZ9", "/status"], "--json", env={"LEADS_API_URL": ""})
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    unknown, usage = [reply for reply in replies if reply["key"].startswith("status")]
    assert (unknown["step"], unknown["key"]) == ("status", "status-not-found")
    assert "ZZ99ZZ9" in unknown["text"]
    assert usage["key"] == "status-usage"


def test_end_of_input_mid_conversation_exits_cleanly() -> None:
    result = run_console(["Ana", "/language"])
    assert result.returncode == 0, result.stderr
    assert "Step 2 of 21" in result.stdout
    assert "Traceback" not in result.stderr


def test_an_unknown_command_is_explained_and_never_taken_as_an_answer() -> None:
    result = run_console(["/foo", "Ana", "/summary"])
    assert result.returncode == 0, result.stderr
    assert "No conozco ese comando" in result.stdout
    assert "Nombre: Ana" in result.stdout
    assert "foo" not in result.stdout.split("No conozco ese comando")[1]


def test_a_conversation_after_cancel_keeps_the_chosen_language() -> None:
    result = run_console(["/language", "/cancel", "1", "hola"], "--lang", "es")
    assert result.returncode == 0, result.stderr
    after = result.stdout.split("your registration was cancelled")[1]
    assert "Step 1 of 21" in after
    assert "Paso 1" not in after
