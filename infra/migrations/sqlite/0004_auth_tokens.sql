-- Short-lived access tokens plus refresh tokens, and a way to revoke both.
--
-- token_version: every access token carries the version it was issued under; the guard refuses
-- a token whose version is not the user's current one. Demoting an admin (and, later, changing
-- a password or deleting the account) bumps it, so tokens issued before stop working at once.
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;

-- Refresh tokens. Only a SHA-256 of each token is stored: the token is 32 random bytes, so a
-- fast hash is enough, and a copy of this table lets nobody log in.
CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,                       -- hex SHA-256 of the token
    user_id     TEXT NOT NULL REFERENCES users (id),
    family_id   TEXT NOT NULL,                          -- the login this chain of rotations started from
    issued_by   TEXT NOT NULL,                          -- invocation that issued it: a retried step replaces its own token
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    spent_at    BIGINT,                                 -- set when rotated by Auth/refresh
    spent_by    TEXT,                                   -- the Auth/refresh invocation that spent it
    revoked_at  BIGINT                                  -- demotion, password change, reuse of a spent token
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_issued_by ON refresh_tokens (issued_by);
