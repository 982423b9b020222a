-- SQLite only: PostgreSQL keeps a table beside its primary-key index whatever it is told.
-- The roll-ups and the people's categories are found by their primary keys. As ordinary SQLite
-- tables each was two B-trees, the rows by rowid and an index repeating the whole key; as
-- WITHOUT ROWID tables each is one B-tree ordered by the key. A bulk import then writes its
-- roll-ups and categories once instead of twice, and a roll-up read is one lookup, not two.

CREATE TABLE rollups_by_key (
    metric TEXT NOT NULL,
    region TEXT NOT NULL,
    tier   BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    value  BIGINT NOT NULL,
    PRIMARY KEY (metric, region, tier, bucket)
) WITHOUT ROWID;
INSERT INTO rollups_by_key (metric, region, tier, bucket, value)
SELECT metric, region, tier, bucket, value FROM rollups ORDER BY metric, region, tier, bucket;
DROP TABLE rollups;
ALTER TABLE rollups_by_key RENAME TO rollups;

CREATE TABLE person_categories_by_key (
    person   BIGINT NOT NULL REFERENCES people (id),
    category TEXT NOT NULL,
    region   TEXT NOT NULL,
    PRIMARY KEY (person, category)
) WITHOUT ROWID;
INSERT INTO person_categories_by_key (person, category, region)
SELECT person, category, region FROM person_categories ORDER BY person, category;
DROP TABLE person_categories;
ALTER TABLE person_categories_by_key RENAME TO person_categories;
CREATE INDEX person_categories_category ON person_categories (category, region);
