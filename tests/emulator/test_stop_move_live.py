"""Moving a live short's stop on the emulator with the real ccxt.pro client: the
venue's stop order moves to the new price, the new stop is resting before the old one
is cancelled, and a replacement the venue refuses leaves the old stop in place."""

import pytest
from emulator.live_rig import Live
from emulator.test_live_faults import venue_book

from scalp_tui.engine.protocol import ErrorEvent, MoveExitLevel


def stops(emulator) -> list[dict]:
    return emulator.open_algo_orders("BTCUSDT")


async def opened_with_a_stop(live, emulator):  # type: ignore[no-untyped-def]
    live.show_book()
    for _ in range(50):
        await live.broker.poll()
        await live.settle()
        view = live.engine.snapshot().positions
        if view and view[0].exchange_stop_price is not None and len(stops(emulator)) == 1:
            break
    (position,) = live.engine.positions.values()
    (stop,) = stops(emulator)
    return position, stop


def count_stops_at_each_cancel(emulator) -> list[int]:
    """How many stops rested at the venue each time one was cancelled."""
    counts: list[int] = []
    end = emulator._end_algo

    async def ending(algo: dict, status: str) -> None:
        if status == "CANCELED":
            counts.append(len(stops(emulator)))
        await end(algo, status)

    emulator._end_algo = ending
    return counts


async def test_a_moved_stop_moves_the_venues_stop_new_one_first(emulator) -> None:
    venue_book(emulator)
    async with Live(emulator) as live:
        position, old = await opened_with_a_stop(live, emulator)
        at_cancel = count_stops_at_each_cancel(emulator)
        result = live.engine.execute(MoveExitLevel(position.id, "stop", -100))
        assert result.ok, result.message
        for _ in range(50):
            await live.broker.poll()
            await live.settle()
            if [s["trigger"] for s in stops(emulator)] == [pytest.approx(position.stop_level)]:
                break
        (new,) = stops(emulator)
        assert new["trigger"] == pytest.approx(position.stop_level)
        assert new["trigger"] == pytest.approx(old["trigger"] - 10.0, abs=0.1)
        assert new["qty"] == old["qty"] and new["reduce_only"]
        assert at_cancel == [2]  # the old one went while the new one already rested
        (view,) = live.engine.snapshot().positions
        assert view.exchange_stop_price == pytest.approx(new["trigger"]) and view.stop_moved


async def test_a_replacement_the_venue_refuses_leaves_the_old_stop(emulator) -> None:
    venue_book(emulator)
    async with Live(emulator) as live:
        position, old = await opened_with_a_stop(live, emulator)
        # the venue's last trade is above where the stop goes, but under the old one:
        # the engine's book lags, so only the venue can tell the new stop would fire
        emulator.last_price["BTCUSDT"] = old["trigger"] - 5.0
        result = live.engine.execute(MoveExitLevel(position.id, "stop", -100))
        assert result.ok, result.message
        for _ in range(50):
            await live.broker.poll()
            await live.settle()
            if any(
                "moving the exchange-side stop" in getattr(e, "message", "") for e in live.events
            ):
                break
        assert [s["id"] for s in stops(emulator)] == [old["id"]]  # still resting
        (error,) = [
            e
            for e in live.events
            if isinstance(e, ErrorEvent) and "moving the exchange-side stop" in e.message
        ]
        assert f"the stop at {old['trigger']:g} stays" in error.message
        (view,) = live.engine.snapshot().positions
        assert view.exchange_stop_price == pytest.approx(old["trigger"])
        assert live.broker.protective_stops and not position.stop_refused
