"""What differs from one exchange to the next, in one place per exchange.

The broker, the account calls and the position check ask a `VenueTraits` instead of
knowing any exchange: how our client order id must look there, which parameters an
order, a reduce-only exit or an exchange-side stop carries, how margin mode and
leverage are set, whether cancel-all exists, whether the order answers carry the
fees actually charged, and the exchange's own error codes that ccxt's unified
classes do not tell apart (a duplicate client id, "already set"). Everything else
is matched by ccxt's unified exception classes.

The defaults suit most ccxt swap venues; each exchange's module overrides what is
its own (freqtrade's per-exchange classes with their `_ft_has` tables are the model).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, ClassVar

# a client id: our per-journal tag and the engine's order id, letters and digits only
# (the one alphabet every venue accepts)
ALNUM = re.compile(r"[a-z0-9]+")


class VenueTraits:
    id: ClassVar[str] = ""
    # which of the venue's market types ccxt loads: only the perpetuals this console
    # trades (None: ccxt's default list), a faster start with fewer requests
    market_types: ClassVar[tuple[str, ...] | None] = None
    # ccxt's candle volume is in contracts here, not base units (gate, kucoinfutures)
    ohlcv_volume_in_contracts: ClassVar[bool] = False
    # the maintenance margin rate of the first tier of the majors' perpetuals, for the
    # console's liquidation estimate (None: not known here, the engine's default)
    maintenance_margin_rate: ClassVar[float | None] = None
    # -- client order ids --------------------------------------------------------
    client_id_max: ClassVar[int] = 32  # characters the venue accepts
    # -- account set-up ------------------------------------------------------------
    # set_margin_mode needs the leverage with it (okx sets both in one call)
    margin_mode_takes_leverage: ClassVar[bool] = False
    # whether margin mode and leverage are set by their own calls at start: some
    # venues choose the margin mode per order (htx) or by the leverage (gate), or
    # take an isolated position's leverage from each order (kucoinfutures)
    sets_margin_mode: ClassVar[bool] = True
    sets_leverage: ClassVar[bool] = True
    # the venue's own answers to "isolated margin is already set" / "leverage is
    # already that" that ccxt reports as a plain error class
    already_set_codes: ClassVar[tuple[str, ...]] = ()
    # check at start that the account nets positions (one-way): in hedge mode a
    # short's exits would need a position side this console does not send
    one_way_check: ClassVar[bool] = False
    # -- orders --------------------------------------------------------------------
    order_params_extra: ClassVar[Mapping[str, Any]] = {}  # on every create (tdMode …)
    stop_price_param: ClassVar[str] = "stopLossPrice"
    stop_lookup_params: ClassVar[Mapping[str, Any]] = {"trigger": True}
    # the parameter naming our client id in a look-up or cancel (ccxt's unified name,
    # unless the venue's ccxt code passes our id on only under the venue's own)
    lookup_id_param: ClassVar[str] = "clientOrderId"
    # cancel-all for plain orders; stops are always cancelled one by one
    cancel_all: ClassVar[bool] = True
    # the order answers (REST and stream) carry the cumulative fee actually charged
    fees_in_orders: ClassVar[bool] = False
    # the venue's codes for "an order with this client id exists already"
    duplicate_codes: ClassVar[tuple[str, ...]] = ()
    # parameters of cancel-all so that it leaves the resting stops alone
    cancel_all_params: ClassVar[Mapping[str, Any]] = {}
    # venue codes ccxt's table lacks, by the ccxt error class they mean (a reduce-only
    # refusal that arrives as a plain ExchangeError looks like "no stops here")
    extra_errors: ClassVar[Mapping[str, str]] = {}

    def __init__(self, leverage: int = 0) -> None:
        # the configured leverage, for venues whose orders carry it (0: unknown)
        self.leverage = leverage

    def configure(self, exchange: Any) -> None:
        """Options set on a new ccxt client of this venue."""
        if self.market_types is not None:
            fetch_markets = exchange.options.get("fetchMarkets")
            if isinstance(fetch_markets, dict):
                fetch_markets["types"] = list(self.market_types)
        if self.extra_errors:
            import ccxt

            exact = exchange.exceptions.setdefault("exact", {})
            for code, name in self.extra_errors.items():
                exact.setdefault(code, getattr(ccxt, name))

    def custom_endpoint(self, exchange: Any, ws_url: str | None) -> bool:
        """Adjust a client pointed at a custom endpoint (emulator, proxy) beyond
        replacing the hosts; True when this venue placed `ws_url` itself."""
        return False

    # -- client order ids --------------------------------------------------------

    def client_id(self, tag: str, order_id: int) -> str:
        """The id the venue knows our order by: unique per journal (`tag`) and order.
        An empty tag is the scheme of journals written before tags existed."""
        if not tag:
            return f"scalp{order_id}"
        text = f"s{tag}{order_id}"
        if len(text) > self.client_id_max or not ALNUM.fullmatch(text):
            raise ValueError(f"client id {text!r} does not fit {self.id}'s rules")
        return text

    def client_id_of(self, response: Mapping[str, Any]) -> str:
        """Our client id as it comes back in an order answer."""
        return str(response.get("clientOrderId") or "")

    # -- parameters ----------------------------------------------------------------

    def order_params(self, cid: str, reduce_only: bool) -> dict[str, Any]:
        params: dict[str, Any] = {**self.order_params_extra, "clientOrderId": cid}
        if reduce_only:
            params["reduceOnly"] = True
        return params

    def stop_params(self, cid: str, trigger_price: float) -> dict[str, Any]:
        """A reduce-only market order resting at the venue until `trigger_price`."""
        return {**self.order_params(cid, True), self.stop_price_param: trigger_price}

    def lookup_params(self, cid: str, is_stop: bool) -> dict[str, Any]:
        """fetch_order / cancel_order by our client id (the order id unknown)."""
        params: dict[str, Any] = {self.lookup_id_param: cid}
        if is_stop:
            params.update(self.stop_lookup_params)
        return params

    async def fetch_order(self, exchange: Any, symbol: str, cid: str, is_stop: bool) -> Any:
        """Look an order up by our client id (the broker calls this for every
        look-up; a venue that cannot find an order through ccxt's fetch_order with
        `lookup_params` overrides it, e.g. bybit, bitget's stops). Raises
        ccxt.OrderNotFound when the venue does not know it."""
        return await exchange.fetch_order(None, symbol, self.lookup_params(cid, is_stop))

    def child_lookup_params(self) -> dict[str, Any]:
        """fetch_order of the order a triggered stop placed, by its venue id."""
        return {}

    def margin_params(self, leverage: int) -> dict[str, Any]:
        return {"leverage": leverage} if self.margin_mode_takes_leverage else {}

    def leverage_params(self) -> dict[str, Any]:
        return {}

    # -- answers -------------------------------------------------------------------

    def already_set(self, exc: BaseException) -> bool:
        import ccxt

        if isinstance(exc, ccxt.MarginModeAlreadySet | ccxt.NoChange):
            return True
        return any(code in str(exc) for code in self.already_set_codes)

    def duplicate_id(self, exc: BaseException) -> bool:
        """The venue already has an order with this client id (an earlier attempt of
        the same create got through after all)."""
        import ccxt

        if isinstance(exc, ccxt.DuplicateOrderId):
            return True
        return any(code in str(exc) for code in self.duplicate_codes)

    def is_trigger_record(self, response: Mapping[str, Any]) -> bool:
        """An answer about a resting stop itself, as opposed to the order its trigger
        placed (which carries the fills)."""
        return False

    def child_id(self, response: Mapping[str, Any]) -> str:
        """The venue id of the order a triggered stop placed, if the answer says."""
        return ""

    def fee_paid(self, response: Mapping[str, Any]) -> float | None:
        """The cumulative fee charged on this order, in the quote currency, when the
        venue reports it (a rebate is negative); None when it does not."""
        if not self.fees_in_orders:
            return None
        fee = response.get("fee")
        if not isinstance(fee, Mapping) or fee.get("cost") is None:
            return None
        cost = float(fee["cost"])
        return cost if math.isfinite(cost) else None


# -- contracts at the boundary ---------------------------------------------------


def contract_size(market: Mapping[str, Any]) -> float:
    size = market.get("contractSize")
    return float(size) if size else 1.0


def to_contracts(exchange: Any, symbol: str, base_qty: float) -> float:
    """The order amount in contracts for `base_qty` base units, to the venue's amount
    precision. The engine sizes in whole lot steps, so the quotient is a whole number
    of amount steps up to float error (0.3 ETH / 0.1 is 2.9999999999999996: truncated
    as it stands, that would send 2): it is rounded off first."""
    contracts = round(base_qty / contract_size(exchange.market(symbol)), 10)
    return float(exchange.amount_to_precision(symbol, contracts))


def to_base(exchange: Any, symbol: str, contracts: float) -> float:
    """Base units in `contracts` of `symbol`."""
    return contracts * contract_size(exchange.market(symbol))
