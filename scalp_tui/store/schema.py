"""The journal's schema: its SQLite application id, version and migrations."""

from __future__ import annotations

SCHEMA_VERSION = 3
APPLICATION_ID = 0x5C4170  # "scalp" marker in the SQLite header


def upsert_sql(table: str, values: str) -> str:
    """Insert or replace the row of an id, unless the row holds a later state."""
    return (
        f"INSERT INTO {table} (id, venue, session, open, updated_ms, seq, body) {values} "
        "ON CONFLICT(id) DO UPDATE SET venue = excluded.venue, session = excluded.session, "
        "open = excluded.open, updated_ms = excluded.updated_ms, seq = excluded.seq, "
        f"body = excluded.body WHERE excluded.seq > {table}.seq"
    )


MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX events_kind ON events(kind, ts_ms);
    CREATE TABLE trades (
        position_id INTEGER NOT NULL,
        session TEXT NOT NULL,
        symbol TEXT NOT NULL,
        broker TEXT NOT NULL,
        qty REAL NOT NULL,
        entry_price REAL NOT NULL,
        exit_price REAL,
        opened_ms INTEGER,
        closed_ms INTEGER NOT NULL,
        exit_reason TEXT,
        pnl REAL,
        fees REAL,
        PRIMARY KEY (session, position_id)
    );
    CREATE INDEX trades_closed ON trades(closed_ms);
    """,
    # what a restart restores: the latest state of each position and order
    # (`seq` orders every event of every run: an intent is written ahead of events
    # buffered before it, and a row is only ever replaced by a later state)
    2: "ALTER TABLE events ADD COLUMN seq INTEGER;"
    + "".join(
        f"""
    CREATE TABLE {table} (
        id INTEGER PRIMARY KEY,
        venue TEXT NOT NULL,
        session TEXT NOT NULL,
        open INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX {table}_open ON {table}(open, venue);
    """
        for table in ("positions", "orders")
    )
    # An intent (entry or exit about to be sent) is one INSERT here: the trigger
    # applies it inside SQLite, so the order path makes a single call into it.
    + f"""
    CREATE TABLE intents (
        seq INTEGER PRIMARY KEY,
        venue TEXT NOT NULL,
        session TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        position_id INTEGER,
        position_seq INTEGER,
        position_open INTEGER,
        position_body TEXT,
        order_id INTEGER NOT NULL,
        order_open INTEGER NOT NULL,
        order_body TEXT NOT NULL
    );
    CREATE TRIGGER intents_apply AFTER INSERT ON intents BEGIN
        {
        upsert_sql(
            "positions",
            "SELECT NEW.position_id, NEW.venue, NEW.session, "
            "NEW.position_open, NEW.ts_ms, NEW.position_seq, NEW.position_body "
            "WHERE NEW.position_id IS NOT NULL",
        )
    };
        {
        upsert_sql(
            "orders",
            "VALUES (NEW.order_id, NEW.venue, NEW.session, "
            "NEW.order_open, NEW.ts_ms, NEW.seq, NEW.order_body)",
        )
    };
        DELETE FROM intents WHERE seq = NEW.seq;
    END;
    """,
    # The tag our client order ids carry on the venue: random per journal, so two
    # journals on one account never share an id. Journals from before it keep the
    # untagged ids their working orders were sent with.
    3: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta SELECT 'client_tag', '' WHERE EXISTS (SELECT 1 FROM orders);
    """,
}
