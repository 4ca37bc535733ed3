-- risk-manager: per-account limits, the one global trading state and its history, and
-- what the drawdown monitor and the daily loss rule remember of each account's equity.
-- Amounts are NUMERIC, written and read as text so no precision is lost.

CREATE TABLE limits (
    account               TEXT PRIMARY KEY,
    max_order_notional    NUMERIC NOT NULL CHECK (max_order_notional > 0),
    max_position_notional NUMERIC NOT NULL CHECK (max_position_notional > 0),
    max_gross_exposure    NUMERIC NOT NULL CHECK (max_gross_exposure > 0),
    max_net_exposure      NUMERIC NOT NULL CHECK (max_net_exposure > 0),
    max_leverage          NUMERIC NOT NULL CHECK (max_leverage > 0),
    max_daily_loss        NUMERIC NOT NULL CHECK (max_daily_loss >= 0),
    max_orders_per_minute BIGINT NOT NULL CHECK (max_orders_per_minute > 0),
    price_band_bps        BIGINT NOT NULL CHECK (price_band_bps > 0),
    reducing_drawdown     DOUBLE PRECISION NOT NULL,
    halting_drawdown      DOUBLE PRECISION NOT NULL,
    updated_by            TEXT NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row: the state every order is checked against.
CREATE TABLE trading_state (
    singleton  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    state      TEXT NOT NULL CHECK (state IN ('active', 'reducing', 'halted')),
    reason     TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO trading_state (state, reason, changed_by)
VALUES ('active', 'initial state', 'risk-manager');

CREATE TABLE trading_state_history (
    id         BIGSERIAL PRIMARY KEY,
    state      TEXT NOT NULL CHECK (state IN ('active', 'reducing', 'halted')),
    previous   TEXT NOT NULL CHECK (previous IN ('active', 'reducing', 'halted')),
    reason     TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The highest equity seen per account (drawdown is measured from it), and the latest.
CREATE TABLE equity_peaks (
    account     TEXT PRIMARY KEY,
    peak        NUMERIC NOT NULL,
    peak_at     TIMESTAMPTZ NOT NULL,
    equity      NUMERIC NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL
);

-- The first equity seen per account and UTC day: the daily loss rule's start of day when
-- portfolio-manager's equity history has no point for the day.
CREATE TABLE day_open_equity (
    account     TEXT NOT NULL,
    day         DATE NOT NULL,
    equity      NUMERIC NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account, day)
);

-- Accounts with orders checked lately: the drawdown monitor watches them.
CREATE TABLE checked_accounts (
    account         TEXT PRIMARY KEY,
    last_checked_at TIMESTAMPTZ NOT NULL
);
