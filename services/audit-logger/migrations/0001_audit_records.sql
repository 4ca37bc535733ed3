-- The audit chain, its signed checkpoints and the checkpoint signing key.
-- Rows are never changed or removed: triggers refuse UPDATE, DELETE and TRUNCATE.

CREATE TABLE audit_records (
    sequence        BIGINT PRIMARY KEY CHECK (sequence > 0),
    event_id        TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    resource        TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    occurred_at_ms  BIGINT NOT NULL,
    source_service  TEXT NOT NULL,
    source_address  TEXT NOT NULL,
    -- Canonical JSON text exactly as hashed (jsonb would not keep the bytes).
    details_json    TEXT NOT NULL,
    recorded_at_ms  BIGINT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);

CREATE UNIQUE INDEX audit_records_event_id ON audit_records (event_id);
CREATE INDEX audit_records_actor ON audit_records (actor, sequence);
CREATE INDEX audit_records_action ON audit_records (action, sequence);
CREATE INDEX audit_records_resource ON audit_records (resource, sequence);
CREATE INDEX audit_records_occurred_at ON audit_records (occurred_at_ms, sequence);

CREATE TABLE checkpoints (
    sequence       BIGINT PRIMARY KEY,
    hash           TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    signature      TEXT NOT NULL,
    public_key     TEXT NOT NULL
);

CREATE TABLE signing_key (
    id             SMALLINT PRIMARY KEY CHECK (id = 1),
    seed_hex       TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL
);

CREATE FUNCTION refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% refused: the audit trail is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_records_append_only
    BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_records_no_truncate
    BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_append_only
    BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER checkpoints_no_truncate
    BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
