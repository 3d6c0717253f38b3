"""Bitget USDT-M perpetual futures (ccxt `bitget`, classic account, v2 mix API).

Facts (ccxt 4.5.90, bitget.py):
- Amounts are base units (`size`; contractSize 1, BTCUSDT sizeMultiplier 0.001 is
  the amount step).
- Our client id travels as `clientOid`; orders are looked up at
  `GET /api/v2/mix/order/detail` and cancelled at `POST /api/v2/mix/order/cancel-order`
  by it.
- ccxt's default order margin mode is cross ("crossed"): every order names isolated.
  `marginCoin` and `productType` (USDT-FUTURES) are added by ccxt.
- set_margin_mode (`/api/v2/mix/account/set-margin-mode`) and set_leverage
  (`/api/v2/mix/account/set-leverage`) are per symbol.
- Reduce-only in one-way mode is `reduceOnly` "YES".
- A stop: `stopLossPrice` would be a position-level TP/SL (`pos_loss`, one per
  position, no size), which cannot be replaced by a second stop before the first is
  cancelled; so the stop is a plan order (`stopPrice` -> `normal_plan`,
  `place-plan-order`) that is reduce-only and sized, triggered on the last price
  (`triggerType` fill_price; ccxt's default is the mark price).
- ccxt's fetch_order has no plan-order branch (it asks order/detail, which does not
  know plan orders): a stop is found among the pending plan orders
  (`orders-plan-pending`), then the plan history (`orders-plan-history`), by
  `clientOid`; it is cancelled at `cancel-plan-order` with `orderIdList`.
- Order answers carry the fee charged (`fee`, negative for a charge; ccxt negates it).
- ccxt asks whether the account is unified first (`GET /api/v3/account/settings`;
  an error means classic): a unified account goes to v3 endpoints not covered here.
- ccxt has no fetch_position_mode for bitget: the one-way check cannot run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from scalp_tui.execution.venues.base import VenueTraits

PLAN = {"trigger": True, "planType": "normal_plan"}


class Bitget(VenueTraits):
    id = "bitget"
    market_types: ClassVar[tuple[str, ...] | None] = ("swap",)
    client_id_max = 32
    order_params_extra: ClassVar[Mapping[str, Any]] = {"marginMode": "isolated"}
    # ccxt's alias for triggerPrice: it omits `stopPrice` from what it passes on, but
    # not `triggerPrice`, which would replace its own rounded string with our float
    stop_price_param = "stopPrice"
    stop_lookup_params: ClassVar[Mapping[str, Any]] = PLAN
    fees_in_orders = True
    # 40786 "Duplicate clientOid" is from Bitget's error table, not ccxt's: not
    # checked against a live answer here
    duplicate_codes: ClassVar[tuple[str, ...]] = ("40786",)

    def stop_params(self, cid: str, trigger_price: float) -> dict[str, Any]:
        return {**super().stop_params(cid, trigger_price), "triggerType": "fill_price"}

    async def fetch_order(self, exchange: Any, symbol: str, cid: str, is_stop: bool) -> Any:
        if not is_stop:
            return await super().fetch_order(exchange, symbol, cid, is_stop)
        import ccxt

        params = {**PLAN, "clientOrderId": cid}
        for fetch in (exchange.fetch_open_orders, exchange.fetch_canceled_and_closed_orders):
            rows = await fetch(symbol, None, None, dict(params))
            mine = [row for row in rows if row.get("clientOrderId") == cid]
            if mine:
                return mine[0]
        raise ccxt.OrderNotFound(f"bitget: no plan order with clientOid {cid}")

    def is_trigger_record(self, response: Mapping[str, Any]) -> bool:
        info = response.get("info")
        return isinstance(info, dict) and "planType" in info
