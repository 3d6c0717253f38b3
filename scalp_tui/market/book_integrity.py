"""Checks of a live order book that ccxt.pro 4.5.90 does not make, per venue.

- OKX `books`: every snapshot and update carries a CRC32 of the top 25 levels as the
  venue sent them. ccxt keeps floats and never verifies it, so a corrupted book (a lost
  or misapplied level with the sequence ids intact) would trade silently. The check
  needs the price/size *strings*, which only the raw message has: we keep a shadow of
  the book in strings, fed from ccxt's own per-message handler.
- Bybit `orderbook.50`: each delta's `u` must follow the previous one by 1 (a
  snapshot resets it). ccxt applies deltas without looking at `u`, so a lost delta
  corrupts the book until the next snapshot, which Bybit sends only on subscribe.

ccxt gives no hook for either, so we wrap its handlers on the one exchange instance
(instance attributes shadow the class methods; ccxt's `handle_message` looks them up
on each message). A failed check does what ccxt itself does on OKX's seqId gap: drop
the book, reject the pending `watch_order_book` with ChecksumError (the feed shows
RESYNCING) and get a fresh snapshot: OKX through ccxt's own 'resync' mark (the next
watch unsubscribes, then subscribes); Bybit through `before_rewatch`, which
unsubscribes first because Bybit refuses a second subscribe to a live topic.
"""

from __future__ import annotations

import asyncio
import bisect
import zlib
from typing import Any

OKX_CHECKSUM_LEVELS = 25
UNSUBSCRIBE_TIMEOUT_S = 5.0


def okx_checksum(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """OKX's book checksum: CRC32, as a signed 32-bit int, of `bidPx:bidSz:askPx:askSz:...`
    over the best 25 of each side (best first); where one side is shorter the other's
    remaining levels follow alone."""
    parts: list[str] = []
    for i in range(max(len(bids), len(asks))):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= (1 << 31) else crc


class BookIntegrity:
    """What the feed reads: counters, the reason of the last failure per symbol, and
    a venue step to run before watching a book again after a failure."""

    venue = ""

    def __init__(self) -> None:
        self.checksum_mismatches = 0
        self.sequence_gaps = 0
        self.reasons: dict[str, str] = {}

    def take_reason(self, symbol: str) -> str | None:
        return self.reasons.pop(symbol, None)

    async def before_rewatch(self, symbol: str) -> None:
        """Nothing by default: ccxt resubscribes by itself on the next watch."""


class _ShadowSide:
    """Levels as sent (sort key -> (price string, size string)) and their keys in
    order, best first: kept sorted on each change (bisect) instead of sorting 400
    levels on every update, which cost ~60 us an update, on the tick-to-order path."""

    __slots__ = ("keys", "levels", "sign")

    def __init__(self, best_is_highest: bool) -> None:
        self.sign = -1.0 if best_is_highest else 1.0
        self.levels: dict[float, tuple[str, str]] = {}
        self.keys: list[float] = []

    def apply(self, levels: list[Any]) -> None:
        for level in levels:
            price, size = str(level[0]), str(level[1])
            key = self.sign * float(price)
            if float(size) == 0.0:
                if self.levels.pop(key, None) is not None:
                    del self.keys[bisect.bisect_left(self.keys, key)]
            else:
                if key not in self.levels:
                    bisect.insort(self.keys, key)
                self.levels[key] = (price, size)

    def top(self, n: int) -> list[tuple[str, str]]:
        return [self.levels[k] for k in self.keys[:n]]


class _OkxShadow:
    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids = _ShadowSide(best_is_highest=True)
        self.asks = _ShadowSide(best_is_highest=False)

    def apply(self, update: dict[str, Any]) -> None:
        self.bids.apply(update.get("bids") or [])
        self.asks.apply(update.get("asks") or [])

    def checksum(self) -> int:
        return okx_checksum(self.bids.top(OKX_CHECKSUM_LEVELS), self.asks.top(OKX_CHECKSUM_LEVELS))


class OkxChecksum(BookIntegrity):
    venue = "okx"

    def __init__(self, exchange: Any) -> None:
        super().__init__()
        self.exchange = exchange
        self._shadows: dict[str, _OkxShadow] = {}
        self._action: str | None = None
        self._failed: set[str] = set()  # message hashes to mark 'resync' after the message
        self._book = exchange.handle_order_book
        self._book_message = exchange.handle_order_book_message
        exchange.handle_order_book = self._handle_order_book
        exchange.handle_order_book_message = self._handle_order_book_message

    def _handle_order_book(self, client: Any, message: Any) -> Any:
        # the per-entry handler below cannot tell a snapshot from an update
        self._action = message.get("action") if isinstance(message, dict) else None
        try:
            return self._book(client, message)
        finally:
            self._action = None
            # ccxt marks 'resync' (unsubscribe before the next subscribe) only after a
            # failed update; a failed snapshot needs the same, and setting it inside the
            # entry handler would make ccxt resolve the bad book
            for message_hash in self._failed:
                client.subscriptions.setdefault(message_hash, "resync")
            self._failed.clear()

    def _handle_order_book_message(
        self, client: Any, update: Any, orderbook: Any, message_hash: str, market: Any = None
    ) -> Any:
        live = message_hash in client.subscriptions
        result = self._book_message(client, update, orderbook, message_hash, market)
        symbol = orderbook["symbol"]
        if not live:
            return result
        if message_hash not in client.subscriptions:
            # ccxt found a seqId/prevSeqId gap: it has dropped the book and rejected
            # the watch with InvalidNonce; the next watch resubscribes
            self._shadows.pop(symbol, None)
            self.sequence_gaps += 1
            self.reasons[symbol] = "sequence gap (seqId)"
            return result
        if self._action == "snapshot":
            shadow = self._shadows[symbol] = _OkxShadow()
        else:
            shadow = self._shadows.get(symbol)
            if shadow is None:
                return result  # no snapshot seen through this hook: nothing to compare
        shadow.apply(update)
        expected = update.get("checksum")
        if expected is None:
            return result  # a channel without a checksum (or a venue that omits it)
        got = shadow.checksum()
        if got != int(expected):
            self._fail(client, symbol, message_hash, int(expected), got)
        return result

    def _fail(self, client: Any, symbol: str, message_hash: str, expected: int, got: int) -> None:
        import ccxt

        self.checksum_mismatches += 1
        self.reasons[symbol] = f"checksum mismatch (venue {expected}, book {got})"
        self._shadows.pop(symbol, None)
        # exactly ccxt's own reaction to a seqId gap, so its resync path takes over
        client.subscriptions.pop(message_hash, None)
        self.exchange.orderbooks.pop(symbol, None)
        self._failed.add(message_hash)
        client.reject(ccxt.ChecksumError(f"okx {symbol} book checksum mismatch"), message_hash)


class BybitSequence(BookIntegrity):
    venue = "bybit"

    def __init__(self, exchange: Any) -> None:
        super().__init__()
        self.exchange = exchange
        # (socket url, topic) -> last `u`; None while waiting for a new snapshot
        self._last_u: dict[tuple[str, str], int | None] = {}
        # symbol -> (client, topic) of a gap not yet unsubscribed
        self._pending: dict[str, tuple[Any, str]] = {}
        self._book = exchange.handle_order_book
        exchange.handle_order_book = self._handle_order_book

    def _handle_order_book(self, client: Any, message: Any) -> Any:
        topic = str(message.get("topic") or "")
        data = message.get("data") or {}
        u = data.get("u")
        if not topic.startswith("orderbook.") or u is None:
            return self._book(client, message)
        key = (client.url, topic)
        if message.get("type") == "snapshot":
            self._last_u[key] = int(u)
            return self._book(client, message)
        last = self._last_u.get(key)
        if last is None:
            # a delta with no snapshot before it (left over from the subscription we
            # are replacing): applying it to an empty book would invent one
            return None
        if int(u) != last + 1:
            self._gap(client, topic, data, last, int(u))
            return None
        self._last_u[key] = int(u)
        return self._book(client, message)

    def _gap(self, client: Any, topic: str, data: dict[str, Any], last: int, u: int) -> None:
        import ccxt

        market = self.exchange.safe_market(data.get("s"), None, None, "contract")
        symbol = market["symbol"]
        self.sequence_gaps += 1
        self.reasons[symbol] = f"sequence gap (u {last} then {u})"
        self._last_u[(client.url, topic)] = None
        self._pending[symbol] = (client, topic)
        self.exchange.orderbooks.pop(symbol, None)
        error = ccxt.ChecksumError(f"bybit {symbol} book sequence gap")
        client.reject(error, "orderbook:" + symbol)

    async def before_rewatch(self, symbol: str) -> None:
        """Unsubscribe the broken topic so the next watch subscribes afresh and Bybit
        sends a new snapshot. If the unsubscribe is not answered, drop the socket:
        ccxt's reconnect subscribes on a new connection, which also snapshots."""
        pending = self._pending.pop(symbol, None)
        if pending is None:
            return
        client, topic = pending
        import ccxt

        limit = int(topic.split(".")[1])
        try:
            await asyncio.wait_for(
                self.exchange.un_watch_order_book(symbol, {"limit": limit}),
                UNSUBSCRIBE_TIMEOUT_S,
            )
        except (TimeoutError, ccxt.BaseError) as exc:
            client.on_error(ccxt.NetworkError(f"bybit {topic} unsubscribe failed: {exc!r}"))


VENUES = {"okx": OkxChecksum, "bybit": BybitSequence}


def install(exchange: Any) -> BookIntegrity:
    """The checks for this exchange's books, hooked into its client; a no-op object
    for venues whose books ccxt already checks (Binance's pu/u) or that offer none."""
    kind = VENUES.get(str(getattr(exchange, "id", "")))
    if kind is None or not hasattr(exchange, "handle_order_book"):
        return BookIntegrity()
    return kind(exchange)
