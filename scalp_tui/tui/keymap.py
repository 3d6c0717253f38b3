"""Every console action in one registry: its id, default key and description.

Ids are stable so users can rebind keys from configuration (`keys` in the config
file maps an action id to a key); the footer, the help screen and the command
palette all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    key: str
    action: str
    description: str
    priority: bool = False
    show: bool = True


ACTIONS: tuple[Action, ...] = (
    Action("kill", "ctrl+k", "kill", "Kill switch", priority=True),
    # y/n answer the highlighted proposal in the proposal pane (by its id)
    Action("accept", "y", "answer_proposal(True)", "Accept"),
    Action("reject", "n", "answer_proposal(False)", "Reject"),
    # a short on the focused symbol now: a proposal (tagged manual) to accept with y
    Action("manual_entry", "s", "manual_entry", "Short now"),
    Action("reset_kill", "ctrl+r", "reset_kill", "Reset kill"),
    Action("toggle_paper", "p", "toggle_paper", "Paper/Live"),
    Action("toggle_mode", "a", "toggle_mode", "Auto/Confirm"),
    Action("close_position", "x", "close_position", "Close pos."),
    Action("pause", "space", "pause", "Pause entries"),
    # the selected position's exit prices, `level_step_ticks` ticks a press: +/- raise or
    # lower its target, >/< its stop (refused where it would trigger at once)
    Action("target_up", "plus,equals_sign", "move_level('target', 1)", "Target +", show=False),
    Action("target_down", "minus", "move_level('target', -1)", "Target -", show=False),
    Action("stop_up", "greater_than_sign", "move_level('stop', 1)", "Stop +", show=False),
    Action("stop_down", "less_than_sign", "move_level('stop', -1)", "Stop -", show=False),
    # Priority: tab would otherwise move widget focus before the app saw it.
    Action("next_symbol", "tab,]", "next_symbol", "Next symbol", priority=True),
    Action(
        "previous_symbol",
        "shift+tab,[",
        "previous_symbol",
        "Prev symbol",
        priority=True,
        show=False,
    ),
    Action("charts", "g", "charts", "Charts"),
    Action("toggle_watchlist", "w", "toggle_watchlist", "Watchlist", show=False),
    # 1-5 focus a pane (its border lights up); the focused one scrolls with the keys
    Action("focus_ladder", "1", "focus_pane('ladder')", "Focus book", show=False),
    Action("focus_watchlist", "2", "focus_pane('watchlist')", "Focus watchlist", show=False),
    Action("focus_signal", "3", "focus_pane('signal')", "Focus signal", show=False),
    Action("focus_positions", "4", "focus_pane('positions')", "Focus positions", show=False),
    Action("focus_log", "5", "focus_pane('log')", "Focus log", show=False),
    Action("help", "question_mark", "help", "Help"),
    Action("quit", "q", "quit_console", "Quit"),
)


# Textual's names of the keys that are symbols, as the help and the palette show them
KEY_SYMBOLS = {
    "question_mark": "?",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "greater_than_sign": ">",
    "less_than_sign": "<",
}


def key_label(keys: str) -> str:
    return ",".join(KEY_SYMBOLS.get(key, key) for key in keys.split(","))


def bindings() -> list[Binding]:
    return [
        Binding(a.key, a.action, a.description, show=a.show, priority=a.priority, id=a.id)
        for a in ACTIONS
    ]


def unknown_actions(keymap: dict[str, str]) -> list[str]:
    known = {a.id for a in ACTIONS}
    return sorted(k for k in keymap if k not in known)


def action_ids() -> list[str]:
    return [a.id for a in ACTIONS]
