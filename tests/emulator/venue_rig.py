"""The same live tests on every venue emulator: one adapter per emulator (OKX and
Bybit on the venue-neutral core, Binance USD-M on its own older one) so that a test
speaks base units and reads the venue the same way everywhere, and an engine
trading BTC live on it with the real ccxt.pro client.

Units: the tests and the engine speak base units (BTC); the emulators hold
contracts (OKX: 0.01 BTC a contract, Bybit and Binance: 1). `Venue` converts.
Money: the OKX and Bybit emulators keep a quote wallet (realised PnL settled, fees
paid per fill); Binance's has none, so its wallet checks are skipped (`has_wallet`).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from crash import open_positions

from scalp_tui.engine.clock import WallClock
from scalp_tui.engine.engine import Engine
from scalp_tui.engine.params import EngineParams
from scalp_tui.engine.protocol import BookUpdate, Candle, ErrorEvent, PositionClosed, SetBroker
from scalp_tui.execution import ccxt_account
from scalp_tui.execution.ccxt_broker import CcxtBroker
from scalp_tui.execution.paper import PaperBroker
from scalp_tui.market.ccxt_feed import CcxtFeed
from scalp_tui.venue import make_exchange

BTC = "BTC/USDT:USDT"
CORE_VENUES = ("okx", "bybit")  # emulators with a wallet and fees
ALL_VENUES = ("okx", "bybit", "binanceusdm")
SIDS = {"okx": "BTC-USDT-SWAP", "bybit": "BTCUSDT", "binanceusdm": "BTCUSDT"}
PASSWORD = "test-pass"  # OKX signs with a passphrase too
SAME_MONEY = 1e-9  # quote: the engine's PnL and fees against the venue's
QTY = 0.005  # 300 USDT of margin x 3 at 60000: the engine's size, base units


class Venue:
    """One emulator, read and driven in base units."""

    def __init__(self, venue_id: str) -> None:
        self.id = venue_id
        self.sid = SIDS[venue_id]
        if venue_id == "okx":
            from emulator.okx import OkxEmulator

            self.emulator: Any = OkxEmulator()
        elif venue_id == "bybit":
            from emulator.bybit import BybitEmulator

            self.emulator = BybitEmulator()
        else:
            from emulator.binance_usdm import BinanceUsdmEmulator

            self.emulator = BinanceUsdmEmulator()
        self.has_wallet = venue_id in CORE_VENUES
        self.start_wallet = self.wallet()

    @property
    def contract_size(self) -> float:
        if self.id == "binanceusdm":
            return 1.0
        return self.emulator.contract_size(self.sid)

    # -- the market, in base units ---------------------------------------------------

    def _contracts(self, levels: list[tuple[float, float]]) -> list[tuple[float, float]]:
        size = self.contract_size
        return [(p, round(q / size, 8)) for p, q in levels]

    def seed(self, bids: list, asks: list) -> None:
        self.emulator.seed_book(self.sid, self._contracts(bids), self._contracts(asks))

    def book(self, depth: int = 20) -> tuple[tuple, tuple]:
        """The venue's book in base units (what the live feed would deliver)."""
        size = self.contract_size
        bids, asks = self.emulator.book(self.sid, depth)
        return tuple((p, q * size) for p, q in bids), tuple((p, q * size) for p, q in asks)

    async def move_to(
        self, bid: float, bid_qty: float = 0.002, ask_qty: float = 1.0, levels: int = 10
    ) -> None:
        """A book of `levels` levels a side 0.1 apart from `bid` (base quantities),
        every other level removed; the bids thin, the asks heavy unless told. No
        trade is printed: the last price (which stops watch) stays."""
        old_bids, old_asks = self.emulator.book(self.sid, 1000)
        ask = round(bid + 0.1, 1)
        bids = [(round(bid - 0.1 * i, 1), bid_qty) for i in range(levels)]
        asks = [(round(ask + 0.1 * i, 1), ask_qty) for i in range(levels)]
        keep_b, keep_a = {p for p, _ in bids}, {p for p, _ in asks}
        await self.emulator.set_levels(
            self.sid,
            [(p, 0.0) for p, _ in old_bids if p not in keep_b] + self._contracts(bids),
            [(p, 0.0) for p, _ in old_asks if p not in keep_a] + self._contracts(asks),
        )

    async def trade(self, price: float, qty: float = 0.01) -> None:
        """Someone else's trade at `price` (moves the last price: stops may fire)."""
        await self.emulator.trade(self.sid, price, round(qty / self.contract_size, 8), True)

    # -- what the venue holds ----------------------------------------------------------

    def held(self) -> float:
        """The BTC position at the venue in base units (negative: short)."""
        return self.emulator.net_position(self.sid) * self.contract_size

    def held_contracts(self) -> float:
        return self.emulator.net_position(self.sid)

    def stops(self) -> list[dict[str, Any]]:
        """Resting stops: side, reduce_only, contracts, trigger, client_id."""
        rows = []
        for stop in self.emulator.open_algo_orders(self.sid):
            get = stop.get if isinstance(stop, dict) else lambda k, s=stop: getattr(s, k)
            rows.append(
                {
                    "side": str(get("side")).lower(),
                    "reduce_only": bool(get("reduce_only")),
                    "contracts": float(get("qty")),
                    "trigger": float(get("trigger")),
                    "client_id": str(get("client_id")),
                }
            )
        return rows

    def working_orders(self) -> list[Any]:
        return list(self.emulator.open_orders(self.sid))

    # -- money -----------------------------------------------------------------------

    def wallet(self) -> float | None:
        return self.emulator.wallet() if self.id in CORE_VENUES else None

    def wallet_change(self) -> float:
        return self.emulator.wallet() - self.start_wallet

    def fees(self) -> float:
        """Every fee the venue charged (quote)."""
        return sum(f.fee for f in self.emulator.core.fills)

    def endpoints(self) -> dict[str, str]:
        return {
            "SCALP_TUI_EXCHANGE__REST_URL": self.emulator.rest_url,
            "SCALP_TUI_EXCHANGE__WS_URL": self.emulator.ws_url,
        }

    def client(self) -> Any:
        return make_exchange(
            self.id,
            api_key="test-key",
            secret="test-secret",
            password=PASSWORD,
            rest_url=self.emulator.rest_url,
            ws_url=self.emulator.ws_url,
        )


THIN_BIDS = [(round(60_000.0 - 0.1 * i, 1), 0.002) for i in range(10)]
HEAVY_ASKS = [(round(60_000.1 + 0.1 * i, 1), 1.0) for i in range(10)]


def candles_rising(now_ms: int, timeframe_ms: int) -> list[Candle]:
    """Two closed candles, the last closing above the one before (the reversal's
    candle condition), each with volume enough for entries."""
    start = now_ms - now_ms % timeframe_ms
    return [
        Candle(start - 2 * timeframe_ms, 59_990.0, 59_995.0, 59_985.0, 59_990.0, 5000.0),
        Candle(start - timeframe_ms, 59_990.0, 60_005.0, 59_985.0, 60_000.0, 5000.0),
    ]


class LiveVenue:
    """An engine trading BTC live on `venue` (auto mode, 0.005 BTC a short), driven
    by hand: the test shows it books and runs the broker's answers."""

    def __init__(self, venue: Venue, **params: Any) -> None:
        self.venue = venue
        self.exchange = venue.client()
        # the volume condition always holds: a 5 m boundary passing mid-test closes
        # a candle with no trades (volume 0), which must not stop an entry
        self.params = replace(EngineParams(), mode="auto", min_volume=-1.0, **params)
        self.events: list[Any] = []
        self.faults = False  # a test that injects faults sets this
        self._stop = asyncio.Event()
        self._watch: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LiveVenue:
        clock = WallClock()
        feed = CcxtFeed(self.exchange, [BTC], clock)
        markets = await feed.load_markets()
        self.broker = CcxtBroker(self.exchange, taker_fee=0.0005, maker_fee=0.0002)
        assert await ccxt_account.prepare(self.exchange, self.broker.retrier, [BTC], 3) == []
        self.engine = Engine(
            self.params,
            clock,
            markets,
            {"paper": PaperBroker(0.0005, 0.0002), "live": self.broker},
            history={BTC: candles_rising(clock.now_ms(), 300_000)},
        )
        self.engine.subscribe(self.events.append)
        assert self.engine.execute(SetBroker("live")).ok
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop_watching()
        await self.broker.drain()
        await self.exchange.close()
        if exc[0] is None and not self.faults:
            # without faults every answer is on time: an order that "turned up after it
            # was given up" would be the broker misreading a late but ordinary answer
            errors = [e.message for e in self.events if isinstance(e, ErrorEvent)]
            assert not [m for m in errors if "given up" in m], errors

    def watch(self) -> None:
        """The private order stream, as the session runs it."""
        self._watch = asyncio.create_task(self.broker.watch(self._stop))

    async def stop_watching(self) -> None:
        if self._watch is not None:
            self._stop.set()
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
            self._watch = None

    def show_book(self) -> None:
        bids, asks = self.venue.book()
        self.engine.on_book(BookUpdate(BTC, self.engine.clock.now_ms(), bids, asks, snapshot=True))

    async def settle(self, rounds: int = 3) -> None:
        """Let every request, its answers and what they trigger run (create-only
        answers are followed by a look-up)."""
        for _ in range(rounds):
            await self.broker.drain()
            await asyncio.sleep(0.05)
            await self.broker.poll()
            await self.broker.drain()

    async def until(self, condition: Any, timeout: float = 10.0) -> None:
        """Poll the broker (the session's 2 s REST check, faster) until `condition`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            assert loop.time() < deadline, "condition not met in time"
            self.engine.on_timer()
            await self.broker.drain()
            await self.broker.poll()
            await asyncio.sleep(0.1)

    def pnl_and_fees(self) -> tuple[float, float]:
        """The engine's own figures, unrounded: every live position's realised PnL
        net of fees (open ones too: their entry fees are paid) and every fee."""
        positions = [*self.engine.closed, *self.engine.positions.values()]
        live = [p for p in positions if p.broker == "live"]
        fees = sum(p.entry_fee + p.exit_fee for p in live)
        return sum(p.realised_gross for p in live) - fees, fees


def closed(live: LiveVenue) -> list:
    """The positions the engine closed, oldest first."""
    return [e.position for e in live.events if isinstance(e, PositionClosed)]


async def enter(live: LiveVenue, expected: float | None = QTY) -> Any:
    """Show the entry signal; the short once filled and its stop rests at the venue."""
    live.show_book()  # ask-heavy, tight: the short entry signal
    await live.until(lambda: any(p.qty > 0 for p in live.engine.positions.values()))
    await live.until(lambda: bool(live.venue.stops()))
    (position,) = live.engine.positions.values()
    assert position.broker == "live"
    if expected is not None:
        assert position.qty == pytest.approx(expected, abs=1e-12)
    return position


def assert_money_agrees(
    venue: Venue, pnl: float, fees: float, by_hand: tuple[float, float] = (0.0, 0.0)
) -> None:
    """The engine's PnL and fees are the venue's wallet change and summed fill fees
    (`by_hand`: the wallet change and fees of trades made by hand at the venue, which
    are not the console's)."""
    if not venue.has_wallet:
        return  # the Binance emulator keeps no wallet and charges no fees
    wallet = venue.wallet_change() - by_hand[0]
    charged = venue.fees() - by_hand[1]
    print(  # shown with -s: the figures of the report
        f"{venue.id}: venue wallet change {wallet:+.9f} engine pnl {pnl:+.9f}; "
        f"venue fees {charged:.9f} engine fees {fees:.9f}"
    )
    assert abs(pnl - wallet) < SAME_MONEY, f"engine pnl {pnl!r}, venue wallet change {wallet!r}"
    assert abs(fees - charged) < SAME_MONEY, f"engine fees {fees!r}, venue fees {charged!r}"


# -- the journal (CLI tests) ------------------------------------------------------------


def _read(path: Path, query: str) -> list[tuple]:
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(query).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


def journal_pnl_and_fees(journal: Path) -> tuple[float, float]:
    """The journal's live PnL net of fees and its fees, unrounded: closed trades, and
    what open positions have realised and paid so far."""
    rows = _read(journal, "SELECT open, body FROM positions")
    pnl = fees = 0.0
    open_ids = set()
    for is_open, body in rows:
        record = json.loads(body)
        if record["broker"] != "live" or not is_open:
            continue
        open_ids.add(record["id"])
        paid = record["entry_fee"] + record["exit_fee"]
        pnl += (record.get("realised_gross") or 0.0) - paid
        fees += paid
    trades = _read(journal, "SELECT position_id, broker, pnl, fees FROM trades")
    for position_id, broker, trade_pnl, trade_fees in trades:
        if broker == "live" and position_id not in open_ids:
            # a trade closed as reconciled has no result (nobody saw its exit): what
            # the console knows of it is the fees it paid
            pnl += -(trade_fees or 0.0) if trade_pnl is None else trade_pnl
            fees += trade_fees or 0.0
    return pnl, fees


def journal_held(journal: Path) -> float:
    """The BTC short the journal holds open, base units (negative), as a restart
    reads it (the intent log included)."""
    return -sum(p["qty"] for p in open_positions(journal, with_unfilled=True).values())
