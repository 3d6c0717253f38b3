"""Brokers: where orders go (paper or a live exchange) and where fills come from."""
