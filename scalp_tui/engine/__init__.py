"""The trading engine: books, candles, signal, positions and risk, with no UI imports."""
