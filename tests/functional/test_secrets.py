"""No secret value is ever printed or written, whatever variable or file carried it,
and a secrets file others may read is refused."""

import json
import os
import subprocess
import sys
from pathlib import Path

# one distinctive value per place a secret can be put
SECRETS = {
    "SCALP_TUI_API_KEY": "AK-env-key-7f3a",
    "SCALP_TUI_API_SECRET": "AS-env-secret-91bc",
    "SCALP_TUI_API_PASSWORD": "AP-env-password-22de",
}
NESTED = {"SCALP_TUI_API_KEY__X": "AK-nested-5e61", "scalp_tui_api_secret__y": "AS-lower-0c4d"}
IN_FILE = {"api_key": "AK-file-key-88aa", "api_secret": "AS-file-secret-3b3b"}
EVERY_VALUE = [
    *SECRETS.values(),
    *NESTED.values(),
    *IN_FILE.values(),
    "AP-file-password-4f4f",
    "AS-config-file-6a6a",
    "AK-unknown-key-7b7b",
]


def run(
    tmp: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.upper().startswith("SCALP_TUI_")}
    base["SCALP_TUI_JOURNAL"] = str(tmp / "data" / "journal.sqlite")
    return subprocess.run(
        [sys.executable, "-m", "scalp_tui.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )


def secrets_file(tmp: Path, data: dict, mode: int = 0o600, name: str = "s.json") -> str:
    path = tmp / name
    path.write_text(json.dumps(data))
    path.chmod(mode)
    return str(path)


def test_no_secret_value_is_printed_or_written_anywhere(tmp_path: Path) -> None:
    good = secrets_file(tmp_path, {"api_password": "AP-file-password-4f4f"})
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"api_secret": "AS-config-file-6a6a"}))
    runs = [
        # accepted: shown masked, and a whole headless run journaled
        run(tmp_path, "config", "check", "--secrets", good, env=SECRETS),
        run(
            tmp_path,
            "headless",
            "--duration",
            "120",
            "--speed",
            "0",
            "--secrets",
            good,
            env=SECRETS,
        ),
        # refused, each naming where the secret was and never what it is
        *(run(tmp_path, "config", "check", env={name: v}) for name, v in NESTED.items()),
        run(tmp_path, "config", "check", "--secrets", secrets_file(tmp_path, IN_FILE, 0o644)),
        run(
            tmp_path,
            "config",
            "check",
            "--secrets",
            secrets_file(tmp_path, {"api_tokn": "AK-unknown-key-7b7b"}, name="u.json"),
        ),
        run(tmp_path, "config", "check", str(config), env={}),
    ]
    assert [r.returncode for r in runs] == [0, 0, 2, 2, 2, 2, 2], [r.stderr for r in runs]
    assert "api_key = ********" in runs[0].stdout
    printed = "".join(r.stdout + r.stderr for r in runs)
    assert (tmp_path / "data" / "journal.sqlite").stat().st_size > 0
    secret_files = {tmp_path / "s.json", tmp_path / "u.json", config}
    written = b"".join(
        p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p not in secret_files
    )
    for value in EVERY_VALUE:
        assert value not in printed, value
        assert value.encode() not in written, value


def test_a_secrets_file_others_may_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = secrets_file(tmp_path, IN_FILE, 0o640)
    result = run(tmp_path, "config", "check", "--secrets", path, env={})
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {path}: secrets file is open to group or others (mode 0640); "
        f"run: chmod 600 {path}\n"
    )
    Path(path).chmod(0o600)
    assert run(tmp_path, "config", "check", "--secrets", path, env={}).returncode == 0
