"""Market data sources: the simulated market, recordings, and the paced feed."""
