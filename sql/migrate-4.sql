-- Migration of a taskacct database from schema version 3 to 4, applied by
-- taskacctd in one transaction.  Each section below belongs to one change;
-- sql/schema.sql carries the same objects (tests/unit_schema checks that
-- version 1 plus every migration equals it).

-- Section: rollups at every scale (hour and day levels, per-hour top-K
-- candidates, per-process totals).

-- Section: leaner rows (indexes, packed columns).

-- Section: identity values no longer referenced (retention).
-- last_used: when a tasks row last pointed at the value (us since the
-- epoch, at the insert; taskacctd moves it forward at most once a minute,
-- src/identstore.c), so that retention can delete the values no row left
-- points at without scanning tasks.  Values no row points at now get 0.
ALTER TABLE cmdlines ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE exes ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cgroups ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cmdlines_last_used ON cmdlines(last_used);
CREATE INDEX exes_last_used ON exes(last_used);
CREATE INDEX cgroups_last_used ON cgroups(last_used);
UPDATE cmdlines SET last_used = u.t FROM (SELECT args_id AS id,
	max(recv_time) AS t FROM tasks WHERE args_id IS NOT NULL
	GROUP BY args_id) AS u WHERE u.id = cmdlines.id;
UPDATE exes SET last_used = u.t FROM (SELECT exe_id AS id,
	max(recv_time) AS t FROM tasks WHERE exe_id IS NOT NULL
	GROUP BY exe_id) AS u WHERE u.id = exes.id;
UPDATE cgroups SET last_used = u.t FROM (SELECT cgroup_id AS id,
	max(recv_time) AS t FROM tasks WHERE cgroup_id IS NOT NULL
	GROUP BY cgroup_id) AS u WHERE u.id = cgroups.id;

PRAGMA user_version = 4;
