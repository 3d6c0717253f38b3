from collections.abc import Iterator

import pytest
from engine_rig import TRADING, EngineProcess, private_runtime


@pytest.fixture
def runtime(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    path = private_runtime(tmp_path_factory)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    return path


@pytest.fixture
def engine(runtime, private_journal) -> Iterator[EngineProcess]:
    process = EngineProcess(runtime, private_journal, *TRADING)
    yield process
    process.stop()
