"""A fault storm on the OKX and Bybit emulators: the real `scalp-tui headless --live`
trades while 429s, slow answers, dropped sockets, book gaps, rejections, partial
fills, late landings and lost answers all happen at once. Whenever no order is in
flight, and at the end, the venue holds what the journal holds open (base units);
at the end no stop rests without its short, and the journal's PnL and fees are the
venue's wallet change and fees to 1e-9.

VENUE_STORM_SECONDS sets the storm's length per venue (default 25 s, then a calm
of SETTLE_S while what is in flight lands and the run ends); VENUE_STORM_SEED its
market and faults (default 11)."""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter
from pathlib import Path

import pytest
from crash import read
from emulator.storm import CHAOS
from emulator.venue_cli import Consoles, in_flight, orphan_stops
from emulator.venue_rig import (
    CORE_VENUES,
    HEAVY_ASKS,
    THIN_BIDS,
    Venue,
    assert_money_agrees,
    journal_held,
    journal_pnl_and_fees,
)

# the Binance storm's faults, with more late landings and book gaps for a short run
FAULTS = {**CHAOS, "p_land_delay": 0.1, "p_gap": 0.03}
STORM_S = float(os.environ.get("VENUE_STORM_SECONDS", "25"))
SEED = int(os.environ.get("VENUE_STORM_SEED", "11"))
SETTLE_S = 15.0
SAME_QTY = 1e-9  # base units: whole lots on both sides, float sums apart


@pytest.fixture(params=CORE_VENUES)
async def venue(request):
    v = Venue(request.param)
    v.seed(THIN_BIDS, HEAVY_ASKS)
    await v.emulator.start()
    yield v
    await v.emulator.stop()


async def market(venue: Venue, stop: asyncio.Event, seed: int) -> None:
    """Ask-heavy, its price walking and sometimes jumping through stops and targets,
    a trade each round for the volume (and the venue's stops)."""
    rng = random.Random(seed)
    bid = 60_000.0
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.04:
            bid += rng.choice((-1, 1)) * rng.uniform(200, 450)  # a jump
        elif roll < 0.5:
            bid += rng.choice((-1, 1)) * 10
        bid = round(min(max(bid, 58_000.0), 62_000.0), 1)
        await venue.move_to(bid, bid_qty=round(rng.uniform(0.002, 0.01), 3), ask_qty=5.0)
        await venue.trade(bid)
        await asyncio.sleep(0.1)


async def test_venue_and_journal_agree_through_a_fault_storm(venue, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"max_daily_loss": 1_000_000, "proposal_cooldown_s": 0}))
    consoles = Consoles(venue, tmp_path)
    journal = consoles.journal
    stop = asyncio.Event()
    driver = asyncio.create_task(market(venue, stop, seed=SEED))
    venue.emulator.chaos(seed=SEED, **FAULTS)
    # at least one of each, whatever the draws
    venue.emulator.lose_answer_next = 1
    venue.emulator.partial_next = [0.5]
    venue.emulator.reject_next = ["insufficient_margin"]
    seconds = quiet = 0
    disagreed: list[str] = []
    proc = await consoles.start(
        "--config",
        str(config),
        "--duration",
        str(STORM_S + SETTLE_S),
        "--json",
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        loop = asyncio.get_running_loop()
        calm_at = loop.time() + STORM_S
        dropped = False
        while proc.returncode is None:
            if not dropped and loop.time() >= calm_at - STORM_S / 2:
                dropped = True  # every socket at once, and a book gap, mid-storm
                venue.emulator.gap_next(venue.sid)
                # and at least one 429, whatever the draws (a short storm may make
                # too few requests for one)
                venue.emulator.storm_429(requests=1)
                await venue.emulator.drop_connections()
            if loop.time() >= calm_at and not stop.is_set():
                # faults end and the market stands still: what is in flight lands
                venue.emulator.calm()
                stop.set()
            await asyncio.sleep(1.0)
            seconds += 1
            if in_flight(venue, journal):
                continue
            held, mine = venue.held(), journal_held(journal)
            if in_flight(venue, journal):  # it changed while we read
                continue
            quiet += 1
            if abs(held - mine) > SAME_QTY:
                disagreed.append(f"second {seconds}: venue {held}, journal {mine}")
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        stop.set()
        await driver
        await consoles.kill_all()
    stderr = err.decode()
    report = venue.emulator.report()
    entries = read(journal, "SELECT count(*) FROM events WHERE kind = 'EntrySubmitted'")[0][0]
    exits = Counter(r for (r,) in read(journal, "SELECT exit_reason FROM trades"))
    print(
        f"\n{venue.id} storm {STORM_S:g} s: {seconds} s sampled, {quiet} quiet; entries "
        f"{entries}, exits {dict(exits)}; venue {report}"
    )
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert entries >= 3, (entries, dict(exits))  # it traded through the storm
    assert report["throttled"] and report["rejected"]
    assert report["partial_fills"] and report["answers_lost"]
    assert disagreed == []
    assert quiet >= STORM_S / 4
    assert not in_flight(venue, journal)
    assert abs(venue.held() - journal_held(journal)) < SAME_QTY
    assert orphan_stops(venue, journal) == []
    assert_money_agrees(venue, *journal_pnl_and_fees(journal))
