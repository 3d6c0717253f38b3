"""The ready-made exchange configs load, and ccxt.pro can trade perpetuals on each."""

from pathlib import Path

import pytest

from scalp_tui.config import load_config
from scalp_tui.venue import SUPPORTED, check_capabilities, make_exchange

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("exchange_id", SUPPORTED)
def test_exchange_config_loads_and_the_exchange_can_short(exchange_id: str) -> None:
    settings = load_config(CONFIGS / f"{exchange_id}.json", env={}).settings
    assert settings.exchange.id == exchange_id
    assert settings.paper is True  # live trading is always an explicit step
    check_capabilities(exchange_id)
    exchange = make_exchange(exchange_id)
    assert exchange.has["swap"] and exchange.has["watchOrderBook"]
    assert exchange.has["createOrder"] and exchange.has["cancelOrder"]


def test_custom_endpoints_replace_every_rest_host() -> None:
    exchange = make_exchange(
        "binanceusdm", rest_url="http://127.0.0.1:1234", ws_url="ws://127.0.0.1:1234/ws"
    )
    api = exchange.urls["api"]
    rest = [v for k, v in api.items() if isinstance(v, str)]
    assert rest and all(v.startswith("http://127.0.0.1:1234/") for v in rest)
    assert api["ws"]["linear"] == "ws://127.0.0.1:1234/ws"
    # with a custom host, Binance's futures error codes still map to their classes
    assert exchange.exceptions["exact"]["-2022"].__name__ == "InvalidOrder"
