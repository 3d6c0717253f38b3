"""Reading recorded Binance USD-M frames (`<receive_ns> <json>` per line, gzip).

The recording holds combined-stream frames (`depth@0ms` diffs with U/u/pu,
`bookTicker`, `trade`) and one REST depth snapshot (a line without "stream").
Binance's rule rebuilds the book: drop diffs older than the snapshot, start from the
diff that spans `lastUpdateId + 1`, then each diff's `pu` must equal the previous `u`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from scalp_tui.engine.protocol import BookUpdate, Side, TradeTick

RECORDING_NAME = "binance-usdm-btcusdt-20240808.jsonl.gz"


class RecordingGap(Exception):
    """A depth diff does not follow the previous one: the book can't be trusted."""


def default_recording() -> Path:
    """The shared recording beside the project: ../shared/data/<name>."""
    root = Path(__file__).resolve().parents[2]
    return root.parent / "shared" / "data" / RECORDING_NAME


def _levels(raw: list[list[str]]) -> tuple[tuple[float, float], ...]:
    return tuple((float(p), float(q)) for p, q in raw)


def read_recording(path: Path, symbol: str = "BTC/USDT:USDT") -> Iterator[BookUpdate | TradeTick]:
    """The snapshot as BookUpdate(snapshot=True), then diffs and trades in file order.

    Diffs received before the snapshot are buffered and replayed after it; trades
    before the snapshot are yielded as they come (they need no book).
    """
    snapshot_id: int | None = None
    pending: list[dict] = []
    last_u: int | None = None

    def diff(data: dict) -> BookUpdate | None:
        nonlocal last_u
        if snapshot_id is None:
            return None
        if data["u"] < snapshot_id:
            return None  # older than the snapshot
        if last_u is None:
            if not data["U"] <= snapshot_id + 1 <= data["u"]:
                raise RecordingGap(f"first diff {data['U']}..{data['u']} misses {snapshot_id + 1}")
        elif data["pu"] != last_u:
            raise RecordingGap(f"diff pu={data['pu']} after u={last_u}")
        last_u = data["u"]
        return BookUpdate(symbol, data["E"], _levels(data["b"]), _levels(data["a"]))

    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            _, _, payload = line.partition(" ")
            frame = json.loads(payload)
            stream = frame.get("stream")
            if stream is None:
                snapshot_id = frame["lastUpdateId"]
                ts = frame.get("E") or (pending[0]["E"] if pending else 0)
                yield BookUpdate(
                    symbol, ts, _levels(frame["bids"]), _levels(frame["asks"]), snapshot=True
                )
                for data in pending:
                    update = diff(data)
                    if update is not None:
                        yield update
                pending.clear()
                continue
            data = frame["data"]
            if "@depth" in stream:
                if snapshot_id is None:
                    pending.append(data)
                else:
                    update = diff(data)
                    if update is not None:
                        yield update
            elif stream.endswith("@trade"):
                yield TradeTick(
                    symbol,
                    data["T"],
                    float(data["p"]),
                    float(data["q"]),
                    Side.SELL if data["m"] else Side.BUY,
                )
