"""The sandbox honours spec/leads-api.md on the wire: shapes, validation, defaults, errors."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.contract.conftest import SPEC_EXAMPLE, StartSandbox, admin_url, counter, example

AUTH = {"Authorization": "Bearer test-token"}
CODE = re.compile(r"[A-Z0-9]{7}")

# The GET example of spec/leads-api.md, minus the values the server makes up.
DOCUMENTED_RECORD: dict[str, Any] = {
    "firstName": "Jane",
    "lastName": "Doe",
    "nationality": "GTM",
    "gender": "F",
    "dateOfBirth": "1990-01-15",
    "countryOfBirth": "GTM",
    "placeOfBirth": "Example City",
    "neighborhood": "Example District",
    "maritalStatus": "soltero",
    "cui": "XXXXXXXXX",
    "expirationDate": "2030-12-31",
    "commercialName": "Example Store",
    "businessName": "Example Store",
    "phone": "00000000",
    "address": "Example Avenue 12-34, Zone 1",
    "taxRegime": "general",
    "canInvoice": True,
    "hasRegime": True,
    "partner": "your-partner-slug",
    "nit": "XXXXXXXXX",
    "clientId": "",
    "country": "GTM",
    "sdk": "MIGO_LINK_USD",
    "paymentMethods": [
        {"slug": "akisiQR", "acquirerSlug": "akisi"},
        {"slug": "td/tc", "acquirerSlug": "neonet"},
    ],
    "payoutAccountNumber": None,
}


async def create(
    http: httpx.AsyncClient, base_url: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST /leads with the test token unless other headers are given."""
    return await http.post(
        f"{base_url}/leads", json=body, headers=AUTH if headers is None else headers
    )


async def created_code(http: httpx.AsyncClient, base_url: str, body: Any, **headers: str) -> str:
    """Create a lead that must be accepted and return its invitation code."""
    response = await create(http, base_url, body, {**AUTH, **headers})
    assert response.status_code == 201, response.text
    code = response.json()["data"]["invitationCode"]
    assert isinstance(code, str)
    return code


async def record(http: httpx.AsyncClient, base_url: str, code: str) -> dict[str, Any]:
    """GET /leads/{code} of a lead that must exist."""
    response = await http.get(f"{base_url}/leads/{code}", headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert isinstance(data, dict)
    return data


def failure(response: httpx.Response) -> list[dict[str, Any]]:
    """The errors of a `{success: false, errors: [...]}` answer."""
    body = response.json()
    assert body["success"] is False
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors
    return errors


async def test_the_spec_example_is_created_and_read_back_in_the_documented_shape(
    api_url: str, http: httpx.AsyncClient
) -> None:
    response = await create(http, api_url, SPEC_EXAMPLE)
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert set(body["data"]) == {"_id", "invitationCode"}
    assert CODE.fullmatch(body["data"]["invitationCode"])
    assert re.fullmatch(r"[0-9a-f]{24}", body["data"]["_id"])

    data = await record(http, api_url, body["data"]["invitationCode"])
    assert {key: data[key] for key in DOCUMENTED_RECORD} == DOCUMENTED_RECORD
    assert data["_id"] == body["data"]["_id"]
    assert data["invitationCode"] == body["data"]["invitationCode"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", data["createdAt"])
    # Fields the lead gave beyond the documented example are kept too.
    assert data["email"] == "jane@example.com"
    assert data["economicActivity"] == "Retail sales"
    assert data["rtuType"] == "standard"


async def test_alpha2_countries_come_back_alpha3(api_url: str, http: httpx.AsyncClient) -> None:
    code = await created_code(
        http, api_url, example(country="GT", nationality="gt", countryOfBirth="SV")
    )
    data = await record(http, api_url, code)
    assert (data["country"], data["nationality"], data["countryOfBirth"]) == ("GTM", "GTM", "SLV")


async def test_documented_defaults_are_applied(api_url: str, http: httpx.AsyncClient) -> None:
    body = {"firstName": "Ana", "commercialName": "Tienda Ana", "partner": "migo-demo"}
    data = await record(http, api_url, await created_code(http, api_url, body))
    assert data["nationality"] == "GTM"
    assert data["businessName"] == "Tienda Ana"
    assert data["canInvoice"] is False
    assert data["taxRegime"] == "NA"
    assert data["hasRegime"] is False
    assert data["clientId"] == ""
    assert data["payoutAccountNumber"] is None
    assert "lastName" not in data
    assert "email" not in data


async def test_given_values_win_over_defaults(api_url: str, http: httpx.AsyncClient) -> None:
    body = example(nationality="SLV", businessName="Example Store S.A.", clientId="c-1")
    data = await record(http, api_url, await created_code(http, api_url, body))
    assert (data["nationality"], data["businessName"], data["clientId"]) == (
        "SLV",
        "Example Store S.A.",
        "c-1",
    )


async def test_an_extra_field_is_rejected_and_named(api_url: str, http: httpx.AsyncClient) -> None:
    response = await create(http, api_url, example(favouriteColour="blue"))
    assert response.status_code == 400
    [error] = failure(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"].startswith("favouriteColour: ")
    assert await counter(http, api_url, "leads") == 0


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"gender": "X"}, "gender"),
        ({"maritalStatus": "single"}, "maritalStatus"),
        ({"expirationDate": "31/12/2030"}, "expirationDate"),
        ({"dateOfBirth": "1990-01-15T00:00:00Z"}, "dateOfBirth"),
        ({"dateOfBirth": "1990-02-30"}, "dateOfBirth"),
        ({"country": "Guatemala"}, "country"),
        ({"nationality": "XX"}, "nationality"),
        ({"canInvoice": "maybe"}, "canInvoice"),
        ({"currencies": ["320"]}, "currencies.0"),
        ({"paymentMethods": [{"slug": "akisiQR"}]}, "paymentMethods.0.acquirerSlug"),
        ({"location": {"city": "Antigua"}}, "location.city"),
        ({"email": "jane@"}, "email"),
        ({"email": "jane example.com"}, "email"),
        ({"firstName": 12}, "firstName"),
        ({"firstName": ""}, "firstName"),
    ],
)
async def test_each_invalid_field_is_rejected_and_named(
    sandbox_url: str, http: httpx.AsyncClient, changes: dict[str, Any], path: str
) -> None:
    response = await create(http, sandbox_url, example(**changes))
    assert response.status_code == 400
    [error] = failure(response)
    assert error == {"message": error["message"], "code": "VALIDATION_ERROR"}
    assert error["message"].startswith(f"{path}: ")


async def test_every_invalid_field_gets_one_entry(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    body = example(gender="X", email="nope", country="ZZ", extra=1)
    response = await create(http, sandbox_url, body)
    assert response.status_code == 400
    paths = sorted(e["message"].split(":")[0] for e in failure(response))
    assert paths == ["country", "email", "extra", "gender"]


@pytest.mark.parametrize("raw", [b"not json", b"", b"[1, 2]", b'"text"', b"{"])
async def test_a_body_that_is_not_a_json_object_is_rejected(
    sandbox_url: str, http: httpx.AsyncClient, raw: bytes
) -> None:
    response = await http.post(f"{sandbox_url}/leads", content=raw, headers=AUTH)
    assert response.status_code == 400
    [error] = failure(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"].startswith("body: ")


async def test_the_tributax_partner_needs_the_rtu_update_date(
    start_sandbox: StartSandbox, http: httpx.AsyncClient
) -> None:
    sandbox = await start_sandbox(tributax_partner_slug="tributax-gt")
    response = await create(http, sandbox.base_url, example(partner="tributax-gt"))
    assert response.status_code == 400
    [error] = failure(response)
    assert error["message"].startswith("lastRtuUpdateDate: ")
    # The rule follows the configured slug, not the literal default one.
    await created_code(http, sandbox.base_url, example(partner="tributax", cui="1"))
    body = example(partner="tributax-gt", lastRtuUpdateDate="2024-06-30")
    data = await record(http, sandbox.base_url, await created_code(http, sandbox.base_url, body))
    assert data["lastRtuUpdateDate"] == "2024-06-30"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dGVzdDp0ZXN0"},
        {"Authorization": "test-token"},
    ],
)
async def test_a_request_without_a_bearer_token_is_refused(
    api_url: str, http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await create(http, api_url, SPEC_EXAMPLE, headers)
    assert response.status_code == 401
    assert failure(response)[0]["message"]
    code = await created_code(http, api_url, SPEC_EXAMPLE)
    lookup = await http.get(f"{api_url}/leads/{code}", headers=headers)
    assert lookup.status_code == 401
    assert "data" not in lookup.json()
    assert await counter(http, api_url, "leads") == 1


async def test_the_same_cui_for_the_same_partner_is_7121(
    api_url: str, http: httpx.AsyncClient
) -> None:
    first = await created_code(http, api_url, SPEC_EXAMPLE)
    again = await create(http, api_url, example(firstName="Juana"))
    assert again.status_code == 409
    assert failure(again) == [{"message": "The lead has already been registered", "code": 7121}]
    assert (await record(http, api_url, first))["firstName"] == "Jane"
    await created_code(http, api_url, example(partner="another-partner"))
    await created_code(http, api_url, example(cui="2" * 13))
    assert await counter(http, api_url, "leads") == 3


async def test_leads_without_a_cui_are_never_duplicates(
    sandbox_url: str, http: httpx.AsyncClient
) -> None:
    codes = {await created_code(http, sandbox_url, example(cui=None)) for _ in range(2)}
    assert len(codes) == 2


async def test_an_unknown_code_is_7130(api_url: str, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{api_url}/leads/ZZZZ999", headers=AUTH)
    assert response.status_code == 404
    assert failure(response) == [{"message": "Unknown invitation code", "code": 7130}]


async def test_codes_are_looked_up_case_insensitively(
    api_url: str, http: httpx.AsyncClient
) -> None:
    code = await created_code(http, api_url, SPEC_EXAMPLE)
    assert (await record(http, api_url, code.lower()))["invitationCode"] == code


async def test_codes_are_unique(sandbox_url: str, http: httpx.AsyncClient) -> None:
    codes = [await created_code(http, sandbox_url, example(cui=f"{n:013d}")) for n in range(40)]
    assert len(set(codes)) == 40
    assert all(CODE.fullmatch(code) for code in codes)


async def test_the_merchant_id_is_kept_aside_not_in_the_record(
    api_url: str, http: httpx.AsyncClient
) -> None:
    with_id = await created_code(http, api_url, SPEC_EXAMPLE, **{"x-merchant-id": "merchant-42"})
    without = await created_code(http, api_url, example(cui="3" * 13))
    meta = await http.get(admin_url(api_url, f"/_sandbox/leads/{with_id.lower()}/meta"))
    assert meta.json() == {"merchantId": "merchant-42"}
    meta = await http.get(admin_url(api_url, f"/_sandbox/leads/{without}/meta"))
    assert meta.json() == {"merchantId": None}
    assert "merchantId" not in await record(http, api_url, with_id)
    unknown = await http.get(admin_url(api_url, "/_sandbox/leads/ZZZZ999/meta"))
    assert unknown.status_code == 404


@pytest.mark.parametrize("path", ["/health", "/rest/health"])
async def test_health_needs_no_token(api_url: str, http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(admin_url(api_url, path))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
