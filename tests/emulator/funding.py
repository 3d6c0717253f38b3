"""Funding at the emulators: a funding event charges every open position
`contracts x contract size x mark x rate` (a long pays a positive rate, a short
receives it), settles it in the wallet where the venue keeps one, and lists it where
each venue lists it, in that venue's shape and sign (shapes as in ccxt's comments):

- Binance USD-M `GET /fapi/v1/income?incomeType=FUNDING_FEE`: `income`, negative paid;
- OKX `GET /api/v5/account/bills-archive?type=8`: `balChg`, negative paid (subType
  173 expense, 174 income);
- Bybit `GET /v5/execution/list?execType=Funding`: `execFee`, positive paid.

`charge_funding(symbol, rate, mark)` is the event (the test says when and at what
mark); it returns what the holder paid, quote (negative: received)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class FundingCharge:
    id: int
    symbol: str  # the venue's id
    time_ms: int
    rate: float
    mark: float
    contracts: float  # signed: negative is a short
    paid: float  # quote; negative when received


class FundingLedger:
    def __init__(self) -> None:
        self.charges: list[FundingCharge] = []
        self._ids = itertools.count(7_000_001)

    def charge(
        self, symbol: str, contracts: float, contract_size: float, mark: float, rate: float
    ) -> FundingCharge | None:
        if not contracts:
            return None  # no position, no funding
        paid = round(contracts * contract_size * mark * rate, 10)
        charge = FundingCharge(
            next(self._ids), symbol, int(time.time() * 1000), rate, mark, contracts, paid
        )
        self.charges.append(charge)
        return charge

    def listed(self, symbol: str | None, start: Any = None, end: Any = None) -> list[FundingCharge]:
        lo = int(start) if start else 0
        hi = int(end) if end else 1 << 62
        return [c for c in self.charges if symbol in (None, c.symbol) and lo <= c.time_ms <= hi]


def _num(value: float) -> str:
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class BinanceFunding:
    """Mixed into the Binance USD-M emulator (positions in base units, no wallet)."""

    positions: dict[str, tuple[float, float]]

    def _init_funding(self) -> None:
        self.funding = FundingLedger()

    def charge_funding(self, symbol: str, rate: float, mark: float) -> float:
        sid = symbol.split(":")[0].replace("/", "").upper()
        held = self.positions.get(sid, (0.0, 0.0))[0]
        charge = self.funding.charge(sid, held, 1.0, mark, rate)
        return 0.0 if charge is None else charge.paid

    async def _income(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("incomeType") not in (None, "FUNDING_FEE"):
            return web.json_response([])
        rows = [
            {
                "symbol": c.symbol,
                "incomeType": "FUNDING_FEE",
                "income": _num(-c.paid),
                "asset": "USDT",
                "info": "FUNDING_FEE",
                "time": c.time_ms,
                "tranId": c.id,
                "tradeId": "",
            }
            for c in self.funding.listed(q.get("symbol"), q.get("startTime"), q.get("endTime"))
        ]
        return web.json_response(rows[: int(q.get("limit", "100"))])


class CoreFunding:
    """Mixed into the OKX and Bybit emulators (the venue-neutral core: contracts and a
    wallet, which the charge settles in)."""

    core: Any

    def _init_funding(self) -> None:
        self.funding = FundingLedger()

    def charge_funding(self, symbol: str, rate: float, mark: float) -> float:
        sid = self._funding_id(symbol)
        held = self.core.position(sid).contracts
        charge = self.funding.charge(sid, held, self.core.instrument(sid).contract_size, mark, rate)
        if charge is None:
            return 0.0
        self.core.wallet -= charge.paid
        return charge.paid

    def _funding_id(self, symbol: str) -> str:
        return symbol

    async def _okx_bills(self, request: web.Request) -> web.Response:
        q = request.query
        rows = []
        if q.get("type") in (None, "8"):
            charges = self.funding.listed(q.get("instId"), q.get("begin"), q.get("end"))
            for c in sorted(charges, key=lambda c: -c.time_ms):  # OKX lists the newest first
                rows.append(
                    {
                        "bal": _num(self.core.wallet),
                        "balChg": _num(-c.paid),
                        "billId": str(c.id),
                        "ccy": "USDT",
                        "execType": "",
                        "fee": "0",
                        "from": "",
                        "instId": c.symbol,
                        "instType": "SWAP",
                        "mgnMode": "isolated",
                        "notes": "",
                        "ordId": "",
                        "pnl": _num(-c.paid),
                        "posBal": "0",
                        "posBalChg": "0",
                        "subType": "173" if c.paid > 0 else "174",
                        "sz": _num(abs(c.contracts)),
                        "to": "",
                        "ts": str(c.time_ms),
                        "type": "8",
                    }
                )
        return web.json_response({"code": "0", "msg": "", "data": rows[: int(q.get("limit", 100))]})

    def bybit_funding_rows(self, query: dict[str, str]) -> list[dict]:
        charges = self.funding.listed(query.get("symbol"), query.get("startTime"))
        return [
            {
                "symbol": c.symbol,
                "execType": "Funding",
                "execFee": _num(c.paid),
                "feeRate": _num(c.rate),
                "execTime": str(c.time_ms),
                "execId": f"funding-{c.id}",
                "execPrice": _num(c.mark),
                "execQty": _num(abs(c.contracts)),
                "execValue": _num(abs(c.contracts) * c.mark),
                "side": "Sell" if c.contracts < 0 else "Buy",
                "orderId": "",
                "orderLinkId": "",
                "orderType": "UNKNOWN",
                "isMaker": False,
                "category": "linear",
            }
            for c in sorted(charges, key=lambda c: -c.time_ms)
        ]
