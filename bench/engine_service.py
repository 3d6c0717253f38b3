"""What serving the engine over its control socket costs, and how fast a command
crosses it.

- on the engine's loop, per snapshot push (every 50 ms while a client is attached):
  building the snapshot (3 symbols, 20 levels a side) and encoding its frame;
- per event: encoding its frame (done once, whatever the number of clients);
- on the console's side: decoding a snapshot frame;
- round trip through a real `scalp-tui engine` process on the simulated market: a
  command sent from a client until its CommandAnswered event arrives back.

Run:  python bench/engine_service.py [--round-trips N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scalp_tui.config import load_config
from scalp_tui.engine.protocol import CommandAnswered, Mode, SetMode
from scalp_tui.engine.protocol.wire import (
    EventFrame,
    decode_frame,
    encode_frame,
    event_frame,
    read_event,
    read_snapshot,
    snapshot_frame,
)
from scalp_tui.runtime.session import Session
from scalp_tui.service.client import connect


def figures(samples_s: list[float]) -> str:
    ordered = sorted(samples_s)
    p50 = statistics.median(ordered) * 1e6
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1e6
    return f"p50 {p50:8.1f} µs  p99 {p99:8.1f} µs  max {ordered[-1] * 1e6:8.1f} µs"


def in_process(pushes: int) -> None:
    settings = load_config(None, overrides={"mode": "auto"}, env={}).settings
    session = Session.simulated(settings, seed=1, speed=0)
    events = []
    session.subscribe(events.append)
    session.start()
    build, encode, decode = [], [], []
    size = 0
    for _ in range(pushes):
        asyncio.run(session.run(0.5))  # half a simulated second between pushes
        t0 = time.perf_counter()
        snapshot = session.snapshot(20)
        t1 = time.perf_counter()
        frame = encode_frame(snapshot_frame(snapshot))
        t2 = time.perf_counter()
        read_snapshot(decode_frame(frame[4:]))
        t3 = time.perf_counter()
        build.append(t1 - t0)
        encode.append(t2 - t1)
        decode.append(t3 - t2)
        size = len(frame)
    per_event = []
    for event in events:
        t0 = time.perf_counter()
        encode_frame(event_frame(event))
        per_event.append(time.perf_counter() - t0)
    print(f"snapshot build  ({pushes} pushes)     {figures(build)}")
    print(f"snapshot encode ({size} bytes/frame) {figures(encode)}")
    print(f"snapshot decode (console side)      {figures(decode)}")
    print(f"event encode    ({len(per_event)} events)       {figures(per_event)}")


async def round_trips(count: int) -> None:
    runtime = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    journal = runtime / "journal.sqlite"
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    engine = subprocess.Popen(
        [sys.executable, "-m", "scalp_tui.cli", "engine", "--journal", str(journal)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    socket_path = runtime / "scalp-tui" / "engine.sock"
    try:
        for _ in range(300):
            if socket_path.exists():
                break
            await asyncio.sleep(0.1)
        conn = await connect(socket_path, "bench")
        samples = []
        for i in range(count):
            mode = Mode.AUTO if i % 2 else Mode.CONFIRM
            t0 = time.perf_counter()
            conn.send(SetMode(mode))
            while True:
                frame = await conn.read()
                if isinstance(frame, EventFrame) and frame.name == "CommandAnswered":
                    answer = read_event(frame)
                    if isinstance(answer, CommandAnswered) and answer.origin == conn.welcome.you:
                        break
            samples.append(time.perf_counter() - t0)
        await conn.close()
    finally:
        engine.terminate()
        engine.wait(30)
    print(f"command round trip ({count}, engine process) {figures(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=400)
    parser.add_argument("--round-trips", type=int, default=500)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus")
    print(
        f"command: python bench/engine_service.py --pushes {args.pushes} "
        f"--round-trips {args.round_trips}"
    )
    in_process(args.pushes)
    asyncio.run(round_trips(args.round_trips))


if __name__ == "__main__":
    main()
