/*
 * latprobe.c: exit to queryable, for `make bench-latency`
 * (tools/dev/bench-latency.sh).
 *
 *	latprobe -d DB [-n N] [-g GAP_MS] [-t TIMEOUT_MS]
 *
 * N times: fork a child that names itself (prctl PR_SET_NAME) with a name
 * no other task has ("lp<pid>.<i>") and exits; once it is reaped (its
 * TASKSTATS exit record was sent before that), poll the database every
 * 0.2 ms, read-only, for its row (by pid and name: the tasks_pid index)
 * and take the time from the reaping to the first read that sees it.
 * GAP_MS (default 100) between probes lets the recorder go idle.  Prints
 * one line per probe, "ms", and at the end "probes=N p50_ms= p99_ms=
 * max_ms= missing=" (a probe not seen within TIMEOUT_MS, default 5000,
 * counts as that long, and as missing).
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "benchtime.h"

#define PROBE_MAX	100000

static double
now_ms(void)
{
	return (double)bench_ns(CLOCK_MONOTONIC) / 1e6;
}

static void
nap_us(long us)
{
	struct timespec	 ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* One probe: the ms from its reaping to its row, or -1 past the timeout. */
static double
probe(sqlite3_stmt *s, int i, int timeout_ms)
{
	char	 name[16];
	pid_t	 pid;
	double	 t0, t;
	int	 st, found;

	snprintf(name, sizeof(name), "lp%d.%d", (int)getpid() % 100000, i);
	if ((pid = fork()) == -1)
		err(2, "fork");
	if (pid == 0) {
		prctl(PR_SET_NAME, name, 0, 0, 0);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		err(2, "waitpid");
	t0 = now_ms();
	for (;;) {
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
		found = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_reset(s);
		t = now_ms();
		if (found)
			return t - t0;
		if (t - t0 > timeout_ms)
			return -1;
		nap_us(200);
	}
}

int
main(int argc, char **argv)
{
	const char	*db_path = NULL;
	static double	 lat[PROBE_MAX];
	sqlite3		*db;
	sqlite3_stmt	*s;
	double		 v;
	int		 ch, i, n = 200, gap = 100, timeout = 5000, missing = 0;

	while ((ch = getopt(argc, argv, "d:n:g:t:")) != -1) {
		switch (ch) {
		case 'd': db_path = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'g': gap = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: latprobe -d DB [-n N] "
			    "[-g GAP_MS] [-t TIMEOUT_MS]\n");
			return 2;
		}
	}
	if (db_path == NULL || n < 1 || n > PROBE_MAX || gap < 0 ||
	    timeout < 1)
		errx(2, "bad arguments (-d DB, 1 <= -n <= %d)", PROBE_MAX);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		errx(2, "%s: %s", db_path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 1000);
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM tasks WHERE ac_pid = ?1 "
	    "AND ac_comm = ?2 AND kind = 0", -1, &s, NULL) != SQLITE_OK)
		errx(2, "%s: %s", db_path, sqlite3_errmsg(db));
	for (i = 0; i < n; i++) {
		if (gap > 0)
			nap_us((long)gap * 1000);
		if ((v = probe(s, i, timeout)) < 0) {
			missing++;
			v = timeout;
		}
		lat[i] = v;
		printf("%.3f\n", v);
	}
	qsort(lat, (size_t)n, sizeof(lat[0]), bench_cmp_double);
	printf("probes=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f missing=%d\n",
	    n, lat[(n - 1) / 2], lat[(int)((n - 1) * 0.99 + 0.5)],
	    lat[n - 1], missing);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return missing > 0;
}
