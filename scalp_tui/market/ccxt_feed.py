"""Live market data through ccxt.pro: order books and trades for the engine.

ccxt keeps one live order-book object per symbol and mutates it in place; the
engine never gets ccxt's object: a new (or resynced) book arrives as a snapshot of
its top levels, every later frame as a delta of the levels that changed among them
(book_delta), so the engine's book stays exactly ccxt's top `depth` levels.
Sizes cross into the engine in base units: ccxt reports book and trade amounts of
contract markets in contracts (OKX BTC-USDT-SWAP 0.01 BTC each, Gate 0.0001, ...),
so they are multiplied by the market's contractSize here, and nowhere else.
A broken book (ccxt's sequence checks raise InvalidNonce / ChecksumError; OKX's
checksum and Bybit's `u` sequence are checked in book_integrity) is counted, shown
as "resyncing", and the next watch call resubscribes and gets a fresh snapshot. A
dropped socket raises NetworkError: the loop backs off with jitter and reconnects.
"""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from typing import Any

from scalp_tui.engine.backoff import backoff
from scalp_tui.engine.clock import Clock
from scalp_tui.engine.protocol import BookUpdate, FeedState, FeedStatus, MarketInfo, Side, TradeTick
from scalp_tui.market import book_integrity, ccxt_speedups
from scalp_tui.market.book_delta import SideTop
from scalp_tui.market.feed import MarketSink

BACKOFF_FIRST_S = 0.25
RESYNC_TIMEOUT_S = 10.0  # a resync that brings no book in this long drops its socket
BACKOFF_MAX_S = 30.0
# Best first: the feed's overall state is the worst of its symbols' (the latest here).
SEVERITY = [
    FeedState.LIVE,
    FeedState.RESYNCING,
    FeedState.STALE,
    FeedState.CONNECTING,
    FeedState.DOWN,
]


def backoff_delay(attempt: int, rng: random.Random) -> float:
    """Before resubscribing a symbol: jittered, so symbols dropped together do not
    all come back at once."""
    return backoff(attempt, BACKOFF_FIRST_S, BACKOFF_MAX_S, rng)


def contract_size(market: dict[str, Any]) -> float:
    """Base units per contract; 1 for markets that are not contracts."""
    return float(market.get("contractSize") or 1.0)


def _times(value: Any, factor: float) -> float:
    # in decimal: 0.1 contract x 0.1 is 0.01 base, not 0.010000000000000002
    return float(Decimal(str(value)) * Decimal(str(factor)))


def market_info(market: dict[str, Any]) -> MarketInfo:
    """Tick, lot and minimum size from a ccxt market (precision mode TICK_SIZE), the
    sizes in base units: ccxt states them in contracts for contract markets."""
    precision = market.get("precision") or {}
    limits = (market.get("limits") or {}).get("amount") or {}
    size = contract_size(market)
    lot = precision.get("amount") or 1.0
    return MarketInfo(
        symbol=market["symbol"],
        tick_size=float(precision.get("price") or 0.01),
        lot_size=_times(lot, size),
        min_qty=_times(limits.get("min") or lot, size),
        contract_size=size,
    )


def _base(amount: Any, size: float) -> float:
    """A venue amount (contracts) in base units. Rounded, not Decimal: this runs for
    every level of every update, and 12 places are far below any venue's lot while
    they drop the float noise of the product (0.3 x 0.1)."""
    return float(amount) if size == 1.0 else round(float(amount) * size, 12)


def _nonce(book: Any) -> int | None:
    """The venue's id of the last change applied to ccxt's book (Binance `u`, OKX
    `seqId`, Bybit `u`), so signals can be matched to a recording's updates."""
    nonce = book.get("nonce") if isinstance(book, dict) else None
    if type(nonce) is int and nonce >= 0:  # what ccxt keeps: no text round trip per update
        return nonce
    return int(nonce) if isinstance(nonce, float | str) and str(nonce).isdigit() else None


class CcxtFeed:
    def __init__(
        self,
        exchange: Any,
        symbols: list[str],
        clock: Clock,
        depth: int = 50,
        seed: int | None = None,
        stale_after_ms: int = 3_000,
    ) -> None:
        self.exchange = exchange
        self.symbols = list(symbols)
        self.clock = clock
        self.depth = depth
        self.resyncs = 0
        self.reconnects = 0
        self.states: dict[str, FeedState] = dict.fromkeys(symbols, FeedState.CONNECTING)
        self.stale_after_ms = stale_after_ms
        self._last_book: dict[str, int] = {}
        self._reported: FeedState | None = None
        self._rng = random.Random(seed)
        self._sizes: dict[str, float] = {}  # contractSize per symbol, once markets are known
        self.integrity = book_integrity.install(exchange)
        ccxt_speedups.install(exchange)

    @property
    def checksum_mismatches(self) -> int:
        return self.integrity.checksum_mismatches

    @property
    def sequence_gaps(self) -> int:
        return self.integrity.sequence_gaps

    async def load_markets(self) -> dict[str, MarketInfo]:
        markets = await self.exchange.load_markets()
        missing = [s for s in self.symbols if s not in markets]
        if missing:
            raise ValueError(f"{self.exchange.id} does not list {', '.join(missing)}")
        self._sizes.update({s: contract_size(markets[s]) for s in self.symbols})
        return {s: market_info(markets[s]) for s in self.symbols}

    def _size(self, symbol: str) -> float:
        size = self._sizes.get(symbol)
        if size is None:
            # run() without load_markets(): ccxt loads them on the first watch
            market = (getattr(self.exchange, "markets", None) or {}).get(symbol)
            if market is None:
                raise ValueError(f"{symbol}: no market loaded, its contract size is unknown")
            size = self._sizes[symbol] = contract_size(market)
        return size

    async def run(self, sink: MarketSink, stop: asyncio.Event) -> None:
        self._report(sink, "connecting")
        tasks = [asyncio.create_task(self._books(symbol, sink, stop)) for symbol in self.symbols]
        tasks += [asyncio.create_task(self._trades(symbol, sink, stop)) for symbol in self.symbols]
        tasks.append(asyncio.create_task(self._watchdog(sink, stop)))
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.exchange.close()

    # -- loops -----------------------------------------------------------------

    async def _books(self, symbol: str, sink: MarketSink, stop: asyncio.Event) -> None:
        import ccxt

        attempt = 0
        gaps = 0  # resyncs in a row
        fresh = True  # the next book is handed over whole: first, resynced or reconnected
        bids, asks = SideTop(self.depth, descending=True), SideTop(self.depth, descending=False)
        while not stop.is_set():
            try:
                if gaps:
                    book = await self._watch_resync(symbol)
                else:
                    book = await self.exchange.watch_order_book(symbol)
                size = self._size(symbol)
                if fresh:
                    update = BookUpdate(
                        symbol,
                        self.clock.now_ms(),
                        bids.snapshot(book["bids"], size),
                        asks.snapshot(book["asks"], size),
                        snapshot=True,
                        update_id=_nonce(book),
                        venue_ts_ms=_venue_time(book),
                    )
                    fresh = False
                else:
                    update = BookUpdate(
                        symbol,
                        self.clock.now_ms(),
                        bids.changes(book["bids"], size),
                        asks.changes(book["asks"], size),
                        update_id=_nonce(book),
                        venue_ts_ms=_venue_time(book),
                    )
                attempt = gaps = 0
                self._last_book[symbol] = update.ts_ms
                if self.states[symbol] is not FeedState.LIVE:
                    self._set_state(symbol, FeedState.LIVE, sink)
                sink.on_book(update)
            except ccxt.InvalidNonce:
                # ChecksumError (Binance's pu/u gap, our OKX checksum and Bybit u checks)
                # and InvalidNonce (ccxt's OKX seqId gap): the book is wrong, the socket
                # is fine. InvalidNonce is a NetworkError: caught first, not a drop.
                self.resyncs += 1
                fresh = True
                reason = self.integrity.take_reason(symbol) or "sequence gap"
                if gaps == 0:
                    self._set_state(symbol, FeedState.RESYNCING, sink, f"{reason}: resyncing")
                await self.integrity.before_rewatch(symbol)
                # ccxt raises the same gap again, at once, until the loop has had a turn:
                # without one this loop would spin forever, holding up everything else
                await asyncio.sleep(0 if gaps == 0 else backoff_delay(gaps - 1, self._rng))
                gaps += 1
            except ccxt.NetworkError as exc:
                self.reconnects += 1
                fresh = True
                self._set_state(symbol, FeedState.DOWN, sink, f"disconnected: {exc}".strip())
                await asyncio.sleep(backoff_delay(attempt, self._rng))
                attempt += 1
            except ccxt.ExchangeError as exc:
                fresh = True
                self._set_state(symbol, FeedState.DOWN, sink, f"exchange error: {exc}")
                await asyncio.sleep(backoff_delay(attempt, self._rng))
                attempt += 1

    async def _watch_resync(self, symbol: str) -> Any:
        """The first watch after a broken book: ccxt unsubscribes and subscribes again
        (OKX, Bybit) or re-fetches the snapshot (Binance). A venue that never answers
        would leave the book resyncing for good, so after RESYNC_TIMEOUT_S the socket
        carrying it is failed: ccxt reconnects, and a new subscription snapshots."""
        import ccxt

        try:
            return await asyncio.wait_for(self.exchange.watch_order_book(symbol), RESYNC_TIMEOUT_S)
        except TimeoutError:
            # subscriptions are keyed by the unified symbol (okx) or the venue's id
            names = {symbol, str(self.exchange.market(symbol).get("id") or symbol)}
            error = ccxt.NetworkError(f"{symbol}: no new book {RESYNC_TIMEOUT_S:g} s into a resync")
            for client in list(getattr(self.exchange, "clients", {}).values()):
                keys = [str(key) for key in getattr(client, "subscriptions", {})]
                if any(name in key for name in names for key in keys):
                    client.on_error(error)
            raise error from None

    async def _trades(self, symbol: str, sink: MarketSink, stop: asyncio.Event) -> None:
        import ccxt

        attempt = 0
        seen: set[str] = set()
        while not stop.is_set():
            try:
                trades = await self.exchange.watch_trades(symbol)
                size = self._size(symbol)
                attempt = 0
                for trade in trades:
                    key = str(trade.get("id"))
                    if key in seen:
                        continue  # ccxt returns a rolling window of recent trades
                    seen.add(key)
                    sink.on_trade(
                        TradeTick(
                            symbol,
                            int(trade.get("timestamp") or self.clock.now_ms()),
                            float(trade["price"]),
                            _base(trade["amount"], size),
                            Side.SELL if trade.get("side") == "sell" else Side.BUY,
                        )
                    )
                if len(seen) > 10_000:
                    seen = {str(t.get("id")) for t in trades}
            except (ccxt.NetworkError, ccxt.ExchangeError):
                await asyncio.sleep(backoff_delay(attempt, self._rng))
                attempt += 1

    async def _watchdog(self, sink: MarketSink, stop: asyncio.Event) -> None:
        """A live book that stops changing is marked stale (entries already stop on
        the book's age; this makes the state visible)."""
        while not stop.is_set():
            await asyncio.sleep(min(1.0, self.stale_after_ms / 4000))
            now = self.clock.now_ms()
            for symbol, last in self._last_book.items():
                quiet = now - last
                if self.states[symbol] is FeedState.LIVE and quiet > self.stale_after_ms:
                    self._set_state(symbol, FeedState.STALE, sink, f"no book update for {quiet} ms")

    # -- state -----------------------------------------------------------------

    def _set_state(self, symbol: str, state: FeedState, sink: MarketSink, detail: str = "") -> None:
        self.states[symbol] = state
        self._report(sink, f"{symbol} {detail}".strip() if detail else "")

    def _report(self, sink: MarketSink, detail: str) -> None:
        worst = max(self.states.values(), key=SEVERITY.index)
        if worst is self._reported and worst is FeedState.LIVE:
            return
        self._reported = worst
        sink.on_feed_status(
            FeedStatus(worst, None, detail or f"{self.exchange.id} {worst.value}", self.resyncs)
        )


def _venue_time(book: dict[str, Any]) -> int | None:
    """The venue's time of the book's last change (ccxt's `timestamp`), when it sends one."""
    stamp = book.get("timestamp")
    return int(stamp) if isinstance(stamp, int | float) and stamp > 0 else None
