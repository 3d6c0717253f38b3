"""`config check --exchange ID`: the venue's traits as this console will use them,
with each configured symbol's contract facts read from the venue's own markets."""

from __future__ import annotations

from typing import Any

from scalp_tui.config import Settings
from scalp_tui.execution.retry import Retrier
from scalp_tui.execution.venues import contract_size, traits_for
from scalp_tui.venue import VenueError, make_exchange


class VenueReportError(Exception):
    """The venue could not be asked: one line for the user."""


async def describe_venue(settings: Settings) -> list[str]:
    ex = settings.exchange
    try:
        exchange = make_exchange(ex.id, sandbox=ex.sandbox, rest_url=ex.rest_url, ws_url=ex.ws_url)
    except VenueError as exc:
        raise VenueReportError(str(exc)) from None
    try:
        markets = await Retrier(attempts=3).call("markets", exchange.load_markets)
    except Exception as exc:  # ccxt's errors, retries exhausted
        where = ex.rest_url or ex.id
        raise VenueReportError(
            f"cannot load markets from {where}: {type(exc).__name__}: {exc}"
        ) from None
    finally:
        await exchange.close()
    missing = [s for s in settings.symbols if s not in markets]
    if missing:
        raise VenueReportError(f"{ex.id} does not list {', '.join(missing)}")
    return traits_lines(exchange, settings) + [symbol_line(markets[s]) for s in settings.symbols]


def traits_lines(exchange: Any, settings: Settings) -> list[str]:
    traits = traits_for(exchange.id)
    has = exchange.has
    stop = (
        f"reduce-only stop-market via {traits.stop_price_param}"
        if settings.stoploss_on_exchange
        else "off (stoploss_on_exchange: false): the console's own stop only"
    )
    fees = (
        "as charged, from the venue's order answers"
        if traits.fees_in_orders
        else f"estimated at the configured rates (taker {settings.taker_fee:g}, "
        f"maker {settings.maker_fee:g})"
    )
    extra = ", ".join(f"{k}={v}" for k, v in traits.order_params_extra.items()) or "none"
    cancel_all = traits.cancel_all and has.get("cancelAllOrders")
    return [
        f"venue: {exchange.id} (traits: {type(traits).__name__})",
        f"  client order ids: per-journal tag + order id, at most {traits.client_id_max} "
        f"characters (e.g. {traits.client_id('abcd1234', 42)})",
        f"  margin: isolated, leverage {settings.leverage} set at start"
        + ("; one-way position mode checked" if traits.one_way_check else ""),
        f"  every order carries: {extra}; exits are reduce-only",
        f"  exchange-side stop: {stop}",
        f"  cancel-all: {'yes' if cancel_all else 'no (orders cancelled one by one)'}",
        f"  fees: {fees}",
    ]


def symbol_line(market: dict[str, Any]) -> str:
    size = contract_size(market)
    base = market.get("base") or ""
    step = float((market.get("precision") or {}).get("amount") or 0.0)
    least = float(((market.get("limits") or {}).get("amount") or {}).get("min") or step)
    return (
        f"  {market['symbol']}: contract {size:g} {base}, amount step {step:g} contracts "
        f"({step * size:g} {base}), minimum {least:g} contracts ({least * size:g} {base})"
    )
