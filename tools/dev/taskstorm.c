/*
 * taskstorm.c: a task-exit storm generator, the load for taskacctd's
 * benchmark and storm tests.
 *
 * N worker processes create short-lived tasks back to back (or paced to a
 * total rate), for a count or a duration: fork + _exit, fork + execve of this
 * program (argv[1] STORM_EXIT_ARG makes it exit at once), posix_spawn of the
 * same, pthread create + exit + join, or all four in turn.  Each worker
 * reaps or joins every task before it creates the next, so it never has more
 * than one alive.  A task counts only once it was created; a failed creation
 * (EAGAIN when out of processes) is counted as an error, backed off and
 * retried, never counted as a task.
 *
 * With -p every created task's pid (for threads the tid, which the thread
 * reads itself) goes to a per-worker array on the hot path and to the file
 * only after the storm, so the file costs the storm nothing.  The counts
 * live in a shared anonymous mapping the parent reads after the workers
 * exit.
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpulist.h"

#define STORM_EXIT_ARG		"--exit-now"	/* hidden: exit 0 at once */
#define STORM_WORKERS_DEFAULT	2
#define STORM_WORKERS_MAX	1024
#define STORM_COUNT_MAX		(1LL << 40)
#define STORM_SECONDS_MAX	(7 * 86400)
#define STORM_BACKOFF_US	1000		/* after a failed creation */
#define STORM_FAILS_MAX		10000		/* in a row: give up */
#define STORM_PIDS_INITIAL	(1 << 16)
#define STORM_OUTBUF		(64 << 10)	/* pid file write chunk */
#define STORM_CPU_MAX		CPU_SETSIZE
#define NS_PER_S		1000000000LL

extern char **environ;

enum storm_mode {
	MODE_FORK,
	MODE_EXEC,
	MODE_SPAWN,
	MODE_THREAD,
	MODE_NKINDS,		/* the kinds of task above; then: */
	MODE_MIX = MODE_NKINDS,	/* each of them in turn */
	MODE_COUNT
};

static const char *const mode_names[MODE_COUNT] = {
	[MODE_FORK] = "fork",
	[MODE_EXEC] = "exec",
	[MODE_SPAWN] = "spawn",
	[MODE_THREAD] = "thread",
	[MODE_MIX] = "mix",
};

struct options {
	enum storm_mode	 mode;
	int		 workers;
	long long	 count;		/* total tasks; 0: by duration */
	double		 seconds;	/* 0: by count */
	double		 rate;		/* total tasks/s; 0: flat out */
	const char	*pidfile;
	int		 json;
	cpu_set_t	 cpus;		/* workers' affinity, if has_cpus */
	int		 has_cpus;
};

/* One worker's figures, in the shared mapping. */
struct worker_result {
	pid_t		 pid;
	uint64_t	 created[MODE_NKINDS];
	uint64_t	 errors[MODE_NKINDS];	/* failed creations */
	uint64_t	 bad_exits[MODE_NKINDS]; /* created, exited non-zero */
	int64_t		 end_ns;		/* monotonic, last task done */
	int		 last_errno;		/* of the last failed creation */
	int		 fatal_errno;		/* why it gave up, or 0 */
	int		 fatal_mode;
	int		 pidfile_errno;		/* writing its pids failed */
	int		 done;			/* it reached its report */
};

struct shared {
	int64_t			 start_ns;	/* monotonic, storm start */
	struct worker_result	 w[];
};

/* The tasks one worker records. */
struct pidbuf {
	pid_t		*v;
	size_t		 n;
	size_t		 cap;
};

static volatile sig_atomic_t	 stopping;
static char			 self_path[PATH_MAX];
static char			*exit_argv[] = { "taskstorm", STORM_EXIT_ARG, NULL };

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: taskstorm [-m MODE] [-w N] [-n TOTAL | -t SECONDS] [-r PER_SEC]\n"
"                 [-c CPULIST] [-p PIDFILE] [--json]\n"
"Creates short-lived tasks as fast as possible (or at a total rate) and\n"
"reports how many it created, so that an exit recorder can be checked.\n\n"
"  -m, --mode MODE      fork (fork + _exit), exec (fork + execve of this\n"
"                       program, which exits at once), spawn (posix_spawn\n"
"                       of the same), thread (pthread create + exit +\n"
"                       join) or mix (the four in turn); default fork\n"
"  -w, --workers N      worker processes, each with one task alive at a\n"
"                       time (default %d)\n"
"  -n, --count TOTAL    create TOTAL tasks, shared among the workers\n"
"  -t, --time SECONDS   create tasks for SECONDS (default 1 if no -n)\n"
"  -r, --rate PER_SEC   pace to PER_SEC tasks per second in total\n"
"  -c, --cpus CPULIST   pin the workers and their tasks to these CPUs,\n"
"                       e.g. 1 or 0-3,8; a worker returns to its former\n"
"                       affinity before it exits\n"
"  -p, --pids PIDFILE   write the pid of every created task (tid for\n"
"                       threads), one per line, after the storm\n"
"  -j, --json           report as one JSON object\n"
"  -h, --help           this help\n\n"
"Report (key=value lines): mode, workers, pid (this process),\n"
"worker_pids (the parents of fork/exec/spawn tasks and the thread group\n"
"of thread tasks), created and created_MODE, errors and errors_MODE\n"
"(failed creations, retried, not counted), bad_exits (created tasks that\n"
"did not exit 0), elapsed_us, rate (tasks/s).  Exit status 0, 1 if a\n"
"worker gave up, a task exited non-zero or the pid file failed, 2 for a\n"
"usage error.\n",
	    STORM_WORKERS_DEFAULT);
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "taskstorm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(2);
}

static int64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void
sleep_until_ns(int64_t t)
{
	struct timespec	 ts = { t / NS_PER_S, t % NS_PER_S };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR && !stopping)
		;
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static long long
parse_int(const char *s, long long min, long long max, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		usage_error("bad %s \"%s\": expected %lld to %lld", what, s,
		    min, max);
	return v;
}

static double
parse_positive(const char *s, double max, const char *what)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > max)
		usage_error("bad %s \"%s\": expected a number above 0, at "
		    "most %g", what, s, max);
	return v;
}

/*
 * A cpulist ("1", "0-3,8") into a cpu_set_t, through the daemon's parser
 * (src/cpulist.c); a cpu_set_t holds CPUs below STORM_CPU_MAX only.
 */
static void
parse_cpus(const char *s, cpu_set_t *set)
{
	uint8_t	 bits[CPUSET_BYTES];
	int	 c;

	CPU_ZERO(set);
	if (cpulist_parse(s, bits) == -1)
		usage_error("bad CPU list \"%s\" (expected e.g. 1 or 0-3,8)",
		    s);
	for (c = 0; c < CPUSET_MAX; c++) {
		if (!cpuset_has(bits, c))
			continue;
		if (c >= STORM_CPU_MAX)
			usage_error("bad CPU list \"%s\": CPU %d is above "
			    "%d", s, c, STORM_CPU_MAX - 1);
		CPU_SET(c, set);
	}
}

static void
parse_options(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "workers", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "pids", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, m;

	o->mode = MODE_FORK;
	o->workers = STORM_WORKERS_DEFAULT;
	while ((ch = getopt_long(argc, argv, "m:w:n:t:r:c:p:jh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'm':
			for (m = 0; m < MODE_COUNT; m++)
				if (strcmp(optarg, mode_names[m]) == 0)
					break;
			if (m == MODE_COUNT)
				usage_error("unknown mode \"%s\"", optarg);
			o->mode = (enum storm_mode)m;
			break;
		case 'w':
			o->workers = (int)parse_int(optarg, 1,
			    STORM_WORKERS_MAX, "worker count");
			break;
		case 'n':
			o->count = parse_int(optarg, 1, STORM_COUNT_MAX,
			    "task count");
			break;
		case 't':
			o->seconds = parse_positive(optarg, STORM_SECONDS_MAX,
			    "duration");
			break;
		case 'r':
			o->rate = parse_positive(optarg, 1e9, "rate");
			break;
		case 'c':
			parse_cpus(optarg, &o->cpus);
			o->has_cpus = 1;
			break;
		case 'p': o->pidfile = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument \"%s\"", argv[optind]);
	if (o->count > 0 && o->seconds > 0)
		usage_error("-n and -t exclude each other");
	if (o->count == 0 && o->seconds == 0)
		o->seconds = 1;
	if (o->count > 0 && o->count < o->workers)
		o->workers = (int)o->count;
}

/* Room for one more pid; the array only grows between tasks. */
static int
pidbuf_reserve(struct pidbuf *b)
{
	pid_t	*v;
	size_t	 cap;

	if (b->n < b->cap)
		return 0;
	cap = b->cap ? b->cap * 2 : STORM_PIDS_INITIAL;
	if ((v = realloc(b->v, cap * sizeof(*v))) == NULL)
		return -1;
	b->v = v;
	b->cap = cap;
	return 0;
}

static int
reap(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return status;
}

static void *
thread_main(void *arg)
{
	/* The thread's own id: the pid its exit record carries. */
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

/*
 * Create one task of kind m and wait for its end.  Returns 0 with its pid
 * in *pid and *status (a wait status, or 0 for a thread), or an errno
 * value when it was not created.
 */
static int
task_run(enum storm_mode m, pid_t *pid, int *status)
{
	pthread_t	 t;
	int		 r;

	*status = 0;
	switch (m) {
	case MODE_FORK:
	case MODE_EXEC:
		if ((*pid = fork()) == -1)
			return errno;
		if (*pid == 0) {
			if (m == MODE_EXEC)
				execve(self_path, exit_argv, environ);
			_exit(m == MODE_EXEC ? 127 : 0);
		}
		break;
	case MODE_SPAWN:
		if ((r = posix_spawn(pid, self_path, NULL, NULL, exit_argv,
		    environ)) != 0)
			return r;
		break;
	case MODE_THREAD:
		if ((r = pthread_create(&t, NULL, thread_main, pid)) != 0)
			return r;
		if ((r = pthread_join(t, NULL)) != 0) {
			/* Created, yet cannot be joined: give up. */
			*status = -1;
			return 0;
		}
		return 0;
	default:
		return EINVAL;
	}
	if ((*status = reap(*pid)) == -1)
		*status = -1;
	return 0;
}

/* Out of processes or memory, for now: worth another try. */
static int
transient(int e)
{
	return e == EAGAIN || e == ENOMEM || e == EINTR;
}

/* The worker's share of the total count, and of the rate. */
static long long
share_count(const struct options *o, int i)
{
	long long	 n = o->count / o->workers;

	return n + (i < o->count % o->workers ? 1 : 0);
}

/*
 * The storm loop of one worker.  Returns when its count or the deadline is
 * reached, on a signal, or after STORM_FAILS_MAX failures in a row or one
 * that is not transient (r->fatal_errno).  The pids are kept in b when
 * keep is set, else each overwrites the last.
 */
static void
worker_loop(const struct options *o, struct shared *sh, int i,
    struct pidbuf *b, int keep)
{
	struct worker_result	*r = &sh->w[i];
	enum storm_mode		 m;
	long long		 goal = o->count ? share_count(o, i) : 0;
	long long		 made = 0, tries = 0;
	int64_t			 deadline = 0, step = 0, due, now;
	int			 e, fails = 0, status;

	if (o->seconds > 0)
		deadline = sh->start_ns + (int64_t)(o->seconds * NS_PER_S);
	if (o->rate > 0)
		step = (int64_t)(NS_PER_S * o->workers / o->rate);
	while (!stopping && (goal == 0 || made < goal)) {
		now = mono_ns();
		if (deadline != 0 && now >= deadline)
			break;
		if (step != 0 && (due = sh->start_ns + made * step) > now) {
			if (deadline != 0 && due >= deadline)
				break;
			sleep_until_ns(due);
			continue;
		}
		m = o->mode == MODE_MIX ? (enum storm_mode)(tries++ %
		    MODE_NKINDS) : o->mode;
		if (pidbuf_reserve(b) == -1) {
			r->fatal_errno = ENOMEM;
			r->fatal_mode = m;
			break;
		}
		if ((e = task_run(m, &b->v[b->n], &status)) != 0) {
			r->errors[m]++;
			r->last_errno = e;
			if (!transient(e) || ++fails >= STORM_FAILS_MAX) {
				r->fatal_errno = e;
				r->fatal_mode = m;
				break;
			}
			usleep(STORM_BACKOFF_US);
			continue;
		}
		fails = 0;
		if (keep)
			b->n++;
		made++;
		r->created[m]++;
		if (status != 0)
			r->bad_exits[m]++;
	}
	r->end_ns = mono_ns();
}

/* Append the worker's pids to the shared O_APPEND file, whole lines. */
static int
worker_write_pids(int fd, const struct pidbuf *b)
{
	char	 buf[STORM_OUTBUF];
	size_t	 i, len = 0;

	for (i = 0; i < b->n; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%d\n",
		    (int)b->v[i]);
		if (sizeof(buf) - len < 16 || i + 1 == b->n) {
			/* One write of whole lines: workers never interleave. */
			if (write(fd, buf, len) != (ssize_t)len)
				return errno ? errno : EIO;
			len = 0;
		}
	}
	return 0;
}

static void __attribute__((noreturn))
worker_main(const struct options *o, struct shared *sh, int i, int go_fd,
    int pid_fd)
{
	struct worker_result	*r = &sh->w[i];
	struct pidbuf		 b = { 0 };
	cpu_set_t		 before;
	char			 c;
	int			 pinned = 0;

	r->pid = getpid();
	if (o->has_cpus && sched_getaffinity(0, sizeof(before), &before) == 0) {
		if (sched_setaffinity(0, sizeof(o->cpus), &o->cpus) == -1) {
			r->fatal_errno = errno;
			r->fatal_mode = o->mode;
			r->done = 1;
			_exit(1);
		}
		pinned = 1;
	}
	if (o->count > 0 && pid_fd != -1) {
		/* Known size: the array never grows during the storm. */
		b.cap = (size_t)share_count(o, i);
		if ((b.v = malloc(b.cap * sizeof(*b.v))) == NULL)
			b.cap = 0;
	}
	/* Start together: the parent closes the pipe. */
	while (read(go_fd, &c, 1) == -1 && errno == EINTR)
		;
	close(go_fd);
	worker_loop(o, sh, i, &b, pid_fd != -1);
	if (pid_fd != -1)
		r->pidfile_errno = worker_write_pids(pid_fd, &b);
	/* Our own exit is not part of the storm: off its CPUs. */
	if (pinned)
		sched_setaffinity(0, sizeof(before), &before);
	r->done = 1;
	_exit(0);
}

static uint64_t
sum(const uint64_t *v)
{
	uint64_t	 s = 0;
	int		 m;

	for (m = 0; m < MODE_NKINDS; m++)
		s += v[m];
	return s;
}

/* Per-kind totals over all workers. */
static void
totals(const struct options *o, const struct shared *sh, uint64_t *created,
    uint64_t *errors, uint64_t *bad)
{
	int	 i, m;

	for (m = 0; m < MODE_NKINDS; m++) {
		created[m] = errors[m] = bad[m] = 0;
		for (i = 0; i < o->workers; i++) {
			created[m] += sh->w[i].created[m];
			errors[m] += sh->w[i].errors[m];
			bad[m] += sh->w[i].bad_exits[m];
		}
	}
}

static void
report_text(const struct options *o, const struct shared *sh,
    int64_t elapsed_ns)
{
	uint64_t	 created[MODE_NKINDS], errors[MODE_NKINDS];
	uint64_t	 bad[MODE_NKINDS];
	int		 i, m;

	totals(o, sh, created, errors, bad);
	printf("mode=%s\nworkers=%d\npid=%d\nworker_pids=", mode_names[o->mode],
	    o->workers, (int)getpid());
	for (i = 0; i < o->workers; i++)
		printf("%s%d", i ? "," : "", (int)sh->w[i].pid);
	printf("\ncreated=%llu\n", (unsigned long long)sum(created));
	for (m = 0; m < MODE_NKINDS; m++)
		printf("created_%s=%llu\n", mode_names[m],
		    (unsigned long long)created[m]);
	printf("errors=%llu\n", (unsigned long long)sum(errors));
	for (m = 0; m < MODE_NKINDS; m++)
		printf("errors_%s=%llu\n", mode_names[m],
		    (unsigned long long)errors[m]);
	printf("bad_exits=%llu\n", (unsigned long long)sum(bad));
	printf("elapsed_us=%lld\nrate=%.0f\n", (long long)(elapsed_ns / 1000),
	    elapsed_ns > 0 ? sum(created) * 1e9 / elapsed_ns : 0.0);
}

static void
report_json(const struct options *o, const struct shared *sh,
    int64_t elapsed_ns)
{
	uint64_t	 created[MODE_NKINDS], errors[MODE_NKINDS];
	uint64_t	 bad[MODE_NKINDS];
	int		 i, m;

	totals(o, sh, created, errors, bad);
	printf("{\"mode\":\"%s\",\"workers\":%d,\"pid\":%d,\"worker_pids\":[",
	    mode_names[o->mode], o->workers, (int)getpid());
	for (i = 0; i < o->workers; i++)
		printf("%s%d", i ? "," : "", (int)sh->w[i].pid);
	printf("],\"created\":%llu,\"errors\":%llu,\"bad_exits\":%llu,"
	    "\"elapsed_us\":%lld,\"rate\":%.0f,\"by_mode\":{",
	    (unsigned long long)sum(created), (unsigned long long)sum(errors),
	    (unsigned long long)sum(bad), (long long)(elapsed_ns / 1000),
	    elapsed_ns > 0 ? sum(created) * 1e9 / elapsed_ns : 0.0);
	for (m = 0; m < MODE_NKINDS; m++)
		printf("%s\"%s\":{\"created\":%llu,\"errors\":%llu,"
		    "\"bad_exits\":%llu}", m ? "," : "", mode_names[m],
		    (unsigned long long)created[m],
		    (unsigned long long)errors[m], (unsigned long long)bad[m]);
	printf("}}\n");
}

/* Say on stderr what went wrong in each worker; 1 if anything did. */
static int
report_problems(const struct options *o, const struct shared *sh)
{
	const struct worker_result	*r;
	int				 i, m, bad = 0;

	for (i = 0; i < o->workers; i++) {
		r = &sh->w[i];
		if (!r->done) {
			fprintf(stderr, "taskstorm: worker %d died\n",
			    (int)r->pid);
			bad = 1;
		}
		if (r->fatal_errno != 0) {
			fprintf(stderr, "taskstorm: worker %d gave up: %s: "
			    "%s\n", (int)r->pid, mode_names[r->fatal_mode],
			    strerror(r->fatal_errno));
			bad = 1;
		} else if (sum(r->errors) > 0)
			fprintf(stderr, "taskstorm: worker %d: %llu failed "
			    "creations, retried (last: %s)\n", (int)r->pid,
			    (unsigned long long)sum(r->errors),
			    strerror(r->last_errno));
		if (r->pidfile_errno != 0) {
			fprintf(stderr, "taskstorm: %s: %s\n", o->pidfile,
			    strerror(r->pidfile_errno));
			bad = 1;
		}
		for (m = 0; m < MODE_NKINDS; m++)
			if (r->bad_exits[m] > 0) {
				fprintf(stderr, "taskstorm: worker %d: %llu "
				    "%s tasks exited non-zero\n", (int)r->pid,
				    (unsigned long long)r->bad_exits[m],
				    mode_names[m]);
				bad = 1;
			}
	}
	return bad;
}

/* The program to execute in exec and spawn modes: this one. */
static void
find_self(void)
{
	ssize_t	 n;

	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n <= 0) {
		fprintf(stderr, "taskstorm: /proc/self/exe: %s\n",
		    strerror(errno));
		exit(1);
	}
	self_path[n] = '\0';
}

static void
signals_setup(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Stop the workers, once: a signal to us is a signal to the storm. */
static void
workers_stop(const struct options *o, const struct shared *sh)
{
	int	 i;

	for (i = 0; i < o->workers; i++)
		if (sh->w[i].pid > 0)
			kill(sh->w[i].pid, SIGTERM);
}

/*
 * Fork the workers, start them together, wait for all; returns when the
 * last one finished its storm.  If a worker cannot be forked, the storm is
 * called off and o->workers becomes the number that ran.
 */
static int64_t
storm_run(struct options *o, struct shared *sh, int pid_fd)
{
	int64_t	 end = 0;
	pid_t	 pid;
	int	 go[2], i, told = 0;

	if (pipe(go) == -1) {
		perror("taskstorm: pipe");
		exit(1);
	}
	fflush(NULL);
	for (i = 0; i < o->workers; i++) {
		if ((pid = fork()) == -1) {
			perror("taskstorm: forking a worker");
			o->workers = i;
			workers_stop(o, sh);
			told = 1;
			break;
		}
		if (pid == 0) {
			close(go[1]);
			worker_main(o, sh, i, go[0], pid_fd);
		}
		sh->w[i].pid = pid;
	}
	close(go[0]);
	sh->start_ns = mono_ns();
	close(go[1]);
	while (wait(NULL) != -1 || errno == EINTR)
		if (stopping && !told) {
			workers_stop(o, sh);
			told = 1;
		}
	for (i = 0; i < o->workers; i++)
		if (sh->w[i].end_ns > end)
			end = sh->w[i].end_ns;
	return end;
}

int
main(int argc, char **argv)
{
	struct options	 o = { 0 };
	struct shared	*sh;
	size_t		 shlen;
	int64_t		 end;
	int		 pid_fd = -1, bad;

	/* The task of exec and spawn modes: leave before anything else. */
	if (argc == 2 && strcmp(argv[1], STORM_EXIT_ARG) == 0)
		_exit(0);
	parse_options(&o, argc, argv);
	find_self();
	shlen = sizeof(*sh) + (size_t)o.workers * sizeof(sh->w[0]);
	sh = mmap(NULL, shlen, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("taskstorm: mmap");
		return 1;
	}
	if (o.pidfile != NULL && (pid_fd = open(o.pidfile, O_WRONLY |
	    O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) == -1) {
		fprintf(stderr, "taskstorm: %s: %s\n", o.pidfile,
		    strerror(errno));
		return 1;
	}
	signals_setup();
	end = storm_run(&o, sh, pid_fd);
	if (pid_fd != -1 && close(pid_fd) == -1) {
		fprintf(stderr, "taskstorm: %s: %s\n", o.pidfile,
		    strerror(errno));
		sh->w[0].pidfile_errno = errno;
	}
	if (o.json)
		report_json(&o, sh, end > sh->start_ns ? end - sh->start_ns :
		    0);
	else
		report_text(&o, sh, end > sh->start_ns ? end - sh->start_ns :
		    0);
	bad = report_problems(&o, sh);
	if (fflush(stdout) == EOF)
		bad = 1;
	return bad;
}
