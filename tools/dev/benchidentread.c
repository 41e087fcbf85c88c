/*
 * benchidentread.c: what one identity read of another user's task costs
 * the unprivileged recorder, alone (its exe link refused) and with the
 * identity reader child (src/identpriv.c: the same read, then the exe
 * link asked of the child: a request, the child's read, the answer
 * checked and parsed).  For `make bench-ident`.
 *
 * Started as root: forks a task to read (a sleeping root process), forks
 * the reader (CAP_SYS_PTRACE alone, as nobody), becomes nobody and takes
 * the event loop's SCHED_FIFO 1 like taskacctd, then reads the task N
 * times each way, alternating, and prints the median and the 90th
 * percentile of each in microseconds.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <grp.h>
#include <pwd.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"
#include "ident.h"
#include "identpriv.h"
#include "log.h"
#include "taskacct.h"

static double
pct(int64_t *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_int64);
	return v[(n - 1) * p / 100] / 1e3;
}

int
main(int argc, char **argv)
{
	struct sched_param	 sp = { .sched_priority = 1 };
	struct identpriv	*ip;
	struct privdrop_user	 pu;
	struct passwd		*pw;
	struct ident		*id;
	char			 err[256];
	int64_t			*here, *child, t;
	pid_t			 target;
	int			 n = argc > 1 ? atoi(argv[1]) : 20000, i, src;
	int			 bad = 0;

	log_init(1, 0);
	if (n < 10 || (here = calloc((size_t)n, sizeof(*here))) == NULL ||
	    (child = calloc((size_t)n, sizeof(*child))) == NULL) {
		fprintf(stderr, "usage: benchidentread [N >= 10]\n");
		return 2;
	}
	if ((target = fork()) == 0) {
		/* Root's: once this is nobody, only its death ends it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		execl("/bin/sleep", "sleep", "600", (char *)NULL);
		_exit(127);
	}
	if ((pw = getpwnam("nobody")) == NULL) {
		fprintf(stderr, "benchidentread: no user nobody\n");
		return 2;
	}
	snprintf(pu.name, sizeof(pu.name), "nobody");
	pu.uid = pw->pw_uid;
	pu.gid = pw->pw_gid;
	if ((ip = identpriv_start(&pu, err, sizeof(err))) == NULL) {
		fprintf(stderr, "benchidentread: %s\n", err);
		kill(target, SIGKILL);
		return 2;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
		fprintf(stderr, "benchidentread: no SCHED_FIFO: %s\n",
		    strerror(errno));
	if (setgroups(1, &pu.gid) == -1 || setresgid(pu.gid, pu.gid,
	    pu.gid) == -1 || setresuid(pu.uid, pu.uid, pu.uid) == -1) {
		fprintf(stderr, "benchidentread: becoming nobody: %s\n",
		    strerror(errno));
		return 2;
	}
	usleep(100000);		/* sleep has exec'd */
	for (i = 0; i < n; i++) {
		t = bench_ns(CLOCK_MONOTONIC);
		id = ident_read(target, 0, 0, &src);
		here[i] = bench_ns(CLOCK_MONOTONIC) - t;
		bad += id == NULL || src != TASKACCT_IDENT_DENIED;
		ident_unref(id);
		t = bench_ns(CLOCK_MONOTONIC);
		id = identpriv_read(ip, target, 0, 0, &src);
		child[i] = bench_ns(CLOCK_MONOTONIC) - t;
		bad += id == NULL || src != TASKACCT_IDENT_EXEC;
		ident_unref(id);
	}
	printf("reads=%d\nfailed=%d\n", n, bad);
	printf("here_p50_us=%.2f\nhere_p90_us=%.2f\n", pct(here, n, 50),
	    pct(here, n, 90));
	printf("child_p50_us=%.2f\nchild_p90_us=%.2f\n", pct(child, n, 50),
	    pct(child, n, 90));
	identpriv_close(ip);
	free(here);
	free(child);
	return bad > 0;
}
