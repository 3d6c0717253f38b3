"""Garbage collection set for a console that draws 20 frames a second.

Python's cycle collector stops everything while it runs. With its default settings
the console (~100k tracked objects: widgets, styles, cached rows) paid ~6 % of a core
for it, and a full collection every ~6 s took 130-220 ms: the ladder missed 3-4
frames each time. Two changes, measured with bench/ui_load.py:
- what exists once the console has drawn its first frame (modules, classes, the
  widgets, the configuration) lives as long as the console: it is moved out of the
  collector's sight (`gc.freeze`), so no full collection walks it again;
- the middle generation is collected after 50 young collections instead of 10, so
  the rows and strips a pane keeps for a second or two die there instead of piling up
  in the old generation, whose collections were the long stops.
Objects are still freed as soon as nothing refers to them; only reference cycles
wait for a collection.
"""

from __future__ import annotations

import gc

YOUNG_COLLECTIONS_PER_MIDDLE = 50


def settle() -> None:
    """Call once, after the console's first frame."""
    gc.collect()
    gc.freeze()
    young, _, middle = gc.get_threshold()
    gc.set_threshold(young, YOUNG_COLLECTIONS_PER_MIDDLE, middle)
