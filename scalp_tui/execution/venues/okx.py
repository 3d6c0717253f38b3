"""OKX v5 perpetual swaps (ccxt `okx`).

Facts (ccxt 4.5.90): amounts are contracts (`sz`; BTC-USDT-SWAP ctVal 0.01, ETH 0.1);
ccxt's default trade mode is cross, so every order names isolated margin; a stop is
an algo order (`ordType` conditional) whose client id is `algoClOrdId` — ccxt sends
our id as `clOrdId` on creation and looks it up and cancels it as `algoClOrdId` with
`trigger`, so both are sent; `set_margin_mode` sets the leverage too; order answers
carry the cumulative fee actually charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from scalp_tui.execution.venues.base import VenueTraits


class Okx(VenueTraits):
    id = "okx"
    market_types: ClassVar[tuple[str, ...] | None] = ("swap",)
    client_id_max = 32  # letters and digits only
    margin_mode_takes_leverage = True
    one_way_check = True
    order_params_extra: ClassVar[Mapping[str, Any]] = {"marginMode": "isolated"}
    cancel_all = False  # no cancel-all for swaps: one by one
    fees_in_orders = True
    duplicate_codes: ClassVar[tuple[str, ...]] = ("51016",)  # Duplicated clOrdId
    # reduce-only refusals ccxt's table lacks: "the position is smaller" (51169: no
    # position to reduce; 51170: reduce-only would open the other way)
    extra_errors: ClassVar[Mapping[str, str]] = {"51169": "InvalidOrder", "51170": "InvalidOrder"}
    # 59107 "you are already in isolated margin mode"-style answers are success here
    already_set_codes: ClassVar[tuple[str, ...]] = ()

    def stop_params(self, cid: str, trigger_price: float) -> dict[str, Any]:
        return {**super().stop_params(cid, trigger_price), "algoClOrdId": cid}

    def leverage_params(self) -> dict[str, Any]:
        return {"marginMode": "isolated"}

    def is_trigger_record(self, response: Mapping[str, Any]) -> bool:
        # an algo order's record; an order (even one an algo placed) has accFillSz
        info = response.get("info")
        return isinstance(info, dict) and bool(info.get("algoId")) and "accFillSz" not in info

    def child_id(self, response: Mapping[str, Any]) -> str:
        info = response.get("info") or {}
        if not isinstance(info, dict):
            return ""
        ids = info.get("ordIdList") or []
        return str(info.get("ordId") or (ids[0] if ids else ""))
