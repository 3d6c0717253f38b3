"""Bybit v5's wire forms for the Bybit emulator: the `{retCode, retMsg, result}`
envelope, error answers, request parameters, and the order, execution, position and
wallet records built from the venue-neutral core's state (emulator.core).

Bybit's linear contracts are one base unit each (ccxt 4.5.90 sets contractSize 1 for
every linear market), so quantities on the wire are the core's contracts unchanged.
A conditional (stop) order is one record at Bybit, under one orderId from creation to
fill: the core's `Stop` and the market order it places when it fires are shown here as
that single record (its fills carry the stop's id)."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web
from emulator.core import (
    BAD_SIZE,
    DUPLICATE_CLIENT_ID,
    INSUFFICIENT_MARGIN,
    REDUCE_ONLY_NO_POSITION,
    REDUCE_ONLY_SAME_SIDE,
    UNKNOWN_SYMBOL,
    WOULD_TRIGGER,
    ExchangeCore,
    Fill,
    Order,
    Stop,
)

# Bybit's codes (ccxt 4.5.90's bybit exceptions table gives the class in the comment)
PARAMS_ERROR = 10001  # BadRequest ("Not supported symbols" in the text: BadSymbol)
RATE_LIMITED = 10006  # RateLimitExceeded
SERVER_TIMEOUT = 10016  # "Request timeout" in the text: RequestTimeout
ORDER_NOT_FOUND = 110001  # OrderNotFound
INSUFFICIENT_BALANCE = 110007  # InsufficientFunds
REDUCE_ONLY_RULE = 110017  # InvalidOrder
LEVERAGE_NOT_MODIFIED = 110043  # BadRequest
DUPLICATE_LINK_ID = 110072  # InvalidOrder
EXPECT_RISING = 110092  # InvalidOrder
EXPECT_FALLING = 110093  # InvalidOrder

# the core's rejection reasons in Bybit's words
REASON_CODES: dict[str, tuple[int, str]] = {
    UNKNOWN_SYMBOL: (PARAMS_ERROR, "Not supported symbols"),
    DUPLICATE_CLIENT_ID: (DUPLICATE_LINK_ID, "OrderLinkedID is duplicate"),
    BAD_SIZE: (PARAMS_ERROR, "Qty invalid"),
    REDUCE_ONLY_NO_POSITION: (
        REDUCE_ONLY_RULE,
        "current position is zero, cannot fix reduce-only order qty",
    ),
    REDUCE_ONLY_SAME_SIDE: (REDUCE_ONLY_RULE, "Reduce-only rule not satisfied"),
    INSUFFICIENT_MARGIN: (INSUFFICIENT_BALANCE, "ab not enough for new order"),
    WOULD_TRIGGER: (EXPECT_RISING, "expect Rising, but trigger_price <= current"),
}

# the core's order statuses as Bybit names them for linear contracts (a market order's
# unfilled rest is cancelled: Bybit has no "expired" for derivatives)
ORDER_STATUS = {
    "live": "New",
    "partially_filled": "PartiallyFilled",
    "filled": "Filled",
    "canceled": "Cancelled",
    "expired": "Cancelled",
}
# a conditional order before it fires; once fired it takes its order's status
STOP_STATUS = {"live": "Untriggered", "canceled": "Deactivated", "failed": "Rejected"}


def now_ms() -> int:
    return int(time.time() * 1000)


def fmt(value: float) -> str:
    """Bybit sends numbers as strings without trailing zeros."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def ok(result: Any, status: int = 200) -> web.Response:
    body = {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": now_ms()}
    return web.json_response(body, status=status)


def error(code: int, msg: str) -> web.Response:
    """Bybit answers errors with HTTP 200 and the code in the body."""
    body = {"retCode": code, "retMsg": msg, "result": {}, "retExtInfo": {}, "time": now_ms()}
    return web.json_response(body)


def rate_limited() -> web.Response:
    """The per-UID limit is spent: HTTP 200, retCode 10006 (ccxt: RateLimitExceeded)."""
    response = error(RATE_LIMITED, "Too many visits!")
    response.headers["X-Bapi-Limit-Status"] = "0"
    response.headers["X-Bapi-Limit-Reset-Timestamp"] = str(now_ms() + 1000)
    return response


def ip_rate_limited() -> web.Response:
    """The IP limit is spent: HTTP 403 and no JSON (ccxt's bybit maps 403 to
    RateLimitExceeded)."""
    return web.Response(status=403, text="access too frequent")


def answer_lost() -> web.Response:
    """The gateway gave up waiting for the matching engine: the order may exist.
    ccxt reads "Request timeout" in the text as RequestTimeout (a NetworkError)."""
    return error(SERVER_TIMEOUT, "Request timeout, please try again later")


async def params(request: web.Request) -> dict[str, Any]:
    """ccxt signs v5 GET parameters into the query and POST ones into a JSON body."""
    merged: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.body_exists:
        text = await request.text()  # cached: the fault middleware may have read it
        if text:
            merged.update(json.loads(text))
    return merged


def flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def exchange_symbol(symbol: str) -> str:
    """`BTC/USDT:USDT` or `BTCUSDT` -> `BTCUSDT`."""
    return symbol.split(":")[0].replace("/", "").upper()


def side_name(side: str) -> str:
    return side.capitalize()  # "buy" -> "Buy"


# -- records -------------------------------------------------------------------------


def order_record(core: ExchangeCore, item: Order | Stop) -> dict[str, Any]:
    """The order as order/realtime, order/history and the `order` topic show it."""
    if isinstance(item, Stop):
        return _stop_record(core, item)
    return _record(item, ORDER_STATUS[item.status], item.filled, item.cost, item.fee)


def _stop_record(core: ExchangeCore, stop: Stop) -> dict[str, Any]:
    child = core.orders.get(stop.order_id) if stop.order_id is not None else None
    if child is None:
        filled, cost, fee = 0.0, 0.0, 0.0
        status = STOP_STATUS.get(stop.status, "Triggered")
    else:
        filled, cost, fee = child.filled, child.cost, child.fee
        status = ORDER_STATUS[child.status]
    record = _record(stop, status, filled, cost, fee)
    record.update(
        orderType="Market",
        price="0",
        stopOrderType="Stop",
        triggerPrice=fmt(stop.trigger),
        triggerDirection=1 if stop.side == "buy" else 2,
        triggerBy="LastPrice",
        timeInForce="IOC",
        closeOnTrigger=False,
    )
    return record


def _record(
    item: Order | Stop, status: str, filled: float, cost: float, fee: float
) -> dict[str, Any]:
    kind = getattr(item, "kind", "market")
    leaves = 0.0 if status in ("Filled", "Cancelled", "Deactivated", "Rejected") else item.qty
    return {
        "orderId": str(item.id),
        "orderLinkId": item.client_id,
        "blockTradeId": "",
        "symbol": item.symbol,
        "price": fmt(getattr(item, "price", 0.0)),
        "qty": fmt(item.qty),
        "side": side_name(item.side),
        "isLeverage": "",
        "positionIdx": 0,
        "orderStatus": status,
        "cancelType": "UNKNOWN",
        "rejectReason": "EC_NoError",
        "avgPrice": fmt(cost / filled) if filled else "",
        "leavesQty": fmt(max(0.0, leaves - filled)),
        "leavesValue": "0",
        "cumExecQty": fmt(filled),
        "cumExecValue": fmt(cost),
        "cumExecFee": fmt(fee),
        "cumFeeDetail": {"USDT": fmt(fee)} if fee else {},
        "timeInForce": "GTC" if kind == "limit" else "IOC",
        "orderType": kind.capitalize(),
        "stopOrderType": "",
        "orderIv": "",
        "triggerPrice": "",
        "takeProfit": "",
        "stopLoss": "",
        "tpslMode": "UNKNOWN",  # ccxt reads a contract order by this key's presence
        "tpTriggerBy": "",
        "slTriggerBy": "",
        "triggerDirection": 0,
        "triggerBy": "",
        "lastPriceOnCreated": "",
        "reduceOnly": item.reduce_only,
        "closeOnTrigger": False,
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "createdTime": str(item.created_ms),
        "updatedTime": str(item.updated_ms),
        "category": "linear",
    }


def execution_record(core: ExchangeCore, fill: Fill, seq: int) -> dict[str, Any]:
    """One fill as the `execution` topic sends it (execQty, execPrice, execFee)."""
    order = core.orders[fill.order_id]
    shown_id = order.stop_id if order.stop_id is not None else order.id
    stop = core.stops.get(order.stop_id) if order.stop_id is not None else None
    rate = core.taker_fee if fill.liquidity == "taker" else core.maker_fee
    return {
        "category": "linear",
        "symbol": fill.symbol,
        "execFee": fmt(fill.fee),
        "execId": f"emu-exec-{fill.trade_id}",
        "execPrice": fmt(fill.price),
        "execQty": fmt(fill.contracts),
        "execType": "Trade",
        "execValue": fmt(fill.price * fill.contracts),
        "execPnl": fmt(fill.realized_pnl),
        "isMaker": fill.liquidity == "maker",
        "feeRate": fmt(rate),
        "feeCurrency": "USDT",
        "tradeIv": "",
        "markIv": "",
        "blockTradeId": "",
        "markPrice": fmt(fill.price),
        "indexPrice": "",
        "underlyingPrice": "",
        "leavesQty": fmt(max(0.0, order.qty - order.filled)),
        "orderId": str(shown_id),
        "orderLinkId": fill.client_id,
        "orderPrice": fmt(order.price),
        "orderQty": fmt(stop.qty if stop else order.qty),
        "orderType": order.kind.capitalize(),
        "stopOrderType": "Stop" if stop else "UNKNOWN",
        "side": side_name(fill.side),
        "execTime": str(fill.time_ms),
        "isLeverage": "0",
        "closedSize": fmt(fill.contracts) if fill.realized_pnl else "0",
        "seq": seq,
    }


def position_record(core: ExchangeCore, symbol: str, mark: float | None) -> dict[str, Any]:
    """position/list and the `position` topic; a flat position has side "" and size 0."""
    held = core.position(symbol)
    size = abs(held.contracts)
    mark = mark or held.entry
    leverage = core.leverage[symbol]
    value = size * held.entry
    upnl = (mark - held.entry) * held.contracts if size else 0.0
    realised = sum(f.realized_pnl - f.fee for f in core.fills if f.symbol == symbol)
    side = "" if not size else ("Buy" if held.contracts > 0 else "Sell")
    return {
        "positionIdx": 0,
        "riskId": 1,
        "riskLimitValue": "2000000",
        "symbol": symbol,
        "side": side,
        "size": fmt(size),
        "avgPrice": fmt(held.entry),
        "positionValue": fmt(value),
        "tradeMode": 1 if core.margin_mode[symbol] == "isolated" else 0,
        "positionStatus": "Normal",
        "autoAddMargin": 0,
        "adlRankIndicator": 2 if size else 0,
        "leverage": str(leverage),
        "positionBalance": fmt(value / leverage),
        "markPrice": fmt(mark),
        "liqPrice": "",
        "bustPrice": "",
        "positionMM": fmt(value * 0.005),
        "positionIM": fmt(value / leverage),
        "tpslMode": "Full",
        "takeProfit": "0",
        "stopLoss": "0",
        "trailingStop": "0",
        "unrealisedPnl": fmt(upnl),
        "curRealisedPnl": fmt(realised),
        "cumRealisedPnl": fmt(realised),
        "seq": len(core.fills),
        "isReduceOnly": False,
        "createdTime": "1676538056258",
        "updatedTime": str(now_ms()),
        "category": "linear",
    }


def wallet_record(core: ExchangeCore, unrealised: float) -> dict[str, Any]:
    """account/wallet-balance's UNIFIED account and the `wallet` topic: one USDT coin
    whose walletBalance is the core's wallet (fees and realised PnL settled)."""
    equity = core.wallet + unrealised
    position_im = core.used_margin()
    available = max(0.0, core.available())
    realised = sum(f.realized_pnl for f in core.fills)
    coin = {
        "coin": "USDT",
        "equity": fmt(equity),
        "usdValue": fmt(equity),
        "walletBalance": fmt(core.wallet),
        "availableToWithdraw": fmt(available),
        "availableToBorrow": "",
        "borrowAmount": "0",
        "accruedInterest": "0",
        "totalOrderIM": "0",
        "totalPositionIM": fmt(position_im),
        "totalPositionMM": fmt(position_im * 0.015),
        "unrealisedPnl": fmt(unrealised),
        "cumRealisedPnl": fmt(realised),
        "bonus": "0",
        "locked": "0",
        "marginCollateral": True,
        "collateralSwitch": True,
    }
    return {
        "accountType": "UNIFIED",
        "accountIMRate": "0",
        "accountMMRate": "0",
        "totalEquity": fmt(equity),
        "totalWalletBalance": fmt(core.wallet),
        "totalMarginBalance": fmt(equity),
        "totalAvailableBalance": fmt(available),
        "totalPerpUPL": fmt(unrealised),
        "totalInitialMargin": fmt(position_im),
        "totalMaintenanceMargin": fmt(position_im * 0.015),
        "accountLTV": "0",
        "coin": [coin],
    }
