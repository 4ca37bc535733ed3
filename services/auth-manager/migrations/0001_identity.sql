-- Principals (users and service accounts), their API keys, refresh tokens and the
-- Ed25519 keys that sign access tokens.
CREATE TABLE principals (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'service_account')),
    password_hash TEXT,
    roles TEXT[] NOT NULL DEFAULT '{}',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id UUID PRIMARY KEY,
    principal_id UUID NOT NULL REFERENCES principals (id),
    prefix TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL,
    scopes TEXT[] NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_keys_principal ON api_keys (principal_id);

CREATE TABLE refresh_tokens (
    id UUID PRIMARY KEY,
    principal_id UUID NOT NULL REFERENCES principals (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    replaced_by UUID
);
CREATE INDEX refresh_tokens_principal ON refresh_tokens (principal_id);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    secret_seed BYTEA NOT NULL,
    public_key BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Newest key that is not retired signs; retired keys still verify until they expire.
    retired_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
);
