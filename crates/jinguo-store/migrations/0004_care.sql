-- Dynamic monitoring of vulnerable women (动态监测): a care case per woman with a risk level
-- that sets the visit interval, and the visits (走访) recorded against it. `next_due` is kept by
-- the application (the last visit, or the opening, plus the interval), so the overdue list is an
-- index range, not date arithmetic in SQL.

CREATE TABLE care_cases (
    id            BIGINT PRIMARY KEY,
    person        BIGINT NOT NULL REFERENCES people (id),
    region        TEXT NOT NULL,
    risk          TEXT NOT NULL,
    interval_days BIGINT NOT NULL,
    opened_on     DATE NOT NULL,
    last_visit_on DATE,
    next_due      DATE NOT NULL,
    closed_on     DATE,
    close_reason  TEXT NOT NULL DEFAULT '',
    opened_by     BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX care_cases_open_person ON care_cases (person) WHERE closed_on IS NULL;
CREATE INDEX care_cases_due ON care_cases (next_due, region);
CREATE INDEX care_cases_region ON care_cases (region, id);

CREATE TABLE visits (
    id              BIGINT PRIMARY KEY,
    care_case       BIGINT NOT NULL REFERENCES care_cases (id),
    person          BIGINT NOT NULL REFERENCES people (id),
    region          TEXT NOT NULL,
    visited_on      DATE NOT NULL,
    visitor_account BIGINT,
    visitor_name    TEXT NOT NULL,
    findings        TEXT NOT NULL,
    needs           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX visits_case ON visits (care_case, visited_on);
CREATE INDEX visits_region ON visits (region, visited_on);
