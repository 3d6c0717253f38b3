"""OKX v5's wire form for the emulator: instruments, symbols, envelopes, error codes, the
order and algo records, positions, the balance and the `books` checksum.

Facts it follows (ccxt 4.5.90, ccxt/okx.py): every answer is `{"code": "0", "msg": "",
"data": [...]}`; a failed batch entry answers `code "1"` with `sCode`/`sMsg` in its data
row (ccxt raises by sCode first); fees are negative when charged; numbers are strings."""

from __future__ import annotations

import json
import zlib
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
    Instrument,
    Order,
    Position,
    Stop,
)

# instId: (base, quote, ctVal, tickSz, lotSz, minSz), as OKX lists its USDT swaps
INSTRUMENTS = {
    "BTC-USDT-SWAP": ("BTC", "USDT", 0.01, 0.1, 0.01, 0.01),
    "ETH-USDT-SWAP": ("ETH", "USDT", 0.1, 0.01, 0.01, 0.01),
    "SOL-USDT-SWAP": ("SOL", "USDT", 1.0, 0.01, 0.01, 0.01),
    "DOGE-USDT-SWAP": ("DOGE", "USDT", 1000.0, 0.00001, 0.01, 0.01),
}

# core rejection reason -> (sCode, sMsg) as OKX words them. 51169/51170 are not in
# ccxt 4.5.90's exact table: ccxt raises a plain ExchangeError for them.
REJECTIONS = {
    UNKNOWN_SYMBOL: ("51001", "Instrument ID does not exist."),
    DUPLICATE_CLIENT_ID: ("51016", "Duplicated clOrdId."),
    BAD_SIZE: ("51121", "Order quantity must be a multiple of the lot size."),
    REDUCE_ONLY_NO_POSITION: (
        "51169",
        "Order failed because you don't have any positions in this direction "
        "for this contract to reduce or close.",
    ),
    REDUCE_ONLY_SAME_SIDE: (
        "51170",
        "Failed to place order. A reduce-only order can't be the same direction "
        "as your existing position.",
    ),
    INSUFFICIENT_MARGIN: ("51008", "Order failed. Insufficient USDT margin in account."),
    WOULD_TRIGGER: ("51280", "SL trigger price must be greater than the last price."),
}


def instruments() -> list[Instrument]:
    return [
        Instrument(inst_id, base, quote, ct_val, tick, lot, min_sz)
        for inst_id, (base, quote, ct_val, tick, lot, min_sz) in INSTRUMENTS.items()
    ]


def inst_id(symbol: str) -> str:
    """`BTC/USDT:USDT`, `BTCUSDT` (a Binance id, for shared tests) or `BTC-USDT-SWAP`."""
    if symbol.endswith("-SWAP"):
        return symbol
    if "/" in symbol:
        base, rest = symbol.split("/", 1)
        return f"{base}-{rest.split(':')[0]}-SWAP"
    for quote in ("USDT", "USDC"):
        if symbol.upper().endswith(quote):
            return f"{symbol.upper()[: -len(quote)]}-{quote}-SWAP"
    return symbol


def fmt(value: float) -> str:
    """OKX sends numbers as strings without trailing zeros (e.g. "60000.1", "12")."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def ok(data: list, status: int = 200) -> web.Response:
    return web.json_response({"code": "0", "msg": "", "data": data}, status=status)


def fail(code: str, msg: str, status: int = 200, data: list | None = None) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": data or []}, status=status)


def entry_failed(code: str, msg: str, client_id: str = "", algo: bool = False) -> web.Response:
    """A batch/order/algo entry refused: HTTP 200, code "1", the reason in the row."""
    row: dict[str, Any] = {"clOrdId": client_id, "ordId": "", "sCode": code, "sMsg": msg}
    if algo:
        row.update(algoId="", algoClOrdId=client_id)
    row["tag"] = ""
    return fail("1", "All operations failed", data=[row])


def rate_limited() -> web.Response:
    response = fail("50011", "Too Many Requests", status=429)
    response.headers["Retry-After"] = "1"
    return response


def answer_lost() -> web.Response:
    """The gateway gave up: OKX says the order's fate is unknown (ccxt: RequestTimeout)."""
    return fail(
        "50004",
        "API endpoint request timeout (does not mean that the request was successful "
        "or failed, please check the request result).",
        status=504,
    )


async def body(request: web.Request) -> Any:
    """GET parameters from the query; POST ones from the JSON body (a list for batches)."""
    if request.method == "GET" or not request.body_exists:
        return dict(request.query)
    text = await request.text()
    return json.loads(text) if text else {}


STATE = {
    "live": "live",
    "partially_filled": "partially_filled",
    "filled": "filled",
    "canceled": "canceled",
    "expired": "canceled",  # a market order's unfilled rest: OKX says canceled
}


def order_json(order: Order, leverage: int) -> dict:
    """GET trade/order, orders-pending and the `orders` channel share this record;
    `fillSz`/`fillPx`/`fillFee` are the newest fill's (the push reports that one)."""
    fill = order.last_fill
    return {
        "instType": "SWAP",
        "instId": order.symbol,
        "ccy": "",
        "ordId": str(order.id),
        "clOrdId": order.client_id,
        "tag": order.extra.get("tag", ""),
        "px": fmt(order.price) if order.kind == "limit" else "",
        "sz": fmt(order.qty),
        "pnl": fmt(order.pnl),
        "ordType": order.kind,
        "side": order.side,
        "posSide": "net",
        "tdMode": order.extra.get("tdMode", "cross"),
        "accFillSz": fmt(order.filled),
        "fillPx": fmt(fill.price) if fill else "",
        "tradeId": str(fill.trade_id) if fill else "",
        "fillSz": fmt(fill.contracts) if fill else "0",
        "fillTime": str(fill.time_ms) if fill else "",
        "fillFee": fmt(-fill.fee) if fill else "0",
        "fillFeeCcy": "USDT",
        "fillPnl": fmt(fill.realized_pnl) if fill else "0",
        "execType": ("T" if fill.liquidity == "taker" else "M") if fill else "",
        "avgPx": fmt(order.average) if order.filled else "",
        "state": STATE[order.status],
        "lever": str(leverage),
        "fee": fmt(-order.fee),
        "feeCcy": "USDT",
        "rebate": "0",
        "rebateCcy": "USDT",
        "category": "normal",
        "reduceOnly": "true" if order.reduce_only else "false",
        "cancelSource": "",
        "algoId": str(order.stop_id) if order.stop_id else "",
        "algoClOrdId": order.client_id if order.stop_id else "",
        "slTriggerPx": "",
        "tpTriggerPx": "",
        "source": "",
        "uTime": str(order.updated_ms),
        "cTime": str(order.created_ms),
    }


ALGO_STATE = {"live": "live", "effective": "effective", "canceled": "canceled"}


def algo_json(stop: Stop, leverage: int, child: Order | None) -> dict:
    """A conditional (stop-loss) algo order: order-algo, orders-algo-pending/history and
    the `orders-algo` channel. ccxt's parse_order reads id from algoId, the client id
    from clOrdId (OKX also sends algoClOrdId)."""
    return {
        "instType": "SWAP",
        "instId": stop.symbol,
        "ccy": "",
        "ordId": str(stop.order_id or ""),
        "ordIdList": [str(stop.order_id)] if stop.order_id else [],
        "algoId": str(stop.id),
        "clOrdId": stop.client_id,
        "algoClOrdId": stop.client_id,
        "sz": fmt(stop.qty),
        "closeFraction": "",
        "ordType": "conditional",
        "side": stop.side,
        "posSide": "net",
        "tdMode": stop.extra.get("tdMode", "cross"),
        "tgtCcy": "",
        "state": ALGO_STATE.get(stop.status, "order_failed"),
        "lever": str(leverage),
        "tpTriggerPx": "",
        "tpTriggerPxType": "",
        "tpOrdPx": "",
        "slTriggerPx": fmt(stop.trigger),
        "slTriggerPxType": "last",
        "slOrdPx": "-1",
        "triggerPx": "",
        "triggerPxType": "",
        "ordPx": "",
        "actualSz": fmt(child.filled) if child else "",
        "actualPx": fmt(child.average) if child and child.filled else "",
        "actualSide": "sl" if child else "",
        "triggerTime": str(stop.updated_ms) if stop.order_id else "",
        "reduceOnly": "true" if stop.reduce_only else "false",
        "failCode": "" if stop.status != "failed" else "51169",
        "tag": "",
        "cTime": str(stop.created_ms),
        "uTime": str(stop.updated_ms),
    }


def position_json(
    instrument: Instrument, position: Position, leverage: int, mode: str, last: float, now: int
) -> dict:
    size = instrument.contract_size
    notional = abs(position.contracts) * size * (last or position.entry)
    upl = (last - position.entry) * position.contracts * size if last else 0.0
    return {
        "instType": "SWAP",
        "instId": instrument.symbol,
        "mgnMode": mode,
        "posId": str(abs(hash(instrument.symbol)) % 10**12),
        "posSide": "net",
        "pos": fmt(position.contracts),
        "posCcy": "",
        "availPos": fmt(abs(position.contracts)) if mode == "isolated" else "",
        "avgPx": fmt(position.entry),
        "markPx": fmt(last or position.entry),
        "last": fmt(last or position.entry),
        "upl": fmt(upl),
        "uplRatio": "0",
        "lever": str(leverage),
        "liqPx": "",
        "imr": "" if mode == "isolated" else fmt(notional / leverage),
        "margin": fmt(notional / leverage) if mode == "isolated" else "",
        "mgnRatio": "",
        "mmr": fmt(notional * 0.004),
        "notionalUsd": fmt(notional),
        "ccy": instrument.quote,
        "adl": "1",
        "realizedPnl": "0",
        "cTime": str(now),
        "uTime": str(now),
    }


def checksum(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """OKX's `books` checksum: CRC32 of bidPx:bidSz:askPx:askSz:... over the top 25 levels
    of each side, interleaved (a shorter side simply runs out), as a signed 32-bit int."""
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts.extend(bids[i])
        if i < len(asks):
            parts.extend(asks[i])
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc
