"""Symbols of the simulated market beyond the three calibrated ones.

BTC, ETH and SOL keep their calibrated models (sim_params.MODELS). Any other linear
perpetual gets a profile derived from BTC's calibrated model: its own price, tick and
lot sizes that make sense for that price, and volatility, depth and trade rate drawn
from ranges around the calibrated ones. A profile depends only on the symbol's name,
so a symbol has the same contract specs in every run; its market (the random walk,
the book, the trades) is seeded by the run's seed and the name, as the calibrated
ones are. `sim_symbol_names(n)` lists n names: the calibrated three, then real
perpetuals (prices near their early-August-2024 levels, for plausible ticks, not
calibrated), then made-up tickers.
"""

from __future__ import annotations

import math
import random
import string

from scalp_tui.market.sim_params import MODELS, SymbolModel

QUOTE = "USDT"
# Base assets of real USD-M perpetuals and a price near their August 2024 level.
LISTED_BASES: tuple[tuple[str, float], ...] = (
    ("XRP", 0.57), ("DOGE", 0.102), ("BNB", 520.0), ("ADA", 0.34), ("AVAX", 22.0),
    ("LINK", 10.2), ("DOT", 4.4), ("TRX", 0.128), ("LTC", 60.0), ("BCH", 330.0),
    ("NEAR", 4.4), ("MATIC", 0.43), ("UNI", 6.3), ("ATOM", 5.1), ("ETC", 19.0),
    ("FIL", 3.6), ("APT", 6.5), ("ARB", 0.55), ("OP", 1.45), ("INJ", 18.0),
    ("SUI", 0.8), ("SEI", 0.25), ("TIA", 4.6), ("WIF", 1.5), ("1000PEPE", 0.0078),
    ("1000SHIB", 0.0137), ("FET", 1.0), ("RNDR", 5.5), ("AAVE", 95.0), ("MKR", 2_200.0),
    ("XLM", 0.095), ("HBAR", 0.062), ("ICP", 7.8), ("VET", 0.021), ("ALGO", 0.12),
    ("SAND", 0.26), ("MANA", 0.28), ("AXS", 4.8), ("GALA", 0.02), ("EOS", 0.48),
    ("XTZ", 0.66), ("THETA", 1.1), ("EGLD", 27.0), ("FTM", 0.37), ("CRV", 0.27),
    ("LDO", 1.1), ("ENA", 0.3), ("ORDI", 28.0), ("JUP", 0.78), ("STX", 1.45),
    ("IMX", 1.3), ("RUNE", 3.4), ("KAS", 0.16), ("TON", 6.3), ("WLD", 1.6),
    ("ZEC", 30.0), ("DYDX", 1.0), ("GRT", 0.15), ("SNX", 1.5), ("COMP", 48.0),
)  # fmt: skip
BTC = MODELS["BTC/USDT:USDT"]
BTC_RELATIVE_STEP = BTC.level_step * BTC.tick_size / BTC.price  # book level spacing


def sim_symbol_names(count: int) -> list[str]:
    """The first `count` symbols of the simulated market, always in the same order."""
    names = list(MODELS)
    names += [f"{base}/{QUOTE}:{QUOTE}" for base, _ in LISTED_BASES]
    taken = {name.split("/")[0] for name in names}
    rng = random.Random("sim-symbol-names")
    while len(names) < count:
        base = _made_up_ticker(rng)
        if base not in taken:
            taken.add(base)
            names.append(f"{base}/{QUOTE}:{QUOTE}")
    return names[:count]


def _made_up_ticker(rng: random.Random) -> str:
    """Three to five capitals, consonant-vowel alternating, like many real tickers."""
    vowels, consonants = "AEIOU", "".join(c for c in string.ascii_uppercase if c not in "AEIOU")
    length = rng.choice((3, 4, 4, 5))
    start = rng.random() < 0.5
    return "".join(
        rng.choice(consonants if (i % 2 == 0) == start else vowels) for i in range(length)
    )


def _power_of_ten_at_or_below(value: float) -> float:
    return 10.0 ** math.floor(math.log10(value) + 1e-9)


def derived_model(symbol: str) -> SymbolModel:
    """A profile for any linear perpetual, from BTC's calibrated model."""
    if symbol in MODELS:
        return MODELS[symbol]
    base = symbol.split("/")[0]
    rng = random.Random(f"sim-profile:{symbol}")
    listed = dict(LISTED_BASES)
    # unlisted: a price anywhere from a thousandth to a few hundred, log-uniform
    price = listed.get(base) or float(f"{10 ** rng.uniform(-3.0, 2.7):.4g}")
    # five significant digits of price, as most USD-M contracts quote
    tick = _power_of_ten_at_or_below(price) / 10_000
    # a lot worth 1 to 10 quote units, and at most one unit of the base (as USD-M
    # lots are; the simulator rounds quantities to the lot's decimals)
    lot = min(1.0, _power_of_ten_at_or_below(10.0 / price))
    # a book level every `step` ticks: about BTC's spacing relative to price
    step = max(1, round(BTC_RELATIVE_STEP * price / tick))
    # smaller markets: more volatile, thinner books (in notional), fewer taker orders
    vol_scale = rng.uniform(1.2, 2.5)
    notional_share = 10 ** rng.uniform(-2.0, -0.7)  # of BTC's depth and trade sizes
    return SymbolModel(
        symbol,
        round(price, 12),
        round(tick, 12),
        round(lot, 12),
        round(lot, 12),
        step,
        vol_scale,
        size_scale=notional_share * BTC.price / price,
        trade_rate_scale=rng.uniform(0.3, 1.0),
    )
