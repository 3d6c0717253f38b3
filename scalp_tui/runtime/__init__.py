"""Running an engine: the sessions (simulated or replayed market, an exchange, the
threaded host of either), bringing back what an earlier run left open, and the one
builder every frontend starts its session with. Frontends see a session only through
`EngineSession` (interface.py)."""
