import pytest


@pytest.fixture(autouse=True)
def private_journal(tmp_path_factory, monkeypatch):
    """Every test (and every command it starts) journals into its own file, never
    into the user's data directory."""
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite"
    monkeypatch.setenv("SCALP_TUI_JOURNAL", str(path))
    return path
