"""The products catalogue: what a prospect may choose, as data overridable by a JSON file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from flows.lead import PaymentMethod


class Option(BaseModel):
    """One offered value with its labels in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str
    es: str
    en: str


class PaymentMethodOption(BaseModel):
    """A payment method the wallet can enable, with the acquirer that processes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str
    acquirerSlug: str
    es: str
    en: str

    def as_item(self) -> PaymentMethod:
        """The `{slug, acquirerSlug}` item the API expects."""
        return PaymentMethod(slug=self.slug, acquirerSlug=self.acquirerSlug)


class Catalogue(BaseModel):
    """Products, tax regimes and currencies offered; defaults are the contract's examples."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    payment_methods: tuple[PaymentMethodOption, ...] = Field(
        default=(
            PaymentMethodOption(
                slug="akisiQR",
                acquirerSlug="akisi",
                es="Pagos con QR (Akisi)",
                en="QR payments (Akisi)",
            ),
            PaymentMethodOption(
                slug="td/tc",
                acquirerSlug="neonet",
                es="Tarjetas de débito y crédito (NeoNet)",
                en="Debit and credit cards (NeoNet)",
            ),
        )
    )
    sdk_profiles: tuple[Option, ...] = Field(
        default=(
            Option(
                value="MIGO_LINK_USD",
                es="Migo Link en dólares (USD)",
                en="Migo Link in US dollars (USD)",
            ),
        )
    )
    default_sdk: str = "MIGO_LINK_USD"
    tax_regimes: tuple[Option, ...] = Field(
        default=(
            Option(value="general", es="Régimen general del IVA", en="General VAT regime"),
            Option(
                value="pequeno_contribuyente",
                es="Pequeño contribuyente",
                en="Small taxpayer (pequeño contribuyente)",
            ),
            Option(
                value="opcional_simplificado",
                es="Régimen opcional simplificado",
                en="Optional simplified regime",
            ),
            Option(value="agropecuario", es="Régimen agropecuario", en="Agricultural regime"),
            Option(value="NA", es="Ninguno", en="None"),
        )
    )
    currencies: tuple[str, ...] = ("GTQ", "USD")

    def payment_method(self, slug: str) -> PaymentMethodOption | None:
        """The offered payment method with this slug, if any."""
        return next((m for m in self.payment_methods if m.slug == slug), None)


def load_catalogue(path: Path | None) -> Catalogue:
    """The catalogue from a JSON file, or the built-in defaults when no file is named."""
    if path is None:
        return Catalogue()
    return Catalogue.model_validate_json(path.read_text(encoding="utf-8"))
