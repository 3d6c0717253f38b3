"""The engine is a library: importing it must not pull in any UI toolkit."""

import subprocess
import sys
from pathlib import Path

HEADLESS_MODULES = [
    "scalp_tui.engine.engine",
    "scalp_tui.engine.protocol",
    "scalp_tui.engine.book",
    "scalp_tui.engine.candles",
    "scalp_tui.engine.signal",
    "scalp_tui.engine.positions",
    "scalp_tui.engine.risk",
    "scalp_tui.engine.pnl",
    "scalp_tui.execution.paper",
    "scalp_tui.market.sim",
    "scalp_tui.market.feed",
    "scalp_tui.runtime.session",
    "scalp_tui.runtime.builder",
    "scalp_tui.headless",
    # the engine service runs no UI: a console attaches from another process
    "scalp_tui.engine.protocol.wire",
    "scalp_tui.service.run",
    "scalp_tui.service.server",
    "scalp_tui.service.status",
    "scalp_tui.service.remote",
]

PROBE = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))
print(','.join(leaked))
"""


def test_engine_imports_without_textual_or_rich() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=HEADLESS_MODULES)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "", f"UI modules loaded: {result.stdout.strip()}"


def test_import_contracts_hold() -> None:
    """The import-linter contracts in pyproject.toml: no UI under engine/market/execution,
    and the layers (commands > frontends > runtime > adapters > engine)."""
    # the installed command: `python -m importlinter.cli` imports the module and
    # checks nothing
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([lint_imports, "--no-cache"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken" in result.stdout
    assert "Layers: commands > frontends > runtime > market/execution/store > engine KEPT" in (
        result.stdout
    )
