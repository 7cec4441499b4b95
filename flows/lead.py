"""The Leads API contract as pydantic models: the request body and the get-by-code record."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

DEFAULT_TRIBUTAX_PARTNER = "tributax"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Gender(StrEnum):
    F = "F"
    M = "M"
    OTHER = "OTHER"


class MaritalStatus(StrEnum):
    soltero = "soltero"
    casado = "casado"
    viudo = "viudo"
    divorciado = "divorciado"
    separado = "separado"


def to_alpha3(value: str) -> str:
    """Normalize an ISO 3166 alpha-2 or alpha-3 code to alpha-3, as the API does."""
    code = value.strip().upper()
    country = None
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise ValueError("must be an ISO 3166 alpha-2 or alpha-3 country code")
    return str(country.alpha_3)


def _iso_date_only(value: Any) -> Any:
    """Dates travel as `YYYY-MM-DD` strings; refuse timestamps and other spellings."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("must be a date in YYYY-MM-DD format")
    if not isinstance(value, str | date) or isinstance(value, datetime):
        raise ValueError("must be a date in YYYY-MM-DD format")
    return value


Country = Annotated[str, AfterValidator(to_alpha3)]
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class Location(BaseModel):
    """Where the business is: region, department (level 1) and municipality (level 2)."""

    model_config = ConfigDict(extra="forbid")

    region: Text | None = None
    administrativeAreaLevel1: Text | None = None
    administrativeAreaLevel2: Text | None = None


class PaymentMethod(BaseModel):
    """One alternative payment method enabled in the wallet, with its acquirer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: Text
    acquirerSlug: Text


class Document(BaseModel):
    """A supporting document already stored somewhere the API can reach."""

    model_config = ConfigDict(extra="forbid")

    url: Text
    type: Text | None = None
    provider: Text | None = None


class Lead(BaseModel):
    """The body of `POST /leads`: exactly the documented fields, nothing else."""

    model_config = ConfigDict(extra="forbid")

    firstName: Text | None = None
    lastName: Text | None = None
    gender: Gender | None = None
    cui: Text | None = None
    expirationDate: IsoDate | None = None
    commercialName: Text | None = None
    partner: Text | None = None
    phone: Text | None = None
    address: Text | None = None
    nationality: Country | None = None
    countryOfBirth: Country | None = None
    country: Country | None = None
    dateOfBirth: IsoDate | None = None
    placeOfBirth: Text | None = None
    neighborhood: Text | None = None
    maritalStatus: MaritalStatus | None = None
    serialNumber: Text | None = None
    taxRegime: Text | None = None
    nit: Text | None = None
    businessName: Text | None = None
    economicActivity: Text | None = None
    canInvoice: bool | None = None
    rtuType: Text | None = None
    lastRtuUpdateDate: IsoDate | None = None
    location: Location | None = None
    email: Text | None = None
    clientId: str | None = None
    sdk: Text | None = None
    paymentMethods: list[PaymentMethod] | None = None
    documents: list[Document] | None = None
    currencies: list[Annotated[int, Field(ge=0, le=999, strict=True)]] | None = None

    @model_validator(mode="after")
    def _tributax_needs_rtu_date(self, info: ValidationInfo) -> Lead:
        context = info.context if isinstance(info.context, dict) else {}
        tributax = context.get("tributax_partner_slug", DEFAULT_TRIBUTAX_PARTNER)
        if self.partner == tributax and self.lastRtuUpdateDate is None:
            raise ValueError("lastRtuUpdateDate is required for the Tributax partner")
        return self

    def payload(self) -> dict[str, Any]:
        """The JSON body to send: only what was given, no server-side defaults applied."""
        return self.model_dump(mode="json", exclude_none=True)


class LeadRecord(BaseModel):
    """What `GET /leads/{code}` returns: the lead merged with its first business."""

    model_config = ConfigDict(extra="allow")

    invitationCode: str
    firstName: str | None = None
    lastName: str | None = None
    nationality: str | None = None
    gender: str | None = None
    dateOfBirth: str | None = None
    countryOfBirth: str | None = None
    placeOfBirth: str | None = None
    neighborhood: str | None = None
    maritalStatus: str | None = None
    createdAt: str | None = None
    cui: str | None = None
    expirationDate: str | None = None
    commercialName: str | None = None
    businessName: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    taxRegime: str | None = None
    canInvoice: bool | None = None
    hasRegime: bool | None = None
    partner: str | None = None
    nit: str | None = None
    clientId: str | None = None
    country: str | None = None
    sdk: str | None = None
    paymentMethods: list[PaymentMethod] | None = None
    payoutAccountNumber: str | None = None
