"""engine.log and headless output read in event order: every event line is stamped
with the engine's clock when the engine emitted it, never with the event's own time
(a fill carries its book's time, which can be older than the line before it)."""

from __future__ import annotations

import asyncio
import io
import re

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import FillEvent
from scalp_tui.headless import HeadlessLogger
from scalp_tui.runtime.session import Session
from scalp_tui.service.deferred import AfterStep
from scalp_tui.service.run import EventPrinter, log_events

STAMP = re.compile(r"^(\d\d:\d\d:\d\d\.\d\d\d) ")


def trading_session() -> Session:
    settings = load_config(
        None, overrides={"mode": "auto", "short_scalp_min_volume": 1.0}, env={}
    ).settings
    return Session.simulated(settings, seed=3, speed=0)


def stamps(text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := STAMP.match(line))]


def test_engine_log_and_headless_lines_never_run_backwards() -> None:
    session = trading_session()
    engine_log, headless = io.StringIO(), io.StringIO()
    older_books: list[FillEvent] = []
    printer = AfterStep(EventPrinter(engine_log))
    log_events(session, printer)
    logger = HeadlessLogger(accept=False, out=headless)
    logger.attach(session)

    def note_old_books(event: object) -> None:
        if isinstance(event, FillEvent) and event.ts_ms < session.now_ms():
            older_books.append(event)

    session.subscribe(note_old_books)
    session.start()
    asyncio.run(session.run(900))
    printer.flush()
    # the run holds the case that ran backwards: a fill on a book older than the clock
    assert older_books, "no fill on an older book: the run does not test the order"
    for text in (engine_log.getvalue(), headless.getvalue()):
        times = stamps(text)
        assert len(times) > 20 and times == sorted(times)
        fill = next(
            line
            for line in text.splitlines()
            if f"order {older_books[0].order_id} " in line and "fill" in line
        )
        assert "(book time " in fill
