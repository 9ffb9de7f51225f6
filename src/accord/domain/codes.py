"""Validated code types: ISO 3166-1 alpha-3 countries, ISO 639-3 languages, ISO 4217 currencies, IANA zones."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pycountry
from pydantic import AfterValidator

# ISO 4217 minor units for the currencies an agreement may name; pycountry does not carry them.
_MINOR_UNITS_EXCEPTIONS = {
    "BHD": 3,
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "PYG": 0,
    "RWF": 0,
    "TND": 3,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
}


@lru_cache(maxsize=8)
def _codes(database: str, key: str) -> frozenset[str]:
    """The alpha-3 codes of one pycountry database, read straight from its JSON: pycountry's own
    objects index every name and cost a tenth of a second to build, which every command would pay."""
    with open(os.path.join(pycountry.DATABASE_DIR, f"{database}.json"), encoding="utf-8") as handle:
        return frozenset(entry["alpha_3"] for entry in json.load(handle)[key])


def is_country(code: str) -> bool:
    return code in _codes("iso3166-1", "3166-1")


def is_language(code: str) -> bool:
    return code in _codes("iso639-3", "639-3")


def is_currency(code: str) -> bool:
    return code in _codes("iso4217", "4217")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    if name not in _zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit (ISO 4217)."""
    return _MINOR_UNITS_EXCEPTIONS.get(currency, 2)


def _country(code: str) -> str:
    if not is_country(code):
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
    return code


def _language(code: str) -> str:
    if not is_language(code):
        raise ValueError(f"{code!r} is not an ISO 639-3 language code")
    return code


def _currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


def _timezone(name: str) -> str:
    if not is_timezone(name):
        raise ValueError(f"{name!r} is not an IANA time zone")
    return name


CountryCode = Annotated[str, AfterValidator(_country)]
LanguageCode = Annotated[str, AfterValidator(_language)]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
