-- Family points (家风积分制), the goods store (积分超市) and family mottos (家风家训), issue 4.
--
-- The ledger is append-only: every change of a family's points is a row of `points_entries`
-- with a reason, and the family's balance (`family_balances`) is moved in the same transaction
-- by a conditional update that never lets it go below zero. Stock works the same way: every
-- movement of an item is a row of `store_movements`, and `store_items.stock` is moved with it
-- by a conditional update that never oversells. Redemptions carry an idempotency key unique per
-- family, so a retried request answers with the first redemption.

CREATE TABLE family_balances (
    family      BIGINT PRIMARY KEY REFERENCES families (id),
    region      TEXT NOT NULL,
    balance     BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
    updated_at  BIGINT NOT NULL
);
CREATE INDEX family_balances_region ON family_balances (region, balance);

-- The city's list of behaviours that cost points (and, optionally, that earn them).
CREATE TABLE points_rules (
    id          BIGINT PRIMARY KEY,
    region      TEXT NOT NULL REFERENCES regions (code),  -- the federation that keeps the list (the city)
    kind        TEXT NOT NULL,                            -- deduct | earn
    name        TEXT NOT NULL,
    points      BIGINT NOT NULL CHECK (points > 0),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX points_rules_region ON points_rules (region, kind);

-- An activity whose verified participation earns a family N points (once per activity).
CREATE TABLE activity_points (
    activity    BIGINT PRIMARY KEY REFERENCES activities (id),
    region      TEXT NOT NULL,
    points      BIGINT NOT NULL CHECK (points > 0),
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);

CREATE TABLE store_items (
    id          BIGINT PRIMARY KEY,
    region      TEXT NOT NULL REFERENCES regions (code),  -- a town or a village
    name        TEXT NOT NULL,
    price       BIGINT NOT NULL CHECK (price > 0),        -- whole points
    stock       BIGINT NOT NULL CHECK (stock >= 0),       -- whole units on hand (reserved ones are out)
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX store_items_region ON store_items (region, id);

CREATE TABLE redemptions (
    id               BIGINT PRIMARY KEY,
    family           BIGINT NOT NULL REFERENCES families (id),
    item             BIGINT NOT NULL REFERENCES store_items (id),
    region           TEXT NOT NULL,                 -- the item's region
    quantity         BIGINT NOT NULL CHECK (quantity > 0),
    points           BIGINT NOT NULL CHECK (points > 0),
    status           TEXT NOT NULL,                 -- reserved | fulfilled | cancelled
    idempotency_key  TEXT NOT NULL,
    created_by       BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX redemptions_key ON redemptions (family, idempotency_key);
CREATE INDEX redemptions_item ON redemptions (item, id);
CREATE INDEX redemptions_region ON redemptions (region, id);

CREATE TABLE points_entries (
    id          BIGINT PRIMARY KEY,
    family      BIGINT NOT NULL REFERENCES families (id),
    region      TEXT NOT NULL,                      -- the family's region
    points      BIGINT NOT NULL,                    -- signed: + earn/refund, − deduct/redeem/expire
    kind        TEXT NOT NULL,                      -- earn | deduct | adjust | expire | redeem | refund
    reason      TEXT NOT NULL,
    rule        BIGINT REFERENCES points_rules (id),
    activity    BIGINT REFERENCES activities (id),
    redemption  BIGINT REFERENCES redemptions (id),
    entry_day   DATE NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX points_entries_family ON points_entries (family, id);
CREATE INDEX points_entries_region ON points_entries (region, entry_day);
-- A family earns once per activity.
CREATE UNIQUE INDEX points_entries_activity ON points_entries (family, activity) WHERE activity IS NOT NULL;

CREATE TABLE store_movements (
    id          BIGINT PRIMARY KEY,
    item        BIGINT NOT NULL REFERENCES store_items (id),
    region      TEXT NOT NULL,
    kind        TEXT NOT NULL,                      -- opening | restock | redeem | cancel | stocktake
    quantity    BIGINT NOT NULL,                    -- signed
    redemption  BIGINT REFERENCES redemptions (id),
    reason      TEXT NOT NULL DEFAULT '',
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX store_movements_item ON store_movements (item, id);

CREATE TABLE stocktakes (
    id          BIGINT PRIMARY KEY,
    item        BIGINT NOT NULL REFERENCES store_items (id),
    region      TEXT NOT NULL,
    counted     BIGINT NOT NULL,
    expected    BIGINT NOT NULL,                    -- opening + restocks − redemptions + cancellations
    difference  BIGINT NOT NULL,                    -- counted − expected
    reason      TEXT NOT NULL DEFAULT '',
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX stocktakes_item ON stocktakes (item, id);

CREATE TABLE family_mottos (
    id           BIGINT PRIMARY KEY,
    family       BIGINT NOT NULL REFERENCES families (id),
    region       TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,                     -- pending | approved | rejected
    submitted_by BIGINT,
    reviewed_by  BIGINT,
    review_note  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    reviewed_at  BIGINT
);
CREATE INDEX family_mottos_region ON family_mottos (region, status, id);
CREATE INDEX family_mottos_family ON family_mottos (family);
