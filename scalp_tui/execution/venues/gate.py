"""Gate USDT perpetual futures (ccxt `gate`).

Facts (ccxt 4.5.90, gate.py; request shapes as in ccxt's static fixtures
ts/src/test/static/request/gate.json, "swap market sell" / "swap trigger market buy"):
- Amounts are contracts (`size`, signed: negative sells; BTC_USDT quanto_multiplier
  0.0001 BTC); a market order is `price` "0" with `tif` "ioc".
- Our client id travels as `text`. Gate wants it to start with "t-"; ccxt adds the
  prefix only to plain orders (create_order_request) and to look-ups
  (fetch_order_request), not to a trigger order's `initial.text`, and refuses one
  over 28 characters. So our id carries the prefix itself: the same text on every
  order kind, and the answer's `text` is exactly our id.
- ccxt has no set_margin_mode for gate (`has.setMarginMode` False): a position is
  isolated when its leverage is above 0 (`POST .../positions/{contract}/leverage?
  leverage=N`; 0 means cross), which set_leverage sends without a `marginMode`.
- ccxt's cancel_order puts the order id it is given (None) in the path and passes
  a `clientOrderId` on as a query field; Gate takes our `text` in place of the
  order id (for an order still in the book), so look-ups and cancels name the
  order by `order_id` = our text, which overrides ccxt's None.
- Reduce-only is `reduce_only`; a stop is a price-triggered order
  (`POST /futures/usdt/price_orders`, rule 1 = last price >= trigger for a buy,
  price_type 0 = last price), looked up and cancelled with `trigger`.
- Futures order answers carry fee rates (`tkfr`, `mkfr`), not the fee charged:
  fees are estimated.
- ccxt has no fetch_position_mode for gate: the one-way check cannot run.
"""

from __future__ import annotations

from typing import ClassVar

from scalp_tui.execution.venues.base import VenueTraits

PREFIX = "t-"


class Gate(VenueTraits):
    id = "gate"
    market_types: ClassVar[tuple[str, ...] | None] = ("swap",)
    # futures candlesticks' `v` is the size in contracts (ccxt passes it on)
    ohlcv_volume_in_contracts = True
    client_id_max = 28  # prefix included: ccxt's limit on what it is given
    sets_margin_mode = False  # isolated = leverage above 0
    cancel_all = True  # DELETE /futures/usdt/orders?contract=…
    fees_in_orders = False
    # NO_CHANGE "No change is made" (ccxt: InvalidOrder) when the leverage is already so
    already_set_codes: ClassVar[tuple[str, ...]] = ("NO_CHANGE",)
    # REPEATED_CREATION (ccxt: InvalidOrder): an order with this text was created already
    duplicate_codes: ClassVar[tuple[str, ...]] = ("REPEATED_CREATION",)
    lookup_id_param = "order_id"  # our text in place of ccxt's None order id (above)

    def client_id(self, tag: str, order_id: int) -> str:
        text = PREFIX + super().client_id(tag, order_id)
        if len(text) > self.client_id_max:
            raise ValueError(f"client id {text!r} does not fit gate's rules")
        return text
