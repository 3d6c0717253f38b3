"""What a frontend may do with a running session, whichever market feeds it and
whichever thread runs it: Commands in, Events and Snapshots out, plus the few facts
about the run a frontend shows (its symbols, its clock, its totals)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from scalp_tui.engine.protocol import Command, CommandResult, Event, Snapshot


class EngineSession(Protocol):
    # the summary's name for `elapsed_s()`: sim_seconds, replay_seconds or seconds
    elapsed_key: str

    @property
    def notes(self) -> list[str]:
        """Said once at start: how symbols were chosen, what was restored."""
        ...

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols the engine trades, in the order it was given them."""
        ...

    def subscribe(self, listener: Callable[[Event], None]) -> None: ...

    def execute(self, command: Command) -> CommandResult: ...

    def snapshot(self, depth: int = 20) -> Snapshot: ...

    def summary(self) -> dict[str, object]:
        """The run's totals (entries, exits by reason, trades, pnl, open positions …)."""
        ...

    def now_ms(self) -> int:
        """The engine's clock: the market's own in a simulation or replay."""
        ...

    def elapsed_s(self) -> float: ...

    def start(self) -> None: ...

    async def run(self, duration_s: float | None = None) -> None: ...

    def stop(self) -> None: ...


class StartError(Exception):
    """A session that cannot start (an exchange unreachable or refusing us, a journal
    holding positions this start cannot manage, a symbol the market does not list):
    str() is one line for the user."""


class AttachedSession(EngineSession, Protocol):
    """A session whose engine runs in another process: the link to it can be lost,
    and the engine started again from the console."""

    @property
    def link_problem(self) -> str | None:
        """Why the engine cannot be reached now, or None while it answers."""
        ...

    @property
    def other_consoles(self) -> int:
        """Consoles attached to the engine besides this one, as last heard."""
        ...

    @property
    def restart_command(self) -> str:
        """The command line `restart_engine` runs, to show before it does."""
        ...

    async def restart_engine(self) -> str | None:
        """Start the engine again and attach: None once attached, else why not."""
        ...
