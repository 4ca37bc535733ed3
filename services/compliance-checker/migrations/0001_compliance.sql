-- Compliance rules (every change a new version), account statuses, and the order
-- events and fills that surveillance and the pre-trade rules read.

CREATE TABLE rules (
    rule_id        TEXT NOT NULL,
    version        INTEGER NOT NULL CHECK (version > 0),
    kind           TEXT NOT NULL CHECK (kind IN
                       ('restricted_symbols', 'account_limits', 'wash_trade', 'spoofing', 'account_status')),
    enabled        BOOLEAN NOT NULL,
    -- A JSON object of parameter name to text value, as validated for the kind.
    parameters     JSONB NOT NULL,
    description    TEXT NOT NULL,
    changed_by     TEXT NOT NULL,
    changed_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (rule_id, version)
);

-- A version, once written, is history: changes are new versions.
CREATE FUNCTION refuse_rule_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% refused: rule versions are never changed; write a new version', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER rules_append_only
    BEFORE UPDATE OR DELETE ON rules
    FOR EACH ROW EXECUTE FUNCTION refuse_rule_change();

CREATE TABLE account_statuses (
    account        TEXT PRIMARY KEY,
    status         TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
    reason         TEXT NOT NULL,
    changed_by     TEXT NOT NULL,
    changed_at_ms  BIGINT NOT NULL
);

-- Every order event from exec.orders, once per (venue, event id).
CREATE TABLE order_events (
    venue       TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN
                    ('placed', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')),
    order_id    TEXT NOT NULL,
    account     TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    -- The whole event as received.
    event       JSONB NOT NULL,
    PRIMARY KEY (venue, event_id)
);

CREATE INDEX order_events_time ON order_events (at_ms);
CREATE INDEX order_events_account_time ON order_events (account, at_ms);

-- Each order as its most advanced event left it. `stage` orders the states so a late,
-- older event never takes an order back: 0 placed, 1 partially filled, 2 ended.
CREATE TABLE orders (
    venue            TEXT NOT NULL,
    order_id         TEXT NOT NULL,
    account          TEXT NOT NULL,
    symbol           TEXT NOT NULL,
    side             TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    -- NULL for market orders.
    price            NUMERIC,
    quantity         NUMERIC NOT NULL,
    filled_quantity  NUMERIC NOT NULL,
    status           TEXT NOT NULL,
    stage            SMALLINT NOT NULL CHECK (stage BETWEEN 0 AND 2),
    placed_at_ms     BIGINT NOT NULL,
    -- When it ended (filled, cancelled, rejected, expired); NULL while open.
    closed_at_ms     BIGINT,
    PRIMARY KEY (venue, order_id)
);

CREATE INDEX orders_open ON orders (account) WHERE stage < 2;
CREATE INDEX orders_cancelled ON orders (closed_at_ms) WHERE status = 'cancelled';

-- Every fill from exec.fills, once per (venue, fill id).
CREATE TABLE fills (
    venue         TEXT NOT NULL,
    fill_id       TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    account       TEXT NOT NULL,
    symbol        TEXT NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    price         NUMERIC NOT NULL,
    quantity      NUMERIC NOT NULL,
    filled_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (venue, fill_id)
);

CREATE INDEX fills_time ON fills (filled_at_ms);
CREATE INDEX fills_account_time ON fills (account, filled_at_ms);
