"""`scalp-tui status` and `scalp-tui kill`: one-shot clients of the running engine."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from scalp_tui.engine.protocol import CommandAnswered, EngageKillSwitch, Snapshot
from scalp_tui.engine.protocol.wire import (
    EventFrame,
    SnapshotFrame,
    Welcome,
    read_event,
    read_snapshot,
)
from scalp_tui.service.client import Connection, ServiceError, connect

FIRST_SNAPSHOT_TIMEOUT_S = 5.0
EXIT_NOT_FLAT = 3  # as headless --flatten-on-exit: the kill switch could not get flat in time


async def _next_snapshot(conn: Connection, timeout_s: float) -> Snapshot:
    return read_snapshot(await _next_snapshot_frame(conn, timeout_s))


async def _next_snapshot_frame(conn: Connection, timeout_s: float) -> SnapshotFrame:
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ServiceError(f"the engine sent no state within {timeout_s:g} s")
        try:
            frame = await asyncio.wait_for(conn.read(), left)
        except TimeoutError:
            continue
        except (asyncio.IncompleteReadError, ConnectionError):
            raise ServiceError("the engine closed the connection") from None
        if isinstance(frame, SnapshotFrame):
            return frame


async def read_status(path: Path | int, token: str = "") -> dict[str, Any]:
    """The running engine's state as `status --json` prints it. Raises ServiceError."""
    conn = await connect(path, "status", events=False, token=token)
    try:
        frame = await _next_snapshot_frame(conn, FIRST_SNAPSHOT_TIMEOUT_S)
    finally:
        await conn.close()
    return status_of(conn.welcome, read_snapshot(frame), frame.consoles)


def status_of(welcome: Welcome, snap: Snapshot, consoles: int = 0) -> dict[str, Any]:
    positions = [
        {
            "id": p.id,
            "symbol": p.symbol,
            "broker": p.broker,
            "state": p.state.value,
            "qty": p.qty,
            "entry_price": p.entry_price,
            "pnl": p.pnl,
            "profit_ratio": p.profit_ratio,
            "timeout_in_s": None if p.timeout_ms is None else (p.timeout_ms - snap.ts_ms) / 1000,
            "exchange_stop_price": p.exchange_stop_price,
        }
        for p in snap.positions
    ]
    return {
        "pid": welcome.pid,
        "exchange": welcome.exchange,
        "new_entries_to": snap.broker,  # paper or live
        "live_orders_allowed": welcome.live_orders,
        "mode": snap.mode.value,
        "entries_enabled": snap.entries_enabled,
        "kill_switch": "engaged" if snap.killed else "off",
        "feed": {
            "state": snap.feed.state.value,
            "detail": snap.feed.detail,
            "msgs_per_s": snap.feed.msgs_per_s,
            "resyncs": snap.feed.resyncs,
        },
        "symbols": list(welcome.symbols),
        "positions": positions,
        "pnl_today": snap.realised_pnl_today,
        "fees_today": snap.fees_today,
        "max_daily_loss": welcome.max_daily_loss,
        "loss_limit_reached": snap.realised_pnl_today <= -welcome.max_daily_loss,
        "alerts": list(snap.alerts),
        "engine_time_ms": snap.ts_ms,
        "consoles": consoles,
    }


def status_text(status: dict[str, Any]) -> str:
    feed = status["feed"]
    live_note = " (started --live)" if status["live_orders_allowed"] else ""
    entries = "on" if status["entries_enabled"] else "paused"
    feed_detail = f" ({feed['detail']})" if feed["detail"] else ""
    reached = ": REACHED, entries blocked" if status["loss_limit_reached"] else ""
    lines = [
        f"engine pid {status['pid']} on {status['exchange']}: new entries "
        f"{status['new_entries_to']}{live_note}, mode {status['mode']}, entries {entries}, "
        f"kill switch {status['kill_switch'].upper()}",
        f"feed {feed['state']}{feed_detail}, {feed['msgs_per_s']:.0f} msgs/s, "
        f"{len(status['symbols'])} symbols, {status['consoles']} "
        f"console{'' if status['consoles'] == 1 else 's'} attached",
        f"pnl today {status['pnl_today']:+.4f} (fees {status['fees_today']:.4f}), "
        f"loss limit -{status['max_daily_loss']:g}{reached}",
    ]
    if not status["positions"]:
        lines.append("no open positions")
    for p in status["positions"]:
        left = p["timeout_in_s"]
        countdown = "-" if left is None else f"{max(left, 0) // 60:.0f}:{max(left, 0) % 60:02.0f}"
        pnl = "-" if p["pnl"] is None else f"{p['pnl']:+.4f}"
        lines.append(
            f"#{p['id']} {p['symbol']} short {p['qty']:g} @ {p['entry_price']:g} "
            f"({p['broker']}, {p['state']}) pnl {pnl}, timeout in {countdown}"
        )
    lines += [f"alert: {alert}" for alert in status["alerts"]]
    return "\n".join(lines)


async def kill(path: Path | int, wait_s: float, say: Any, token: str = "") -> int:
    """Engage the running engine's kill switch; with `wait_s`, wait that long for it
    to be flat. The exit code: 0 flat (or not waiting), EXIT_NOT_FLAT otherwise.
    Raises ServiceError."""
    conn = await connect(path, "kill", token=token)
    try:
        conn.send(EngageKillSwitch("scalp-tui kill"))
        answer = await _answer(conn, FIRST_SNAPSHOT_TIMEOUT_S)
        say(f"kill switch: {answer.message or ('engaged' if answer.ok else 'refused')}")
        if wait_s <= 0:
            return 0
        deadline = time.monotonic() + wait_s
        snapshot = await _next_snapshot(conn, FIRST_SNAPSHOT_TIMEOUT_S)
        while snapshot.positions and time.monotonic() < deadline:
            snapshot = await _next_snapshot(conn, FIRST_SNAPSHOT_TIMEOUT_S)
    finally:
        await conn.close()
    if not snapshot.positions:
        say("flat: no open positions")
        return 0
    still = ", ".join(f"#{p.id} {p.symbol} ({p.state.value})" for p in snapshot.positions)
    say(
        f"not flat after {wait_s:g} s, still open: {still}; the kill switch stays engaged "
        "and keeps retrying"
    )
    return EXIT_NOT_FLAT


async def _answer(conn: Connection, timeout_s: float) -> CommandAnswered:
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = await asyncio.wait_for(conn.read(), left)
        except TimeoutError:
            break
        except (asyncio.IncompleteReadError, ConnectionError):
            raise ServiceError("the engine closed the connection") from None
        if isinstance(frame, EventFrame) and frame.name == "CommandAnswered":
            event = read_event(frame)
            if isinstance(event, CommandAnswered) and event.origin == conn.welcome.you:
                return event
    raise ServiceError(f"the engine did not answer the kill switch within {timeout_s:g} s")
