"""Backtests: the engine replayed over recordings through the paper session's path."""
