"""The lead flow as data: every question the prospect answers, in the order asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from flows import validators as v
from flows.catalogue import Catalogue
from flows.lead import Gender, MaritalStatus
from flows.session import Session


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"
    YES_NO = "yes_no"
    DATE = "date"
    COUNTRY = "country"
    PHONE = "phone"
    EMAIL = "email"


class Section(StrEnum):
    PERSONAL = "personal"
    DOCUMENT = "document"
    CONTACT = "contact"
    BUSINESS = "business"
    TAX = "tax"
    PRODUCTS = "products"
    LOCATION = "location"


@dataclass(frozen=True)
class FlowContext:
    """What the flow needs from outside: the date, the catalogue, the partner rules."""

    today: date
    catalogue: Catalogue = field(default_factory=Catalogue)
    tributax_partner: str = "tributax"


@dataclass(frozen=True)
class Option:
    """A closed choice: the stored value and its label (a catalog key, or literal data)."""

    value: str
    key: str | None = None
    label: str | None = None


Parser = Callable[[str, Session, FlowContext], Any]
Predicate = Callable[[Session, FlowContext], bool]
Default = Callable[[Session, FlowContext], Any]
Options = Callable[[Session, FlowContext], Sequence[Option]]

OPTIONAL_GATE = "optional"


@dataclass(frozen=True)
class Step:
    """One question: which field it fills, how an answer is read, when it is asked."""

    name: str
    section: Section
    kind: Kind
    parse: Parser | None = None
    optional: bool = False
    default: Default | None = None
    when: Predicate | None = None
    condition: str = ""  # `when` in words, for the diagram and the docs
    options: Options | None = None
    errors: str = ""
    reasons: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The catalog-key stem: the field name with dots made Fluent-friendly."""
        return self.name.replace(".", "-")

    @property
    def invalid_reasons(self) -> tuple[str, ...]:
        """Every reason an answer to this step can be refused for (each has a catalog key)."""
        engine_reasons = {
            Kind.CHOICE: () if self.parse else ("choice",),
            Kind.MULTI: ("choice", "none"),
            Kind.YES_NO: v.REASONS["parse_yes_no"],
            Kind.PHONE: ("not-own",),
        }.get(self.kind, ())
        return (*self.reasons, *engine_reasons)

    @property
    def error_family(self) -> str:
        """The stem of this step's `-invalid-<reason>` keys (shared by look-alike fields)."""
        return self.errors or self.key

    def applies(self, session: Session, ctx: FlowContext) -> bool:
        """Whether this step is asked in this conversation."""
        if self.optional and session.answers.get(OPTIONAL_GATE) is not True:
            return False
        return self.when is None or bool(self.when(session, ctx))


def _text(max_length: int = 200) -> Parser:
    return lambda text, _s, _c: v.parse_free_text(text, max_length=max_length)


def _name(text: str, _s: Session, _c: FlowContext) -> str:
    return v.parse_name(text)


def _birth(text: str, _s: Session, ctx: FlowContext) -> str:
    return v.parse_birth_date(text, ctx.today).isoformat()


def _expiry(text: str, _s: Session, ctx: FlowContext) -> str:
    return v.parse_expiration_date(text, ctx.today).isoformat()


def _past(text: str, _s: Session, ctx: FlowContext) -> str:
    return v.parse_past_date(text, ctx.today).isoformat()


def _country(text: str, _s: Session, _c: FlowContext) -> str:
    return v.parse_country(text)


def _phone(text: str, session: Session, _c: FlowContext) -> str:
    return v.parse_phone(text, region=str(session.answers.get("country") or "GTM"))


def _email(text: str, _s: Session, _c: FlowContext) -> str:
    return v.parse_email(text)


def _cui(text: str, _s: Session, _c: FlowContext) -> str:
    return v.parse_cui(text)


def _nit(text: str, _s: Session, _c: FlowContext) -> str:
    return v.parse_nit(text)


def _gender(text: str, _s: Session, _c: FlowContext) -> str:
    return str(v.parse_gender(text))


def _marital(text: str, _s: Session, _c: FlowContext) -> str:
    return str(v.parse_marital_status(text))


def _department(text: str, _s: Session, _c: FlowContext) -> str:
    return v.parse_department(text)


def _enum_options(step: str, values: Sequence[str]) -> Options:
    options = tuple(Option(value=value, key=f"btn-{step}-{value}") for value in values)
    return lambda _s, _c: options


def _tax_regimes(session: Session, ctx: FlowContext) -> Sequence[Option]:
    return [Option(o.value, label=getattr(o, session.lang)) for o in ctx.catalogue.tax_regimes]


def _sdk_profiles(session: Session, ctx: FlowContext) -> Sequence[Option]:
    return [Option(o.value, label=getattr(o, session.lang)) for o in ctx.catalogue.sdk_profiles]


def _payment_methods(session: Session, ctx: FlowContext) -> Sequence[Option]:
    return [Option(m.slug, label=getattr(m, session.lang)) for m in ctx.catalogue.payment_methods]


def _currencies(session: Session, ctx: FlowContext) -> Sequence[Option]:
    return [Option(c, label=v.currency_label(c, session.lang)) for c in ctx.catalogue.currencies]


def _departments(_s: Session, _c: FlowContext) -> Sequence[Option]:
    return [Option(name, label=name) for _code, name in v.departments()]


def _is_tributax(session: Session, ctx: FlowContext) -> bool:
    return session.partner == ctx.tributax_partner


def _guatemalan_business(session: Session, _c: FlowContext) -> bool:
    return bool(session.answers.get("country", "GTM") == "GTM")


STEPS: tuple[Step, ...] = (
    Step(
        "firstName",
        Section.PERSONAL,
        Kind.TEXT,
        _name,
        default=lambda s, _c: s.profile_first,
        errors="name",
        reasons=v.REASONS["parse_name"],
    ),
    Step(
        "lastName",
        Section.PERSONAL,
        Kind.TEXT,
        _name,
        default=lambda s, _c: s.profile_last,
        errors="name",
        reasons=v.REASONS["parse_name"],
    ),
    Step(
        "gender",
        Section.PERSONAL,
        Kind.CHOICE,
        _gender,
        reasons=v.REASONS["parse_gender"],
        options=_enum_options("gender", [g.value for g in Gender]),
    ),
    Step(
        "dateOfBirth",
        Section.PERSONAL,
        Kind.DATE,
        _birth,
        reasons=v.REASONS["parse_birth_date"],
    ),
    Step(
        "maritalStatus",
        Section.PERSONAL,
        Kind.CHOICE,
        _marital,
        reasons=v.REASONS["parse_marital_status"],
        options=_enum_options("maritalStatus", [m.value for m in MaritalStatus]),
    ),
    Step(
        "nationality",
        Section.PERSONAL,
        Kind.COUNTRY,
        _country,
        default=lambda _s, _c: "GTM",
        errors="country",
        reasons=v.REASONS["parse_country"],
    ),
    Step("cui", Section.DOCUMENT, Kind.TEXT, _cui, reasons=v.REASONS["parse_cui"]),
    Step(
        "expirationDate",
        Section.DOCUMENT,
        Kind.DATE,
        _expiry,
        reasons=v.REASONS["parse_expiration_date"],
    ),
    Step(
        "country",
        Section.CONTACT,
        Kind.COUNTRY,
        _country,
        default=lambda _s, _c: "GTM",
        errors="country",
        reasons=v.REASONS["parse_country"],
    ),
    Step(
        "phone",
        Section.CONTACT,
        Kind.PHONE,
        _phone,
        default=lambda s, _c: s.contact_phone,
        reasons=v.REASONS["parse_phone"],
        depends_on=("country",),
    ),
    Step("email", Section.CONTACT, Kind.EMAIL, _email, reasons=v.REASONS["parse_email"]),
    Step(
        "commercialName",
        Section.BUSINESS,
        Kind.TEXT,
        _text(120),
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "businessName",
        Section.BUSINESS,
        Kind.TEXT,
        _text(120),
        default=lambda s, _c: s.answers.get("commercialName"),
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "economicActivity",
        Section.BUSINESS,
        Kind.TEXT,
        _text(120),
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "address",
        Section.BUSINESS,
        Kind.TEXT,
        _text(200),
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step("nit", Section.TAX, Kind.TEXT, _nit, reasons=v.REASONS["parse_nit"]),
    Step("taxRegime", Section.TAX, Kind.CHOICE, options=_tax_regimes),
    Step("canInvoice", Section.TAX, Kind.YES_NO, errors="yesno"),
    Step(
        "lastRtuUpdateDate",
        Section.TAX,
        Kind.DATE,
        _past,
        when=_is_tributax,
        condition="partner is the Tributax partner",
        reasons=v.REASONS["parse_past_date"],
    ),
    Step("paymentMethods", Section.PRODUCTS, Kind.MULTI, options=_payment_methods),
    Step(
        "sdk",
        Section.PRODUCTS,
        Kind.CHOICE,
        options=_sdk_profiles,
        default=lambda _s, ctx: ctx.catalogue.default_sdk,
    ),
    Step(OPTIONAL_GATE, Section.PRODUCTS, Kind.YES_NO, errors="yesno"),
    Step(
        "countryOfBirth",
        Section.PERSONAL,
        Kind.COUNTRY,
        _country,
        optional=True,
        default=lambda s, _c: s.answers.get("nationality"),
        errors="country",
        reasons=v.REASONS["parse_country"],
    ),
    Step(
        "placeOfBirth",
        Section.PERSONAL,
        Kind.TEXT,
        _text(120),
        optional=True,
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "serialNumber",
        Section.DOCUMENT,
        Kind.TEXT,
        _text(40),
        optional=True,
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "location.administrativeAreaLevel1",
        Section.LOCATION,
        Kind.CHOICE,
        _department,
        reasons=v.REASONS["parse_department"],
        optional=True,
        when=_guatemalan_business,
        condition="business in Guatemala",
        options=_departments,
    ),
    Step(
        "location.administrativeAreaLevel2",
        Section.LOCATION,
        Kind.TEXT,
        _text(80),
        optional=True,
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "location.region",
        Section.LOCATION,
        Kind.TEXT,
        _text(80),
        optional=True,
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "neighborhood",
        Section.LOCATION,
        Kind.TEXT,
        _text(120),
        optional=True,
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step(
        "rtuType",
        Section.TAX,
        Kind.TEXT,
        _text(60),
        optional=True,
        errors="text",
        reasons=v.REASONS["parse_free_text"],
    ),
    Step("currencies", Section.PRODUCTS, Kind.MULTI, optional=True, options=_currencies),
)

STEP_BY_NAME: dict[str, Step] = {step.name: step for step in STEPS}
SECTION_ORDER: tuple[Section, ...] = tuple(Section)


def applicable(session: Session, ctx: FlowContext) -> list[Step]:
    """The steps asked in this conversation, in order."""
    return [step for step in STEPS if step.applies(session, ctx)]


def options_for(step: Step, session: Session, ctx: FlowContext) -> Sequence[Option]:
    """The closed choices a step offers (yes/no included)."""
    if step.kind is Kind.YES_NO:
        return (Option("yes", key="btn-yes"), Option("no", key="btn-no"))
    return step.options(session, ctx) if step.options else ()
