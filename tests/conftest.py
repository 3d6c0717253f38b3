import pytest
from engines import stop_engine


@pytest.fixture(autouse=True)
def private_journal(tmp_path_factory, monkeypatch):
    """Every test (and every command it starts) journals into its own file, never
    into the user's data directory."""
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite"
    monkeypatch.setenv("SCALP_TUI_JOURNAL", str(path))
    return path


@pytest.fixture(autouse=True)
def private_runtime_dir(tmp_path_factory, monkeypatch):
    """Every test has its own runtime directory: an engine that plain `scalp-tui`
    starts there is the test's own (never one another test left running), and is
    stopped after the test."""
    runtime = tmp_path_factory.mktemp("run")
    runtime.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield runtime
    stop_engine(runtime)
