-- Every market trade, once. The time column is part of the key because TimescaleDB
-- requires it in every unique index of a hypertable; a venue never reuses a trade id at
-- another time, so the key is as strict as (venue, symbol, trade_id).

CREATE TABLE trades (
    venue       TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    trade_id    TEXT NOT NULL,
    price       NUMERIC NOT NULL CHECK (price > 0),
    quantity    NUMERIC NOT NULL CHECK (quantity > 0),
    taker_side  TEXT NOT NULL CHECK (taker_side IN ('buy', 'sell')),
    traded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (venue, symbol, trade_id, traded_at)
);

-- Queries filter on symbol and a time range and page in (traded_at, venue, trade_id)
-- order; with the whole key in the index a page is one ordered index range scan.
CREATE INDEX trades_symbol_time ON trades (symbol, traded_at, venue, trade_id);

-- A hypertable when TimescaleDB can be had; a plain table otherwise (and when creating
-- the extension is refused, e.g. it is not preloaded or the role may not create it).
DO $$
DECLARE
    extension_schema TEXT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        RAISE NOTICE 'timescaledb is not available: trades stays a plain table';
        RETURN;
    END IF;
    BEGIN
        -- In public, where every service finds it, rather than in this service's schema.
        CREATE EXTENSION IF NOT EXISTS timescaledb WITH SCHEMA public;
        SELECT namespace.nspname INTO extension_schema
        FROM pg_extension extension
        JOIN pg_namespace namespace ON namespace.oid = extension.extnamespace
        WHERE extension.extname = 'timescaledb';
        EXECUTE format(
            'SELECT %I.create_hypertable(%L::regclass, %L, if_not_exists => TRUE, migrate_data => TRUE)',
            extension_schema, 'trades', 'traded_at'
        );
        RAISE NOTICE 'trades is a TimescaleDB hypertable';
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'trades stays a plain table: TimescaleDB could not be used (%)', SQLERRM;
    END;
END
$$;
