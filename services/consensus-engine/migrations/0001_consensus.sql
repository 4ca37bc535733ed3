-- consensus-engine: registered voters and their records, proposals being decided,
-- decisions with every round and every vote, and outcomes.

-- Enum-like columns hold the contract's enum value names without their prefix
-- (BUY, ANSWERED, APPROVED, FIXED, STRATEGY).
CREATE TABLE voters (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL CHECK (weight > 0),
    weight_mode TEXT NOT NULL CHECK (weight_mode IN ('FIXED', 'ACCURACY')),
    enabled BOOLEAN NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    registered_at TIMESTAMPTZ NOT NULL
);

-- Resolved votes per voter, summed by the outcome resolver.
CREATE TABLE voter_stats (
    voter TEXT PRIMARY KEY,
    resolved BIGINT NOT NULL DEFAULT 0,
    correct BIGINT NOT NULL DEFAULT 0,
    brier_sum DOUBLE PRECISION NOT NULL DEFAULT 0
);

-- Resolved votes per voter and confidence bucket ([0, 0.1) is 0, ..., [0.9, 1] is 9).
CREATE TABLE voter_calibration (
    voter TEXT NOT NULL,
    bucket SMALLINT NOT NULL CHECK (bucket BETWEEN 0 AND 9),
    votes BIGINT NOT NULL,
    confidence_sum DOUBLE PRECISION NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (voter, bucket)
);

-- Proposals being decided or decided: the primary key lets one call at a time ask the
-- voters. Storing the decision sets expires_at to infinity; a claim past expires_at (its
-- holder died) may be taken over.
CREATE TABLE claims (
    proposal_id TEXT PRIMARY KEY,
    holder UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE decisions (
    decision_id UUID PRIMARY KEY,
    proposal_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    symbol TEXT NOT NULL,
    -- quorum.market.v1.Venue number; 0 is every venue.
    venue INTEGER NOT NULL,
    candle_interval TEXT NOT NULL,
    horizon_ms BIGINT NOT NULL,
    as_of TIMESTAMPTZ NOT NULL,
    -- The proposal as received (protobuf), candles and context included.
    proposal BYTEA NOT NULL,
    approved BOOLEAN NOT NULL,
    verdict TEXT NOT NULL,
    -- Leading decision of the last round; NULL when nobody answered one.
    decision TEXT,
    agreement DOUBLE PRECISION NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    quorum DOUBLE PRECISION NOT NULL,
    max_rounds INTEGER NOT NULL,
    voter_deadline_ms INTEGER NOT NULL,
    rounds INTEGER NOT NULL,
    dissenters TEXT[] NOT NULL,
    explanation TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    -- When the resolver next tries to judge the outcome; NULL when there is nothing to
    -- judge (YES_NO proposals).
    resolve_after TIMESTAMPTZ,
    resolve_attempts INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    return_fraction DOUBLE PRECISION,
    resolved_at TIMESTAMPTZ
);

CREATE INDEX decisions_newest ON decisions (decided_at DESC, decision_id DESC);
CREATE INDEX decisions_by_symbol ON decisions (symbol, decided_at DESC, decision_id DESC);
CREATE INDEX decisions_unresolved ON decisions (resolve_after)
    WHERE resolved_at IS NULL AND resolve_after IS NOT NULL;

CREATE TABLE rounds (
    decision_id UUID NOT NULL REFERENCES decisions ON DELETE CASCADE,
    round INTEGER NOT NULL,
    leading_decision TEXT,
    agreement DOUBLE PRECISION NOT NULL,
    -- [{"decision": "BUY", "weight": 2.5, "voters": 2}, ...], heaviest first.
    tally JSONB NOT NULL,
    PRIMARY KEY (decision_id, round)
);

CREATE TABLE votes (
    decision_id UUID NOT NULL,
    round INTEGER NOT NULL,
    voter TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    decision TEXT,
    confidence DOUBLE PRECISION,
    rationale TEXT NOT NULL,
    -- quorum.ai.v1.Evidence (protobuf) as the voter sent it.
    evidence BYTEA,
    voter_version TEXT NOT NULL,
    compute_micros BIGINT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cost NUMERIC,
    error TEXT NOT NULL,
    latency_micros BIGINT NOT NULL,
    -- Set on the voter's last answered ballot once the outcome is resolved.
    correct BOOLEAN,
    brier DOUBLE PRECISION,
    PRIMARY KEY (decision_id, round, voter),
    FOREIGN KEY (decision_id, round) REFERENCES rounds ON DELETE CASCADE
);

CREATE INDEX votes_answered_by_voter ON votes (voter, decision_id) WHERE status = 'ANSWERED';
