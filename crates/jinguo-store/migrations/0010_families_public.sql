-- Families and public accounts (issue 4): the two things every family programme stands on.
--
-- A family groups people of the register into one household with a head; it belongs to a
-- village and is the unit of family awards and family points. Members are rows of `people`;
-- a person belongs to at most one family at a time (a member leaves, `left_on`, before joining
-- another).
--
-- Public accounts are the light accounts of women, parents and families on the public pages
-- (DESIGN.md §5, §9): a phone number and a password, apart from staff accounts. The phone is
-- sealed like the register's and found through its blind index. Consent to the processing of
-- personal information is recorded per purpose and version, separately from registration, and
-- can be withdrawn. Public sessions live apart from staff sessions.

CREATE TABLE families (
    id          BIGINT PRIMARY KEY,
    region      TEXT NOT NULL REFERENCES regions (code),
    name        TEXT NOT NULL,                 -- e.g. 张建华家庭
    head        BIGINT REFERENCES people (id), -- the head of the household, a member
    created_by  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX families_region ON families (region, id);

CREATE TABLE family_members (
    id          BIGINT PRIMARY KEY,
    family      BIGINT NOT NULL REFERENCES families (id),
    person      BIGINT NOT NULL REFERENCES people (id),
    region      TEXT NOT NULL,
    relation    TEXT NOT NULL,                 -- head | spouse | child | parent | parent_in_law | grandchild | sibling | other
    joined_on   DATE NOT NULL,
    left_on     DATE,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX family_members_open ON family_members (person) WHERE left_on IS NULL;
CREATE INDEX family_members_family ON family_members (family);

CREATE TABLE public_accounts (
    id             BIGINT PRIMARY KEY,
    phone_cipher   TEXT NOT NULL,
    phone_index    TEXT NOT NULL,
    nickname       TEXT NOT NULL,              -- how she is addressed on the public pages
    password_hash  TEXT NOT NULL,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX public_accounts_phone ON public_accounts (phone_index);

CREATE TABLE public_consents (
    id          BIGINT PRIMARY KEY,
    account     BIGINT NOT NULL REFERENCES public_accounts (id),
    purpose     TEXT NOT NULL,                 -- terms | personal_info | sensitive_info
    version     TEXT NOT NULL,                 -- the version of the text she agreed to
    granted_at  BIGINT NOT NULL,
    withdrawn_at BIGINT,
    ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX public_consents_account ON public_consents (account, purpose);

CREATE TABLE public_sessions (
    id          TEXT PRIMARY KEY,              -- the digest of the token, never the token
    account     BIGINT NOT NULL REFERENCES public_accounts (id),
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX public_sessions_account ON public_sessions (account);
