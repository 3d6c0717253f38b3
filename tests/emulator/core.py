"""A venue-neutral exchange core for the emulators: instruments, books, matching,
positions, a quote wallet with fees and realised PnL, reduce-only and stop orders.

No wire format lives here: a venue module (okx.py, a Bybit or Binance one) turns HTTP
and WebSocket requests into calls on `ExchangeCore`, maps `Rejected.reason` to its own
error codes, and pushes what `take_events()` returns in its own frames. Faults that do
not depend on the wire are in core_faults.py.

Units: every quantity is in **contracts**; base quantity = contracts x contract_size.
Prices are in the quote currency. Sides are "buy"/"sell", order kinds "market"/"limit".

API (synchronous; nothing here awaits):
- `Instrument(symbol, base, quote, contract_size, tick, lot, min_size)`; `symbol` is the
  venue's own id (e.g. "BTC-USDT-SWAP").
- `ExchangeCore(instruments, *, wallet=10_000.0, taker_fee=0.0004, maker_fee=0.0001,
  leverage=3)`: the fee rates are deliberately not 0.0005, so a client that reads the
  actual fee is distinguishable from one that assumes its configured rate.
- Book: `seed_book(symbol, bids, asks)`, `book(symbol, depth) -> (bids desc, asks asc)`
  as [(price, contracts)], `apply_levels(symbol, bids, asks) -> (bids_diff, asks_diff)`
  (qty 0 removes a level; resting limits the new book reaches fill at their own price,
  maker, and the liquidity they took is part of the returned diff), `books[symbol].seq`
  (bumped by 1 per change, for venues with sequence numbers).
- Trades: `record_trade(symbol, price)` moves the last price (stops watch it) and fires
  due stops; own fills move it too.
- Orders: `place(symbol, side, kind, qty, price=None, client_id=None, reduce_only=False,
  fill_cap=None) -> Order` matches at once (market and marketable limits are taker, a
  limit's rest rests; a market order's unfilled rest is "expired"); `fill_cap` limits
  what fills at entry (a partial fill fault). Raises `Rejected(reason)` with reasons
  UNKNOWN_SYMBOL, DUPLICATE_CLIENT_ID, BAD_SIZE, REDUCE_ONLY_NO_POSITION (nothing held),
  REDUCE_ONLY_SAME_SIDE (it would grow the position), INSUFFICIENT_MARGIN.
  A reduce-only order larger than the position is cut to the position.
  `cancel(order)`, `find(order_id=None, client_id=None)`, `open_orders(symbol=None)`,
  `orders` (id -> Order). Statuses: live, partially_filled, filled, canceled, expired.
- Stops: `place_stop(symbol, side, qty, trigger, client_id=None, reduce_only=True)
  -> Stop` (a stop-market: a buy stop fires when the last price >= trigger, a sell stop
  when <= trigger; raises Rejected(WOULD_TRIGGER) if already due), `cancel_stop(stop)`,
  `find_stop(stop_id=None, client_id=None)`, `open_stops(symbol=None)`. Firing places a
  reduce-only market order (client id = the stop's) and the stop becomes "effective"
  (its `order_id` names the order), or "failed" if there is nothing left to reduce.
  Statuses: live, effective, canceled, failed.
- Account: `position(symbol) -> Position(contracts signed, entry)`, `wallet` (quote
  balance: every fill pays its fee, every reducing fill settles its realised PnL:
  short closed = (entry - exit) x contracts x contract_size), `fills` (list of `Fill`),
  `leverage[symbol]`, `margin_mode[symbol]`.
- Events: `take_events()` returns and clears what changed since the last call, in order:
  ("order", Order), ("stop", Stop) (copies as they were at that moment: one per
  change, an order's `last_fill` is the fill of that change), ("position", symbol).
  A venue pushes them.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from emulator.core_records import (
    BAD_SIZE,
    DUPLICATE_CLIENT_ID,
    EPS,
    INSUFFICIENT_MARGIN,
    REDUCE_ONLY_NO_POSITION,
    REDUCE_ONLY_SAME_SIDE,
    UNKNOWN_SYMBOL,
    WORKING,
    WOULD_TRIGGER,
    Book,
    Fill,
    Instrument,
    Order,
    Position,
    Rejected,
    Stop,
    now_ms,
)

__all__ = [
    "BAD_SIZE",
    "DUPLICATE_CLIENT_ID",
    "EPS",
    "INSUFFICIENT_MARGIN",
    "REDUCE_ONLY_NO_POSITION",
    "REDUCE_ONLY_SAME_SIDE",
    "UNKNOWN_SYMBOL",
    "WORKING",
    "WOULD_TRIGGER",
    "Book",
    "ExchangeCore",
    "Fill",
    "Instrument",
    "Order",
    "Position",
    "Rejected",
    "Stop",
    "now_ms",
]


class ExchangeCore:
    """The matching engine and the account of one user. See the module docstring."""

    def __init__(
        self,
        instruments: list[Instrument],
        *,
        wallet: float = 10_000.0,
        taker_fee: float = 0.0004,
        maker_fee: float = 0.0001,
        leverage: int = 3,
    ) -> None:
        self.instruments = {i.symbol: i for i in instruments}
        self.books = {i.symbol: Book() for i in instruments}
        self.wallet = wallet
        self.taker_fee = taker_fee
        self.maker_fee = maker_fee
        self.leverage = {i.symbol: leverage for i in instruments}
        self.margin_mode = {i.symbol: "cross" for i in instruments}
        self.positions: dict[str, Position] = {}
        self.last_price: dict[str, float] = {}
        self.orders: dict[int, Order] = {}
        self.stops: dict[int, Stop] = {}
        self.fills: list[Fill] = []
        self.stops_triggered = 0
        self.orders_filled = 0
        self.partial_fills = 0
        self._client_ids: dict[str, int] = {}
        self._stop_client_ids: dict[str, int] = {}
        self._ids = itertools.count(600_000_000_000_000_001)
        self._trade_ids = itertools.count(1)
        self._events: list[tuple[str, Any]] = []

    # -- events --------------------------------------------------------------------

    def take_events(self) -> list[tuple[str, Any]]:
        events, self._events = self._events, []
        return events

    def _emit(self, kind: str, item: Any) -> None:
        # a copy: the pushes report the state at this moment, not the final one
        self._events.append((kind, copy.copy(item)))

    # -- the book ------------------------------------------------------------------

    def instrument(self, symbol: str) -> Instrument:
        if symbol not in self.instruments:
            raise Rejected(UNKNOWN_SYMBOL, symbol)
        return self.instruments[symbol]

    def seed_book(self, symbol: str, bids: list, asks: list) -> None:
        book = self.books[symbol]
        book.bids = {float(p): float(q) for p, q in bids if q > 0}
        book.asks = {float(p): float(q) for p, q in asks if q > 0}
        book.seq += 1

    def book(self, symbol: str, depth: int = 1000) -> tuple[list, list]:
        book = self.books[symbol]
        return (
            sorted(book.bids.items(), reverse=True)[:depth],
            sorted(book.asks.items())[:depth],
        )

    def apply_levels(self, symbol: str, bids: list, asks: list) -> tuple[dict, dict]:
        """Change the book, fill resting limits it reaches; returns the level diff."""
        book = self.books[symbol]
        for side, levels in ((book.bids, bids), (book.asks, asks)):
            for price, qty in levels:
                if qty > 0:
                    side[float(price)] = float(qty)
                else:
                    side.pop(float(price), None)
        taken_bids, taken_asks = self._match_resting(symbol)
        diff_bids = {float(p): float(q) for p, q in bids}
        diff_bids.update({p: book.bids.get(p, 0.0) for p in taken_bids})
        diff_asks = {float(p): float(q) for p, q in asks}
        diff_asks.update({p: book.asks.get(p, 0.0) for p in taken_asks})
        book.seq += 1
        self.fire_due_stops(symbol)
        return diff_bids, diff_asks

    def record_trade(self, symbol: str, price: float) -> None:
        self.last_price[symbol] = price
        self.fire_due_stops(symbol)

    # -- orders --------------------------------------------------------------------

    def place(
        self,
        symbol: str,
        side: str,
        kind: str,
        qty: float,
        price: float | None = None,
        client_id: str | None = None,
        reduce_only: bool = False,
        fill_cap: float | None = None,
        stop_id: int | None = None,
    ) -> Order:
        instrument = self.instrument(symbol)
        if client_id and client_id in self._client_ids and stop_id is None:
            raise Rejected(DUPLICATE_CLIENT_ID, client_id)
        steps = qty / instrument.lot
        if qty < instrument.min_size - EPS or abs(steps - round(steps)) > 1e-6:
            raise Rejected(BAD_SIZE, f"{qty} is not a multiple of {instrument.lot}")
        if reduce_only:
            reducible = self._reducible(symbol, side)
            if reducible <= EPS:
                held = self.position(symbol).contracts
                raise Rejected(REDUCE_ONLY_SAME_SIDE if held else REDUCE_ONLY_NO_POSITION)
            qty = min(qty, reducible)
        elif self._margin_needed(symbol, side, qty, price) > self.available() + EPS:
            raise Rejected(INSUFFICIENT_MARGIN)
        order_id = next(self._ids)
        order = Order(
            order_id,
            client_id or f"emu{order_id}",
            symbol,
            side,
            kind,
            qty,
            float(price or 0.0) if kind == "limit" else 0.0,
            reduce_only,
            stop_id=stop_id,
        )
        self.orders[order_id] = order
        self._client_ids.setdefault(order.client_id, order_id)
        cap = qty if fill_cap is None else min(qty, fill_cap)
        self._take(order, limit=order.price if kind == "limit" else None, cap=cap)
        if kind == "market" and order.status != "filled":
            order.status = "expired"  # the unfilled rest of a market order
        self._emit("order", order)
        if order.filled:
            self.fire_due_stops(symbol)
        return order

    def cancel(self, order: Order) -> Order:
        if not order.working:
            raise Rejected("not_working", order.status)
        order.status = "canceled"
        order.updated_ms = now_ms()
        order.last_fill = None
        self._emit("order", order)
        return order

    def find(self, order_id: int | str | None = None, client_id: str | None = None) -> Order | None:
        if order_id not in (None, ""):
            try:
                return self.orders.get(int(order_id))  # type: ignore[arg-type]
            except ValueError:
                return None
        found = self._client_ids.get(client_id or "")
        return self.orders.get(found) if found else None

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [
            o for o in self.orders.values() if o.working and (symbol is None or o.symbol == symbol)
        ]

    # -- stops ---------------------------------------------------------------------

    def place_stop(
        self,
        symbol: str,
        side: str,
        qty: float,
        trigger: float,
        client_id: str | None = None,
        reduce_only: bool = True,
    ) -> Stop:
        self.instrument(symbol)
        if client_id and client_id in self._stop_client_ids:
            raise Rejected(DUPLICATE_CLIENT_ID, client_id)
        stop_id = next(self._ids)
        client_id = client_id or f"emustop{stop_id}"
        stop = Stop(stop_id, client_id, symbol, side, qty, trigger, reduce_only)
        if self._due(stop):
            raise Rejected(WOULD_TRIGGER)
        self.stops[stop_id] = stop
        self._stop_client_ids[stop.client_id] = stop_id
        self._emit("stop", stop)
        return stop

    def cancel_stop(self, stop: Stop) -> Stop:
        if stop.status != "live":
            raise Rejected("not_working", stop.status)
        stop.status, stop.updated_ms = "canceled", now_ms()
        self._emit("stop", stop)
        return stop

    def find_stop(
        self, stop_id: int | str | None = None, client_id: str | None = None
    ) -> Stop | None:
        if stop_id not in (None, ""):
            try:
                return self.stops.get(int(stop_id))  # type: ignore[arg-type]
            except ValueError:
                return None
        found = self._stop_client_ids.get(client_id or "")
        return self.stops.get(found) if found else None

    def open_stops(self, symbol: str | None = None) -> list[Stop]:
        return [
            s
            for s in self.stops.values()
            if s.status == "live" and (symbol is None or s.symbol == symbol)
        ]

    def _due(self, stop: Stop) -> bool:
        last = self.last_price.get(stop.symbol)
        if last is None:
            return False
        return last >= stop.trigger if stop.side == "buy" else last <= stop.trigger

    def fire_due_stops(self, symbol: str) -> list[Stop]:
        """Fire every live stop of `symbol` that is due; a fired stop's fills move the
        last price, which may fire another, so loop until none is due."""
        fired: list[Stop] = []
        while True:
            due = next((s for s in self.open_stops(symbol) if self._due(s)), None)
            if due is None:
                return fired
            fired.append(due)
            self.stops_triggered += 1
            due.updated_ms = now_ms()
            qty = due.qty
            if due.reduce_only:
                qty = min(qty, self._reducible(symbol, due.side))
            if qty <= EPS:
                due.status = "failed"  # nothing left to reduce
                self._emit("stop", due)
                continue
            due.status = "effective"  # leaves "live" before the order moves the price
            order = self.place(
                symbol, due.side, "market", qty, None, due.client_id, due.reduce_only,
                stop_id=due.id,
            )  # fmt: skip
            due.order_id = order.id
            self._emit("stop", due)

    # -- account -------------------------------------------------------------------

    def position(self, symbol: str) -> Position:
        return self.positions.get(symbol, Position())

    def used_margin(self) -> float:
        return sum(
            abs(p.contracts) * self.instruments[s].contract_size * p.entry / self.leverage[s]
            for s, p in self.positions.items()
        )

    def available(self) -> float:
        return self.wallet - self.used_margin()

    def _reducible(self, symbol: str, side: str) -> float:
        held = self.position(symbol).contracts
        return max(0.0, -held if side == "buy" else held)

    def _margin_needed(self, symbol: str, side: str, qty: float, price: float | None) -> float:
        growing = max(0.0, qty - self._reducible(symbol, side))
        bids, asks = self.book(symbol, 1)
        touch = (asks if side == "buy" else bids) or [(price or 0.0, 0.0)]
        reference = price or touch[0][0]
        return growing * self.instruments[symbol].contract_size * reference / self.leverage[symbol]

    # -- matching ------------------------------------------------------------------

    def _take(self, order: Order, limit: float | None, cap: float) -> None:
        """Take the book's liquidity up to `cap` (and `limit`), level by level: taker."""
        book = self.books[order.symbol]
        levels = book.asks if order.side == "buy" else book.bids
        remaining = cap - order.filled
        for price in sorted(levels, reverse=order.side == "sell"):
            if remaining <= EPS:
                break
            if limit is not None and (price > limit if order.side == "buy" else price < limit):
                break
            take = min(levels[price], remaining)
            levels[price] -= take
            if levels[price] <= EPS:
                del levels[price]
            remaining -= take
            self._fill(order, price, take, "taker")
        self._settle(order)

    def _match_resting(self, symbol: str) -> tuple[set[float], set[float]]:
        """Resting limits fill at their own price (maker) once the opposite side reaches
        them, at most the quantity shown there; the rest keeps resting."""
        book = self.books[symbol]
        taken_bids: set[float] = set()
        taken_asks: set[float] = set()
        for order in self.open_orders(symbol):
            if order.kind != "limit":
                continue
            selling = order.side == "sell"
            opposite = book.bids if selling else book.asks
            crossing = sorted(
                (p for p in opposite if (p >= order.price if selling else p <= order.price)),
                reverse=selling,
            )
            before = order.filled
            for price in crossing:
                remaining = order.qty - order.filled
                if remaining <= EPS:
                    break
                take = min(opposite[price], remaining)
                opposite[price] -= take
                if opposite[price] <= EPS:
                    del opposite[price]
                (taken_bids if selling else taken_asks).add(price)
                self._fill(order, order.price, take, "maker")
            if order.filled > before:
                self._settle(order)
                self._emit("order", order)
        return taken_bids, taken_asks

    def _fill(self, order: Order, price: float, qty: float, liquidity: str) -> None:
        size = self.instruments[order.symbol].contract_size
        rate = self.taker_fee if liquidity == "taker" else self.maker_fee
        fee = price * qty * size * rate
        held = self.position(order.symbol)
        signed = qty if order.side == "buy" else -qty
        new = held.contracts + signed
        pnl = 0.0
        if held.contracts == 0 or (held.contracts > 0) == (signed > 0):
            entry = (abs(held.contracts) * held.entry + qty * price) / abs(new)
        else:
            closed = min(qty, abs(held.contracts))
            direction = 1.0 if held.contracts > 0 else -1.0
            pnl = (price - held.entry) * closed * size * direction
            if abs(new) <= EPS:
                new, entry = 0.0, 0.0
            elif (new > 0) == (held.contracts > 0):
                entry = held.entry  # a partial close keeps the entry
            else:
                entry = price  # flipped: the rest opens at this fill
        self.positions[order.symbol] = Position(new, entry)
        self.wallet += pnl - fee
        self.last_price[order.symbol] = price  # own fills print trades too
        fill = Fill(
            next(self._trade_ids), order.id, order.client_id, order.symbol, order.side,
            price, qty, fee, pnl, liquidity, now_ms(),
        )  # fmt: skip
        self.fills.append(fill)
        order.filled += qty
        order.cost += price * qty
        order.fee += fee
        order.pnl += pnl
        order.last_fill = fill
        order.updated_ms = fill.time_ms
        self._emit("position", order.symbol)

    def _settle(self, order: Order) -> None:
        if order.filled >= order.qty - EPS:
            if order.status != "filled":
                self.orders_filled += 1
            order.status = "filled"
        elif order.filled > 0:
            self.partial_fills += 1
            order.status = "partially_filled"
