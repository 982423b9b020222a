-- Women on the register by birth month (issue 5: the dashboard at city scale). The metric
-- people.women.born holds +1 per woman in the bucket of her birth month, in the year (tier 0)
-- and month (tier 1) tiers, for her village and every ancestor; the writers keep it from now
-- on, and this fills it in for the women registered before. Women aged 35–64 on a day are then
-- a sum over whole birth months plus the two part months at the ends, which the partial index
-- below counts from the register.

CREATE INDEX people_women_birth ON people (birth_date) WHERE sex = 'female';

WITH women AS (
    SELECT region,
           CAST(substr(CAST(birth_date AS TEXT), 1, 4) || substr(CAST(birth_date AS TEXT), 6, 2) AS BIGINT) AS month,
           COUNT(*) AS n
    FROM people
    WHERE sex = 'female'
    GROUP BY region, CAST(substr(CAST(birth_date AS TEXT), 1, 4) || substr(CAST(birth_date AS TEXT), 6, 2) AS BIGINT)
),
lineage AS (
    SELECT substr(region, 1, 2) || '0000000000' AS code, month, n FROM women
    UNION ALL
    SELECT substr(region, 1, 4) || '00000000', month, n FROM women WHERE substr(region, 3, 2) <> '00'
    UNION ALL
    SELECT substr(region, 1, 6) || '000000', month, n FROM women WHERE substr(region, 5, 2) <> '00'
    UNION ALL
    SELECT substr(region, 1, 9) || '000', month, n FROM women WHERE substr(region, 7, 3) <> '000'
    UNION ALL
    SELECT region, month, n FROM women WHERE substr(region, 10, 3) <> '000'
),
buckets AS (
    SELECT code, 1 AS tier, month AS bucket, n FROM lineage
    UNION ALL
    SELECT code, 0 AS tier, month / 100 AS bucket, n FROM lineage
)
INSERT INTO rollups (metric, region, tier, bucket, value)
SELECT 'people.women.born', code, tier, bucket, CAST(SUM(n) AS BIGINT) FROM buckets GROUP BY code, tier, bucket;
