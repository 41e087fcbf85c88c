-- Identity rows for tests/cli/ident.sh, loaded after fixture.sql into a
-- database of their own (tests/out/cli/ident.db), so that the goldens of
-- fixture.db keep showing rows without identity.  Rows 1-8 (runs 1 and 2)
-- stay without identity (ident_src NULL: capture off); the build of run 3
-- gets command lines, executables and cgroups, and one row per ident_src
-- code: EXEC, FORK (the worker threads, as), GONE (13), DENIED (14),
-- UNSEEN (22), DROPPED (19), REUSED (25).
--   cmdlines: hostile argv (newline, ESC, invalid UTF-8, an empty
--   argument, quotes, an argument that begins with "(", a backslash, a
--   tab), SQL metacharacters % _ ', a blob without its last NUL, and
--   1100 arguments of 98 bytes (105 KiB).
--   cgroups: a service, a unit with \x2d escapes, a docker container, a
--   Kubernetes pod's containerd container, a session scope, a path with
--   SQL and GLOB metacharacters.

INSERT INTO cmdlines (id, hash, args) VALUES
    (1, 1, X'6d616b65002d6a3200'),
    (2, 2, X'2f62696e2f7368002d630065786974203300544f4b454e2d3100'),
    (3, 3, X'7372762d696f00610a62001b5b33316d72656400fffe00007361792022686922002873642d70616d29006261636b5c736c61736800746162096865726500'),
    (5, 5, X'636331002d6f002f746d702f313030255f697427732e7300'),
    (6, 6, X'6a617661002d6a6172006170702e6a617200'),
    (7, 7, X'2f62696e2f7368002d630065786974203300544f4b454e2d3200'),
    (8, 8, X'73657470726f637469746c653a206e6f204e554c2061742074686520656e64');
-- 105 KiB of arguments: arg-0000-xxx...x, 1100 of them.
INSERT INTO cmdlines (id, hash, args)
    WITH RECURSIVE n(i, s) AS (SELECT 0, '' UNION ALL
	SELECT i + 1, s || printf('arg-%04d-%.88c', i, 'x') || char(0)
	FROM n WHERE i < 1100)
    SELECT 4, 4, CAST(s AS BLOB) FROM n WHERE i = 1100;

INSERT INTO exes (id, path) VALUES
    (1, '/opt/fixture/bin/make'),
    (2, '/opt/fixture/bin/dash'),
    (3, '/opt/fixture/lib/gcc/cc1'),
    (4, '/opt/fixture/bin/java'),
    (5, CAST(X'2f746d702f6576696c0a6e616d65202864656c6574656429' AS TEXT)),
    (6, '/opt/fixture/bin/ld.bfd');

INSERT INTO cgroups (id, path, unit, container, pod) VALUES
    (1, '/system.slice/cron.service', 'cron.service', NULL, NULL),
    (2, '/system.slice/system-systemd\x2dfsck.slice/systemd-fsck@dev-disk-by\x2duuid-1234.service',
     'systemd-fsck@dev-disk-by\x2duuid-1234.service', NULL, NULL),
    (3, '/system.slice/docker-3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708.scope', 'docker-3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708.scope', '3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708', NULL),
    (4, '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_4a7b_8c9d_0e1f2a3b4c5d.slice/cri-containerd-9a8b7c6d5e4f30211203948576abcdef0123456789abcdef0123456789abcdef.scope',
     'cri-containerd-9a8b7c6d5e4f30211203948576abcdef0123456789abcdef0123456789abcdef.scope', '9a8b7c6d5e4f30211203948576abcdef0123456789abcdef0123456789abcdef', '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d'),
    (5, '/user.slice/user-4242.slice/session-3.scope', 'session-3.scope', NULL, NULL),
    (6, '/odd.slice/a%b_c''d*.scope', 'a%b_c''d*.scope', NULL, NULL);

UPDATE tasks SET args_id = 1, exe_id = 1, cgroup_id = 5, ident_src = 0 WHERE id = 24;
UPDATE tasks SET args_id = 2, exe_id = 2, cgroup_id = 2, ident_src = 0 WHERE id = 11;
UPDATE tasks SET args_id = 7, exe_id = 2, cgroup_id = 2, ident_src = 0 WHERE id = 12;
UPDATE tasks SET args_id = NULL, exe_id = NULL, cgroup_id = NULL, ident_src = 2 WHERE id = 13;
UPDATE tasks SET args_id = NULL, exe_id = NULL, cgroup_id = 1, ident_src = 3 WHERE id = 14;
UPDATE tasks SET args_id = 5, exe_id = 3, cgroup_id = 3, ident_src = 0 WHERE id = 10;
UPDATE tasks SET args_id = 5, exe_id = 3, cgroup_id = 3, ident_src = 1 WHERE id = 9;
UPDATE tasks SET args_id = 6, exe_id = 4, cgroup_id = 4, ident_src = 1 WHERE id = 15;
UPDATE tasks SET args_id = 6, exe_id = 4, cgroup_id = 4, ident_src = 1 WHERE id = 16;
UPDATE tasks SET args_id = 6, exe_id = 4, cgroup_id = 4, ident_src = 0 WHERE id = 17;
UPDATE tasks SET args_id = 3, exe_id = 5, cgroup_id = 1, ident_src = 5 WHERE id = 19;
UPDATE tasks SET args_id = 3, exe_id = 5, cgroup_id = 1, ident_src = 0 WHERE id = 20;
UPDATE tasks SET args_id = NULL, exe_id = NULL, cgroup_id = NULL, ident_src = 4 WHERE id = 22;
UPDATE tasks SET args_id = 4, exe_id = 6, cgroup_id = 6, ident_src = 0 WHERE id = 23;
UPDATE tasks SET args_id = 8, exe_id = 4, cgroup_id = 4, ident_src = 6 WHERE id = 25;
