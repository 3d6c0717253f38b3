"""What reading the user's files costs, and what the caps bound: loading the shipped
configuration through every source, parsing a freqtrade pairlist at the 1 MiB cap
(JSON with comments, pyjson5), and refusing a device and an oversized file (which
must not depend on how much there is to read).

Run:  python bench/input_files.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scalp_tui.config import ConfigError, load_config
from scalp_tui.input_files import MAX_PAIRLIST_BYTES, InputFileError, read_jsonc_object


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of `action` (exceptions are part of what is timed)."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.suppress(ConfigError, InputFileError):
            action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        step = '{"method": "VolumePairList", "number_assets": 30}, // a comment\n'
        body = step * ((MAX_PAIRLIST_BYTES - 100) // len(step))
        pairlist = folder / "pairlist.json"
        pairlist.write_text('{"pairlists": [' + body + "],}")
        huge = folder / "huge.json"
        huge.write_text(json.dumps({"keys": {}}) + " " * (64 << 20))  # 64 MiB
        figures = {
            "load_config(configs/default.json), ms": timed(
                lambda: load_config(Path("configs/default.json"), env={}), args.repeat
            ),
            f"pairlist of {pairlist.stat().st_size // 1024} KiB (pyjson5), ms": timed(
                lambda: read_jsonc_object(pairlist, "the file", MAX_PAIRLIST_BYTES), args.repeat
            ),
            "refuse /dev/zero as config, ms": timed(
                lambda: load_config(Path("/dev/zero"), env={}), args.repeat
            ),
            "refuse a 64 MiB config, ms": timed(lambda: load_config(huge, env={}), args.repeat),
        }
    for name, value in figures.items():
        print(f"{name:48s} {value:8.3f}")


if __name__ == "__main__":
    main()
