-- Strategy instances and what each closed candle led to.
CREATE TABLE strategies (
    strategy_id TEXT PRIMARY KEY,
    spec JSONB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('created', 'running', 'waiting', 'stopped')),
    status_reason TEXT NOT NULL DEFAULT '',
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0,
    orders BIGINT NOT NULL DEFAULT 0
);

-- One row per (strategy, closed candle): the unique key makes a redelivered candle a
-- no-op. outcome 'started' and 'ordering' are in flight; 'ordering' means the order
-- intent (client order id, side, quantity) is written and PlaceOrder may have been sent.
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    strategy_id TEXT NOT NULL REFERENCES strategies (strategy_id),
    candle_open_ms BIGINT NOT NULL,
    decision_id TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    client_order_id TEXT NOT NULL DEFAULT '',
    order_id TEXT NOT NULL DEFAULT '',
    side TEXT NOT NULL DEFAULT '',
    -- Exact decimals in their canonical text form; empty before an order is sized.
    quantity TEXT NOT NULL DEFAULT '',
    price TEXT NOT NULL DEFAULT '',
    started_at_ms BIGINT NOT NULL,
    finished_at_ms BIGINT,
    hop_micros JSONB NOT NULL DEFAULT '{}',
    UNIQUE (strategy_id, candle_open_ms)
);

CREATE INDEX runs_by_strategy ON runs (strategy_id, candle_open_ms DESC);
CREATE INDEX runs_in_flight ON runs (outcome) WHERE outcome IN ('started', 'ordering');
