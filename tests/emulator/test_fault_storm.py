"""Every fault at once for minutes against the real `scalp-tui headless --live`:
the venue and the journal agree whenever no order is in flight, and at the end."""

import os

from emulator.storm import SAME_QTY, run_storm

# at least 3 minutes in CI; FAULT_STORM_SECONDS runs it longer by hand
STORM_S = float(os.environ.get("FAULT_STORM_SECONDS", "180"))


async def test_venue_and_journal_agree_through_a_fault_storm(emulator, tmp_path) -> None:
    report = await run_storm(emulator, tmp_path, STORM_S, seed=7)
    print("\n".join(report.lines()))
    assert report.exit_code == 0, report.stderr[-2000:]
    assert report.entries >= 10, report.lines()  # it traded through the storm
    v = report.venue
    assert v["throttled"] and v["rejected"] and v["partial_fills"] and v["answers_lost"]
    assert report.sampled_quiet >= STORM_S / 4  # enough quiet seconds were compared
    assert report.disagreed == []
    assert not report.final_in_flight
    assert abs(report.final_venue - report.final_journal) < SAME_QTY
    assert "Traceback" not in report.stderr
