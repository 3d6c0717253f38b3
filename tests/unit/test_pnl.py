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


def test_profit_ratio_is_pnl_over_leveraged_margin() -> None:
    # margin = 0.01*60000/3 = 200; ratio = 2.4015/200 = 0.0120075
    assert margin(0.01, 60_000, 3) == pytest.approx(200.0)
    assert profit_ratio(0.01, 60_000, 59_700, 3, 0.0005, 0.0005) == pytest.approx(0.0120075)


def test_losing_short_with_maker_entry() -> None:
    # q=2, E=150, P=151.5, f_in=0.0002 (maker), f_out=0.0005 (taker), L=5
    # 2*(-1.5) = -3.0; entry fee 2*150*0.0002 = 0.06; exit fee 2*151.5*0.0005 = 0.1515
    # pnl = -3.2115; margin = 300/5 = 60; ratio = -0.053525
    assert short_pnl(2, 150, 151.5, 0.0002, 0.0005) == pytest.approx(-3.2115)
    assert profit_ratio(2, 150, 151.5, 5, 0.0002, 0.0005) == pytest.approx(-0.053525)


def test_default_target_needs_about_three_tenths_percent_drop() -> None:
    # ratio 0.006 at 3x, fees 0.0005: P = E*(1 - 0.0005 - 0.002)/1.0005 = 60000*0.9975/1.0005
    target = close_price_for_ratio(60_000, 0.006, 3, 0.0005, 0.0005)
    assert target == pytest.approx(59_820.0899550, rel=1e-9)
    assert 1 - target / 60_000 == pytest.approx(0.0029985, abs=1e-6)
    # and the ratio at that price is exactly the target
    assert profit_ratio(1, 60_000, target, 3, 0.0005, 0.0005) == pytest.approx(0.006)


def test_default_stop_needs_about_four_tenths_percent_rise() -> None:
    # ratio -0.015 at 3x: P = E*(1 - 0.0005 + 0.005)/1.0005 = 60000*1.0045/1.0005
    stop = close_price_for_ratio(60_000, -0.015, 3, 0.0005, 0.0005)
    assert stop == pytest.approx(60_239.88006, rel=1e-9)
    assert stop / 60_000 - 1 == pytest.approx(0.0039980, abs=1e-6)


def test_quantity_rounds_down_to_the_lot() -> None:
    # 300 USDT at 60000 is 0.005 BTC; at 61000 it is 0.004918 -> 0.004
    assert floor_to_step(300 / 60_000, 0.001) == 0.005
    assert floor_to_step(300 / 61_000, 0.001) == 0.004
    assert floor_to_step(300 / 150, 0.1) == 2.0
