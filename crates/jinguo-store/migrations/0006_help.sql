-- One-to-one help and aid (一对一帮扶, issue 3): pairings of a helper with a woman, aid records
-- with amounts in whole fen, and mutual-aid groups with their members and meetings. Every table
-- keeps the region code of the woman (or the group) for scope and sharding. The helper is named
-- but no contact of hers is kept here: helpers are executive members, volunteers and cadres whose
-- contacts live with the federation, so no personal field needs sealing.

CREATE TABLE pairings (
    id           BIGINT PRIMARY KEY,
    person       BIGINT NOT NULL REFERENCES people (id),
    region       TEXT NOT NULL,
    helper_name  TEXT NOT NULL,
    helper_kind  TEXT NOT NULL,          -- executive_member | volunteer | cadre
    started_on   DATE NOT NULL,
    ended_on     DATE,
    end_reason   TEXT NOT NULL DEFAULT '',
    created_by   BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX pairings_person ON pairings (person, started_on);
CREATE INDEX pairings_region ON pairings (region, id);

CREATE TABLE aid (
    id          BIGINT PRIMARY KEY,
    person      BIGINT NOT NULL REFERENCES people (id),
    region      TEXT NOT NULL,
    kind        TEXT NOT NULL,           -- living | medical | education | other
    given_on    DATE NOT NULL,
    amount_fen  BIGINT NOT NULL,
    source      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX aid_person ON aid (person, given_on);
CREATE INDEX aid_region ON aid (region, given_on);

CREATE TABLE mutual_aid_groups (
    id          BIGINT PRIMARY KEY,
    region      TEXT NOT NULL REFERENCES regions (code),
    name        TEXT NOT NULL,
    topic       TEXT NOT NULL DEFAULT '',
    leader      TEXT NOT NULL,
    formed_on   DATE NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX mutual_aid_groups_region ON mutual_aid_groups (region, id);

-- A woman may leave a group and join it again later: one open membership at a time.
CREATE TABLE group_members (
    id          BIGINT PRIMARY KEY,
    group_id    BIGINT NOT NULL REFERENCES mutual_aid_groups (id),
    person      BIGINT NOT NULL REFERENCES people (id),
    region      TEXT NOT NULL,
    joined_on   DATE NOT NULL,
    left_on     DATE,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX group_members_open ON group_members (group_id, person) WHERE left_on IS NULL;
CREATE INDEX group_members_person ON group_members (person);

CREATE TABLE group_meetings (
    id          BIGINT PRIMARY KEY,
    group_id    BIGINT NOT NULL REFERENCES mutual_aid_groups (id),
    region      TEXT NOT NULL,
    held_on     DATE NOT NULL,
    topic       TEXT NOT NULL,
    attendees   BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX group_meetings_group ON group_meetings (group_id, held_on);
CREATE INDEX group_meetings_region ON group_meetings (region, held_on);
