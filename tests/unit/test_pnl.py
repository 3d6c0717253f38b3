"""Money maths with numbers computed by hand in the comments."""

import pytest

from scalp_tui.engine.pnl import (
    close_price_for_ratio,
    floor_to_step,
    margin,
    profit_ratio,
    short_pnl,
)


def test_short_pnl_with_fees_on_both_sides() -> None:
    # q=0.01, E=60000, P=59700, f_in=f_out=0.0005
    # q*(E-P) = 3.0; entry fee 0.01*60000*0.0005 = 0.3; exit fee 0.01*59700*0.0005 = 0.2985
    assert short_pnl(0.01, 60_000, 59_700, 0.0005, 0.0005) == pytest.approx(2.4015)


def test_profit_ratio_is_pnl_over_margin_net_of_the_entry_fee() -> None:
    # margin = 0.01*60000*(1 - 0.0005)/3 = 199.9; ratio = 2.4015/199.9
    assert margin(0.01, 60_000, 3, 0.0005) == pytest.approx(199.9)
    assert profit_ratio(0.01, 60_000, 59_700, 3, 0.0005, 0.0005) == pytest.approx(
        2.4015 / 199.9, rel=1e-12
    )


def test_losing_short_with_maker_entry() -> None:
    # q=2, E=150, P=151.5, f_in=0.0002 (maker), f_out=0.0005 (taker), L=5
    # 2*(-1.5) = -3.0; entry fee 2*150*0.0002 = 0.06; exit fee 2*151.5*0.0005 = 0.1515
    # pnl = -3.2115; margin = 300*(1 - 0.0002)/5 = 59.988; ratio = -0.0535357...
    assert short_pnl(2, 150, 151.5, 0.0002, 0.0005) == pytest.approx(-3.2115)
    assert profit_ratio(2, 150, 151.5, 5, 0.0002, 0.0005) == pytest.approx(
        -3.2115 / 59.988, rel=1e-12
    )


def freqtrade_short_profit_ratio(
    amount: float,
    open_rate: float,
    rate: float,
    leverage: float,
    fee_open: float,
    fee_close: float,
    funding_fees: float,
) -> float:
    """freqtrade's LocalTrade.calc_profit_ratio for a futures short, written out from
    freqtrade/persistence/trade_model.py (without its final rounding to 8 decimals).
    freqtrade's `funding_fees` is what the trade *received* (positive helps it)."""
    open_value = amount * open_rate
    open_trade_value = open_value - open_value * fee_open  # _calc_open_trade_value
    close_value = amount * rate
    base_close = close_value + close_value * fee_close  # _calc_base_close, short
    close_trade_value = base_close - funding_fees  # calc_close_trade_value, futures short
    return (1 - (close_trade_value / open_trade_value)) * leverage


@pytest.mark.parametrize(
    ("qty", "entry", "close", "leverage", "fee_in", "fee_out", "funding_paid"),
    [
        (0.013, 61_234.5, 61_050.1, 3, 0.0005, 0.0005, 0.0),  # a winning taker short
        (2.7, 148.37, 149.02, 5, 0.0002, 0.0005, 0.0),  # a losing maker-entry short
        (0.5, 2_611.42, 2_598.0, 10, 0.0005, 0.0004, 0.0123),  # funding paid
        (120.0, 0.1834, 0.1811, 2, 0.0004, 0.0005, -0.0071),  # funding received
    ],
)
def test_profit_ratio_equals_freqtrades_calc_profit_ratio(
    qty, entry, close, leverage, fee_in, fee_out, funding_paid
) -> None:
    ours = profit_ratio(qty, entry, close, leverage, fee_in, fee_out, funding_paid)
    theirs = freqtrade_short_profit_ratio(
        qty, entry, close, leverage, fee_in, fee_out, -funding_paid
    )
    assert ours == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("ratio", [0.006, -0.015, 0.0, 0.02])
@pytest.mark.parametrize("funding_paid", [0.0, 0.05, -0.02])
def test_close_price_for_ratio_inverts_freqtrades_ratio(ratio, funding_paid) -> None:
    qty, entry, lev, f_in, f_out = 0.02, 60_000.0, 3, 0.0005, 0.0005
    price = close_price_for_ratio(entry, ratio, lev, f_in, f_out, funding_paid / qty)
    theirs = freqtrade_short_profit_ratio(qty, entry, price, lev, f_in, f_out, -funding_paid)
    assert theirs == pytest.approx(ratio, abs=1e-12)


def test_funding_paid_lowers_the_pnl() -> None:
    assert short_pnl(0.01, 60_000, 59_700, 0.0005, 0.0005, 0.4) == pytest.approx(2.0015)


def test_default_target_needs_about_three_tenths_percent_drop() -> None:
    # ratio 0.006 at 3x, fees 0.0005: P = E*(1 - 0.0005)*(1 - 0.002)/1.0005
    target = close_price_for_ratio(60_000, 0.006, 3, 0.0005, 0.0005)
    assert target == pytest.approx(60_000 * 0.9995 * 0.998 / 1.0005, rel=1e-12)
    assert 1 - target / 60_000 == pytest.approx(0.0029975, abs=1e-6)
    # and the ratio at that price is exactly the target
    assert profit_ratio(1, 60_000, target, 3, 0.0005, 0.0005) == pytest.approx(0.006)


def test_default_stop_needs_about_four_tenths_percent_rise() -> None:
    # ratio -0.015 at 3x: P = E*(1 - 0.0005)*(1 + 0.005)/1.0005
    stop = close_price_for_ratio(60_000, -0.015, 3, 0.0005, 0.0005)
    assert stop == pytest.approx(60_000 * 0.9995 * 1.005 / 1.0005, rel=1e-12)
    assert stop / 60_000 - 1 == pytest.approx(0.0039955, abs=1e-6)


def test_quantity_rounds_down_to_the_lot() -> None:
    # 300 USDT at 60000 is 0.005 BTC; at 61000 it is 0.004918 -> 0.004
    assert floor_to_step(300 / 60_000, 0.001) == 0.005
    assert floor_to_step(300 / 61_000, 0.001) == 0.004
    assert floor_to_step(300 / 150, 0.1) == 2.0
