"""The Lead model is the contract: exact fields, normalized countries, ISO dates."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from flows.lead import Lead, LeadRecord


def test_payload_omits_what_was_not_given_and_applies_no_server_default() -> None:
    lead = Lead(firstName="Jane", country="GT", dateOfBirth=date(1990, 1, 15))
    assert lead.payload() == {"firstName": "Jane", "country": "GTM", "dateOfBirth": "1990-01-15"}


@pytest.mark.parametrize(("given", "stored"), [("GT", "GTM"), ("gtm", "GTM"), ("us", "USA")])
def test_countries_are_normalized_to_alpha3(given: str, stored: str) -> None:
    assert Lead(nationality=given).nationality == stored


@pytest.mark.parametrize("bad", ["Guatemala", "XX", "XYZ", ""])
def test_unknown_country_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        Lead(country=bad)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Lead.model_validate({"firstName": "Jane", "favouriteColour": "blue"})


def test_dates_must_be_iso() -> None:
    with pytest.raises(ValidationError):
        Lead.model_validate({"dateOfBirth": "15/01/1990"})
    with pytest.raises(ValidationError):
        Lead.model_validate({"dateOfBirth": 631152000})


def test_enums_are_enforced() -> None:
    with pytest.raises(ValidationError):
        Lead.model_validate({"gender": "X"})
    with pytest.raises(ValidationError):
        Lead.model_validate({"maritalStatus": "casada"})


def test_tributax_partner_requires_rtu_date() -> None:
    with pytest.raises(ValidationError, match="lastRtuUpdateDate"):
        Lead.model_validate({"partner": "tributax"})
    ok = Lead.model_validate({"partner": "tributax", "lastRtuUpdateDate": "2024-01-31"})
    assert ok.payload()["lastRtuUpdateDate"] == "2024-01-31"


def test_tributax_slug_comes_from_context() -> None:
    context = {"tributax_partner_slug": "tx-gt"}
    Lead.model_validate({"partner": "tributax"}, context=context)
    with pytest.raises(ValidationError):
        Lead.model_validate({"partner": "tx-gt"}, context=context)


def test_currencies_are_integers() -> None:
    assert Lead.model_validate({"currencies": [320, 840]}).payload() == {"currencies": [320, 840]}
    with pytest.raises(ValidationError):
        Lead.model_validate({"currencies": ["320"]})


def test_record_tolerates_extra_fields() -> None:
    record = LeadRecord.model_validate(
        {"_id": "1", "invitationCode": "25DC4D1", "hasRegime": True, "newField": 3}
    )
    assert record.invitationCode == "25DC4D1"
    assert record.model_extra == {"_id": "1", "newField": 3}
