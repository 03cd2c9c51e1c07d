-- The gateway's own idempotency store for configured routes (issue 16) whose
-- services keep no outcomes and are not idempotent by request ID: one row per
-- request, written by db::mysql_gateway_store. A client's Idempotency-Key is
-- unique per route through a SHA-256 of it (keys are up to 255 arbitrary
-- bytes; the key itself is kept and compared too). Keyless requests leave
-- key_hash NULL, which a UNIQUE key allows any number of times. Times are
-- milliseconds since the epoch, from the gateway's clock, so the server's
-- time zone never matters. Additive: no other table changes.
-- Applied once by scripts/migrate; written idempotently anyway.
CREATE TABLE IF NOT EXISTS gateway_requests (
    request_uuid CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- Bytes, compared as bytes: a route and a key are names, not text.
    route VARBINARY(255) NOT NULL,
    key_hash BINARY(32) NULL,
    idempotency_key VARBINARY(255) NULL,
    -- SHA-256 (hex) of what identifies the request's content.
    body_digest CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- The first reply; both NULL while the request is in flight.
    reply_event_type VARBINARY(1024) NULL,
    reply_value MEDIUMBLOB NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    PRIMARY KEY (request_uuid),
    UNIQUE KEY route_key (route, key_hash),
    KEY expires (expires_ms)
) DEFAULT CHARSET=utf8mb4;
