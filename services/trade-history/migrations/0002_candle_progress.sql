-- How far the candle closer got: per venue, symbol and interval length, the open time
-- (Unix ms) of the last interval it closed, whether that interval published a candle or
-- had no trades. Moved in the transaction that writes the closed candles to the outbox,
-- so after a restart the closer resumes here and publishes no interval twice.

CREATE TABLE candle_progress (
    venue            TEXT NOT NULL,
    symbol           TEXT NOT NULL,
    candle_interval  TEXT NOT NULL,
    last_open_ms     BIGINT NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (venue, symbol, candle_interval)
);
