"""An engine on an exchange's live books (ccxt.pro), with paper fills by default.

Same frontend surface as `Session` (interface.py's `EngineSession`), but
time is the wall clock and the engine timer is a wall-clock task. Every venue call,
at start and after, goes through one retrier (execution/retry.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import replace
from typing import Any

from scalp_tui.config import Settings
from scalp_tui.engine.broker import Broker
from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.order_desk import STOP_PURPOSE
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import Candle, Event, OrderStatus, OrderUpdated
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.funding import FundingWatch
from scalp_tui.execution.paper import PaperBroker
from scalp_tui.execution.retry import Retrier
from scalp_tui.execution.venues import contract_size, traits_for
from scalp_tui.market.ccxt_feed import CcxtFeed
from scalp_tui.market.live_feed import make_live_feed
from scalp_tui.pairlist import resolve
from scalp_tui.runtime.interface import StartError
from scalp_tui.runtime.position_check import PositionCheck
from scalp_tui.runtime.session import SessionBase
from scalp_tui.venue import VenueError, make_exchange

HISTORY_CANDLES = 24
TIMER_S = 0.25
ORDER_POLL_S = 2.0  # REST check of working orders, behind the order stream
RECONCILE_EVERY = 15  # order polls between position checks (30 s)
CHECK_INTERVAL_S = ORDER_POLL_S * RECONCILE_EVERY
# start-up calls wait out a throttling storm this long (then the start is refused)
START_ATTEMPTS = 6  # about 4 to 8 s in all for an unreachable venue
START_THROTTLED_ATTEMPTS = 16  # about 30 to 60 s for a throttling storm
REJECTED = OrderStatus.REJECTED


class ConnectError(StartError):
    """The exchange could not be reached or refused us: one line for the user."""


async def fetch_history(
    exchange: Any, symbol: str, timeframe: str, now_ms: int, retrier: Retrier | None = None
) -> list[Candle]:
    """Recent closed candles, so the volume condition is known at once, and the forming
    one as the venue has it so far (ccxt returns it last): seeded with it, the engine
    counts that candle as whole when it closes instead of one seen only in part."""
    retrier = retrier or Retrier()
    rows = await retrier.call(
        f"candles of {symbol}",
        lambda: exchange.fetch_ohlcv(symbol, timeframe, limit=HISTORY_CANDLES + 1),
    )
    # volumes in base units, as the engine counts them
    unit = 1.0
    if traits_for(exchange.id).ohlcv_volume_in_contracts:
        unit = contract_size(exchange.market(symbol))
    return [
        Candle(int(t), float(o), float(h), float(lo), float(c), float(v or 0.0) * unit)
        for t, o, h, lo, c, v in rows
        if t <= now_ms
    ]


class LiveSession(SessionBase):
    elapsed_key = "seconds"  # wall-clock seconds

    def __init__(
        self,
        engine: Engine,
        feed: CcxtFeed,
        paper: PaperBroker,
        live: CcxtBroker | None = None,
    ) -> None:
        self.engine = engine
        self.feed = feed
        self.paper = paper
        self.live = live
        self.notes: list[str] = []  # how the symbols were chosen (pairlist steps)
        self.stop_event = asyncio.Event()
        self._started_ms = engine.clock.now_ms()
        self.retrier = live.retrier if live is not None else Retrier()
        self.check = (
            PositionCheck(engine, live, self.retrier, CHECK_INTERVAL_S)
            if live is not None
            else None
        )
        # the funding the venue charges live positions, into their pnl (funding.py)
        self.funding = (
            FundingWatch(engine, live.exchange, self.retrier) if live is not None else None
        )
        # a reduce-only exit the venue refused: it may hold nothing any more, so the
        # next position check comes at once instead of within 30 s
        self._check_soon = asyncio.Event()
        engine.subscribe(self._on_event)

    @classmethod
    async def connect(
        cls,
        settings: Settings,
        symbols: list[str] | None = None,
        live_orders: bool = False,
        pairlist: list[dict[str, Any]] | None = None,
        blacklist: list[re.Pattern[str]] | None = None,
        extra_symbols: list[str] | None = None,
    ) -> LiveSession:
        """Markets, history and brokers. With credentials a live broker is ready; new
        entries go to it only with `live_orders` (the trader's --live): nothing in a
        file or the environment sends real orders."""
        symbols = symbols or list(settings.symbols)
        ex = settings.exchange
        if live_orders and not settings.has_credentials:
            raise ConnectError(
                "live orders need API credentials: set SCALP_TUI_API_KEY and "
                "SCALP_TUI_API_SECRET, or use --secrets FILE"
            )
        try:
            exchange = make_exchange(
                ex.id,
                api_key=settings.api_key.get_secret_value() if settings.api_key else None,
                secret=settings.api_secret.get_secret_value() if settings.api_secret else None,
                password=(
                    settings.api_password.get_secret_value() if settings.api_password else None
                ),
                sandbox=ex.sandbox,
                rest_url=ex.rest_url,
                ws_url=ex.ws_url,
            )
        except VenueError as exc:
            raise ConnectError(str(exc)) from None
        try:
            return await cls._connected(
                exchange, settings, symbols, live_orders, pairlist, blacklist, extra_symbols
            )
        except BaseException:
            # refused, failed or abandoned (a signal while connecting): the client's
            # sockets are closed either way, and the first error is the one said
            with contextlib.suppress(BaseException):
                await asyncio.shield(exchange.close())
            raise

    @classmethod
    async def _connected(
        cls,
        exchange: Any,
        settings: Settings,
        symbols: list[str],
        live_orders: bool,
        pairlist: list[dict[str, Any]] | None,
        blacklist: list[re.Pattern[str]] | None,
        extra_symbols: list[str] | None,
    ) -> LiveSession:
        ex = settings.exchange
        notes: list[str] = []
        if pairlist is not None:
            try:
                resolution = await resolve(exchange, pairlist, blacklist)
            except Exception as exc:  # ccxt's errors: network, exchange
                raise ConnectError(f"cannot resolve the pairlist: {exc}") from None
            if not resolution.pairs:
                raise ConnectError("the pairlist selected no pairs: " + "; ".join(resolution.notes))
            symbols, notes = resolution.pairs, resolution.notes
        # symbols of positions restored from the journal are watched whatever the
        # configuration says now: an open position is never left unmanaged
        symbols = symbols + [s for s in extra_symbols or () if s not in symbols]
        clock = WallClock()
        feed = make_live_feed(
            exchange,
            symbols,
            clock,
            depth=max(50, settings.short_scalp_book_depth),
            stale_after_ms=settings.stale_after_ms,
        )
        retrier = Retrier(attempts=START_ATTEMPTS, throttled_attempts=START_THROTTLED_ATTEMPTS)
        try:
            markets = await retrier.call("markets", feed.load_markets)
            history = {
                s: await fetch_history(exchange, s, settings.timeframe, clock.now_ms(), retrier)
                for s in symbols
            }
        except ValueError as exc:
            raise ConnectError(str(exc)) from None
        except Exception as exc:  # ccxt's errors: network, auth, exchange
            where = ex.rest_url or ex.id
            raise ConnectError(
                f"cannot load markets from {where}: {type(exc).__name__}: {exc}"
            ) from None
        paper = PaperBroker(settings.taker_fee, settings.maker_fee)
        brokers: dict[str, Broker] = {"paper": paper}
        live = None
        if settings.has_credentials:
            # its own retrier: an order waits out throttling less long than a start
            live = CcxtBroker(
                exchange,
                settings.taker_fee,
                settings.maker_fee,
                Retrier(),
                leverage=settings.leverage,
            )
            # isolated margin and the configured leverage before any live order can go
            # out, including a later switch to live from the console
            problems = await ccxt_account.prepare(exchange, retrier, symbols, settings.leverage)
            if problems:
                raise ConnectError("; ".join(problems))
            brokers["live"] = live
        # consent: only the trader's --live (or typed LIVE later) sends real orders
        params = EngineParams.from_settings(settings)
        params = replace(
            params,
            paper=not live_orders,
            maintenance_margin_rate=(
                traits_for(exchange.id).maintenance_margin_rate
                if params.maintenance_margin_rate is None
                else params.maintenance_margin_rate
            ),
        )
        engine = Engine(params, clock, markets, brokers, history=history)
        session = cls(engine, feed, paper, live)
        session.notes = notes
        return session

    def start(self) -> None:
        pass  # connecting happened in `connect`

    def elapsed_s(self) -> float:
        return (self.engine.clock.now_ms() - self._started_ms) / 1000

    async def run(self, duration_s: float | None = None) -> None:
        timer = asyncio.create_task(self._timer())
        orders = (
            asyncio.gather(self.live.watch(self.stop_event), self._poll_orders())
            if self.live is not None
            else None
        )
        ender = (
            asyncio.get_running_loop().call_later(duration_s, self.stop_event.set)
            if duration_s is not None
            else None
        )
        try:
            await self.feed.run(self.engine, self.stop_event)
        finally:
            if ender is not None:
                ender.cancel()
            timer.cancel()
            if orders is not None:
                orders.cancel()
            await asyncio.gather(timer, *([orders] if orders else []), return_exceptions=True)
            if self.live is not None:
                await self.live.drain()
            await self.feed.close()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, OrderUpdated):
            order = event.order
            if order.reduce_only and order.broker == "live" and order.status is REJECTED:
                self._check_soon.set()

    async def _poll_orders(self) -> None:
        assert self.live is not None
        ticks = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._check_soon.wait(), ORDER_POLL_S)
            soon = self._check_soon.is_set()
            self._check_soon.clear()
            await self.live.poll()
            ticks += 1
            if soon or ticks % RECONCILE_EVERY == 0:
                await self.reconcile()
            if ticks % RECONCILE_EVERY == 0 and self.funding is not None:
                await self.funding.check()

    async def reconcile(self) -> list[str]:
        """Agree with the venue on what is held (position_check.py)."""
        assert self.check is not None
        return await self.check.run(self.feed.symbols)

    async def recover(self, open_orders: str) -> list[str]:
        """After a restart, before trading: learn what became of the journaled orders
        while this console was down (fills are applied), cancel or re-attach those
        still working (`open_orders`), then agree with the exchange's positions.
        Returns notes for the user."""
        if self.live is None:
            return []
        engine, live, notes = self.engine, self.live, []
        if live.working():
            await live.poll()
            for order in live.working():
                what = f"order {order.id} ({order.purpose}) on {order.symbol}"
                if order.purpose == STOP_PURPOSE:
                    continue  # the position's protection stays (and is checked on)
                if open_orders == "cancel":
                    engine.cancel_order(order.id)
                    notes.append(f"{what} was still working after the restart: cancelled")
                else:
                    notes.append(f"{what} was still working after the restart: re-attached")
            await live.drain()
        notes += await self.reconcile()
        return notes

    async def _timer(self) -> None:
        while True:
            await asyncio.sleep(TIMER_S)
            self.engine.on_timer()
