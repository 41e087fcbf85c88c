-- Migration of a taskacct database from schema version 1 to 2, applied by
-- taskacctd in one transaction (with the version check) when it opens a
-- version 1 database.  Adds the children index used by `taskacct tree` and
-- the prunes table of retention (see sql/schema.sql for their meaning).
CREATE INDEX tasks_ppid ON tasks(ac_ppid);	-- children, for tree (v2)
CREATE TABLE prunes (
	id			INTEGER PRIMARY KEY,
	run_id			INTEGER NOT NULL REFERENCES runs(id),
	time			INTEGER NOT NULL,
	reason			TEXT NOT NULL,
	before_time		INTEGER, -- rows with recv_time < this are gone
	rows			INTEGER NOT NULL, -- tasks rows removed
	losses			INTEGER NOT NULL DEFAULT 0, -- losses rows removed
	bytes_freed		INTEGER, -- file bytes given back (incremental vacuum)
	detail			TEXT
);
PRAGMA user_version = 2;
