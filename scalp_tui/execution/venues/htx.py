"""HTX USDT-margined perpetual swaps (ccxt `htx`, linear v5 endpoints).

Facts (ccxt 4.5.90, htx.py):
- Amounts are contracts (`volume`; BTC-USDT contract_size 0.001 BTC).
- The client id must be an integer: ccxt reads `clientOrderId` with safe_integer_n
  and silently drops anything else, and it goes through a float there
  (int(float(x))): an id above 2^53 arrives altered (HTX itself takes up to 2^63 - 1).
  So ours is a decimal integer below 2^53: the journal tag folded to 30 bits (CRC-32
  mod 9e8; two journals share it with a chance of about 1e-9) times 10^7 plus the
  order id. It travels as `client_order_id` on orders, `algo_client_order_id` on
  stops, and comes back as the same digits.
- The margin mode is chosen per request (`margin_mode`, ccxt's default cross):
  every order, order look-up and the leverage call name isolated; there is no
  margin-mode call (`has.setMarginMode` False). Leverage: `POST /v5/position/lever`.
- Orders go to `POST /v5/trade/order`, looked up at `GET /v5/trade/order` (with
  `margin_mode`, else the cross book is searched) and cancelled at
  `POST /v5/trade/cancel_order`; reduce-only is `reduce_only` 1.
- A stop: `stopLossPrice` becomes an algo order of type `sl` (`POST /v5/algo/order`,
  `sl_trigger_price`), a stop-loss closing the position (ccxt sends no reduce_only
  with it); it is looked up (`GET /v5/algo/order`, type sl) and cancelled
  (`POST /v5/algo/cancel_orders`) with `stopLoss`. (ccxt turns `triggerPrice`
  orders into type "market" on the algo endpoint, so that path is not used.)
- Order answers carry `fee`, but its sign convention on the v5 endpoints was not
  established: fees are estimated.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any, ClassVar

from scalp_tui.execution.venues.base import ALNUM, VenueTraits

ORDER_IDS = 10**7  # order ids per journal tag
TAGS = 9 * 10**8  # 9e8 * 1e7 < 2^53: exact through ccxt's float


class Htx(VenueTraits):
    id = "htx"
    client_id_max = 16  # digits below 2^53
    sets_margin_mode = False  # chosen per order
    order_params_extra: ClassVar[Mapping[str, Any]] = {"marginMode": "isolated"}
    stop_lookup_params: ClassVar[Mapping[str, Any]] = {"stopLoss": True}
    fees_in_orders = False

    def configure(self, exchange: Any) -> None:
        # only the USDT-margined swaps this console trades; ccxt's types here are a
        # dict of flags, not the list base.py sets (spot, inverse: three requests less)
        fetch_markets = exchange.options.get("fetchMarkets")
        if isinstance(fetch_markets, dict) and isinstance(fetch_markets.get("types"), dict):
            fetch_markets["types"] = {"spot": False, "linear": True, "inverse": False}

    def client_id(self, tag: str, order_id: int) -> str:
        if tag and not ALNUM.fullmatch(tag):
            raise ValueError(f"client tag {tag!r} does not fit htx's rules")
        if not 0 < order_id < ORDER_IDS:
            raise ValueError(f"order id {order_id} does not fit an htx client id")
        folded = zlib.crc32(tag.encode()) % TAGS if tag else 0
        return str(folded * ORDER_IDS + order_id)

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
