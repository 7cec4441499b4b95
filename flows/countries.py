"""ISO lookups over pycountry: countries, Guatemalan departments and currencies, by code or name."""

from __future__ import annotations

import difflib
import gettext
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import TypeVar

import pycountry

# Dropped before comparing: accents (Mn, Me) and emoji skin tones (Sk).
_IGNORED_CATEGORIES = frozenset({"Mn", "Me", "Sk"})

# What people type that ISO does not list (folded like every key, see `fold`).
_COUNTRY_ALIASES: dict[str, str] = {
    # How Guatemalans write their own country, besides its name.
    "guate": "GTM",
    "chapin": "GTM",
    "chapina": "GTM",
    "eeuu": "USA",
    "eua": "USA",
    "estadosunidosdenorteamerica": "USA",
    "unitedstatesofamerica": "USA",
    "estadounidense": "USA",
    "american": "USA",
    "inglaterra": "GBR",
    "england": "GBR",
    "escocia": "GBR",
    "scotland": "GBR",
    "gales": "GBR",
    "wales": "GBR",
    "granbretana": "GBR",
    "greatbritain": "GBR",
    "uk": "GBR",
    "britanico": "GBR",
    "britanica": "GBR",
    "british": "GBR",
    "holanda": "NLD",
    "holland": "NLD",
    "rusia": "RUS",
    "russia": "RUS",
    "turkey": "TUR",
    "ivorycoast": "CIV",
    "vaticano": "VAT",
    "vatican": "VAT",
    "birmania": "MMR",
    "burma": "MMR",
    "suazilandia": "SWZ",
    "swaziland": "SWZ",
    "macedonia": "MKD",
    "palestina": "PSE",
    "palestine": "PSE",
    "micronesia": "FSM",
    "republicademocraticadelcongo": "COD",
    "rdcongo": "COD",
    "guatemalteco": "GTM",
    "guatemalteca": "GTM",
    "guatemalan": "GTM",
    "mexicano": "MEX",
    "mexicana": "MEX",
    "mexican": "MEX",
    "salvadoreno": "SLV",
    "salvadorena": "SLV",
    "salvadoran": "SLV",
    "hondureno": "HND",
    "hondurena": "HND",
    "honduran": "HND",
    "nicaraguense": "NIC",
    "nicaraguan": "NIC",
    "costarricense": "CRI",
    "costarican": "CRI",
    "panameno": "PAN",
    "panamena": "PAN",
    "panamanian": "PAN",
    "beliceno": "BLZ",
    "belicena": "BLZ",
    "belizean": "BLZ",
    "colombiano": "COL",
    "colombiana": "COL",
    "colombian": "COL",
    "venezolano": "VEN",
    "venezolana": "VEN",
    "venezuelan": "VEN",
    "cubano": "CUB",
    "cubana": "CUB",
    "cuban": "CUB",
    "dominicano": "DOM",
    "dominicana": "DOM",
    "espanol": "ESP",
    "espanola": "ESP",
    "spanish": "ESP",
    "canadiense": "CAN",
    "canadian": "CAN",
}

# ISO 3166-2:GT letter codes replaced by numbers on 2021-11-25 (spec/guatemala.md §4).
_OLD_DEPARTMENT_CODES: dict[str, int] = {
    "GU": 1,
    "PR": 2,
    "SA": 3,
    "CM": 4,
    "ES": 5,
    "SR": 6,
    "SO": 7,
    "TO": 8,
    "QZ": 9,
    "SU": 10,
    "RE": 11,
    "SM": 12,
    "HU": 13,
    "QC": 14,
    "BV": 15,
    "AV": 16,
    "PE": 17,
    "IZ": 18,
    "ZA": 19,
    "CQ": 20,
    "JA": 21,
    "JU": 22,
}

_DEPARTMENT_ALIASES: dict[str, int] = {
    "elquiche": 14,
    "progreso": 2,
    "xela": 9,
    "xelaju": 9,
}

_CURRENCY_ALIASES: dict[str, str] = {
    "q": "GTQ",
    "dolar": "USD",
    "dollar": "USD",
    "dolaramericano": "USD",
    "dolaresamericanos": "USD",
    "dolaresestadounidenses": "USD",
    "usdollars": "USD",
}

# Symbols vanish when folding, so they are matched on the text with its spaces removed.
_CURRENCY_SYMBOLS: dict[str, str] = {"$": "USD", "us$": "USD", "€": "EUR"}

V = TypeVar("V")

_REGIONAL_INDICATOR_A = 0x1F1E6
# Typed answers longer than any country name get no suggestions (difflib is quadratic).
_MAX_SUGGESTION_INPUT = 60


def fold(text: str) -> str:
    """Comparison key: letters, digits and emoji only; no accents, case, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (c for c in decomposed if unicodedata.category(c) not in _IGNORED_CATEGORIES)
    return "".join(c for c in "".join(kept).casefold() if c.isalnum() or _is_symbol(c))


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) == "So"


@cache
def _translation(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["es"], fallback=True)


def _index(pairs: Iterable[tuple[str, V]]) -> dict[str, V]:
    index: dict[str, V] = {}
    for name, value in pairs:
        key = fold(name)
        if key:
            index.setdefault(key, value)
    return index


def _country_names(country: object) -> tuple[str, ...]:
    names = [getattr(country, attr, None) for attr in ("name", "official_name", "common_name")]
    english = tuple(str(n) for n in names if n)
    spanish = tuple(_translation("iso3166-1").gettext(n) for n in english)
    return english + spanish


@cache
def _country_index() -> dict[str, str]:
    """Folded code, number or English/Spanish name → alpha-3."""
    pairs: list[tuple[str, str]] = []
    for country in pycountry.countries:
        alpha3 = str(country.alpha_3)
        codes = (str(country.alpha_2), alpha3, str(country.numeric))
        pairs.extend((key, alpha3) for key in codes + _country_names(country))
    pairs.extend(_COUNTRY_ALIASES.items())
    return _index(pairs)


@cache
def _country_suggestion_keys() -> tuple[str, ...]:
    """The folded names worth suggesting: codes and numbers are too short to compare."""
    return tuple(key for key in _country_index() if len(key) > 3 and not key.isdecimal())


def _flag_to_alpha2(text: str) -> str | None:
    """A flag emoji is two regional indicator letters spelling the alpha-2 code."""
    letters = [ord(c) - _REGIONAL_INDICATOR_A for c in text.strip()]
    if len(letters) == 2 and all(0 <= n < 26 for n in letters):
        return "".join(chr(ord("A") + n) for n in letters)
    return None


def find_country(text: str) -> str | None:
    """The alpha-3 code of a country typed as a code, number, name, alias or flag; else None."""
    flag = _flag_to_alpha2(text)
    key = fold(flag if flag is not None else text)
    if key.isdecimal() and len(key) <= 3:
        key = f"{int(key):03d}"
    return _country_index().get(key)


def similar_countries(text: str, limit: int = 3) -> tuple[str, ...]:
    """Alpha-3 codes of the countries whose names look most like `text`, closest first."""
    key = fold(text)
    if not key or len(key) > _MAX_SUGGESTION_INPUT:
        return ()
    index = _country_index()
    matches = difflib.get_close_matches(key, _country_suggestion_keys(), n=4 * limit, cutoff=0.6)
    return tuple(dict.fromkeys(index[m] for m in matches))[:limit]


def country_name(alpha3: str, lang: str) -> str:
    """The short name of a country in "es" or "en" ("Estados Unidos", "South Korea")."""
    country = pycountry.countries.get(alpha_3=alpha3.upper())
    if country is None:
        raise LookupError(f"no ISO 3166 country with alpha-3 code {alpha3!r}")
    english = str(getattr(country, "common_name", None) or country.name)
    if lang == "en":
        return english
    if lang == "es":
        return _translation("iso3166-1").gettext(english)
    raise ValueError(f"unsupported language {lang!r}")


def region_alpha2(code: str) -> str:
    """The alpha-2 code of a country given as alpha-2 or alpha-3 (phonenumbers wants alpha-2)."""
    code = code.strip().upper()
    if len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    else:
        country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise ValueError(f"no ISO 3166 country with code {code!r}")
    return str(country.alpha_2)


@cache
def departments() -> tuple[tuple[str, str], ...]:
    """The 22 departments of Guatemala as (ISO 3166-2 code, name), ordered by code."""
    guatemalan = (s for s in pycountry.subdivisions if s.country_code == "GT")
    return tuple(sorted((str(s.code), str(s.name)) for s in guatemalan))


@cache
def _department_index() -> dict[str, str]:
    """Folded name, number, GT-nn code, old GT-xx code or alias → department name."""
    by_number = {int(code.removeprefix("GT-")): name for code, name in departments()}
    pairs: list[tuple[str, str]] = []
    for number, name in by_number.items():
        pairs.extend((key, name) for key in (name, f"GT-{number:02d}"))
    pairs.extend((f"GT-{old}", by_number[number]) for old, number in _OLD_DEPARTMENT_CODES.items())
    pairs.extend((alias, by_number[number]) for alias, number in _DEPARTMENT_ALIASES.items())
    return _index(pairs)


def find_department(text: str) -> str | None:
    """The department name for a name, number ("3", "03"), GT-03 or old GT-SA code; else None."""
    key = fold(text)
    if key.isdecimal() and len(key) <= 2:
        key = f"gt{int(key):02d}"
    elif key.startswith("gt") and key[2:].isdecimal() and len(key) <= 4:
        key = f"gt{int(key[2:]):02d}"
    return _department_index().get(key)


@cache
def _currency_index() -> dict[str, int]:
    """Folded alpha-3 code, number, English or Spanish name or alias → ISO 4217 number."""
    numbers = {str(c.alpha_3): int(c.numeric) for c in pycountry.currencies}
    pairs: list[tuple[str, int]] = []
    for currency in pycountry.currencies:
        name = str(currency.name)
        keys = (str(currency.alpha_3), str(currency.numeric), name, _spanish_currency(name))
        pairs.extend((key, int(currency.numeric)) for key in keys)
    pairs.extend((alias, numbers[alpha3]) for alias, alpha3 in _CURRENCY_ALIASES.items())
    return _index(pairs)


def _spanish_currency(name: str) -> str:
    return _translation("iso4217").gettext(name)


def currency_label(alpha3: str, lang: str) -> str:
    """A currency's name and code for a button: "Quetzal (GTQ)", "US Dollar (USD)"."""
    currency = pycountry.currencies.get(alpha_3=alpha3.upper())
    if currency is None:
        raise LookupError(f"no ISO 4217 currency with code {alpha3!r}")
    name = str(currency.name)
    if lang == "es":
        name = _spanish_currency(name)
    elif lang != "en":
        raise ValueError(f"unsupported language {lang!r}")
    return f"{name} ({currency.alpha_3})"


def find_currency(text: str) -> int | None:
    """The ISO 4217 number of a currency given by code, number, name, plural or symbol."""
    symbol = _CURRENCY_SYMBOLS.get("".join(text.split()).casefold())
    key = fold(symbol if symbol is not None else text)
    if key.isdecimal() and len(key) <= 3:
        key = f"{int(key):03d}"
    index = _currency_index()
    # Plurals: "quetzales" → "quetzal", "euros" → "euro", "dólares" → "dolar".
    for candidate in (key, key.removesuffix("es"), key.removesuffix("s")):
        number = index.get(candidate)
        if candidate and number is not None:
            return number
    return None
