-- Family education and the online parent school (issue 4, part D).
--
-- The four-level guidance system (四级家庭教育指导服务体系): one guidance centre per region at
-- city, county, town or village level (the level follows the region), lecturer teams of a centre
-- and their lecturers (name and speciality only: no contact is kept here, so nothing needs
-- sealing), and the service activities they hold (进社区/进学校/进农村). The households an
-- activity served are families of the register (one row each, in the family's region) and/or a
-- count of unnamed households kept on the activity.
--
-- The online parent school (线上家长学校): articles and videos (drafts until published; views are
-- counted in buffered batches, never one write per view), and parents' consultations asked from a
-- public account, assigned by staff to a lecturer, answered, and rated once by the parent.

CREATE TABLE guidance_centres (
    id          BIGINT PRIMARY KEY,
    region      TEXT NOT NULL REFERENCES regions (code),
    level       TEXT NOT NULL,                 -- city | county | town | village
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    founded_on  DATE NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX guidance_centres_region ON guidance_centres (region);

CREATE TABLE lecturer_teams (
    id          BIGINT PRIMARY KEY,
    centre      BIGINT NOT NULL REFERENCES guidance_centres (id),
    region      TEXT NOT NULL,                 -- the centre's region
    name        TEXT NOT NULL,
    formed_on   DATE NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX lecturer_teams_region ON lecturer_teams (region, id);
CREATE INDEX lecturer_teams_centre ON lecturer_teams (centre);

CREATE TABLE lecturers (
    id          BIGINT PRIMARY KEY,
    team        BIGINT NOT NULL REFERENCES lecturer_teams (id),
    region      TEXT NOT NULL,                 -- the team's region
    name        TEXT NOT NULL,
    speciality  TEXT NOT NULL,
    joined_on   DATE NOT NULL,
    left_on     DATE,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX lecturers_region ON lecturers (region, id);
CREATE INDEX lecturers_team ON lecturers (team);

CREATE TABLE education_activities (
    id                  BIGINT PRIMARY KEY,
    region              TEXT NOT NULL REFERENCES regions (code),
    kind                TEXT NOT NULL,         -- community | school | rural
    held_on             DATE NOT NULL,
    place               TEXT NOT NULL,
    topic               TEXT NOT NULL,
    lecturer            BIGINT REFERENCES lecturers (id),
    unnamed_households  BIGINT NOT NULL DEFAULT 0,
    created_by          BIGINT,
    created_at          BIGINT NOT NULL
);
CREATE INDEX education_activities_region ON education_activities (region, held_on);

CREATE TABLE education_households (
    id          BIGINT PRIMARY KEY,
    activity    BIGINT NOT NULL REFERENCES education_activities (id),
    family      BIGINT NOT NULL REFERENCES families (id),
    region      TEXT NOT NULL,                 -- the family's region
    served_on   DATE NOT NULL
);
CREATE UNIQUE INDEX education_households_once ON education_households (activity, family);
CREATE INDEX education_households_region ON education_households (region, served_on);

CREATE TABLE school_items (
    id            BIGINT PRIMARY KEY,
    region        TEXT NOT NULL REFERENCES regions (code),  -- the publishing federation's region
    kind          TEXT NOT NULL,               -- article | video
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    video_url     TEXT NOT NULL DEFAULT '',    -- https only
    topic         TEXT NOT NULL,
    age_group     TEXT NOT NULL,
    status        TEXT NOT NULL,               -- draft | published
    published_on  DATE,
    views         BIGINT NOT NULL DEFAULT 0,
    created_by    BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX school_items_region ON school_items (region, id);
CREATE INDEX school_items_published ON school_items (status, published_on, id);

CREATE TABLE consultations (
    id           BIGINT PRIMARY KEY,
    account      BIGINT NOT NULL REFERENCES public_accounts (id),
    region       TEXT NOT NULL REFERENCES regions (code),   -- where the parent lives (county or below)
    age_group    TEXT NOT NULL,
    question     TEXT NOT NULL,
    asked_at     BIGINT NOT NULL,
    lecturer     BIGINT REFERENCES lecturers (id),
    assigned_by  BIGINT,
    assigned_at  BIGINT,
    answer       TEXT NOT NULL DEFAULT '',
    answered_by  BIGINT,
    answered_at  BIGINT,
    rating       TEXT,                         -- good | ok | poor, once
    rated_at     BIGINT
);
CREATE INDEX consultations_region ON consultations (region, asked_at);
CREATE INDEX consultations_account ON consultations (account, asked_at);
