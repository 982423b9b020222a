-- Confirmed attendance: the registered people an organiser confirms took part in an activity.
-- The activity's own participant count (人次) stays the figure; these are the named ones among
-- them, which later programmes (family points, training) build on.

CREATE TABLE activity_attendance (
    activity     BIGINT NOT NULL REFERENCES activities (id),
    person       BIGINT NOT NULL REFERENCES people (id),
    region       TEXT NOT NULL,
    confirmed_by BIGINT,
    confirmed_at BIGINT NOT NULL,
    PRIMARY KEY (activity, person)
);
CREATE INDEX activity_attendance_person ON activity_attendance (person);
