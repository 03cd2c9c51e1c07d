-- The deposits example's tables (examples/deposits), beside the contract's
-- tables in the same database. IDs compare byte for byte (utf8mb4_bin): an
-- account 'A1' is not 'a1'. Applied by scripts/migrate
-- (SEMIASYNC_MIGRATIONS_DIR=examples/deposits/migrations, as scripts/demo
-- --example deposits does); written idempotently anyway.
CREATE TABLE IF NOT EXISTS deposit_accounts (
    account_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    -- Cents; the rule never lets it go below 0.
    balance BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id)
) DEFAULT CHARSET=utf8mb4;

-- Applied movements: one row per account and movement ID.
CREATE TABLE IF NOT EXISTS deposits (
    account_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    deposit_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    request_uuid CHAR(36) NOT NULL,
    amount BIGINT NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (account_id, deposit_id)
) DEFAULT CHARSET=utf8mb4;

-- Every decided request's outcome, written once in the transaction that
-- decided it, so a redelivered request gets the same answer even after the
-- balance moved on. The request's fields tell a redelivery from a request
-- ID reused for another movement.
CREATE TABLE IF NOT EXISTS deposit_outcomes (
    request_uuid CHAR(36) NOT NULL,
    account_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    deposit_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    amount BIGINT NOT NULL,
    event_type VARCHAR(32) NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (request_uuid)
) DEFAULT CHARSET=utf8mb4;
