-- The journal of the double-entry ledger. Every fill and transfer is one entry, numbered
-- in the order the ledger applied it; its postings sum to zero in each asset. At start
-- the service replays fills and transfers in entry order and checks the result against
-- the stored postings.

CREATE TABLE journal_entries (
    sequence    BIGINT PRIMARY KEY CHECK (sequence > 0),
    kind        TEXT NOT NULL CHECK (kind IN ('fill', 'transfer')),
    account     TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE postings (
    sequence       BIGINT NOT NULL REFERENCES journal_entries (sequence),
    line           INTEGER NOT NULL,
    ledger_account TEXT NOT NULL,
    asset          TEXT NOT NULL,
    amount         NUMERIC NOT NULL,
    PRIMARY KEY (sequence, line)
);

-- Each (venue, fill id) once: the key makes a second insert of the same fill a no-op.
CREATE TABLE fills (
    venue        TEXT NOT NULL,
    fill_id      TEXT NOT NULL,
    sequence     BIGINT NOT NULL UNIQUE REFERENCES journal_entries (sequence),
    order_id     TEXT NOT NULL,
    account      TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    side         TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    price        NUMERIC NOT NULL CHECK (price > 0),
    quantity     NUMERIC NOT NULL CHECK (quantity > 0),
    fee          NUMERIC NOT NULL CHECK (fee >= 0),
    fee_asset    TEXT NOT NULL,
    liquidity    TEXT NOT NULL CHECK (liquidity IN ('maker', 'taker')),
    filled_at_ms BIGINT NOT NULL,
    -- What the fill realized, net of its fee, in the symbol's quote asset.
    realized_pnl NUMERIC NOT NULL,
    PRIMARY KEY (venue, fill_id)
);

-- GetPnl over a time range reads an account's fills by time.
CREATE INDEX fills_account_time ON fills (account, filled_at_ms);

CREATE TABLE transfers (
    transfer_id TEXT PRIMARY KEY,
    sequence    BIGINT NOT NULL UNIQUE REFERENCES journal_entries (sequence),
    account     TEXT NOT NULL,
    venue       TEXT NOT NULL,
    asset       TEXT NOT NULL,
    amount      NUMERIC NOT NULL CHECK (amount <> 0),
    memo        TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);

-- Equity of each account over time, oldest first by (at, id).
CREATE TABLE equity_points (
    id              BIGINT GENERATED ALWAYS AS IDENTITY,
    account         TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    equity          NUMERIC NOT NULL,
    cash            NUMERIC NOT NULL,
    positions_value NUMERIC NOT NULL,
    PRIMARY KEY (account, at, id)
);

-- A hypertable when TimescaleDB can be had; a plain table otherwise.
DO $$
DECLARE
    extension_schema TEXT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        RAISE NOTICE 'timescaledb is not available: equity_points stays a plain table';
        RETURN;
    END IF;
    BEGIN
        CREATE EXTENSION IF NOT EXISTS timescaledb WITH SCHEMA public;
        SELECT namespace.nspname INTO extension_schema
        FROM pg_extension extension
        JOIN pg_namespace namespace ON namespace.oid = extension.extnamespace
        WHERE extension.extname = 'timescaledb';
        EXECUTE format(
            'SELECT %I.create_hypertable(%L::regclass, %L, if_not_exists => TRUE, migrate_data => TRUE)',
            extension_schema, 'equity_points', 'at'
        );
        RAISE NOTICE 'equity_points is a TimescaleDB hypertable';
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'equity_points stays a plain table: TimescaleDB could not be used (%)', SQLERRM;
    END;
END
$$;
