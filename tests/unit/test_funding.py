"""Funding fees on a position: subtracted in its pnl and profit ratio, moving the stop
and target prices; 0 unless a broker reports them (offline nobody charges them)."""

import pytest
from rig import BTC, Rig

from scalp_tui.engine.pnl import close_price_for_ratio
from scalp_tui.engine.protocol import ClosePosition, PositionClosed


def test_without_reports_funding_is_zero(rig: Rig) -> None:
    rig.ask_heavy(BTC)
    (position,) = rig.engine.positions.values()
    view = rig.engine.snapshot().positions[0]
    assert position.funding_fees == 0.0 and view.funding_fees == 0.0
    # the stop shown and sent to a venue follows the exact ratio: 0.005 BTC at 60000
    assert view.stop_price == pytest.approx(60_000 * 0.9995 * 1.005 / 1.0005, rel=1e-12)


def test_funding_paid_counts_in_pnl_ratio_and_prices(rig: Rig) -> None:
    rig.ask_heavy(BTC)
    (position,) = rig.engine.positions.values()
    before = rig.engine.snapshot().positions[0]
    rig.engine.on_funding("paper", BTC, 0.3)
    after = rig.engine.snapshot().positions[0]
    assert after.funding_fees == 0.3
    assert after.pnl == pytest.approx(before.pnl - 0.3)
    # paying funding brings the stop nearer and pushes the target further
    expected_stop = close_price_for_ratio(60_000.0, -0.015, 3, 0.0005, 0.0005, 0.3 / 0.005)
    assert after.stop_price == pytest.approx(expected_stop, rel=1e-12)
    assert after.stop_price < before.stop_price and after.target_price < before.target_price
    rig.balanced(BTC, 60_000.0, 60_000.1)
    assert rig.engine.execute(ClosePosition(position.id)).ok
    (closed,) = rig.of(PositionClosed)
    # 0.005*(60000 - 60000.1) - 0.15 - 0.005*60000.1*0.0005 - 0.3
    assert closed.position.realised_pnl == pytest.approx(-0.0005 - 0.15 - 0.15000025 - 0.3)
