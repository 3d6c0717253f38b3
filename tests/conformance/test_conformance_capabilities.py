"""The four venues pass the console's capability check and get their own traits.
(bitmart and bitvavo are refused with one line: tests/emulator/test_ccxt_feed.py.)"""

import pytest

from scalp_tui.execution.venues import TRAITS, VenueTraits, traits_for
from scalp_tui.venue import check_capabilities


@pytest.mark.parametrize("venue", ["gate", "kucoinfutures", "bitget", "htx"])
def test_accepted_with_their_own_traits(venue: str) -> None:
    check_capabilities(venue)  # swap, order book and trade streams, orders in ccxt.pro
    traits = traits_for(venue, 3)
    assert type(traits) is TRAITS[venue] and type(traits) is not VenueTraits
    cid = traits.client_id("abcd1234", 42)
    assert len(cid) <= traits.client_id_max
    assert traits.client_id_of({"clientOrderId": cid}) == cid
