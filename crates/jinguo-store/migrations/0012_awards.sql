-- Award campaigns (评选, issue 4): a campaign with its kind, year, timetable and quotas per
-- county; nominations of families (and persons, for the person kinds) with their story and
-- photos; reviews level by level (town → county → city); the optional public vote; the public
-- notice (公示) and its objections; honours recorded on families (by a finalised campaign, or by
-- hand for province and national honours); roadshows (巡讲) telling honoured families' stories.
--
-- Quotas are places per county and level: an approval at a level takes a place with a
-- conditional UPDATE (`used < quota`), so two reviewers approving at once can never exceed it on
-- any engine; sending back or withdrawing a nomination gives its places back.

CREATE TABLE award_campaigns (
    id             BIGINT PRIMARY KEY,
    region         TEXT NOT NULL REFERENCES regions (code),  -- the city that runs it
    kind           TEXT NOT NULL,        -- civilised | most_beautiful | integrity | good_mother_in_law | good_daughter_in_law | science_star | custom
    kind_name      TEXT NOT NULL,        -- the award's name as published (the city's own for custom)
    for_person     BOOLEAN NOT NULL,     -- the honour names a person of the family
    level          TEXT NOT NULL DEFAULT 'city',
    year           BIGINT NOT NULL,
    title          TEXT NOT NULL,
    nominate_from  DATE NOT NULL,
    nominate_to    DATE NOT NULL,
    review_from    DATE NOT NULL,
    review_to      DATE NOT NULL,
    vote_from      DATE,
    vote_to        DATE,
    vote_weight    BIGINT NOT NULL DEFAULT 0,   -- % of the composite score from the public vote
    notice_from    DATE NOT NULL,               -- the earliest day the list may be published
    notice_days    BIGINT NOT NULL DEFAULT 7,
    notice_start   DATE,                        -- set when published
    notice_end     DATE,
    status         TEXT NOT NULL,               -- open | notice | finalised
    finalised_on   DATE,
    created_by     BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX award_campaigns_region ON award_campaigns (region, id);

CREATE TABLE award_quotas (
    campaign     BIGINT NOT NULL REFERENCES award_campaigns (id),
    county       TEXT NOT NULL,                 -- padded county code
    quota        BIGINT NOT NULL,
    town_used    BIGINT NOT NULL DEFAULT 0,
    county_used  BIGINT NOT NULL DEFAULT 0,
    city_used    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, county)
);

CREATE TABLE award_nominations (
    id                 BIGINT PRIMARY KEY,
    campaign           BIGINT NOT NULL REFERENCES award_campaigns (id),
    region             TEXT NOT NULL,           -- the family's village
    county             TEXT NOT NULL,           -- padded county code (the quota it counts against)
    family             BIGINT NOT NULL REFERENCES families (id),
    person             BIGINT REFERENCES people (id),
    source             TEXT NOT NULL,           -- federation | third_party | self
    nominator          TEXT NOT NULL,           -- a federation's or a person's name
    public_account     BIGINT REFERENCES public_accounts (id),
    story              TEXT NOT NULL,
    stage              TEXT NOT NULL,           -- submitted | town_approved | county_approved | city_approved | returned | withdrawn
    return_reason      TEXT NOT NULL DEFAULT '',
    panel_score        BIGINT,
    nominated_on       DATE NOT NULL,
    created_by         BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX award_nominations_campaign ON award_nominations (campaign, region, id);
CREATE INDEX award_nominations_family ON award_nominations (family);
CREATE UNIQUE INDEX award_nominations_once ON award_nominations (campaign, family) WHERE stage <> 'withdrawn';

CREATE TABLE award_photos (
    id          BIGINT PRIMARY KEY,
    nomination  BIGINT NOT NULL REFERENCES award_nominations (id),
    file        TEXT NOT NULL,                  -- path under the data dir
    mime        TEXT NOT NULL,
    bytes       BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX award_photos_nomination ON award_photos (nomination);

CREATE TABLE award_reviews (
    id          BIGINT PRIMARY KEY,
    nomination  BIGINT NOT NULL REFERENCES award_nominations (id),
    level       TEXT NOT NULL,                  -- town | county | city
    decision    TEXT NOT NULL,                  -- approve | return
    reason      TEXT NOT NULL DEFAULT '',
    reviewer    BIGINT,
    reviewer_name TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX award_reviews_nomination ON award_reviews (nomination, at);

-- One vote per public account per nominee per day. A vote in a suspicious burst is flagged and
-- not counted until an officer clears it.
CREATE TABLE award_votes (
    id          BIGINT PRIMARY KEY,
    campaign    BIGINT NOT NULL REFERENCES award_campaigns (id),
    nomination  BIGINT NOT NULL REFERENCES award_nominations (id),
    account     BIGINT NOT NULL REFERENCES public_accounts (id),
    day         DATE NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,                  -- counted | flagged | cleared | rejected
    flag_reason TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX award_votes_daily ON award_votes (nomination, account, day);
CREATE INDEX award_votes_account ON award_votes (account, at);
CREATE INDEX award_votes_nomination ON award_votes (nomination, at);

CREATE TABLE award_objections (
    id          BIGINT PRIMARY KEY,
    campaign    BIGINT NOT NULL REFERENCES award_campaigns (id),
    nomination  BIGINT NOT NULL REFERENCES award_nominations (id),
    region      TEXT NOT NULL,
    account     BIGINT REFERENCES public_accounts (id),
    raised_by   TEXT NOT NULL,                  -- `public:<id>`, or a staff username for one taken by phone
    text        TEXT NOT NULL,
    raised_on   DATE NOT NULL,
    status      TEXT NOT NULL,                  -- open | upheld | dismissed
    answer      TEXT NOT NULL DEFAULT '',
    answered_by BIGINT,
    answered_at BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX award_objections_campaign ON award_objections (campaign, id);

CREATE TABLE honours (
    id          BIGINT PRIMARY KEY,
    family      BIGINT NOT NULL REFERENCES families (id),
    person      BIGINT REFERENCES people (id),
    campaign    BIGINT REFERENCES award_campaigns (id),
    kind        TEXT NOT NULL,
    level       TEXT NOT NULL,                  -- city | province | national
    year        BIGINT NOT NULL,
    title       TEXT NOT NULL,
    region      TEXT NOT NULL,                  -- the family's village
    awarded_on  DATE NOT NULL,
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX honours_family ON honours (family, year);
CREATE INDEX honours_region ON honours (region, id);

CREATE TABLE roadshows (
    id          BIGINT PRIMARY KEY,
    region      TEXT NOT NULL REFERENCES regions (code),
    held_on     DATE NOT NULL,
    place       TEXT NOT NULL,
    title       TEXT NOT NULL,
    audience    BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX roadshows_region ON roadshows (region, id);

CREATE TABLE roadshow_families (
    roadshow    BIGINT NOT NULL REFERENCES roadshows (id),
    family      BIGINT NOT NULL REFERENCES families (id),
    PRIMARY KEY (roadshow, family)
);
