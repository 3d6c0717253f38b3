"""Binance USD-M futures (ccxt `binanceusdm`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from scalp_tui.execution.venues.base import VenueTraits

# Binance's conditional orders live in its algo service: these keys mark an answer
# about the stop itself rather than the order its trigger placed
_ALGO_KEYS = ("algoId", "aid", "actualOrderId", "algoStatus")
_CLIENT_ID = re.compile(r"[.A-Z:/a-z0-9_-]{1,36}")


class BinanceUsdm(VenueTraits):
    id = "binanceusdm"
    client_id_max = 36
    # BTCUSDT and ETHUSDT, first notional bracket (GET /fapi/v1/leverageBracket,
    # maintMarginRatio 0.004); most other symbols' first brackets are higher
    maintenance_margin_rate = 0.004
    one_way_check = True  # a hedge-mode account refuses orders without a position side
    # -4046 "No need to change margin type" (isolated already)
    already_set_codes: ClassVar[tuple[str, ...]] = ("-4046",)
    # -4116 DUPLICATED_CLIENT_ORDER_ID (ccxt: InvalidOrder); -4015 "Client order id
    # is not valid" is a refusal, not a duplicate
    duplicate_codes: ClassVar[tuple[str, ...]] = ("-4116",)
    # order answers carry no cumulative fee (the stream's is per trade): estimated
    fees_in_orders = False

    def configure(self, exchange: Any) -> None:
        super().configure(exchange)
        # ccxt's watch_orders also fetches the positions in a task of its own, whose
        # failure (a 429, say) nobody awaits: Python then prints a traceback on stderr.
        # The console checks positions itself (position_check.py), through the retrier.
        watch_positions = exchange.options.get("watchPositions")
        if isinstance(watch_positions, dict):
            watch_positions["fetchPositionsSnapshot"] = False

    def custom_endpoint(self, exchange: Any, ws_url: str | None) -> bool:
        # ccxt picks Binance's futures error table by host: pointed elsewhere, a
        # rejected reduce-only exit (-2022) would be a plain ExchangeError
        linear = exchange.exceptions.get("linear")
        if isinstance(linear, dict) and "exact" in linear:
            exchange.exceptions["exact"].update(linear["exact"])
        ws = exchange.urls["api"].get("ws")
        if ws_url and isinstance(ws, dict):
            ws["linear"] = ws_url  # ccxt derives /public/ws/<n>, /private/ws?... from it
            return True
        return False

    def client_id(self, tag: str, order_id: int) -> str:
        text = super().client_id(tag, order_id)
        if not _CLIENT_ID.fullmatch(text):
            raise ValueError(f"client id {text!r} does not fit binanceusdm's rules")
        return text

    def is_trigger_record(self, response: Mapping[str, Any]) -> bool:
        info = response.get("info")
        return isinstance(info, dict) and any(key in info for key in _ALGO_KEYS)

    def child_id(self, response: Mapping[str, Any]) -> str:
        info = response.get("info") or {}
        if not isinstance(info, dict):
            return ""
        return str(info.get("actualOrderId") or info.get("ai") or "")
