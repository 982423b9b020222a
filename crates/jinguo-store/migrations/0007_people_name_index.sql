-- Names are searched with LIKE '%…%' inside a region range, which no index on the name can
-- serve; the index only slowed every registration (and bulk imports most).
DROP INDEX people_name;
