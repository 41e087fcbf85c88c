-- Migration of a taskacct database from schema version 3 to 4, applied by
-- taskacctd in one transaction.  Each section below belongs to one change;
-- sql/schema.sql carries the same objects (tests/unit_schema checks that
-- version 1 plus every migration equals it).

-- Section: rollups at every scale (hour and day levels, per-hour top-K
-- candidates, per-process totals).

-- Section: leaner rows (indexes, packed columns).

-- Section: identity values no longer referenced (retention).

PRAGMA user_version = 4;
