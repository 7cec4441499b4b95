"""The products catalogue: what a prospect may choose, as data overridable by a JSON file."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
        ),
        min_length=1,
    )
    sdk_profiles: tuple[Option, ...] = Field(
        default=(
            Option(
                value="MIGO_LINK_USD",
                es="Migo Link en dólares (USD)",
                en="Migo Link in US dollars (USD)",
            ),
        ),
        min_length=1,
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
        ),
        min_length=1,
    )
    currencies: tuple[str, ...] = Field(default=("GTQ", "USD"), min_length=1)

    @model_validator(mode="after")
    def _default_sdk_is_offered(self) -> Catalogue:
        # The one-tap default must be one of the buttons, or the tap would send an unknown SDK.
        if all(profile.value != self.default_sdk for profile in self.sdk_profiles):
            raise ValueError("default_sdk is not one of sdk_profiles")
        return self

    def payment_method(self, slug: str) -> PaymentMethodOption | None:
        """The offered payment method with this slug, if any."""
        return next((m for m in self.payment_methods if m.slug == slug), None)


# A catalogue is a few kilobytes; a bigger file is a wrong path (a log, a device).
MAX_FILE_BYTES = 1_000_000


def load_catalogue(path: Path | None) -> Catalogue:
    """The catalogue from a JSON file, or the built-in defaults when no file is named."""
    if path is None:
        return Catalogue()
    # Checked before reading: /dev/zero or a FIFO would never end.
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise OSError("not a regular file")
    if status.st_size > MAX_FILE_BYTES:
        raise OSError(f"larger than {MAX_FILE_BYTES:,} bytes")
    return Catalogue.model_validate_json(path.read_bytes())
