"""Each exchange's traits (base.py says what they are), by ccxt id."""

from __future__ import annotations

from scalp_tui.execution.venues.base import VenueTraits, contract_size, to_base, to_contracts
from scalp_tui.execution.venues.binanceusdm import BinanceUsdm
from scalp_tui.execution.venues.bybit import Bybit
from scalp_tui.execution.venues.okx import Okx

TRAITS: dict[str, type[VenueTraits]] = {t.id: t for t in (BinanceUsdm, Okx, Bybit)}


def traits_for(exchange_id: str) -> VenueTraits:
    """The traits of `exchange_id`; an exchange without its own module gets the
    defaults (ccxt's unified behaviour)."""
    return TRAITS.get(exchange_id, VenueTraits)()


__all__ = ["TRAITS", "VenueTraits", "contract_size", "to_base", "to_contracts", "traits_for"]
