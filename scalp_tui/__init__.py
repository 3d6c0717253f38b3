"""scalp_tui: a terminal console for supervised short-side scalping of perpetual futures."""

__version__ = "0.1.0"
