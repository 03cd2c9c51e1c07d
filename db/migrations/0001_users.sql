-- The reference implementation's users table (see the wire contract), in utf8mb4.
-- Applied once by scripts/migrate; written idempotently anyway.
CREATE TABLE IF NOT EXISTS users (
    id INT NOT NULL AUTO_INCREMENT,
    uuid CHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    request_uuid CHAR(36) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uuid (uuid),
    UNIQUE KEY requestUUID (request_uuid),
    UNIQUE KEY name (name)
) DEFAULT CHARSET=utf8mb4;
