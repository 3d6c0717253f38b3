"""A fault storm: the real `scalp-tui headless --live` trading against the emulator
while every fault happens at once (429s, slow answers, dropped sockets, sequence
gaps, rejections, partial fills, orders landing late, answers lost), with the
venue's position compared to the journal's every second.

Used by the CI test (a few minutes) and by `bench/fault_storm.py` (longer runs).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crash import open_orders, open_positions, read
from emulator.cli_rig import start_live
from emulator.venue_cli import client_tag

from scalp_tui.execution.venues import traits_for

STOP = "stop_loss_on_exchange"
CHAOS = {
    "p_429": 0.08,
    "p_slow": 0.05,
    "slow_s": 0.3,
    "p_drop_ws": 0.002,
    "p_gap": 0.01,
    "p_reject": 0.05,
    "p_partial": 0.2,
    "p_land_delay": 0.05,
    "land_s": 1.5,
    "p_lose_answer": 0.03,
}
SETTLE_S = 20.0  # calm after the storm: answers arrive, the process ends its run
# the emulator's partial fills are random fractions sent with 8 decimals: closer
# than this, the venue and the journal hold the same
SAME_QTY = 1e-8


@dataclass
class StormReport:
    seconds: int = 0  # samples taken
    sampled_quiet: int = 0  # samples with no order in flight
    disagreed: list[str] = field(default_factory=list)  # quiet samples that disagreed
    final_venue: float = 0.0
    final_journal: float = 0.0
    final_in_flight: bool = False
    exit_code: int | None = None
    entries: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    venue: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""

    def lines(self) -> list[str]:
        v = self.venue
        return [
            f"storm: {self.seconds} s sampled, {self.sampled_quiet} with no order in flight",
            f"order requests {v['requests'].get('order_create', 0)}, stop requests "
            f"{v['requests'].get('algo', 0)}, all requests {sum(v['requests'].values())}",
            f"throttled (429) {v['throttled']}, rejected {v['rejected']}, partial fills "
            f"{v['partial_fills']}, answers lost {v['answers_lost']}, landed late "
            f"{v['land_delayed']}, sockets dropped {v['ws_dropped']}, gaps {v['gaps']}, "
            f"stops triggered {v['stops_triggered']}",
            f"entries {self.entries}, exits {dict(sorted(self.exits.items()))}",
            f"seconds venue and journal disagreed with no order in flight: {len(self.disagreed)}",
            f"at the end: venue {self.final_venue:+g}, journal {self.final_journal:+g}, "
            f"orders in flight {self.final_in_flight}, exit code {self.exit_code}",
        ]


def journal_short(journal: Path) -> float:
    """What the journal holds short, as a restart reads it (the intent log included:
    an exit just sent is there before the writer thread commits it)."""
    return -sum(p["qty"] for p in open_positions(journal, with_unfilled=True).values())


def journal_working(journal: Path) -> list[dict[str, Any]]:
    return open_orders(journal)


def in_flight(emulator: Any, journal: Path) -> bool:
    """Whether an order may be changing what either side holds right now: one the
    journal has not seen end, one working at the venue, or a stop the venue has
    executed while the journal still shows it resting (its news is on its way)."""
    working = journal_working(journal)
    if any(o["purpose"] != STOP for o in working):
        return True
    if emulator.open_orders("BTCUSDT"):
        return True
    resting = {a["client_id"] for a in emulator.open_algo_orders("BTCUSDT")}
    traits, tag = traits_for("binanceusdm"), client_tag(journal)
    return any(
        o["purpose"] == STOP and traits.client_id(tag, o["id"]) not in resting for o in working
    )


async def drive(emulator: Any, stop: asyncio.Event, seed: int) -> None:
    """A market that keeps entering and exiting: an ask-heavy book whose price walks
    and sometimes jumps through stops and targets, with trades for the volume."""
    rng = random.Random(seed)
    bid = 60_000.0
    market = emulator.markets["BTCUSDT"]
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.04:
            bid += rng.choice((-1, 1)) * rng.uniform(200, 450)  # a jump
        elif roll < 0.5:
            bid += rng.choice((-1, 1)) * 10
        bid = round(min(max(bid, 58_000.0), 62_000.0), 1)
        ask = round(bid + 0.1, 1)
        bids = [(p, 0.0) for p in list(market.bids) if p > bid or p < bid - 2]
        asks = [(p, 0.0) for p in list(market.asks) if p < ask or p > ask + 2]
        bids += [(round(bid - 0.1 * i, 1), rng.uniform(0.002, 0.01)) for i in range(10)]
        asks += [(round(ask + 0.1 * i, 1), 5.0) for i in range(10)]
        await emulator.set_levels("BTCUSDT", bids, asks)
        await emulator.trade("BTCUSDT", bid, 0.01, buyer_is_maker=True)
        await asyncio.sleep(0.1)


async def run_storm(emulator: Any, workdir: Path, seconds: float, seed: int = 1) -> StormReport:
    journal = workdir / "journal.sqlite"
    config = workdir / "config.json"
    config.write_text(json.dumps({"max_daily_loss": 1_000_000, "proposal_cooldown_s": 0}))
    report = StormReport()
    stop = asyncio.Event()
    driver = asyncio.create_task(drive(emulator, stop, seed))
    emulator.chaos(seed=seed, **CHAOS)
    emulator.lose_answer_next = 1  # at least one, whatever the draws
    proc = await start_live(
        emulator,
        journal,
        "--config",
        str(config),
        "--duration",
        str(seconds + SETTLE_S),
        "--json",
        env={"SCALP_TUI_API_KEY": "storm-key", "SCALP_TUI_API_SECRET": "storm-secret"},
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        loop = asyncio.get_running_loop()
        calm_at = loop.time() + seconds
        next_sample = loop.time()
        while proc.returncode is None:
            if loop.time() >= calm_at and not stop.is_set():
                # faults end and the market stands still: what is in flight lands,
                # and nothing new happens at the venue once the program stops
                emulator.calm()
                stop.set()
            next_sample += 1.0  # once a second of wall time, however long a look takes
            await asyncio.sleep(max(0.0, next_sample - loop.time()))
            report.seconds += 1
            if in_flight(emulator, journal):
                continue
            venue, mine = emulator.net_position("BTCUSDT"), journal_short(journal)
            if in_flight(emulator, journal):  # it changed while we read
                continue
            report.sampled_quiet += 1
            if abs(venue - mine) > SAME_QTY:
                report.disagreed.append(f"second {report.seconds}: venue {venue}, journal {mine}")
        _, err = await proc.communicate()
        report.stderr = err.decode()
    finally:
        stop.set()
        await driver
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    report.exit_code = proc.returncode
    report.final_venue = emulator.net_position("BTCUSDT")
    report.final_journal = journal_short(journal)
    report.final_in_flight = in_flight(emulator, journal)
    entries = read(journal, "SELECT count(*) FROM events WHERE kind = 'EntrySubmitted'")
    report.entries = entries[0][0] if entries else 0
    report.exits = Counter(r for (r,) in read(journal, "SELECT exit_reason FROM trades"))
    report.venue = emulator.report()
    return report
