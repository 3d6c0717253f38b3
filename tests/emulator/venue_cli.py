"""The real `scalp-tui headless --live` on any venue emulator (venue_rig.Venue): its
start with the emulator's endpoints, a market that keeps the short entry signal
true, and what the journal and the venue hold, compared in base units."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crash import events_since, open_orders, open_positions, read
from emulator.cli_rig import cli
from emulator.venue_rig import BTC, PASSWORD, Venue

from scalp_tui.execution.venues import traits_for

STOP = "stop_loss_on_exchange"
SECRET = "test-secret-7719"


def environment(venue: Venue, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        **venue.endpoints(),
        "SCALP_TUI_API_KEY": "test-key",
        "SCALP_TUI_API_SECRET": SECRET,
        "SCALP_TUI_API_PASSWORD": PASSWORD,
        # met by the trades `drive` prints: a candle closing mid-test has volume
        "SCALP_TUI_SHORT_SCALP_MIN_VOLUME": "0.001",
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


class Consoles:
    """Every `headless --live` a test starts; none outlives it (`kill_all`)."""

    def __init__(self, venue: Venue, workdir: Path, env: Mapping[str, str] | None = None):
        self.venue = venue
        self.workdir = workdir
        self.journal = workdir / "journal.sqlite"
        self.env = environment(venue, env)
        self.started: list[asyncio.subprocess.Process] = []

    async def start(self, *args: str, stdout: int = asyncio.subprocess.PIPE):
        proc = await cli(
            "headless",
            "--exchange",
            self.venue.id,
            "--live",
            "--symbol",
            BTC,
            "--mode",
            "auto",
            "--journal",
            str(self.journal),
            *args,
            env=self.env,
            cwd=self.workdir,
            stdout=stdout,
        )
        self.started.append(proc)
        return proc

    async def kill_all(self) -> None:
        for proc in self.started:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.communicate()


async def drive(venue: Venue, stop: asyncio.Event, bid: float = 60_000.0) -> None:
    """An ask-heavy book that keeps changing at `bid`, and a trade there each round,
    until `stop`: the entry signal holds on every update; nothing exits."""
    size = 0.002
    while not stop.is_set():
        size = 0.003 if size == 0.002 else 0.002
        await venue.move_to(bid, bid_qty=size, levels=3)
        await venue.trade(bid)
        await asyncio.sleep(0.05)


def recovered(journal: Path, mark: int) -> bool:
    """The restarted process reached its feed: recovery is over."""
    return any(e["status"]["state"] == "live" for e in events_since(journal, mark, "FeedChanged"))


def open_records(journal: Path) -> list[dict[str, Any]]:
    """Open positions as a restart reads them (the intent log included)."""
    return list(open_positions(journal, with_unfilled=True).values())


def working_orders(journal: Path) -> list[dict[str, Any]]:
    """Working orders as a restart reads them (the intent log included)."""
    return open_orders(journal)


def client_tag(journal: Path) -> str:
    rows = read(journal, "SELECT value FROM meta WHERE key = 'client_tag'")
    return rows[0][0] if rows else ""


def journal_stop_ids(venue: Venue, journal: Path) -> set[str]:
    """Client ids of the stops the journal believes rest at the venue."""
    traits, tag = traits_for(venue.id), client_tag(journal)
    return {traits.client_id(tag, o["id"]) for o in working_orders(journal) if o["purpose"] == STOP}


def in_flight(venue: Venue, journal: Path) -> bool:
    """Whether an order may be changing what either side holds right now: one the
    journal has not seen end, one working at the venue, or a stop the venue has
    fired (or not yet placed) while the journal shows it resting."""
    if any(o["purpose"] != STOP for o in working_orders(journal)):
        return True
    if venue.working_orders():
        return True
    resting = {s["client_id"] for s in venue.stops()}
    return bool(journal_stop_ids(venue, journal) - resting)


def orphan_stops(venue: Venue, journal: Path) -> list[dict[str, Any]]:
    """Stops resting at the venue that no open position of the journal owns."""
    owned = journal_stop_ids(venue, journal) if open_records(journal) else set()
    return [s for s in venue.stops() if s["client_id"] not in owned]
