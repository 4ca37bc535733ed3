-- Paper execution state of one venue connector, in the connector service's own schema
-- (binance_api, coinbase_api, okx_api or gate_io_api): every table name is unqualified,
-- so the same migrations serve all four.

-- The id counter and the prefix of every order id, one row.
CREATE TABLE paper_state (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    id_prefix TEXT NOT NULL,
    next_id BIGINT NOT NULL CHECK (next_id >= 0)
);

-- Every asset of every paper account that has been used.
CREATE TABLE paper_balances (
    account TEXT NOT NULL,
    asset TEXT NOT NULL,
    free NUMERIC NOT NULL,
    locked NUMERIC NOT NULL CHECK (locked >= 0),
    PRIMARY KEY (account, asset)
);

-- The order in which orders closed, so a restart forgets the oldest ones first.
CREATE SEQUENCE paper_close_rank;

-- Open orders and recent closed ones; `body` is the whole order with its fills (the JSON
-- of quorum-domain's Order), the other columns are what loading and operators need.
CREATE TABLE paper_orders (
    order_id TEXT PRIMARY KEY,
    number BIGINT NOT NULL,
    account TEXT NOT NULL,
    client_order_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    status TEXT NOT NULL,
    open BOOLEAN NOT NULL,
    locked_asset TEXT NOT NULL,
    locked NUMERIC NOT NULL CHECK (locked >= 0),
    close_rank BIGINT,
    body JSONB NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    UNIQUE (account, client_order_id),
    CHECK (open = (close_rank IS NULL))
);

CREATE INDEX paper_orders_open ON paper_orders (number) WHERE open;
CREATE INDEX paper_orders_closed ON paper_orders (close_rank) WHERE NOT open;
