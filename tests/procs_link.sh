#!/bin/sh
# procs_link.sh: which thread rows make a process, on crafted rows with
# the kernel's clocks (ac_btime64, ac_etime, ac_tgetime) as the kernel
# fills them.  Process 800 (pid A): three threads of 4 ms CPU end 1-3 ms
# after it started and are read at once, its end 4 ms after the start is
# read 10 ms late (one drain interval): receive times put its start after
# its threads' ends.  PID 800 is then reused 1.5 s later (pid B, two
# threads, its end also read late), and process 900 ends in a later run
# of the recorder (the same boot) than its two threads; process 900 of
# another boot has nothing to do with it.  last, show and top --group
# process must count every thread of each process and no other.
cd "$(dirname "$0")/.." || exit 1

. tests/lib.sh
crafted_setup link "thread rows of a process"

# spec: each row's exit instant (us, the kernel's real clock), its receive
# time, its own life and its leader's; the kernel's fields follow from them.
sqlite3 "$DB" <build/sql/schema.sql && sqlite3 "$DB" <<'SQL'
INSERT INTO runs (id, boot_id, start_time, ts_version) VALUES
    (1, 'boot-1', 1699999000000000, 16),
    (2, 'boot-1', 1700000010000000, 16),
    (3, 'boot-2', 1700000020000000, 16);
CREATE TEMP TABLE spec (id, run, exit_us, recv, pid, tgid, flag, life,
    glife, cpu);
INSERT INTO spec VALUES
    -- A: started at 1700000000.500000
    (1, 1, 1700000000501000, 1700000000501000, 801, 800, 0, 900, 1000, 4000),
    (2, 1, 1700000000502000, 1700000000502000, 802, 800, 0, 1800, 2000, 4000),
    (3, 1, 1700000000503000, 1700000000503000, 803, 800, 0, 2700, 3000, 4000),
    (4, 1, 1700000000504000, 1700000000514000, 800, 800, 32, 4000, 4000, 0),
    -- B: PID 800 again, started at 1700000002.000000
    (6, 1, 1700000002001000, 1700000002001000, 804, 800, 0, 900, 1000, 8000),
    (7, 1, 1700000002003000, 1700000002011000, 800, 800, 32, 3000, 3000, 0),
    -- 900: started at 1700000005.000000, its threads end in run 1, it in 2
    (9, 1, 1700000006000000, 1700000006000000, 901, 900, 0, 500000,
     1000000, 16000),
    (10, 1, 1700000007000000, 1700000007000000, 902, 900, 0, 500000,
     2000000, 16000),
    (11, 2, 1700000015000000, 1700000015000000, 900, 900, 32, 10000000,
     10000000, 4000),
    -- another boot: 900 started at 1700000025.000000, alone
    (13, 3, 1700000026000000, 1700000026000000, 900, 900, 32, 1000000,
     1000000, 2000);
INSERT INTO tasks (id, run_id, recv_time, kind, task_id, ts_len, version,
    ac_exitcode, ac_flag, ac_comm, ac_uid, ac_pid, ac_ppid, ac_tgid,
    ac_etime, ac_tgetime, ac_btime, ac_btime64, ac_utime, ac_stime, nvcsw,
    nivcsw)
SELECT id, run, recv, 0, pid, 560, 16, 0, flag, 'p' || tgid, 0, pid, 1,
    tgid, life, glife, exit_us / 1000000 - life / 1000000,
    exit_us / 1000000 - life / 1000000, cpu, 0, 1, 0 FROM spec;
-- The kernel's group rows, after each threaded process's end.
INSERT INTO tasks (id, run_id, recv_time, kind, task_id, link_id, ts_len,
    version, ac_flag, ac_pid, ac_tgid, ac_utime, ac_stime)
SELECT id + 1, run_id, recv_time, 1, ac_tgid, id, 560, 16, 0, 0, 0, 0, 0
    FROM tasks WHERE id IN (4, 7, 11);
SQL
crafted_ok $? "crafted rows build"
# proc_totals, as migrate-5.sql fills them for the rows already there.
sed -n '/^-- ptotals: fill\./,/^-- ptotals: end\./p' build/sql/migrate-5.sql |
    sqlite3 "$DB"
crafted_ok $? "proc_totals filled as the migration fills them"

# pget ID KEY: KEY of the JSON line of row ID in $TMP/out.
pget() {
	grep "\"id\":$1[,}]" "$TMP/out" | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"
}

# From proc_totals, and from the threads summed (TASKACCT_PROCTOTALS=0).
for how in proc_totals threads; do
	[ $how = threads ] && TASKACCT_PROCTOTALS=0 && export TASKACCT_PROCTOTALS
	"$T" --db "$DB" --format json last --since @1699999999 >"$TMP/out" \
	    2>"$TMP/err"
	[ "$(pget 4 threads)|$(pget 4 cpu_us)" = "4|12000" ]
	crafted_ok $? "$how: last: process 800 (first life): 4 threads, 12 ms"
	[ "$(pget 7 threads)|$(pget 7 cpu_us)" = "2|8000" ]
	crafted_ok $? "$how: last: process 800 (reused): 2 threads, 8 ms"
	[ "$(pget 11 threads)|$(pget 11 cpu_us)" = "3|36000" ]
	crafted_ok $? "$how: last: process 900 across a restart: 3 threads, 36 ms"
	[ "$(pget 13 threads)|$(pget 13 cpu_us)" = "1|2000" ]
	crafted_ok $? "$how: last: process 900 of another boot: alone"

	"$T" --db "$DB" --format json top --group process --since @1699999999 \
	    >"$TMP/out" 2>"$TMP/err"
	[ "$(pget 4 threads)|$(pget 4 cpu)|$(pget 7 threads)|$(pget 13 threads)" = \
	    "4|12000|2|1" ]
	crafted_ok $? "$how: top --group process: 4, 2 and 1 threads"
	# A window from just after 900's threads: only its own row in it.
	"$T" --db "$DB" --format json top --group process --since @1700000010 \
	    >"$TMP/out" 2>"$TMP/err"
	[ "$(pget 11 threads)" = 1 ]
	crafted_ok $? "$how: top --group process, a window after its threads: 900's own row"
done
unset TASKACCT_PROCTOTALS

for c in "4 4 12000" "7 2 8000" "11 3 36000"; do
	set -- $c
	"$T" --db "$DB" --format json show --id "$1" >"$TMP/out" 2>"$TMP/err"
	got=$(grep '"field":"threads"' "$TMP/out" | sed 's/.*"process"://;
	    s/}.*//')
	got=$got\|$(grep '"field":"ac_utime"' "$TMP/out" |
	    sed 's/.*"process"://; s/}.*//')
	[ "$got" = "$2|$3" ]
	crafted_ok $? "show --id $1: $2 threads, $3 us user time"
done

crafted_done
