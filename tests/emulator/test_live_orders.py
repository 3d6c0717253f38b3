"""Live orders: the engine, the real ccxt client and the emulator's matching engine."""

import asyncio
from dataclasses import replace

import pytest
from emulator.live_rig import BTC, Live, ask_heavy, until_true

from scalp_tui.engine.protocol import (
    ClosePosition,
    EngageKillSwitch,
    ErrorEvent,
    ExitReason,
    PositionClosed,
)
from scalp_tui.market.live_feed import make_live_feed


async def test_live_entry_fill_and_exit(emulator) -> None:
    ask_heavy(emulator)
    async with Live(emulator) as live:
        live.show_book()  # signal: a live market sell of 0.005 (300 USDT at 60000)
        await live.settle()
        (position,) = live.engine.positions.values()
        assert position.broker == "live" and position.qty == pytest.approx(0.005)
        # it walked the emulator's bids: 0.002 @ 60000.0, 0.002 @ 59999.9, 0.001 @ 59999.8
        assert position.entry_price == pytest.approx(59_999.92)
        assert emulator.positions["BTCUSDT"][0] == pytest.approx(-0.005)
        assert live.engine.execute(ClosePosition(position.id)).ok
        await live.settle()
        (closed,) = [e for e in live.events if isinstance(e, PositionClosed)]
        assert closed.position.exit_reason is ExitReason.MANUAL
        assert emulator.positions["BTCUSDT"][0] == pytest.approx(0.0)
        assert not live.engine.positions


async def test_partial_fill_sets_the_position_to_what_filled(emulator) -> None:
    ask_heavy(emulator)
    emulator.partial_next = [0.5]
    async with Live(emulator) as live:
        live.show_book()
        await live.settle()
        (position,) = live.engine.positions.values()
        assert position.qty == pytest.approx(0.0025)
        assert emulator.positions["BTCUSDT"][0] == pytest.approx(-0.0025)


async def test_rejected_order_keeps_the_exchanges_reason_and_no_position(emulator) -> None:
    ask_heavy(emulator)
    emulator.reject_next = [(-2019, "Margin is insufficient.")]
    async with Live(emulator) as live:
        live.show_book()
        await live.settle()
        assert not live.engine.positions
        errors = [e.message for e in live.events if isinstance(e, ErrorEvent)]
        assert any("InsufficientFunds" in m and "Margin is insufficient" in m for m in errors)
        assert "BTCUSDT" not in emulator.positions


async def test_a_429_storm_loses_and_duplicates_no_order(emulator) -> None:
    ask_heavy(emulator)
    emulator.rate_limit_next = 3
    async with Live(emulator) as live:
        live.show_book()
        await live.settle()
        assert live.broker.rate_limited == 3
        assert emulator.order_requests == 4
        assert len(emulator.orders) == 1
        (position,) = live.engine.positions.values()
        assert position.qty == pytest.approx(0.005)


async def test_kill_switch_flattens_while_market_data_is_down(emulator) -> None:
    ask_heavy(emulator)
    async with Live(emulator) as live:
        live.show_book()
        await live.settle()
        assert live.engine.positions
        await emulator.drop_connections()  # every WebSocket gone; REST still answers
        assert live.engine.execute(EngageKillSwitch()).ok
        await live.settle()
        assert not live.engine.positions
        assert emulator.positions["BTCUSDT"][0] == pytest.approx(0.0)
        closed = [e for e in live.events if isinstance(e, PositionClosed)]
        assert closed[-1].position.exit_reason is ExitReason.KILL_SWITCH


async def test_resting_limit_entry_fills_through_the_order_stream(emulator) -> None:
    ask_heavy(emulator)
    async with Live(emulator) as live:
        live.engine.params = replace(live.engine.params, entry_order_type="limit")
        stop = asyncio.Event()
        watcher = asyncio.create_task(live.broker.watch(stop))
        try:
            await until_true(lambda: bool(emulator._user_sockets))  # the stream is up
            live.show_book()  # a limit sell rests at the best ask, 60000.1
            await live.settle()
            (position,) = live.engine.positions.values()
            assert position.qty == 0.0  # resting, nothing filled
            assert [o["status"] for o in emulator.orders.values()] == ["NEW"]
            # the bid rises to our price: the emulator fills us and says so on the stream
            await emulator.set_levels("BTCUSDT", [(60_000.1, 1.0)], [(60_000.1, 0.0)])
            await until_true(lambda: position.qty > 0)
            assert position.qty == pytest.approx(0.005)
            assert position.entry_price == pytest.approx(60_000.1)
        finally:
            stop.set()
            watcher.cancel()


async def test_a_fill_missed_by_the_stream_is_found_by_rest(emulator) -> None:
    ask_heavy(emulator)
    async with Live(emulator) as live:
        live.engine.params = replace(live.engine.params, entry_order_type="limit")
        live.show_book()  # no order stream running in this test
        await live.settle()
        (position,) = live.engine.positions.values()
        await emulator.set_levels("BTCUSDT", [(60_000.1, 1.0)], [(60_000.1, 0.0)])
        assert position.qty == 0.0
        await live.broker.poll()
        assert position.qty == pytest.approx(0.005)


async def test_unfilled_limit_entry_is_cancelled_after_its_timeout(emulator) -> None:
    ask_heavy(emulator)
    async with Live(emulator) as live:
        live.engine.params = replace(
            live.engine.params, entry_order_type="limit", entry_limit_timeout_s=0.2
        )
        live.show_book()
        await live.settle()
        assert len(live.engine.positions) == 1
        await asyncio.sleep(0.25)
        live.engine.on_timer()
        await live.settle()
        assert not live.engine.positions  # nothing filled: no position ever existed
        assert [o["status"] for o in emulator.orders.values()] == ["CANCELED"]


async def test_reconcile_reports_differences_with_the_exchange(emulator) -> None:
    from scalp_tui.runtime.live_session import LiveSession

    ask_heavy(emulator)
    async with Live(emulator) as live:
        live.show_book()
        await live.settle()
        session = LiveSession(
            live.engine,
            make_live_feed(live.exchange, [BTC], live.engine.clock),
            live.engine.brokers["paper"],
            live.broker,
        )
        assert await session.reconcile() == []  # both say short 0.005
        emulator.positions["BTCUSDT"] = (-0.008, 60_000.0)  # someone traded by hand
        problems = await session.reconcile()
        assert problems == [
            "BTC/USDT:USDT: the exchange holds -0.008, this console -0.005: check it on the "
            "exchange"
        ]
        said = [e.message for e in live.events if isinstance(e, ErrorEvent)]
        assert "venue and journal disagree: " + problems[0] in said
        # shown until resolved, and no entry meanwhile
        assert live.engine.snapshot().alerts == ("venue and journal disagree: " + problems[0],)
        assert live.engine.signal_state(BTC).blocked_by == "divergence"
        emulator.positions["BTCUSDT"] = (-0.005, 60_000.0)  # put right by hand
        assert await session.reconcile() == []
        assert live.engine.snapshot().alerts == ()
        assert live.engine.signal_state(BTC).blocked_by != "divergence"


async def test_a_slow_exchange_never_blocks_the_engine(emulator) -> None:
    ask_heavy(emulator)
    emulator.delay_s = 0.3
    async with Live(emulator) as live:
        loop = asyncio.get_running_loop()
        started = loop.time()
        live.show_book()  # the order goes out; the engine returns at once
        assert loop.time() - started < 0.05
        (position,) = live.engine.positions.values()
        assert position.qty == 0.0  # sent, not yet answered
        await live.settle()
        assert position.qty == pytest.approx(0.005)


async def test_a_position_check_that_cannot_run_is_shown_until_one_succeeds(emulator) -> None:
    from scalp_tui.execution.retry import Retrier
    from scalp_tui.runtime.live_session import LiveSession

    ask_heavy(emulator)
    async with Live(emulator) as live:
        session = LiveSession(
            live.engine,
            make_live_feed(live.exchange, [BTC], live.engine.clock),
            live.engine.brokers["paper"],
            live.broker,
        )
        assert session.check is not None
        session.check.retrier = Retrier(attempts=2, base_s=0.01)
        session.check.interval_s = 0.0  # failing for longer than its interval at once
        emulator.rate_limit("position_risk", 2)  # both attempts of one check
        (problem,) = await session.reconcile()
        assert problem.startswith("positions could not be checked: RetriesExhausted")
        (alert,) = live.engine.snapshot().alerts
        assert alert.startswith(problem) and "failing since" in alert
        assert any(isinstance(e, ErrorEvent) and e.message == alert for e in live.events)
        assert await session.reconcile() == []  # the venue answers again
        assert live.engine.snapshot().alerts == ()
