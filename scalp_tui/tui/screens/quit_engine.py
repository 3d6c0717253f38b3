"""Quitting a console attached to an engine in another process.

`QuitEngineScreen`: the engine was started by a plain `scalp-tui` and this console is
the last one attached, with positions open: stop the engine too, leave it running, or
stay. `LeaveEngineScreen`: the engine stays whatever this console does (started by
`scalp-tui engine`): quit this console or stay. Both are redrawn from the engine's
snapshots as they arrive (20 a second), so a position closed meanwhile, or another
console attaching, shows at once.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding

from scalp_tui.engine.protocol import PositionView
from scalp_tui.tui.screens.quit import LiveQuestion, fate_when_stopped, positions_title

STOP = "stop"
LEAVE = "leave"
SNAPSHOT_HZ = 20  # the engine pushes its snapshot every 50 ms
KEEPS_MANAGING = (
    "keeps managing them (timeouts, exits, kill switch); scalp-tui or scalp-tui "
    "attach opens a console on it again, scalp-tui kill flattens everything from any shell."
)

# with nothing open the engine still watches the market (and enters, in auto mode)
RUNS_ON = "keeps watching the market; scalp-tui or scalp-tui attach opens a console on it again."


def consoles_text(others: int) -> str:
    return f"{others} other console{'s' if others > 1 else ''} attached"


def stop_question(positions: tuple[PositionView, ...], others: int) -> tuple[str, Text]:
    """Stop the engine or leave it running: what each does to the open positions."""
    detail = Text()
    detail.append("Leave it running (l): ", style="bold")
    detail.append(f"it {KEEPS_MANAGING}" if positions else f"it {RUNS_ON}")
    detail.append("\n")
    detail.append("Stop it (s): ", style="bold")
    if positions:
        detail.append("\n")
        detail.append_text(fate_when_stopped(positions, journaled=True))
    else:
        detail.append("nothing is left open.")
    if others:
        detail.append(f"\n{consoles_text(others)}: stopping the engine leaves ")
        detail.append("them" if others > 1 else "it")
        detail.append(" showing ENGINE LOST.")
    return f"{positions_title(positions)} Stop the engine too?", detail


def leave_question(positions: tuple[PositionView, ...], others: int) -> tuple[str, Text]:
    """Quit this console: the engine runs on either way."""
    detail = Text("The engine keeps running")
    detail.append(f" and {KEEPS_MANAGING}" if positions else f": nothing is open; it {RUNS_ON}")
    if others:
        detail.append(f"\n{consoles_text(others)}.")
    return f"{positions_title(positions)} Quit this console?", detail


class QuitEngineScreen(LiveQuestion[str | None]):
    """Dismissed with STOP, LEAVE, or None (stay in the console)."""

    REFRESH_HZ = SNAPSHOT_HZ
    BINDINGS = [
        Binding("s", f"answer('{STOP}')", "Stop the engine and quit"),
        Binding("l", f"answer('{LEAVE}')", "Leave the engine running and quit"),
        Binding("n,escape", "answer(None)", "Stay"),
    ]
    KEYS = "[b]l[/b] leave running    [b]s[/b] stop engine    [b]n[/b]/Esc stay"

    def __init__(
        self, positions: Callable[[], tuple[PositionView, ...]], others: Callable[[], int]
    ) -> None:
        super().__init__()
        self.positions = positions
        self.others = others

    def question(self) -> tuple[str, Text]:
        return stop_question(self.positions(), self.others())


class LeaveEngineScreen(LiveQuestion[bool]):
    """Dismisses True to quit this console (the engine runs on)."""

    REFRESH_HZ = SNAPSHOT_HZ
    BINDINGS = [
        Binding("y", "answer(True)", "Quit this console"),
        Binding("n,escape", "answer(False)", "Stay"),
    ]
    KEYS = "[b]y[/b] quit console    [b]n[/b]/Esc stay"

    def __init__(
        self, positions: Callable[[], tuple[PositionView, ...]], others: Callable[[], int]
    ) -> None:
        super().__init__()
        self.positions = positions
        self.others = others

    def question(self) -> tuple[str, Text]:
        return leave_question(self.positions(), self.others())
