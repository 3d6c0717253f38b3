"""What `scalp-tui record` captures from ccxt.pro, and the lines it writes per venue.

The tap wraps the exchange's `handle_message` on the instance (ccxt's clients call the
bound method they were created with, so it is installed before any socket opens) and,
for Binance, the REST depth call ccxt makes for its snapshot. On the feed's thread it
only stamps the receive time and offers the message to the recorder's queue; all
formatting happens on the writer thread.

Formats:
- Binance USD-M: the shared recording's format (`<recv_ns> <json>` lines): the frames
  as a combined-stream wrapper `{"stream": "<id>@depth", "data": {...}}` (ccxt's
  socket carries the bare payload; the wrapper is rebuilt from its event type) and the
  REST depth answer as it came (`lastUpdateId`, `bids`, `asks`), so
  `market.recording.read_recording` reads the file back.
- OKX, Bybit: JSON lines (docs/recording-formats.md): `t` receive ns, `kind`
  snapshot|diff|trade, `symbol` (unified), `bids`/`asks` [[price, size]] in base
  units, `update_id` (OKX seqId, Bybit u), `prev_update_id` (OKX prevSeqId, Bybit u - 1);
  trades `price`, `size` (base units), `side` (the taker's), `id`, `ts` (venue ms).
  Gate, KuCoin Futures, Bitget and HTX write the same lines (record_venues.py, which
  also holds the registry of every venue's format).

At the start of each UTC hour the tap also queues a copy of ccxt's book per symbol as
a snapshot line (`"synthetic": true`, the update id ccxt last applied), so every
hourly file starts from a book.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from scalp_tui.market.recorder import HOUR_NS, RecordWriter

try:
    import orjson

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)
except ImportError:  # pragma: no cover - orjson is a dependency; stdlib as a fallback

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()


BINANCE_STREAMS = {"depthUpdate": "depth", "trade": "trade", "aggTrade": "aggTrade"}


def _base(value: Any, size: float) -> float:
    return float(value) if size == 1.0 else round(float(value) * size, 12)


def _levels(rows: list[Any], size: float) -> list[list[float]]:
    return [[float(row[0]), _base(row[1], size)] for row in rows]


class Markets:
    """venue id -> (unified symbol, contract size, file key), for the recorded symbols."""

    def __init__(self, exchange: Any, symbols: list[str]) -> None:
        self.by_id: dict[str, tuple[str, float, str]] = {}
        for symbol in symbols:
            market = exchange.market(symbol)
            size = float(market.get("contractSize") or 1.0)
            key = "".join(c for c in str(market["id"]).lower() if c.isalnum())
            self.by_id[str(market["id"])] = (symbol, size, key)
        self.by_symbol = {v[0]: v for v in self.by_id.values()}


class BinanceFormat:
    def __init__(self, markets: Markets) -> None:
        self.markets = markets

    def lines(self, item: tuple[int, str, Any, Any]) -> list[tuple[str, bytes]]:
        recv_ns, kind, key, payload = item
        if kind == "ws":
            if not isinstance(payload, dict):
                return []
            if "stream" in payload:  # a combined stream already
                data, stream = payload.get("data") or {}, payload["stream"]
            else:
                data = payload
                name = BINANCE_STREAMS.get(str(payload.get("e")))
                if name is None and "u" in payload and "b" in payload and "a" in payload:
                    name = "bookTicker"
                if name is None:
                    return []
                stream = f"{str(data.get('s', '')).lower()}@{name}"
            known = self.markets.by_id.get(str(data.get("s")))
            if known is None:
                return []
            frame = {"stream": stream, "data": data}
        elif kind == "rest":
            known = self.markets.by_id.get(str(key))
            if known is None:
                return []
            frame = payload
        elif kind == "book":
            known = self.markets.by_symbol.get(key)
            if known is None or payload["nonce"] is None:
                return []
            frame = {
                "lastUpdateId": payload["nonce"],
                "E": payload["timestamp"],
                "bids": payload["bids"],
                "asks": payload["asks"],
                "synthetic": True,
            }
        else:
            return []
        return [(known[2], b"%d %s\n" % (recv_ns, _dumps(frame)))]


class _JsonLines:
    markets: Markets

    def _out(self, known: tuple[str, float, str], rows: list[dict]) -> list[tuple[str, bytes]]:
        return [(known[2], _dumps(row) + b"\n") for row in rows]

    def lines(self, item: tuple[int, str, Any, Any]) -> list[tuple[str, bytes]]:
        recv_ns, kind, key, payload = item
        if kind == "book":
            known = self.markets.by_symbol.get(key)
            if known is None:
                return []
            row = {
                "t": recv_ns,
                "kind": "snapshot",
                "symbol": known[0],
                "bids": _levels(payload["bids"], known[1]),
                "asks": _levels(payload["asks"], known[1]),
                "update_id": payload["nonce"],
                "synthetic": True,
            }
            return self._out(known, [row])
        if kind != "ws" or not isinstance(payload, dict):
            return []
        return self.venue_lines(recv_ns, payload)

    def venue_lines(self, recv_ns: int, msg: dict) -> list[tuple[str, bytes]]:
        raise NotImplementedError


class OkxFormat(_JsonLines):
    def __init__(self, markets: Markets) -> None:
        self.markets = markets

    def venue_lines(self, recv_ns: int, msg: dict) -> list[tuple[str, bytes]]:
        arg = msg.get("arg") or {}
        channel = str(arg.get("channel") or "")
        known = self.markets.by_id.get(str(arg.get("instId")))
        data = msg.get("data")
        if known is None or not isinstance(data, list):
            return []
        symbol, size, _ = known
        rows = []
        if channel.startswith("books"):
            kind = "snapshot" if msg.get("action", "snapshot") == "snapshot" else "diff"
            for book in data:
                rows.append(
                    {
                        "t": recv_ns,
                        "kind": kind,
                        "symbol": symbol,
                        "bids": _levels(book.get("bids") or [], size),
                        "asks": _levels(book.get("asks") or [], size),
                        "update_id": book.get("seqId"),
                        "prev_update_id": book.get("prevSeqId"),
                        "ts": int(book.get("ts") or 0),
                    }
                )
        elif channel == "trades":
            for trade in data:
                rows.append(
                    _trade(
                        recv_ns,
                        symbol,
                        trade["px"],
                        _base(trade["sz"], size),
                        trade.get("side"),
                        trade.get("tradeId"),
                        trade.get("ts"),
                    )
                )
        return self._out(known, rows)


class BybitFormat(_JsonLines):
    def __init__(self, markets: Markets) -> None:
        self.markets = markets

    def venue_lines(self, recv_ns: int, msg: dict) -> list[tuple[str, bytes]]:
        topic = str(msg.get("topic") or "")
        data = msg.get("data")
        if topic.startswith("orderbook.") and isinstance(data, dict):
            known = self.markets.by_id.get(str(data.get("s")))
            if known is None:
                return []
            symbol, size, _ = known
            row = {
                "t": recv_ns,
                "kind": "snapshot" if msg.get("type") == "snapshot" else "diff",
                "symbol": symbol,
                "bids": _levels(data.get("b") or [], size),
                "asks": _levels(data.get("a") or [], size),
                "update_id": data.get("u"),
                "ts": int(msg.get("ts") or 0),
            }
            if row["kind"] == "diff" and isinstance(data.get("u"), int):
                row["prev_update_id"] = data["u"] - 1  # Bybit's deltas go up by one
            return self._out(known, [row])
        if topic.startswith("publicTrade.") and isinstance(data, list):
            out: list[tuple[str, bytes]] = []
            for trade in data:
                known = self.markets.by_id.get(str(trade.get("s")))
                if known is None:
                    continue
                side = str(trade.get("S") or "").lower()
                row = _trade(
                    recv_ns,
                    known[0],
                    trade["p"],
                    _base(trade["v"], known[1]),
                    side,
                    trade.get("i"),
                    trade.get("T"),
                )
                out += self._out(known, [row])
            return out
        return []


def _trade(
    recv_ns: int, symbol: str, price: Any, size: float, side: Any, id_: Any, ts: Any
) -> dict:
    return {
        "t": recv_ns,
        "kind": "trade",
        "symbol": symbol,
        "price": float(price),
        "size": size,
        "side": "sell" if side == "sell" else "buy",
        "id": None if id_ is None else str(id_),
        "ts": int(ts or 0),
    }


class Tap:
    """Installed on one exchange instance: stamps and queues what ccxt receives."""

    def __init__(
        self,
        exchange: Any,
        writer: RecordWriter,
        symbols: list[str],
        time_ns: Callable[[], int] = time.time_ns,
        rest_snapshots: bool = False,
    ) -> None:
        self.exchange = exchange
        self.writer = writer
        self.symbols = list(symbols)
        self.time_ns = time_ns
        self._hour: int | None = None
        self._handle = exchange.handle_message
        exchange.handle_message = self._handle_message
        if exchange.id == "binanceusdm":
            for name in ("fapiPublicGetDepth", "fapipublic_get_depth"):
                original = getattr(exchange, name, None)
                if original is not None:
                    setattr(exchange, name, self._rest_depth(original))
        if rest_snapshots:
            exchange.fetch_order_book = self._rest_book(exchange.fetch_order_book)

    def _handle_message(self, client: Any, message: Any) -> Any:
        now = self.time_ns()
        hour = now // HOUR_NS
        if hour != self._hour:
            if self._hour is not None:
                self._books(now)
            self._hour = hour
        self.writer.offer((now, "ws", None, message))
        return self._handle(client, message)

    def _rest_depth(self, original: Callable[..., Any]) -> Callable[..., Any]:
        async def depth(*args: Any, **kwargs: Any) -> Any:
            answer = await original(*args, **kwargs)
            params = args[0] if args and isinstance(args[0], dict) else kwargs.get("params", {})
            self.writer.offer((self.time_ns(), "rest", (params or {}).get("symbol"), answer))
            return answer

        return depth

    def _rest_book(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """ccxt's REST snapshot of a book it then continues with diffs (Gate, KuCoin),
        copied: ccxt goes on to build its live book from it."""

        async def fetch_order_book(symbol: str, *args: Any, **kwargs: Any) -> Any:
            book = await original(symbol, *args, **kwargs)
            copy = {
                "bids": [list(level[:2]) for level in book["bids"]],
                "asks": [list(level[:2]) for level in book["asks"]],
                "nonce": book.get("nonce"),
                "timestamp": book.get("timestamp"),
            }
            self.writer.offer((self.time_ns(), "snapshot", symbol, copy))
            return book

        return fetch_order_book

    def _books(self, now: int) -> None:
        """A copy of ccxt's book per symbol, first in the new hour's files."""
        books = getattr(self.exchange, "orderbooks", {}) or {}
        for symbol in self.symbols:
            book = books.get(symbol)
            if book is None or not len(book["bids"]) or not len(book["asks"]):
                continue
            copy = {
                "bids": [list(level[:2]) for level in book["bids"]],
                "asks": [list(level[:2]) for level in book["asks"]],
                "nonce": book.get("nonce"),  # None where books carry no id (Bitget)
                "timestamp": book.get("timestamp") or now // 1_000_000,
            }
            self.writer.offer((now, "book", symbol, copy))
