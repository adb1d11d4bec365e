"""Rate cards as data (ratecards.toml): what each contract charges, in CNY.

The list card prices every package of the catalogue; a contract's card (keyed by customer
id) overrides parts of it. Prices are `Decimal` read from strings — never floats.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .catalogue import Catalogue

RATE_CARDS_FILE = Path(__file__).parent / "ratecards.toml"
FORMAT = "servicehub.billing.ratecards/1"
PRIORITIES = ("P0", "P1", "P2", "P3", "P4")
_SECTIONS = ("person_day_rate", "sla_breach_credit", "unit_prices", "package_prices")


class RateCardError(ValueError):
    """Invalid rate-card data: names the file and the key at fault."""


@dataclass(frozen=True)
class RateCard:
    person_day_rate: Decimal
    sla_breach_credit: dict[str, Decimal] = field(default_factory=dict)
    unit_prices: dict[str, Decimal] = field(default_factory=dict)
    package_prices: dict[str, Decimal] = field(default_factory=dict)

    def package_price(self, service_code: str, package: str) -> Decimal:
        return self.package_prices[f"{service_code}/{package}"]

    def unit_price(self, service_code: str, unit: str) -> Decimal:
        return self.unit_prices[f"{service_code}/{unit}"]


@dataclass(frozen=True)
class RateCards:
    version: str
    list_card: RateCard
    contracts: dict[str, RateCard]

    def for_customer(self, customer_id: str) -> RateCard:
        """The customer's contract card, or the list card when it has none."""
        return self.contracts.get(customer_id, self.list_card)


def _money(file: Path, key: str, value: Any) -> Decimal:
    try:
        if not isinstance(value, str):
            raise InvalidOperation
        amount = Decimal(value)
    except InvalidOperation:
        raise RateCardError(f"{file}: {key}: a CNY amount as a string, e.g. \"3000.00\"") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise RateCardError(f"{file}: {key}: {value!r} is not a non-negative amount in fen")
    return amount


def _card(file: Path, name: str, data: Any, base: RateCard | None) -> RateCard:
    if not isinstance(data, dict):
        raise RateCardError(f"{file}: {name}: must be a table")
    for key in data:
        if key not in _SECTIONS:
            raise RateCardError(f"{file}: {name}.{key}: unknown key")

    def prices(section: str) -> dict[str, Decimal]:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise RateCardError(f"{file}: {name}.{section}: must be a table")
        own = {k: _money(file, f"{name}.{section}.{k}", v) for k, v in table.items()}
        return {**(getattr(base, section) if base else {}), **own}

    if "person_day_rate" in data:
        rate = _money(file, f"{name}.person_day_rate", data["person_day_rate"])
    elif base is not None:
        rate = base.person_day_rate
    else:
        raise RateCardError(f"{file}: {name}.person_day_rate: required")
    return RateCard(rate, prices("sla_breach_credit"), prices("unit_prices"), prices("package_prices"))


def load_rate_cards(catalogue: Catalogue, file: Path = RATE_CARDS_FILE) -> RateCards:
    """Reads and checks the rate cards against the catalogue: the list card prices every
    package and every pricing unit and credits every priority; no card names anything
    the catalogue lacks."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RateCardError(f"{file}: {error}") from None
    if data.get("format") != FORMAT:
        raise RateCardError(f"{file}: format: must be {FORMAT!r}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RateCardError(f"{file}: version: a non-empty string is required")
    for key in data:
        if key not in ("format", "version", "list", "contracts"):
            raise RateCardError(f"{file}: {key}: unknown key")
    list_card = _card(file, "list", data.get("list"), None)
    contracts = data.get("contracts", {})
    if not isinstance(contracts, dict):
        raise RateCardError(f"{file}: contracts: must be a table")
    cards = RateCards(
        version,
        list_card,
        {customer: _card(file, f"contracts.{customer}", card, list_card) for customer, card in contracts.items()},
    )
    packages = {f"{s.code}/{p.code}" for s in catalogue.services for p in s.packages}
    units = {f"{s.code}/{u.code}" for s in catalogue.services for u in s.pricing_units}
    for name, card in [("list", list_card), *((f"contracts.{c}", k) for c, k in cards.contracts.items())]:
        for section, known in (("package_prices", packages), ("unit_prices", units)):
            for key in getattr(card, section):
                if key not in known:
                    raise RateCardError(f"{file}: {name}.{section}.{key}: not in the catalogue")
        for key in card.sla_breach_credit:
            if key not in PRIORITIES:
                raise RateCardError(f"{file}: {name}.sla_breach_credit.{key}: not a priority")
    for section, known in (("package_prices", packages), ("unit_prices", units)):
        missing = sorted(known - set(getattr(list_card, section)))
        if missing:
            raise RateCardError(f"{file}: list.{section}: no price for {', '.join(missing[:5])}")
    missing = [p for p in PRIORITIES if p not in list_card.sla_breach_credit]
    if missing:
        raise RateCardError(f"{file}: list.sla_breach_credit: no credit for {', '.join(missing)}")
    return cards
