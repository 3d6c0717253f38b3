"""HTX USDT-margined perpetual swaps (ccxt `htx`, linear v5 endpoints).

Facts (ccxt 4.5.90, htx.py):
- Amounts are contracts (`volume`; BTC-USDT contract_size 0.001 BTC).
- The client id must be an integer: ccxt reads `clientOrderId` with safe_integer and
  silently drops anything else, so ours is a decimal integer: the journal tag read
  in base 36 (8 characters < 36^8 ~ 2.8e12) times a million plus the order id,
  below 2^63 (HTX's range for `client_order_id`). It travels as `client_order_id`
  on orders and as `algo_client_order_id` on stops.
- The margin mode is chosen per request (`margin_mode`, ccxt's default cross):
  every order, order look-up and the leverage call name isolated; there is no
  margin-mode call (`has.setMarginMode` False). Leverage: `POST /v5/position/lever`.
- Orders go to `POST /v5/trade/order`, looked up at `GET /v5/trade/order` (with
  `margin_mode`, else the cross book is searched) and cancelled at
  `POST /v5/trade/cancel-order`; reduce-only is `reduce_only` 1.
- A stop: `stopLossPrice` becomes an algo order of type `sl` (`POST /v5/algo/order`,
  `sl_trigger_price`), a stop-loss closing the position (ccxt sends no reduce_only
  with it); it is looked up (`GET /v5/algo/order`, type sl) and cancelled
  (`POST /v5/algo/cancel-orders`) with `stopLoss`. (ccxt turns `triggerPrice`
  orders into type "market" on the algo endpoint, so that path is not used.)
- Order answers carry `fee`, but its sign convention on the v5 endpoints was not
  established: fees are estimated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from scalp_tui.execution.venues.base import ALNUM, VenueTraits

ORDER_IDS = 10**6  # order ids per journal tag
MAX_ID = 2**63 - 1


class Htx(VenueTraits):
    id = "htx"
    client_id_max = 19  # digits of 2^63 - 1
    sets_margin_mode = False  # chosen per order
    order_params_extra: ClassVar[Mapping[str, Any]] = {"marginMode": "isolated"}
    stop_lookup_params: ClassVar[Mapping[str, Any]] = {"stopLoss": True}
    fees_in_orders = False

    def client_id(self, tag: str, order_id: int) -> str:
        if tag and not ALNUM.fullmatch(tag):
            raise ValueError(f"client tag {tag!r} does not fit htx's rules")
        number = (int(tag, 36) if tag else 0) * ORDER_IDS + order_id
        if not 0 < order_id < ORDER_IDS or number > MAX_ID:
            raise ValueError(f"client id for tag {tag!r}, order {order_id} does not fit htx")
        return str(number)

    def lookup_params(self, cid: str, is_stop: bool) -> dict[str, Any]:
        params = super().lookup_params(cid, is_stop)
        if not is_stop:
            # ccxt's look-up reads marginMode (default cross); its cancel passes
            # extra params on as sent, so HTX's own field name serves both
            params["margin_mode"] = "isolated"
        return params

    def stop_params(self, cid: str, trigger_price: float) -> dict[str, Any]:
        params = super().stop_params(cid, trigger_price)
        params.pop("reduceOnly")  # an sl order closes the position; ccxt drops it anyway
        return params

    def leverage_params(self) -> dict[str, Any]:
        return {"marginMode": "isolated"}

    def is_trigger_record(self, response: Mapping[str, Any]) -> bool:
        info = response.get("info")
        return isinstance(info, dict) and bool(info.get("algo_id"))
