"""One log line per key, in an in-process console and in an attached one: the keys
pressed, and what the one line each writes says."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

STAMP = re.compile(r"^(\d\d:\d\d:\d\d\.\d\d\d) ")
# key, what its line says (a proposal's id is filled in as it is made)
SIMPLE_KEYS = (
    ("a", "mode -> auto"),
    ("a", "mode -> confirm"),
    ("space", "entries -> paused"),
    ("space", "entries -> enabled"),
    ("p", "REFUSED  live trading refused"),  # the simulated market has no exchange
    ("s", "(manual): short"),
    ("n", "rejected"),
    ("s", "(manual): short"),
)
# keys the console answers itself, sending nothing to the engine
SENDS_NOTHING = {"p"}
# what a console says of a command beside the engine's own line: never for a key
# whose command the engine answered with a line of its own
ECHOES = ("sent to the engine", " from console", "OK ")


# an attached console's notices about its link (a loaded machine can starve the
# engine past the silence that counts as lost): not lines of a key
LINK_NOTICES = ("engine lost: ", "engine answering again")


def log_lines(app: Any) -> list[str]:
    lines = app.log_pane.text().splitlines()
    return [line for line in lines if not line.startswith(LINK_NOTICES)]


async def check_one_line_per_key(app: Any, press: Callable[[str], Awaitable[None]]) -> None:
    """`press(key)` presses it and returns once everything the key causes has been
    received."""
    for key, says in SIMPLE_KEYS:
        before = len(log_lines(app))
        await press(key)
        new = log_lines(app)[before:]
        assert len(new) == 1 and says in new[0], (key, new)
    # accepting: one line for the answer; the entry, its order and fills follow as
    # the engine's own events, never echoed
    before = len(log_lines(app))
    await press("y")
    new = log_lines(app)[before:]
    assert sum(" accepted" in line for line in new) == 1, new
    assert not [line for line in new if any(echo in line for echo in ECHOES)], new
    before = len(log_lines(app))
    await press("ctrl+k")
    new = log_lines(app)[before:]
    # once flat the kill switch says so in a line of its own: progress, not an echo
    assert sum("kill switch ENGAGED: engaged by" in line for line in new) == 1, new
    assert not [line for line in new if any(echo in line for echo in ECHOES)], new
    stamps = [m.group(1) for line in log_lines(app) if (m := STAMP.match(line))]
    assert stamps == sorted(stamps)
