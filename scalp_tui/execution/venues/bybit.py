"""Bybit v5 linear perpetuals (ccxt `bybit`).

Facts (ccxt 4.5.90): our client id travels as `orderLinkId` (36 characters at most);
one-way orders carry no `positionIdx`; a stop is a conditional order looked up with
`trigger`; `fetch_order` wants `acknowledged` and finds an order by `orderLinkId`;
"leverage not modified" (110043) arrives as BadRequest and means it is already set;
order answers carry the cumulative fee (`cumExecFee`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from scalp_tui.execution.venues.base import VenueTraits


class Bybit(VenueTraits):
    id = "bybit"
    market_types: ClassVar[tuple[str, ...] | None] = ("linear",)
    client_id_max = 36
    already_set_codes: ClassVar[tuple[str, ...]] = ("110043", "110026")
    duplicate_codes: ClassVar[tuple[str, ...]] = ("110072",)  # OrderLinkedID is duplicate
    fees_in_orders = True

    def lookup_params(self, cid: str, is_stop: bool) -> dict[str, Any]:
        params = {**super().lookup_params(cid, is_stop), "orderLinkId": cid}
        params["acknowledged"] = True
        return params

    def child_lookup_params(self) -> dict[str, Any]:
        return {"acknowledged": True}
