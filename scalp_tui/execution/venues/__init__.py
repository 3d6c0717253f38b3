"""Each exchange's traits (base.py says what they are), by ccxt id."""

from __future__ import annotations

from scalp_tui.execution.venues.base import VenueTraits, contract_size, to_base, to_contracts
from scalp_tui.execution.venues.binanceusdm import BinanceUsdm
from scalp_tui.execution.venues.bitget import Bitget
from scalp_tui.execution.venues.bybit import Bybit
from scalp_tui.execution.venues.gate import Gate
from scalp_tui.execution.venues.htx import Htx
from scalp_tui.execution.venues.kucoinfutures import KucoinFutures
from scalp_tui.execution.venues.okx import Okx

TRAITS: dict[str, type[VenueTraits]] = {
    t.id: t for t in (BinanceUsdm, Okx, Bybit, Gate, KucoinFutures, Bitget, Htx)
}


def traits_for(exchange_id: str, leverage: int = 0) -> VenueTraits:
    """The traits of `exchange_id`; an exchange without its own module gets the
    defaults (ccxt's unified behaviour). `leverage` is the configured one, for the
    venues whose orders carry it."""
    return TRAITS.get(exchange_id, VenueTraits)(leverage)


__all__ = ["TRAITS", "VenueTraits", "contract_size", "to_base", "to_contracts", "traits_for"]
