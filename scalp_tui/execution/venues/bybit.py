"""Bybit v5 linear perpetuals (ccxt `bybit`).

Facts (ccxt 4.5.90): our client id travels as `orderLinkId` (36 characters at most);
one-way orders carry no `positionIdx`; a stop is a conditional order looked up with
`trigger`; `fetch_order` sends the order id even when it is None (as "None"), so an
order known only by our id is looked up among the open and recent orders
(order/realtime) by `orderLinkId`;
"leverage not modified" (110043) arrives as BadRequest and means it is already set;
order answers carry the cumulative fee (`cumExecFee`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from scalp_tui.execution.venues.base import VenueTraits


class Bybit(VenueTraits):
    id = "bybit"
    market_types: ClassVar[tuple[str, ...] | None] = ("linear",)
    client_id_max = 36
    already_set_codes: ClassVar[tuple[str, ...]] = ("110043", "110026")
    duplicate_codes: ClassVar[tuple[str, ...]] = ("110072",)  # OrderLinkedID is duplicate
    fees_in_orders = True
    # cancel-all takes the conditional stops too unless told not to
    cancel_all_params: ClassVar[Mapping[str, Any]] = {"orderFilter": "Order"}
    lookup_id_param = "orderLinkId"  # ccxt's cancel_order passes our id on only as this

    async def fetch_order(self, exchange: Any, symbol: str, cid: str, is_stop: bool) -> Any:
        import ccxt

        params = self.lookup_params(cid, is_stop)
        rows = await exchange.fetch_open_orders(symbol, None, None, params)
        mine = [row for row in rows if row.get("clientOrderId") == cid]
        if not mine:
            raise ccxt.OrderNotFound(f"bybit: no order with orderLinkId {cid}")
        return mine[0]

    def child_lookup_params(self) -> dict[str, Any]:
        return {"acknowledged": True}
