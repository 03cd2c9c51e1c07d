-- Outcomes that created no row in `users`. A created user is found again by
-- users.request_uuid, but a UserDuplicated outcome leaves no trace there, so
-- without this table GET /requests/<id> could not answer for it after a
-- restart, and an Idempotency-Key (= request ID) reused with another name
-- after a duplicated first use would go unnoticed. One row per request ID,
-- written once and never overwritten. Additive: the contract's `users` table
-- is unchanged, so the reference implementation keeps working beside us.
-- Applied once by scripts/migrate; written idempotently anyway.
CREATE TABLE IF NOT EXISTS request_outcomes (
    request_uuid CHAR(36) NOT NULL,
    -- 'UserDuplicated' for now; a column so later outcomes fit without a migration.
    event_type VARCHAR(32) NOT NULL,
    -- The name exactly as the request carried it (byte for byte), to tell a
    -- redelivery from a request ID reused for another name.
    name VARCHAR(255) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (request_uuid)
) DEFAULT CHARSET=utf8mb4;
