"""One readable line per engine event, shared by the headless logger, engine.log and
the console.

One clock per source of lines, so a log reads in the order things happened:
- an engine event's line is stamped with the engine's clock at the moment the engine
  emitted it (the market's clock on the simulated market or a replay, the wall clock
  on an exchange), never with the event's own time: a fill carries its book's time,
  which can be older than the exit line before it, and names it instead;
- a console's own line (a key refused, a command not sent) is stamped with the
  engine's clock as the console last heard it, which is never earlier than the last
  event line it shows.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scalp_tui.engine.protocol import (
    MANUAL_TAG,
    CandleClosed,
    CommandAnswered,
    EntrySubmitted,
    ErrorEvent,
    Event,
    ExitLevelMoved,
    ExitTriggered,
    FeedChanged,
    FeedState,
    FillEvent,
    FundingApplied,
    KillSwitchChanged,
    ModeChanged,
    OrderStatus,
    OrderUpdated,
    PositionClosed,
    PositionOpened,
    PositionRestored,
    ProposalCreated,
    ProposalResolved,
    StopPlaced,
)

# an order's routine steps: fills and position events say them better
QUIET_ORDER_STATES = frozenset(
    {
        OrderStatus.SUBMITTING,
        OrderStatus.IN_FLIGHT,
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    }
)


# what each feed state means for the trader, in plain words
FEED_WORDS = {
    FeedState.CONNECTING: "market data: connecting",
    FeedState.LIVE: "market data: live",
    FeedState.RESYNCING: "market data: order book out of step, fetching a fresh copy",
    FeedState.STALE: "market data STALLED: no new book, entries held",
    FeedState.DOWN: "market data LOST: reconnecting; entries held",
}
DETAIL_CHARS = 90


def clock_text(ts_ms: int) -> str:
    """HH:MM:SS.mmm in UTC."""
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%H:%M:%S.%f")[:-3]


def _num(value: float | None, digits: int = 6) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def event_kind(event: Event) -> str:
    """A short category used for colouring and filtering: entry, exit, order, ..."""
    match event:
        case EntrySubmitted() | PositionOpened() | PositionRestored():
            return "entry"
        case ExitTriggered() | PositionClosed():
            return "exit"
        case OrderUpdated() | FillEvent() | StopPlaced():
            return "order"
        case ProposalCreated() | ProposalResolved():
            return "proposal"
        case ErrorEvent():
            return "error"
        case KillSwitchChanged():
            return "kill"
        case FeedChanged(status=s) if s.state in (FeedState.DOWN, FeedState.STALE):
            return "warning"
        case CommandAnswered(ok=False):
            return "error"
        case _:
            return "info"


def format_event(event: Event, at_ms: int | None = None) -> str | None:
    """The log line for `event`, or None for events too frequent to log.

    `at_ms`: stamp the line with this time (the engine's clock when it was emitted)
    instead of the event's own, so a log reads in the order things happened; a fill
    carries the book's time, which can be earlier than the accept that led to it, and
    then says it."""
    text = _describe(event)
    if text is None:
        return None
    stamp = event.ts_ms if at_ms is None else at_ms
    if isinstance(event, FillEvent) and stamp != event.ts_ms:
        text += f" (book time {clock_text(event.ts_ms)})"
    return f"{clock_text(stamp)} {event_kind(event).upper():<8} {text}"


def has_line(event: Event) -> bool:
    """The event is logged (frequent and routine ones are not)."""
    return _describe(event) is not None


def _describe(event: Event) -> str | None:
    match event:
        case StopPlaced(position_id=pid, symbol=symbol, order=o, replaces=old):
            moved = f", replacing order {old}" if old is not None else ""
            return (
                f"{symbol} #{pid} exchange-side stop: buy {o.qty:g} reduce-only if the price "
                f"reaches {_num(o.price)} (order {o.id}{moved})"
            )
        case EntrySubmitted(position=p, order=o, mode=mode):
            how = "manual" if p.enter_tag == MANUAL_TAG else mode.value
            return f"{p.symbol} short #{p.id} {o.type.value} sell {o.qty:g} ({how}, {p.broker})"
        case PositionOpened(position=p):
            return f"{p.symbol} short #{p.id} open {p.qty:g} @ {p.entry_price:g}"
        case PositionRestored(position=p, detail=detail):
            return (
                f"{p.symbol} short #{p.id} restored {p.state.value} {p.qty:g} @ "
                f"{p.entry_price:g} ({p.broker}; {detail})"
            )
        case ExitTriggered(position_id=pid, symbol=symbol, reason=reason, profit_ratio=ratio):
            ratio_text = "-" if ratio is None else f"{ratio:+.4f}"
            return f"{symbol} #{pid} exit {reason.value} (profit_ratio {ratio_text})"
        case PositionClosed(position=p):
            reason = p.exit_reason.value if p.exit_reason else "closed"
            return (
                f"{p.symbol} #{p.id} closed {reason}: {p.qty:g} @ {_num(p.entry_price)} -> "
                f"{_num(p.exit_price)} pnl {p.realised_pnl or 0.0:+.4f} fees {p.fees:.4f}"
            )
        case OrderUpdated(order=o):
            if o.status in QUIET_ORDER_STATES:
                return None
            why = f": {o.reason}" if o.reason else ""
            return (
                f"{o.symbol} order {o.id} {o.purpose} {o.side.value} {o.qty:g} "
                f"{o.status.value}{why} (filled {o.filled:g})"
            )
        case FillEvent():
            return (
                f"{event.symbol} fill order {event.order_id} {event.side.value} "
                f"{event.qty:g} @ {event.price:g} fee {event.fee:.4f} {event.liquidity}"
            )
        case ProposalCreated(proposal=p):
            manual = " (manual)" if p.enter_tag == MANUAL_TAG else ""
            return f"{p.symbol} proposal #{p.id}{manual}: short {p.qty:g} @ {p.price:g}"
        case ProposalResolved():
            detail = f" ({event.detail})" if event.detail else ""
            return f"{event.symbol} proposal #{event.proposal_id} {event.outcome}{detail}"
        case ModeChanged(what=what, value=value):
            return f"{what} -> {value}"
        case KillSwitchChanged(engaged=engaged, still_open=still_open, detail=detail):
            state = "ENGAGED" if engaged else "reset"
            open_text = f"; still open: {list(still_open)}" if still_open else ""
            return f"kill switch {state}: {detail}{open_text}"
        case FeedChanged(status=s):
            where = f"{s.symbol} " if s.symbol else ""
            detail = s.detail.splitlines()[0] if s.detail else ""
            if len(detail) > DETAIL_CHARS:  # a raw client error can run for lines
                detail = detail[: DETAIL_CHARS - 1] + "…"
            return f"{where}{FEED_WORDS[s.state]}" + (f" ({detail})" if detail else "")
        case ExitLevelMoved(position_id=pid, symbol=symbol, level=level, price=price):
            ticks = f"{event.ticks:+d} tick{'s' if abs(event.ticks) != 1 else ''}"
            return (
                f"{symbol} #{pid} {level} moved {_num(event.previous, 8)} -> "
                f"{_num(price, 8)} ({ticks}, by the trader)"
            )
        case FundingApplied(position_id=pid, symbol=symbol, amount=amount, total=total):
            what = "paid" if amount >= 0 else "received"
            return f"{symbol} #{pid} funding {what} {abs(amount):.6g} (total {total:+.6g}, in pnl)"
        case ErrorEvent(message=message, symbol=symbol):
            return f"{symbol + ' ' if symbol else ''}{message}"
        case CommandAnswered(ok=True, said=True):
            return None  # the command's own events are its lines
        case CommandAnswered(command=command, ok=ok, message=message, origin=origin):
            outcome = "done" if ok else "REFUSED"
            return f"{command} from {origin or 'a client'} {outcome}: {message or '-'}"
        case CandleClosed():
            return None
    return None
