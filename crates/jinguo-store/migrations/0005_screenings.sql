-- Two-cancer screening (两癌筛查) of women aged 35–64. The statistical year runs 1 April to
-- 31 March; a woman screened twice for the same cancer in one statistical year counts once, and
-- the later record is flagged as a repeat.

CREATE TABLE screenings (
    id           BIGINT PRIMARY KEY,
    person       BIGINT NOT NULL REFERENCES people (id),
    region       TEXT NOT NULL,
    kind         TEXT NOT NULL,          -- cervical | breast
    screened_on  DATE NOT NULL,
    stat_year    BIGINT NOT NULL,
    site         TEXT NOT NULL,
    result       TEXT NOT NULL,          -- normal | abnormal | suspected
    repeat_in_year BOOLEAN NOT NULL,
    follow_up_on DATE,
    diagnosis    TEXT NOT NULL DEFAULT '',
    created_by   BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX screenings_person ON screenings (person, kind, stat_year);
CREATE INDEX screenings_region ON screenings (region, screened_on);
CREATE INDEX screenings_follow_up ON screenings (follow_up_on, screened_on);
