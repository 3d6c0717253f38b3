"""The log pane: engine events become lines, drawn in batches on a timer.

A render-only widget over a bounded deque: appending lines repaints the pane but
never changes its size, so no screen-wide layout pass runs per batch (a growing
scroll view triggers one, ~20-40 ms at 160x48). Scroll back with the mouse wheel
or PageUp/PageDown when the pane has focus; End returns to the newest line.
"""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.binding import Binding
from textual.events import MouseScrollDown, MouseScrollUp
from textual.widget import Widget

from scalp_tui.engine.protocol import Event
from scalp_tui.eventlog import event_kind, format_event
from scalp_tui.tui.widgets.still import Still

MAX_LINES = 2_000
KIND_STYLE = {
    "entry": "cyan",
    "exit": "magenta",
    "order": "",
    "proposal": "yellow",
    "error": "bold red",
    "warning": "bold yellow",
    "kill": "bold white on #8b0000",
    "info": "dim",
}


class EventLog(Still, Widget, can_focus=True):
    BINDINGS = [
        Binding("pageup", "scroll_back", "Older", show=False),
        Binding("pagedown", "scroll_forward", "Newer", show=False),
        Binding("end", "scroll_newest", "Newest", show=False),
        Binding("up", "scroll_line(1)", "Older line", show=False),
        Binding("down", "scroll_line(-1)", "Newer line", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.lines: deque[tuple[str, str]] = deque(maxlen=MAX_LINES)  # (text, style)
        # appended from the engine's thread when it runs on its own: a deque's
        # append and popleft are atomic, so no line is lost between the two threads
        self._pending: deque[tuple[str, str]] = deque()
        self._back = 0  # lines scrolled back from the newest

    def add_event(self, event: Event, at_ms: int | None = None) -> bool:
        """Queue the event's line; False when it has none."""
        line = format_event(event, at_ms)
        if line is None:
            return False
        self._pending.append((line, KIND_STYLE.get(event_kind(event), "")))
        return True

    def add_line(self, line: str, style: str = "bold") -> None:
        self._pending.append((line, style))

    def flush(self) -> None:
        taken = 0
        while self._pending:
            self.lines.append(self._pending.popleft())
            taken += 1
        if taken:
            if self._back:
                self._back += taken  # keep the view where the user left it
            self.refresh()

    def text(self) -> str:
        """Everything logged, oldest first (pending lines included)."""
        self.flush()
        return "\n".join(line for line, _ in self.lines)

    def render(self) -> Text:
        height = max(1, self.size.height)
        back = min(self._back, max(0, len(self.lines) - height))
        end = len(self.lines) - back
        visible = list(self.lines)[max(0, end - height) : end]
        width = max(1, self.size.width)
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, (line, style) in enumerate(visible):
            if i:
                out.append("\n")
            # crop here: one event is one row, never wrapped into the next
            out.append(line if len(line) <= width else line[: width - 1] + "…", style=style)
        return out

    def _scroll(self, lines: int) -> None:
        self._back = max(0, min(self._back + lines, len(self.lines) - 1))
        self.refresh()

    def action_scroll_back(self) -> None:
        self._scroll(max(1, self.size.height - 1))

    def action_scroll_forward(self) -> None:
        self._scroll(-max(1, self.size.height - 1))

    def action_scroll_line(self, lines: int) -> None:
        self._scroll(lines)

    def action_scroll_newest(self) -> None:
        self._scroll(-self._back)

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        self._scroll(3)

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        self._scroll(-3)
