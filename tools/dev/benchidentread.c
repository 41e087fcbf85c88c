/*
 * benchidentread.c: what one identity read costs, in the recorder (the
 * /proc read of src/identread.c) and through the identity reader child
 * (src/identpriv.c: a request, the child's read, the answer checked and
 * parsed).  For `make bench-ident`.
 *
 * Runs as root: forks the reader (which keeps CAP_SYS_PTRACE alone, as
 * root), raises itself to the event loop's SCHED_FIFO 1 like taskacctd,
 * then reads the identity of a live task (a sleeping child of its own)
 * N times each way, alternating, and prints the median and the 90th
 * percentile of each in microseconds, and the extra cost of the child.
 */
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ident.h"
#include "identpriv.h"
#include "log.h"
#include "taskacct.h"

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(int64_t *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp64);
	return v[(n - 1) * p / 100] / 1e3;
}

int
main(int argc, char **argv)
{
	struct sched_param	 sp = { .sched_priority = 1 };
	struct identpriv	*ip;
	struct ident		*id;
	char			 err[256];
	int64_t			*here, *child, t;
	pid_t			 target;
	int			 n = argc > 1 ? atoi(argv[1]) : 20000, i, src;
	int			 bad = 0;

	log_init(1, 1);
	if (n < 10 || (here = calloc((size_t)n, sizeof(*here))) == NULL ||
	    (child = calloc((size_t)n, sizeof(*child))) == NULL) {
		fprintf(stderr, "usage: benchidentread [N >= 10]\n");
		return 2;
	}
	if ((target = fork()) == 0) {
		execl("/bin/sleep", "sleep", "600", (char *)NULL);
		_exit(127);
	}
	if ((ip = identpriv_start(NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "benchidentread: %s\n", err);
		kill(target, SIGKILL);
		return 2;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
		fprintf(stderr, "benchidentread: no SCHED_FIFO: %s\n",
		    strerror(errno));
	usleep(100000);		/* sleep has exec'd */
	for (i = 0; i < n; i++) {
		t = now_ns();
		id = ident_read(target, 0, 0, &src);
		here[i] = now_ns() - t;
		bad += id == NULL || src != TASKACCT_IDENT_EXEC;
		ident_unref(id);
		t = now_ns();
		id = identpriv_read(ip, target, 0, 0, &src);
		child[i] = now_ns() - t;
		bad += id == NULL || src != TASKACCT_IDENT_EXEC;
		ident_unref(id);
	}
	printf("reads=%d\nfailed=%d\n", n, bad);
	printf("here_p50_us=%.2f\nhere_p90_us=%.2f\n", pct(here, n, 50),
	    pct(here, n, 90));
	printf("child_p50_us=%.2f\nchild_p90_us=%.2f\n", pct(child, n, 50),
	    pct(child, n, 90));
	identpriv_log_totals(ip);
	identpriv_close(ip);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
	free(here);
	free(child);
	return bad > 0;
}
