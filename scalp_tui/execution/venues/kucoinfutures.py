"""KuCoin Futures USDT-margined perpetuals (ccxt `kucoinfutures`, built on kucoin.py).

Facts (ccxt 4.5.90, kucoin.py):
- Amounts are whole contracts (`size`; XBTUSDTM multiplier 0.001 BTC); ccxt refuses
  an amount below 1.
- Our client id travels as `clientOid` (KuCoin: at most 40 characters); orders are
  looked up by it at `GET /api/v1/orders/byClientOid` (stops too) and cancelled at
  `DELETE /api/v1/orders/client-order/{clientOid}`.
- Margin mode is per symbol (`POST /api/v2/position/changeMarginMode`), and orders
  carry `marginMode` too (ccxt upper-cases it).
- ccxt's set_leverage on contracts only sets the *cross* leverage
  (`/api/v2/changeCrossUserLeverage`; it refuses marginMode isolated). An isolated
  position takes its leverage from the order's `leverage` field, which ccxt fills
  with 1 unless given: every order carries the configured leverage instead, and no
  leverage call is made at start.
- A stop: `stopLossPrice` becomes `stop` ("up" for a buy), `stopPrice`,
  `reduceOnly`; ccxt's default trigger is the mark price, so `stopPriceType` "TP"
  (last trade price) is sent, as the other venues trigger on the last price.
- ccxt asks the account mode first (`GET /api/ua/v1/account/mode`): a unified
  (UTA) account goes to other endpoints that these facts do not cover.
- Order answers carry no cumulative fee: fees are estimated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from scalp_tui.execution.venues.base import VenueTraits


class KucoinFutures(VenueTraits):
    id = "kucoinfutures"
    market_types: ClassVar[tuple[str, ...] | None] = ("swap",)
    # futures klines count volume in lots (contracts); ccxt passes it on
    ohlcv_volume_in_contracts = True
    client_id_max = 40
    sets_leverage = False  # per order, below
    one_way_check = True  # fetch_position_mode: GET /api/v2/position/getPositionMode
    order_params_extra: ClassVar[Mapping[str, Any]] = {"marginMode": "isolated"}
    stop_lookup_params: ClassVar[Mapping[str, Any]] = {}  # stops are found by clientOid too
    fees_in_orders = False
    # 126044 "clientOid duplicate" is the code ccxt knows (kucoin.py); whether the
    # futures API answers a reused clientOid with it was not established here
    duplicate_codes: ClassVar[tuple[str, ...]] = ("126044",)

    def order_params(self, cid: str, reduce_only: bool) -> dict[str, Any]:
        params = super().order_params(cid, reduce_only)
        if self.leverage > 0:
            params["leverage"] = self.leverage
        return params

    def stop_params(self, cid: str, trigger_price: float) -> dict[str, Any]:
        return {**super().stop_params(cid, trigger_price), "stopPriceType": "TP"}
