"""A sweep on Ray gives exactly the trades and totals it gives locally."""

from dataclasses import replace

import pytest

from scalp_tui.backtest.sweep import build_grid, parse_axes, rank, run_local, run_ray
from scalp_tui.config import load_config

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'scalp-tui[ray]')")


def loader(swept):
    base = {"symbols": ["BTC/USDT:USDT", "SOL/USDT:USDT"], "mode": "auto"}
    return load_config(None, {**base, **swept}, env={}).settings


@pytest.fixture(scope="module")
def local_ray():
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    except Exception as exc:  # no shared memory, ports refused, ...
        pytest.skip(f"Ray cannot start on this machine: {exc}")
    yield
    ray.shutdown()


def test_ray_grid_equals_the_local_grid(local_ray) -> None:
    grid = build_grid(
        parse_axes(["short_scalp_stop_loss=0.005,0.015"]),
        loader,
    )
    specs = ["sim:5:120", "sim:6:120"]
    tasks = [(spec, p.settings, None) for p in grid for spec in specs]
    local = run_local(tasks, jobs=1)
    remote = run_ray(tasks, address=None)  # the Ray started above
    assert [r.trades for r in remote] == [r.trades for r in local]
    assert any(r.trades for r in local)
    local_rank = rank(grid, local, len(specs))
    remote_rank = rank(grid, remote, len(specs))
    for a, b in zip(local_rank, remote_rank, strict=True):
        assert a.point.values == b.point.values
        # the same totals to the last digit, apart from the wall time each took
        assert replace(a.totals, wall_s=0.0) == replace(b.totals, wall_s=0.0)
