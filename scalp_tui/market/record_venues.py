"""JSON lines for Gate, KuCoin Futures, Bitget and HTX (docs/recording-formats.md),
and the registry of every venue's recording format.

Each venue's messages are read as ccxt.pro 4.5.90 receives them (shapes in ccxt's
own handlers) into book snapshots, diffs and trades; sizes leave in base units
(contracts x contract size). What they share is how update ids become a chain a
replay can check:
- a diff carries the venue's first and last update id (Gate `U`/`u`, KuCoin's
  `sequence`, HTX `version`); it is written with `prev_update_id` = the id the
  recording last ended on when it continues it (first - 1 <= last id < last), so
  the reader's exact-match check holds, and first - 1 when it does not (a gap the
  reader sees). A diff wholly inside the book already written is skipped.
- Gate and KuCoin start a book from a REST snapshot ccxt fetches after subscribing
  (the tap queues it as a "snapshot" item). Diffs that arrive before it are held
  and written after it, those it does not cover, stamped with the snapshot's
  receive time: no book existed for the feed before then. A diff that breaks the
  chain (ccxt resyncs with a new snapshot) starts holding again.
- Bitget `books` snapshots and updates come over the socket; its `seq` is written
  as the update id without a chain (Bitget checks books by checksum, not by ids).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from scalp_tui.market.record_formats import (
    BinanceFormat,
    BybitFormat,
    Markets,
    OkxFormat,
    _base,
    _JsonLines,
    _levels,
    _trade,
)

HELD_DIFFS = 5_000  # per symbol, waiting for a snapshot; older ones are let go

Known = tuple[str, float, str]  # unified symbol, contract size, file key
# ("snapshot", known, update id, bids, asks, venue ms) | ("diff", known, first id,
# last id, bids, asks, venue ms) | ("trade", known, row)
Parsed = tuple[Any, ...]


class _Chained(_JsonLines):
    """The update-id chain and, for venues snapshotting over REST, the held diffs."""

    rest_snapshot = False

    def __init__(self, markets: Markets) -> None:
        self.markets = markets
        self._last: dict[str, int | None] = {}
        self._held: dict[str, deque[tuple[int, Parsed]]] = {}

    def lines(self, item: tuple[int, str, Any, Any]) -> list[tuple[str, bytes]]:
        recv_ns, kind, key, payload = item
        if kind in ("book", "snapshot"):  # ccxt's book (hourly) or its REST snapshot
            known = self.markets.by_symbol.get(key)
            if known is None:
                return []
            bids, asks = payload["bids"], payload["asks"]
            nonce = payload.get("nonce")
            snap = ("snapshot", known, nonce, bids, asks, payload.get("timestamp"))
            return self._write(recv_ns, snap, synthetic=kind == "book")
        if kind != "ws" or not isinstance(payload, dict):
            return []
        out: list[tuple[str, bytes]] = []
        for parsed in self.parse(payload):
            out += self._write(recv_ns, parsed)
        return out

    def parse(self, msg: dict) -> list[Parsed]:
        raise NotImplementedError

    def _write(self, recv_ns: int, parsed: Parsed, synthetic: bool = False) -> list:
        kind, known = parsed[0], parsed[1]
        if kind == "trade":
            return self._out(known, [{"t": recv_ns, **parsed[2]}])
        symbol = known[0]
        if kind == "snapshot":
            _, _, uid, bids, asks, ts = parsed
            if synthetic and uid is None and self.rest_snapshot:
                return []  # ccxt is between books (a resync): what it holds is stale
            row = _book_row(recv_ns, "snapshot", known, bids, asks, uid, ts)
            if synthetic:
                row["synthetic"] = True
            self._last[symbol] = None if uid is None else int(uid)
            out = self._out(known, [row])
            for held_ns, diff in self._held.pop(symbol, ()):
                out += self._diff(max(held_ns, recv_ns), diff)
            return out
        if self.rest_snapshot and self._last.get(symbol) is None:
            self._hold(recv_ns, parsed)
            return []
        return self._diff(recv_ns, parsed)

    def _hold(self, recv_ns: int, parsed: Parsed) -> None:
        held = self._held.setdefault(parsed[1][0], deque(maxlen=HELD_DIFFS))
        held.append((recv_ns, parsed))

    def _diff(self, recv_ns: int, parsed: Parsed) -> list[tuple[str, bytes]]:
        _, known, first, last, bids, asks, ts = parsed
        symbol = known[0]
        row = _book_row(recv_ns, "diff", known, bids, asks, last, ts)
        if first is None:  # no chain to keep (bitget)
            return self._out(known, [row])
        previous = self._last.get(symbol)
        if previous is not None and last <= previous:
            return []  # already in the book written
        if previous is not None and first - 1 <= previous:
            row["prev_update_id"] = previous
        elif self.rest_snapshot and previous is not None:
            # a gap: ccxt resyncs from a new REST snapshot; hold until it comes
            self._last[symbol] = None
            self._hold(recv_ns, parsed)
            return []
        else:
            row["prev_update_id"] = first - 1
        self._last[symbol] = last
        return self._out(known, [row])


def _book_row(recv_ns: int, kind: str, known: Known, bids, asks, uid, ts) -> dict:
    return {
        "t": recv_ns,
        "kind": kind,
        "symbol": known[0],
        "bids": _levels(bids, known[1]),
        "asks": _levels(asks, known[1]),
        "update_id": None if uid is None else int(uid),
        "ts": int(ts or 0),
    }


def _trade_row(known: Known, price: Any, contracts: Any, side: str, id_: Any, ts: Any) -> Parsed:
    row = _trade(0, known[0], price, _base(contracts, known[1]), side, id_, ts)
    del row["t"]  # stamped when written
    return ("trade", known, row)


class GateFormat(_Chained):
    """`futures.order_book_update` (`U`, `u`; levels `{"p", "s"}`), `futures.trades`
    (signed `size`: negative is a taker sell); the REST snapshot's `id` is its nonce."""

    rest_snapshot = True

    def parse(self, msg: dict) -> list[Parsed]:
        channel = str(msg.get("channel") or "")
        result = msg.get("result")
        if msg.get("event") != "update":
            return []
        if channel.endswith(".order_book_update") and isinstance(result, dict):
            known = self.markets.by_id.get(str(result.get("s")))
            if known is None:
                return []
            bids = [(level["p"], level["s"]) for level in result.get("b") or []]
            asks = [(level["p"], level["s"]) for level in result.get("a") or []]
            first, last = int(result["U"]), int(result["u"])
            return [("diff", known, first, last, bids, asks, result.get("t"))]
        if channel.endswith(".trades"):
            out = []
            for trade in result if isinstance(result, list) else [result]:
                known = self.markets.by_id.get(str((trade or {}).get("contract")))
                if known is None:
                    continue
                size = float(trade["size"])
                side = "sell" if size < 0 else "buy"
                ts = trade.get("create_time_ms") or float(trade.get("create_time") or 0) * 1000
                out.append(_trade_row(known, trade["price"], abs(size), side, trade.get("id"), ts))
            return out
        return []


class BitgetFormat(_Chained):
    """`books` snapshot/update (`[[price, size]]` strings, `seq`), `trade` rows."""

    def parse(self, msg: dict) -> list[Parsed]:
        arg = msg.get("arg") or {}
        channel = str(arg.get("channel") or "")
        known = self.markets.by_id.get(str(arg.get("instId")))
        data = msg.get("data")
        if known is None or not isinstance(data, list):
            return []
        if channel == "books":
            out: list[Parsed] = []
            for book in data:
                bids, asks = book.get("bids") or [], book.get("asks") or []
                seq, ts = book.get("seq"), book.get("ts")
                if msg.get("action") == "snapshot":
                    out.append(("snapshot", known, seq, bids, asks, ts))
                else:
                    out.append(("diff", known, None, seq, bids, asks, ts))
            return out
        if channel == "trade":
            rows = [
                _trade_row(
                    known, t["price"], t["size"], t.get("side"), t.get("tradeId"), t.get("ts")
                )
                for t in data
            ]
            return rows[::-1]  # Bitget sends the newest first
        return []


class HtxFormat(_Chained):
    """`market.<id>.depth.size_<n>.high_freq` ticks (`event` snapshot|update, `version`:
    an update follows version - 1), `market.<id>.trade.detail` (`amount` in contracts,
    `direction` the taker's)."""

    def parse(self, msg: dict) -> list[Parsed]:
        parts = str(msg.get("ch") or "").split(".")
        tick = msg.get("tick")
        if len(parts) < 3 or not isinstance(tick, dict):
            return []
        known = self.markets.by_id.get(parts[1])
        if known is None:
            return []
        if parts[2] == "depth":
            version = tick.get("version")
            if version is None:
                return []
            bids, asks, ts = tick.get("bids") or [], tick.get("asks") or [], tick.get("ts")
            if tick.get("event") == "snapshot":
                return [("snapshot", known, version, bids, asks, ts)]
            return [("diff", known, int(version), int(version), bids, asks, ts)]
        if parts[2] == "trade":
            return [
                _trade_row(
                    known, t["price"], t["amount"], t.get("direction"), t.get("id"), t.get("ts")
                )
                for t in tick.get("data") or []
            ]
        return []


class KucoinFuturesFormat(_Chained):
    """`/contractMarket/level2:<id>` changes ("price,side,size" in contracts, one per
    message, `sequence` +1 each) after ccxt's REST snapshot (its `sequence`),
    `/contractMarket/execution:<id>` `match` trades (`ts` in ns)."""

    rest_snapshot = True

    def parse(self, msg: dict) -> list[Parsed]:
        topic = str(msg.get("topic") or "")
        data = msg.get("data")
        if msg.get("type") != "message" or not isinstance(data, dict):
            return []
        channel, _, market_id = topic.partition(":")
        if channel == "/contractMarket/level2":
            known = self.markets.by_id.get(market_id)
            change = str(data.get("change") or "").split(",")
            if known is None or len(change) != 3 or data.get("sequence") is None:
                return []
            price, side, size = change
            level = [(price, size)]
            bids, asks = (level, []) if side == "buy" else ([], level)
            seq = int(data["sequence"])
            return [("diff", known, seq, seq, bids, asks, data.get("timestamp"))]
        if channel == "/contractMarket/execution":
            known = self.markets.by_id.get(str(data.get("symbol") or market_id))
            if known is None:
                return []
            ts = int(data.get("ts") or 0) // 1_000_000
            side = data.get("side")
            return [_trade_row(known, data["price"], data["size"], side, data.get("tradeId"), ts)]
        return []


FORMATS: dict[str, Callable[[Markets], Any]] = {
    "binanceusdm": BinanceFormat,
    "okx": OkxFormat,
    "bybit": BybitFormat,
    "gate": GateFormat,
    "bitget": BitgetFormat,
    "htx": HtxFormat,
    "kucoinfutures": KucoinFuturesFormat,
}

# venues whose book ccxt starts from a REST snapshot the tap must see
REST_SNAPSHOTS = {"gate", "kucoinfutures"}


def make_format(exchange: Any, symbols: list[str]) -> Any:
    return FORMATS[exchange.id](Markets(exchange, symbols))
