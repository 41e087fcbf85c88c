-- Fleet questions over the tables of schema.sql (taskacct export --to).
-- Every query reads with FINAL: a batch sent again after a kill is a
-- duplicate until the table merges, and FINAL counts each row once.
-- Sums of work use the thread rows (kind = 0): a process's group row
-- (kind = 1) repeats the sum of its threads.  A process ended when its
-- last thread did: ac_flag has AGROUP (0x20) on that thread row.
-- The window is the last 24 hours; use toDate(event_time) = yesterday()
-- for a calendar day.

-- Top I/O hosts over a day.
SELECT host,
    sum(read_bytes) AS read_bytes, sum(write_bytes) AS write_bytes,
    sum(read_char) AS read_char, sum(write_char) AS write_char
FROM taskacct.tasks FINAL
WHERE event_time >= now() - 86400 AND kind = 0
GROUP BY host
ORDER BY read_bytes + write_bytes DESC
LIMIT 20;

-- Top commands by I/O over a day, per host.
SELECT host, ac_comm,
    countIf(bitAnd(ac_flag, 32) != 0) AS procs,
    sum(read_bytes) AS read_bytes, sum(write_bytes) AS write_bytes
FROM taskacct.tasks FINAL
WHERE event_time >= now() - 86400 AND kind = 0
GROUP BY host, ac_comm
ORDER BY read_bytes + write_bytes DESC
LIMIT 50;

-- Fork storms: parents whose children ended at more than 100 a minute,
-- most of them within a second of starting, per host.
SELECT host, ac_ppid, toStartOfMinute(event_time) AS minute,
    count() AS procs, countIf(ac_etime < 1000000) AS short_procs,
    topK(3)(ac_comm) AS commands
FROM taskacct.tasks FINAL
WHERE event_time >= now() - 86400 AND kind = 0 AND bitAnd(ac_flag, 32) != 0
GROUP BY host, ac_ppid, minute
HAVING procs > 100
ORDER BY procs DESC
LIMIT 50;

-- Failed exits by signal: processes killed by a signal, per host and
-- command (exit_signal 9 is SIGKILL, 11 SIGSEGV, 6 SIGABRT...).
SELECT host, exit_signal, ac_comm, count() AS procs,
    countIf(core_dumped = 1) AS cores
FROM taskacct.tasks FINAL
WHERE event_time >= now() - 86400 AND kind = 0
    AND bitAnd(ac_flag, 32) != 0 AND exit_signal != 0
GROUP BY host, exit_signal, ac_comm
ORDER BY procs DESC
LIMIT 50;

-- Failed exits with a status, per host and command.
SELECT host, ac_comm, exit_code, count() AS procs
FROM taskacct.tasks FINAL
WHERE event_time >= now() - 86400 AND kind = 0
    AND bitAnd(ac_flag, 32) != 0 AND exit_signal = 0 AND exit_code != 0
GROUP BY host, ac_comm, exit_code
ORDER BY procs DESC
LIMIT 50;

-- Lossy recorders: exit records lost (kernel drops, a full queue,
-- malformed messages) against the records stored, per host.
SELECT host, lost, recorded, round(lost / (lost + recorded), 6) AS loss_ratio
FROM
(
    SELECT host, sum(assumeNotNull(records)) AS lost
    FROM taskacct.losses FINAL
    WHERE event_time >= now() - 86400
        AND kind IN ('kernel_drop', 'queue_full', 'malformed')
    GROUP BY host
)
ANY LEFT JOIN
(
    SELECT host, count() AS recorded
    FROM taskacct.tasks FINAL
    WHERE event_time >= now() - 86400 AND kind = 0
    GROUP BY host
) USING host
ORDER BY loss_ratio DESC;

-- Silent recorders: hosts whose last row is more than 10 minutes old.
SELECT host, max(event_time) AS last_row
FROM taskacct.tasks
GROUP BY host
HAVING last_row < now() - 600
ORDER BY last_row;
