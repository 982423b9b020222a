-- The overdue list reads open cases by due date. An index of open cases only, in the list's
-- order and covering the region, keeps the whole city's list to the overdue entries (not every
-- case ever opened); closed cases never enter it.
DROP INDEX care_cases_due;
CREATE INDEX care_cases_overdue ON care_cases (next_due, id, region) WHERE closed_on IS NULL;
