"""Resolving a user's freqtrade pairlist and blacklist files through ccxt."""

from pathlib import Path

import pytest

from scalp_tui.pairlist import (
    PairlistError,
    load_jsonc,
    read_blacklist,
    read_pairlist,
    resolve,
)
from scalp_tui.venue import make_exchange

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "nfi-configs"
pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference configs not found at {REFERENCE}"
)


def test_jsonc_comments_and_trailing_commas_but_not_slashes_in_strings(tmp_path: Path) -> None:
    path = tmp_path / "commented.json"
    path.write_text('{"a": "http://x//y,]", // comment\n "b": [1, 2,], /* c */ "c": {"d": 1,},}')
    assert load_jsonc(path) == {"a": "http://x//y,]", "b": [1, 2], "c": {"d": 1}}


def test_reads_every_reference_file() -> None:
    for path in REFERENCE.glob("pairlist-*.json"):
        assert read_pairlist(path)[0]["method"] == "VolumePairList"
    for path in REFERENCE.glob("blacklist-*.json"):
        assert len(read_blacklist(path)) > 5


def test_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"pairlists": [ {"method": "VolumePairList" ')
    with pytest.raises(PairlistError) as info:
        read_pairlist(bad)
    assert str(info.value).startswith(f"{bad}: invalid JSON (")
    assert "\n" not in str(info.value)


async def test_nfi_chain_resolves_on_the_emulator(emulator) -> None:
    for symbol, mid, tick in (
        ("ETHUSDT", 2600.0, 0.01),
        ("SOLUSDT", 150.0, 0.01),
        ("BNBUSDT", 600.0, 0.01),
        ("PEPEUSDT", 0.00001, 0.0000001),
        ("DOGEUSDT", 0.1, 0.00001),
    ):
        emulator.seed_book(symbol, [(mid, 10.0)], [(round(mid + tick, 8), 10.0)])
    # a wide book: 1 - 99/100 = 1 % spread, above the 0.5 % limit
    emulator.seed_book("DOGEUSDT", [(0.099, 10.0)], [(0.1, 10.0)])
    emulator.quote_volume.update(
        {
            "BTCUSDT": 9e9,
            "ETHUSDT": 5e9,
            "SOLUSDT": 1e9,
            "BNBUSDT": 8e8,
            "PEPEUSDT": 7e8,
            "DOGEUSDT": 6e8,
        }
    )
    exchange = make_exchange("binanceusdm", rest_url=emulator.rest_url, ws_url=emulator.ws_url)
    try:
        result = await resolve(
            exchange,
            read_pairlist(REFERENCE / "pairlist-volume-binance-usdt.json"),
            read_blacklist(REFERENCE / "blacklist-binance.json"),
        )
    finally:
        await exchange.close()
    # BNB is blacklisted ("(RIF|BNB)/.*"), PEPE's tick is 1 % of its price (> 0.3 %),
    # DOGE's spread is 1 % (> 0.5 %): BTC, ETH and SOL remain, by volume
    assert result.pairs == ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]
    notes = "\n".join(result.notes)
    assert "AgeFilter: not computed" in notes
    assert "RangeStabilityFilter: not computed" in notes
    assert "FullTradesFilter: not applicable" in notes
    assert "SpreadFilter(0.005): 4 -> 3" in notes
