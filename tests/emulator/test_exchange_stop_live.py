"""The exchange-side stop on the emulator with the real ccxt.pro client: placed after
the first fill, moved when more fills, cancelled when the position closes another
way, refused by a venue without it, and filling while the program is dead."""

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from crash import events_since, last_event_id, open_positions
from emulator.cli_rig import held, until
from emulator.live_rig import Live
from emulator.test_crash_recovery_live import move_to, start
from emulator.test_live_faults import stale_book, venue_book

from scalp_tui.engine.protocol import ClosePosition, ErrorEvent, PositionClosed


def stops(emulator) -> list[dict]:
    return emulator.open_algo_orders("BTCUSDT")


async def test_the_stop_is_placed_moved_and_cancelled(emulator) -> None:
    venue_book(emulator)
    async with Live(emulator) as live:
        live.engine.params = replace(live.engine.params, entry_order_type="limit")
        stale_book(live, ask=60_000.4)  # 0.004 of the 0.005 fills at once
        await live.settle()
        (position,) = live.engine.positions.values()
        (stop,) = stops(emulator)
        assert (stop["side"], stop["reduce_only"], stop["qty"]) == ("BUY", True, 0.004)
        assert stop["trigger"] == pytest.approx(position.stop_price(live.engine.exit_rule), abs=0.1)
        assert stop["trigger"] >= position.stop_price(live.engine.exit_rule)  # rounded up
        await emulator.set_levels("BTCUSDT", [(60_000.4, 1.0)], [])  # the rest fills
        for _ in range(20):
            await live.broker.poll()
            await live.settle()
            if [s["qty"] for s in stops(emulator)] == [0.005]:
                break
        assert [s["qty"] for s in stops(emulator)] == [0.005]  # moved: one stop, all of it
        assert (
            live.engine.snapshot().positions[0].exchange_stop_price == stops(emulator)[0]["trigger"]
        )
        assert live.engine.execute(ClosePosition(position.id)).ok
        await live.settle()
        await live.settle()
        assert not live.engine.positions and emulator.net_position("BTCUSDT") == 0.0
        assert stops(emulator) == []  # cancelled with the close


async def test_a_venue_without_stop_orders_warns_once_and_the_software_stop_goes_on(
    emulator,
) -> None:
    venue_book(emulator)
    emulator.algo_supported = False
    async with Live(emulator) as live:
        live.show_book()
        await live.settle()
        assert live.engine.positions and not live.broker.protective_stops
        warnings = [e for e in live.events if isinstance(e, ErrorEvent) and "stop" in e.message]
        assert any("software stop still applies" in w.message for w in warnings)
        # the software stop still closes it
        await move_to(emulator, 60_420.0)
        live.show_book()
        await live.settle()
        closed = [e.position for e in live.events if isinstance(e, PositionClosed)]
        assert closed and closed[0].exit_reason.value == "short_scalp_stop_loss"


async def test_a_stop_filled_while_the_program_was_dead_closes_the_position(
    emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite"
    await move_to(emulator, 60_000.0)
    proc = await start(emulator, tmp_path, journal)
    await until(lambda: held(emulator) < 0 and stops(emulator), 30, "a short and its stop")
    (position_id,) = await until(lambda: open_positions(journal), 30, "the journaled short")
    proc.kill()
    await proc.communicate()
    await move_to(emulator, 60_420.0)  # through the stop while nobody is watching
    await until(lambda: held(emulator) == 0, 10, "the venue's stop")

    mark = last_event_id(journal)
    await move_to(emulator, 60_000.0, 0.0)  # no new entry signal during the restart
    proc = await start(emulator, tmp_path, journal, "--duration", "1")
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    (closed,) = [
        e["position"]
        for e in events_since(journal, mark, "PositionClosed")
        if e["position"]["id"] == position_id
    ]
    assert closed["exit_reason"] == "stop_loss_on_exchange"
    assert closed["exit_price"] > 60_400
    assert position_id not in open_positions(journal)
