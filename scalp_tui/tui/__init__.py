"""The Textual console: a frontend of the engine, speaking only Commands, Events and Snapshots."""
