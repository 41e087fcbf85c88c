/*
 * benchget.c: the cost of reading every live thread of a process once, the
 * two ways a sampler can (make bench-get, tools/dev/bench-get.sh):
 *
 *	netlink	list /proc/PID/task, then TASKSTATS_CMD_GET per thread
 *		(src/taskget.c: request, reply checks, decode)
 *	procio	list /proc/PID/task, then open, read and close
 *		/proc/PID/task/TID/io per thread
 *
 *	benchget PID RUNS
 *
 * Each pass is timed in this process's CPU time (user + system: the
 * kernel's work for our syscalls included), divided by the threads read.
 * Prints, per method, the median over RUNS passes in microseconds per
 * thread, as "method threads us_per_thread" lines.  Needs CAP_NET_ADMIN.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"
#include "taskget.h"

#define RUNS_MAX	101

static double
cpu_us(void)
{
	return (double)bench_ns(CLOCK_PROCESS_CPUTIME_ID) / 1e3;
}

static size_t
pass_netlink(struct taskget *tg, uint32_t pid)
{
	struct ts_record	 rec;
	uint32_t		*tids;
	size_t			 n, i, nread = 0;

	if (taskget_threads(pid, &tids, &n) == -1)
		err(1, "process %u", pid);
	for (i = 0; i < n; i++) {
		if (taskget_thread(tg, tids[i], &rec) == 0)
			nread++;
		else if (errno != ESRCH)
			err(1, "thread %u", tids[i]);
	}
	free(tids);
	return nread;
}

static size_t
pass_procio(uint32_t pid)
{
	uint32_t	*tids;
	size_t		 n, i, nread = 0;
	char		 path[64], buf[512];
	int		 fd;

	if (taskget_threads(pid, &tids, &n) == -1)
		err(1, "process %u", pid);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%u/task/%u/io", pid,
		    tids[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		if (read(fd, buf, sizeof(buf)) > 0)
			nread++;
		close(fd);
	}
	free(tids);
	return nread;
}

int
main(int argc, char **argv)
{
	struct taskget	*tg;
	double		 nl[RUNS_MAX], pr[RUNS_MAX], t0;
	size_t		 threads = 0, got;
	char		 e[256];
	uint32_t	 pid;
	int		 runs, i;

	if (argc != 3)
		errx(2, "usage: benchget PID RUNS");
	pid = (uint32_t)strtoul(argv[1], NULL, 10);
	runs = atoi(argv[2]);
	if (pid == 0 || runs < 1 || runs > RUNS_MAX)
		errx(2, "usage: benchget PID RUNS (1 to %d)", RUNS_MAX);
	if ((tg = taskget_open(e, sizeof(e))) == NULL)
		errx(1, "%s", e);
	/* One untimed pass of each warms the caches and the dentries. */
	pass_netlink(tg, pid);
	pass_procio(pid);
	for (i = 0; i < runs; i++) {
		t0 = cpu_us();
		got = pass_netlink(tg, pid);
		nl[i] = (cpu_us() - t0) / (double)(got ? got : 1);
		threads = got;
		t0 = cpu_us();
		got = pass_procio(pid);
		pr[i] = (cpu_us() - t0) / (double)(got ? got : 1);
	}
	qsort(nl, (size_t)runs, sizeof(double), bench_cmp_double);
	qsort(pr, (size_t)runs, sizeof(double), bench_cmp_double);
	printf("netlink %zu %.3f\n", threads, nl[runs / 2]);
	printf("procio %zu %.3f\n", threads, pr[runs / 2]);
	taskget_close(tg);
	return 0;
}
