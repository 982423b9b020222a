-- The register of people (issue 3). ID number, phone and address are sealed with the field
-- cipher and found by exact match through keyed blind indexes; birth date and sex are derived
-- from the ID number and kept in clear for the figures (age bands, women eligible for screening).

CREATE TABLE people (
    id             BIGINT PRIMARY KEY,
    region         TEXT NOT NULL REFERENCES regions (code),
    name           TEXT NOT NULL,
    id_cipher      TEXT NOT NULL,
    id_index       TEXT NOT NULL,
    phone_cipher   TEXT,
    phone_index    TEXT,
    address_cipher TEXT,
    birth_date     DATE NOT NULL,
    sex            TEXT NOT NULL,
    created_by     BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX people_id_index ON people (id_index);
CREATE INDEX people_phone_index ON people (phone_index);
CREATE INDEX people_region ON people (region, id);
CREATE INDEX people_name ON people (name);

CREATE TABLE person_categories (
    person   BIGINT NOT NULL REFERENCES people (id),
    category TEXT NOT NULL,
    region   TEXT NOT NULL,
    PRIMARY KEY (person, category)
);
CREATE INDEX person_categories_category ON person_categories (category, region);
