"""Binance USD-M market data: ccxt.pro's connections, our own book.

Through ccxt, a BTCUSDT-busy symbol cost about 1.8 % of a core: ccxt parses every
trade into its unified structure and keeps every book in its pure-Python book
(a bisect and a list insert per level, ~1,200 levels a second per symbol), and
each `watch_*` call rebuilds its subscription request. This feed keeps what ccxt
does well (the WebSocket URLs, connecting, pings, throttling, the REST snapshot
call with its rate limits and error classes) and takes the depth and trade frames
off ccxt's socket before ccxt's own handling sees them: ccxt has already decoded
the JSON; `binance_depth` applies Binance's sync rule, and the engine's book holds
the levels (as in a replay of a recording).

- One SUBSCRIBE per socket for its symbols' `<id>@depth@<rate>` and `<id>@trade`
  streams (SYMBOLS_PER_SOCKET symbols a socket), sent through ccxt's
  `watch_multiple`, whose future only ever fails: that is how a dropped socket is
  seen. The venue's ack starts one REST snapshot per symbol.
- A gap (`pu` not the previous `u`) is counted, the symbol shows "resyncing" and
  a new REST snapshot is fetched while its diffs are held: the socket stays up.
- A dropped socket marks its symbols down; after a jittered backoff the socket is
  opened again by ccxt, subscribed and every book rebuilt from a snapshot.
- A symbol whose snapshots have not bridged its diffs for RESYNC_TIMEOUT_S fails its
  socket, as CcxtFeed does: ccxt reconnects and the new subscription snapshots.
- Handling a frame never raises into ccxt's reading of the socket (which would end
  it for good): an error there fails the socket instead, shown and reconnected.
Other venues stay on CcxtFeed (make_live_feed chooses).
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any

from scalp_tui.engine.protocol import BookUpdate, FeedState
from scalp_tui.market import ccxt_feed
from scalp_tui.market.binance_depth import (
    DEPTH_FRAME,
    DepthSync,
    Gap,
    StaleSnapshot,
    parse_depth,
    trade_tick,
)
from scalp_tui.market.ccxt_feed import CcxtFeed, backoff_delay
from scalp_tui.market.feed import MarketSink

SYMBOLS_PER_SOCKET = 50  # two streams each: ccxt allows 200 subscriptions a socket
SNAPSHOTS_AT_ONCE = 8  # REST depth requests in flight (weight 20 each at 1,000 levels)
SNAPSHOT_LIMIT = 1_000  # levels a side, as ccxt asks (option watchOrderBookLimit)


def handles(exchange: Any) -> bool:
    """Whether this feed serves the exchange: Binance USD-M (every market of it sends
    `pu`-chained diffs)."""
    return getattr(exchange, "id", None) == "binanceusdm"


class BinanceUsdmFeed(CcxtFeed):
    """CcxtFeed's states, watchdog and markets; the loops below instead of its
    per-symbol `watch_order_book` / `watch_trades`."""

    def __init__(self, exchange: Any, symbols: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(exchange, symbols, *args, **kwargs)
        self.gaps = 0
        self.snapshots = 0  # REST snapshots fetched
        self._syncs: dict[str, DepthSync] = {}
        self._by_id: dict[str, str] = {}  # venue id -> unified symbol
        self._sink: MarketSink | None = None
        # symbol -> when a snapshot first failed to bridge its held diffs (monotonic)
        self._waiting: dict[str, float] = {}
        self._fetching: set[str] = set()
        # symbols whose streams the venue has acknowledged on a socket that is up:
        # a snapshot landing for any other is dropped (its socket went down meanwhile)
        self._streaming: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._clients: dict[str, Any] = {}  # symbol -> the ccxt client carrying it
        self._gate = asyncio.Semaphore(SNAPSHOTS_AT_ONCE)

    @property
    def sequence_gaps(self) -> int:
        return self.gaps

    async def run(self, sink: MarketSink, stop: asyncio.Event) -> None:
        if not self._by_id:
            await self.load_markets()
        self._sink = sink
        self._report(sink, "connecting")
        groups = [
            self.symbols[i : i + SYMBOLS_PER_SOCKET]
            for i in range(0, len(self.symbols), SYMBOLS_PER_SOCKET)
        ]
        tasks = [asyncio.create_task(self._socket(group, sink, stop)) for group in groups]
        tasks.append(asyncio.create_task(self._watchdog(sink, stop)))
        try:
            await stop.wait()
        finally:
            for task in tasks + list(self._tasks):
                task.cancel()
            await asyncio.gather(*tasks, *self._tasks, return_exceptions=True)
            self._sink = None

    async def load_markets(self) -> dict:
        infos = await super().load_markets()
        for symbol in self.symbols:
            self._by_id[str(self.exchange.market(symbol)["id"])] = symbol
            self._syncs[symbol] = DepthSync(symbol)
        return infos

    # -- the socket ----------------------------------------------------------------

    async def _socket(self, group: list[str], sink: MarketSink, stop: asyncio.Event) -> None:
        """Subscribe the group's streams and wait: ccxt's future fails when the socket
        does; then back off and subscribe again on a new one."""
        import ccxt

        exchange = self.exchange
        rate = str(exchange.options.get("watchOrderBookRate") or "100")
        ids = [str(exchange.market(s)["lowercaseId"]) for s in group]
        params = [f"{i}@depth@{rate}ms" for i in ids] + [f"{i}@trade" for i in ids]
        base = exchange.get_ws_url("linear", exchange.get_future_ws_category("depth"))
        stream = exchange.stream("linear", "scalp::" + ",".join(group), len(params))
        url = f"{base}/{stream}"
        hashes = [f"scalp::socket::{url}"]  # never resolved: only a failure ends the wait
        attempt = 0
        while not stop.is_set():
            client = exchange.client(url)
            client.on_message_callback = self._on_message
            # ccxt calls the client's own attribute: depth text goes to parse_depth
            client.handle_text_or_binary_message = partial(self._on_text, client)
            for symbol in group:
                self._syncs[symbol].restart()
                self._clients[symbol] = client
            request_id = str(exchange.request_id(url))
            request = {"method": "SUBSCRIBE", "params": params, "id": int(request_id)}
            subscription = {"id": request_id, "method": self._on_ack, "symbols": group}
            started = time.monotonic()
            try:
                await exchange.watch_multiple(url, hashes, request, hashes, subscription)
            except Exception as exc:
                # NetworkError: the socket dropped (or was failed here); anything else
                # (a refused SUBSCRIBE, a bug) must not end the feed silently either
                if time.monotonic() - started > 30:
                    attempt = 0  # it had been up a while: a new outage
                if isinstance(exc, ccxt.NetworkError):
                    self.reconnects += 1
                    what = "disconnected"
                else:
                    what = f"error {type(exc).__name__}"
                self._streaming.difference_update(group)
                for symbol in group:
                    self._waiting.pop(symbol, None)
                    self._syncs[symbol].restart()
                    self.states[symbol] = FeedState.DOWN
                where = group[0] if len(group) == 1 else f"{len(group)} symbols"
                self._report(sink, f"{where} {what}: {exc}".strip())
                await asyncio.sleep(backoff_delay(attempt, self._rng))
                attempt += 1

    def _on_ack(self, client: Any, message: Any, subscription: dict) -> None:
        """The venue acknowledged the SUBSCRIBE: the streams flow; snapshot each book."""
        self._streaming.update(subscription["symbols"])
        for symbol in subscription["symbols"]:
            self._resync(symbol)

    def _on_text(self, client: Any, data: Any) -> Any:
        """A text frame of the feed's sockets, before ccxt decodes it."""
        if type(data) is str and data.startswith(DEPTH_FRAME):
            frame = parse_depth(data)
            if frame is not None:
                return self._on_message(client, frame)
        return type(client).handle_text_or_binary_message(client, data)

    def _on_message(self, client: Any, message: Any) -> Any:
        """Every message of the feed's sockets: depth and trade frames of its symbols
        here, anything else (acks, errors) to ccxt as before."""
        if type(message) is dict:
            event = message.get("e")
            if event == "depthUpdate" or event == "trade":
                symbol = self._by_id.get(message.get("s"))  # type: ignore[arg-type]
                sink = self._sink
                if symbol is not None and sink is not None:
                    try:
                        if event == "trade":
                            sink.on_trade(trade_tick(symbol, message, self.clock.now_ms()))
                        else:
                            self._on_diff(symbol, message, sink)
                    except Exception as exc:
                        # raised here it would end ccxt's reading of the socket for
                        # good, every symbol on it silent: fail the socket instead,
                        # so it shows, and the feed reconnects and rebuilds
                        self._fail(client, f"{symbol}: {event} not handled: {exc!r}")
                    return None
        return self.exchange.handle_message(client, message)

    def _fail(self, client: Any, reason: str) -> None:
        import ccxt

        client.on_error(ccxt.NetworkError(reason))

    # -- books ---------------------------------------------------------------------

    def _on_diff(self, symbol: str, data: dict, sink: MarketSink) -> None:
        result = self._syncs[symbol].on_diff(data, self.clock.now_ms())
        if type(result) is list:
            for update in result:
                self._deliver(symbol, update, sink)
        else:
            self._broken(symbol, result, sink)

    def _deliver(self, symbol: str, update: BookUpdate, sink: MarketSink) -> None:
        self._last_book[symbol] = update.ts_ms
        if self.states[symbol] is not FeedState.LIVE:
            self._waiting.pop(symbol, None)
            self._set_state(symbol, FeedState.LIVE, sink)
        sink.on_book(update)

    def _broken(self, symbol: str, why: Gap | StaleSnapshot, sink: MarketSink) -> None:
        if type(why) is Gap:
            self.gaps += 1
            self.resyncs += 1
            self._set_state(symbol, FeedState.RESYNCING, sink, f"{why.reason}: resyncing")
        self._resync(symbol)

    def _resync(self, symbol: str) -> None:
        """Fetch a new snapshot for the symbol (one at a time), its diffs held meanwhile."""
        if symbol in self._fetching:
            return
        self._fetching.add(symbol)
        task = asyncio.create_task(self._snapshot(symbol))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _snapshot(self, symbol: str) -> None:
        import ccxt

        market_id = str(self.exchange.market(symbol)["id"])
        attempt = 0
        try:
            while True:
                try:
                    async with self._gate:
                        answer = await self.exchange.fapiPublicGetDepth(
                            {"symbol": market_id, "limit": SNAPSHOT_LIMIT}
                        )
                    break
                except (ccxt.NetworkError, ccxt.ExchangeError) as exc:
                    if self._sink is not None and self.states[symbol] is not FeedState.DOWN:
                        detail = f"depth snapshot failed: {type(exc).__name__}: resyncing"
                        self._set_state(symbol, FeedState.RESYNCING, self._sink, detail)
                    await asyncio.sleep(backoff_delay(attempt, self._rng))
                    attempt += 1
        finally:
            self._fetching.discard(symbol)
        self.snapshots += 1
        sink = self._sink
        if sink is None or symbol not in self._streaming or self._syncs[symbol].live:
            # stopped; its socket went down while it was fetched (the next ack asks
            # again); or a second answer for a book already rebuilt
            return
        result = self._syncs[symbol].on_snapshot(answer, self.clock.now_ms())
        if type(result) is list:
            for update in result:
                self._deliver(symbol, update, sink)
        elif type(result) is StaleSnapshot:
            # the venue's snapshots keep ending before its diffs: the watchdog fails
            # the socket if that lasts (a REST mirror lagging, diffs from elsewhere)
            self._waiting.setdefault(symbol, time.monotonic())
            await asyncio.sleep(backoff_delay(0, self._rng))
            self._resync(symbol)
        else:
            self._broken(symbol, result, sink)  # type: ignore[arg-type]

    async def _watchdog(self, sink: MarketSink, stop: asyncio.Event) -> None:
        """CcxtFeed's stale check, and a book whose snapshots have not bridged its
        diffs for RESYNC_TIMEOUT_S fails the socket carrying it: a new subscription
        starts the sync over. (A snapshot slow to come is not counted: the REST
        call has its own timeout, retries, and ccxt's rate limit may queue it.)"""
        stale = asyncio.create_task(super()._watchdog(sink, stop))
        try:
            while not stop.is_set():
                await asyncio.sleep(1.0)
                now = time.monotonic()
                for symbol, since in list(self._waiting.items()):
                    if now - since > ccxt_feed.RESYNC_TIMEOUT_S:
                        self._waiting.pop(symbol, None)
                        timeout = ccxt_feed.RESYNC_TIMEOUT_S
                        reason = f"{symbol}: no book {timeout:g} s into a resync"
                        self._fail(self._clients[symbol], reason)
        finally:
            stale.cancel()
