"""Market-data REST endpoints of the emulator: exchangeInfo, the depth snapshot, klines,
tickers and the server time."""

from __future__ import annotations

import time

from aiohttp import web
from emulator.wire import error, fmt


class MarketRest:
    """REST handlers over `MarketData`'s book. Mixed into `BinanceUsdmEmulator`."""

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": int(time.time() * 1000)})

    async def _ticker_24hr(self, request: web.Request) -> web.Response:
        now = int(time.time() * 1000)
        rows = []
        for m in self.markets.values():
            bids, _ = self.book(m.symbol, 1)
            last = bids[0][0] if bids else 0.0
            rows.append(
                {
                    "symbol": m.symbol,
                    "priceChange": "0",
                    "priceChangePercent": "0",
                    "weightedAvgPrice": fmt(last),
                    "lastPrice": fmt(last),
                    "lastQty": "1",
                    "openPrice": fmt(last),
                    "highPrice": fmt(last),
                    "lowPrice": fmt(last),
                    "volume": "1000",
                    "quoteVolume": fmt(self.quote_volume.get(m.symbol, 0.0)),
                    "openTime": now - 86_400_000,
                    "closeTime": now,
                    "firstId": 1,
                    "lastId": 2,
                    "count": 2,
                }
            )
        return web.json_response(rows)

    async def _book_ticker(self, request: web.Request) -> web.Response:
        rows = []
        for m in self.markets.values():
            bids, asks = self.book(m.symbol, 1)
            if bids and asks:
                rows.append(
                    {
                        "symbol": m.symbol,
                        "bidPrice": fmt(bids[0][0]),
                        "bidQty": fmt(bids[0][1]),
                        "askPrice": fmt(asks[0][0]),
                        "askQty": fmt(asks[0][1]),
                        "time": int(time.time() * 1000),
                    }
                )
        return web.json_response(rows)

    async def _klines(self, request: web.Request) -> web.Response:
        """Flat history with volume 5000 a candle, the last one still forming."""
        limit = int(request.query.get("limit", "500"))
        step = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000}.get(
            request.query.get("interval", "5m"), 300_000
        )
        now = int(time.time() * 1000)
        bids, asks = self.book(request.query.get("symbol", "BTCUSDT"), 1)
        mid = (bids[0][0] + asks[0][0]) / 2 if bids and asks else 100.0
        start = now - now % step - (limit - 1) * step
        rows = [
            [
                t,
                fmt(mid),
                fmt(mid),
                fmt(mid),
                fmt(mid),
                "5000",
                t + step - 1,
                "0",
                1,
                "0",
                "0",
                "0",
            ]
            for t in range(start, now + 1, step)
        ]
        return web.json_response(rows)

    async def _exchange_info(self, request: web.Request) -> web.Response:
        symbols = [
            {
                "symbol": m.symbol,
                "pair": m.symbol,
                "contractType": "PERPETUAL",
                "deliveryDate": 4133404800000,
                "onboardDate": 1569398400000,
                "status": "TRADING",
                "baseAsset": m.base,
                "quoteAsset": m.quote,
                "marginAsset": m.quote,
                "pricePrecision": 2,
                "quantityPrecision": 3,
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "underlyingType": "COIN",
                "triggerProtect": "0.0500",
                "liquidationFee": "0.012500",
                "marketTakeBound": "0.05",
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": "0.01",
                        "maxPrice": "1000000",
                        "tickSize": m.tick,
                    },
                    {
                        "filterType": "LOT_SIZE",
                        "stepSize": m.step,
                        "maxQty": "1000000",
                        "minQty": m.min_qty,
                    },
                    {
                        "filterType": "MARKET_LOT_SIZE",
                        "stepSize": m.step,
                        "maxQty": "1000000",
                        "minQty": m.min_qty,
                    },
                    {"filterType": "MIN_NOTIONAL", "notional": "5"},
                ],
                # Binance lists its conditional types too; ccxt refuses a stop whose type
                # is missing here before sending anything
                "orderTypes": [
                    "LIMIT",
                    "MARKET",
                    "STOP",
                    "STOP_MARKET",
                    "TAKE_PROFIT",
                    "TAKE_PROFIT_MARKET",
                    "TRAILING_STOP_MARKET",
                ],
                "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
            }
            for m in self.markets.values()
        ]
        return web.json_response(
            {
                "timezone": "UTC",
                "serverTime": int(time.time() * 1000),
                "rateLimits": [],
                "exchangeFilters": [],
                "assets": [],
                "symbols": symbols,
            }
        )

    async def _depth(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "")
        if symbol not in self.markets:
            return error(-1121, "Invalid symbol.")
        limit = int(request.query.get("limit", "1000"))
        bids, asks = self.book(symbol, limit)
        self.snapshots_served += 1
        now = int(time.time() * 1000)
        return web.json_response(
            {
                "lastUpdateId": self.markets[symbol].update_id,
                "E": now,
                "T": now,
                "bids": [[fmt(p), fmt(q)] for p, q in bids],
                "asks": [[fmt(p), fmt(q)] for p, q in asks],
            }
        )
