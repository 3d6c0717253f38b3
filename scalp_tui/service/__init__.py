"""The engine as a service of its own: `scalp-tui engine` runs a session behind a
Unix socket (server.py) that pushes every event and the newest snapshot to each
client and takes their commands; clients (client.py) are the attached consoles
(remote.py, a RemoteSession), `scalp-tui kill` and `scalp-tui status` (status.py).
Where the socket lives and who may reach it: paths.py. The frames: the engine's
wire protocol (engine/protocol/wire.py)."""
