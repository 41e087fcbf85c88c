/*
 * workload.c: makes tasks exit in known ways for the end-to-end tests.
 *
 * Each subcommand forks a child (or many), waits for it, and prints the facts
 * a test needs to find and check its exit record as key=value lines on
 * stdout: pid (the child), parent (this process, the records' ac_ppid),
 * wstatus (what waitpid returned: the expected ac_exitcode) and whatever the
 * subcommand measured.  Output goes through write(2), never stdio buffers,
 * so a fork can never duplicate a half-written line.
 *
 * Children leave with _exit so they run no atexit handlers or stdio flushes
 * of the parent's state, and the parent reaps each one before it returns.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WL_WRITE_CHUNK		(1 << 20)
#define WL_THREAD_SPIN_MS	20
#define WL_MAX_THREADS		1024
#define WL_MAX_STORM		10000000

static void __attribute__((format(printf, 1, 2)))
emit(const char *fmt, ...)
{
	char	 buf[256];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write per line: lines from children never interleave. */
	if (write(STDOUT_FILENO, buf, n) != n)
		_exit(126);
}

static pid_t
xgettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static long long
parse_num(const char *s, long long min, long long max, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(2, "bad %s: %s", what, s);
	return v;
}

static int64_t
clock_us(clockid_t clk)
{
	struct timespec	 ts;

	if (clock_gettime(clk, &ts) == -1)
		return -1;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Burn user CPU until this thread has used ms milliseconds of CPU. */
static int64_t
burn_cpu_ms(long long ms)
{
	volatile uint64_t	 x = 1;
	int64_t			 until, now;
	int			 i;

	until = clock_us(CLOCK_THREAD_CPUTIME_ID) + ms * 1000;
	do {
		for (i = 0; i < 100000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		now = clock_us(CLOCK_THREAD_CPUTIME_ID);
	} while (now < until);
	return now;
}

/* Wait for pid, print the common facts, return the wait status. */
static int
reap(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			err(1, "waitpid %d", (int)pid);
	emit("pid=%d", (int)pid);
	emit("parent=%d", (int)getpid());
	emit("wstatus=%d", status);
	return status;
}

static pid_t
xfork(void)
{
	pid_t	 pid;

	if ((pid = fork()) == -1)
		err(1, "fork");
	return pid;
}

static int
cmd_exit(int argc, char **argv)
{
	int	 code, st;
	pid_t	 pid;

	if (argc != 1)
		errx(2, "usage: exit CODE");
	code = (int)parse_num(argv[0], 0, 255, "exit code");
	if ((pid = xfork()) == 0)
		_exit(code);
	st = reap(pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == code ? 0 : 1;
}

/* Let the child die of its own fault, with core dumps off. */
static void
child_segv(void)
{
	struct rlimit	 rl = { 0, 0 };
	volatile int	*volatile p = NULL;

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		_exit(125);
	/* Also covers a piped core_pattern, which ignores RLIMIT_CORE 0. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		_exit(125);
	signal(SIGSEGV, SIG_DFL);
	*p = 1;
	raise(SIGSEGV);
	_exit(124);
}

static int
cmd_kill(int argc, char **argv)
{
	sigset_t	 none;
	int		 sig, st, p[2];
	pid_t		 pid;
	char		 c;

	if (argc != 1)
		errx(2, "usage: kill SIGNUM");
	sig = (int)parse_num(argv[0], 1, 64, "signal");
	if (pipe(p) == -1)
		err(1, "pipe");
	if ((pid = xfork()) == 0) {
		if (sig == SIGSEGV)
			child_segv();
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(sig, SIG_DFL);
		close(p[0]);
		/* Ready: the signal now meets the default action. */
		if (write(p[1], "r", 1) != 1)
			_exit(125);
		for (;;)
			pause();
	}
	close(p[1]);
	if (sig != SIGSEGV) {
		if (read(p[0], &c, 1) != 1)
			warnx("child %d died before it was ready", (int)pid);
		else if (kill(pid, sig) == -1)
			err(1, "kill %d", (int)pid);
	}
	close(p[0]);
	st = reap(pid);
	emit("signal=%d", sig);
	return WIFSIGNALED(st) && WTERMSIG(st) == sig ? 0 : 1;
}

static int
cmd_write(int argc, char **argv)
{
	long long	 bytes, done;
	ssize_t		 n;
	size_t		 len;
	char		*buf;
	pid_t		 pid;
	int		 fd, st;

	if (argc != 2)
		errx(2, "usage: write BYTES PATH");
	bytes = parse_num(argv[0], 0, 1LL << 40, "byte count");
	if ((pid = xfork()) == 0) {
		if ((buf = malloc(WL_WRITE_CHUNK)) == NULL)
			_exit(125);
		memset(buf, 0xa5, WL_WRITE_CHUNK);
		fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (fd == -1)
			_exit(125);
		for (done = 0; done < bytes; done += n) {
			len = bytes - done < WL_WRITE_CHUNK ?
			    (size_t)(bytes - done) : WL_WRITE_CHUNK;
			if ((n = write(fd, buf, len)) <= 0)
				_exit(125);
		}
		if (fsync(fd) == -1 || close(fd) == -1)
			_exit(125);
		_exit(0);
	}
	st = reap(pid);
	emit("bytes=%lld", bytes);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int
cmd_sleep(int argc, char **argv)
{
	struct timespec	 ts;
	long long	 ms;
	pid_t		 pid;
	int		 st;

	if (argc != 1)
		errx(2, "usage: sleep MS");
	ms = parse_num(argv[0], 0, 86400000LL, "milliseconds");
	if ((pid = xfork()) == 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		_exit(0);
	}
	st = reap(pid);
	emit("ms=%lld", ms);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int
cmd_spin(int argc, char **argv)
{
	long long	 ms;
	pid_t		 pid;
	int		 st;

	if (argc != 1)
		errx(2, "usage: spin MS");
	ms = parse_num(argv[0], 0, 3600000LL, "milliseconds");
	if ((pid = xfork()) == 0) {
		/* CPU time of this thread since fork: all the task will have. */
		emit("cpu_us=%lld", (long long)burn_cpu_ms(ms));
		_exit(0);
	}
	st = reap(pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static void *
thread_main(void *arg)
{
	pid_t	*tid = arg;

	*tid = xgettid();
	burn_cpu_ms(WL_THREAD_SPIN_MS);
	return NULL;
}

static void
child_threads(int n)
{
	pthread_t	 th[WL_MAX_THREADS];
	pid_t		 tids[WL_MAX_THREADS];
	int		 i;

	tids[0] = xgettid();
	for (i = 1; i < n; i++)
		if (pthread_create(&th[i], NULL, thread_main, &tids[i]) != 0)
			_exit(125);
	burn_cpu_ms(WL_THREAD_SPIN_MS);
	for (i = 1; i < n; i++)
		if (pthread_join(th[i], NULL) != 0)
			_exit(125);
	for (i = 0; i < n; i++)
		emit("tid=%d", (int)tids[i]);
	_exit(0);
}

static int
cmd_threads(int argc, char **argv)
{
	pid_t	 pid;
	int	 n, st;

	if (argc != 1)
		errx(2, "usage: threads N");
	n = (int)parse_num(argv[0], 1, WL_MAX_THREADS, "thread count");
	if ((pid = xfork()) == 0)
		child_threads(n);
	st = reap(pid);
	emit("threads=%d", n);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static void *
thread_burn(void *arg)
{
	burn_cpu_ms(*(const long long *)arg);
	return NULL;
}

/*
 * A child whose main thread starts k - 1 threads that each burn ms of CPU,
 * joins them and exits at once (or hold_ms later): its threads' records
 * reach the recorder before, or in the same drain as, the main thread's
 * process end.
 */
static void
child_burners(int k, long long ms, long long hold_ms)
{
	struct timespec	 ts;
	pthread_t	 th[WL_MAX_THREADS];
	int		 i;

	for (i = 1; i < k; i++)
		if (pthread_create(&th[i], NULL, thread_burn, &ms) != 0)
			_exit(125);
	for (i = 1; i < k; i++)
		if (pthread_join(th[i], NULL) != 0)
			_exit(125);
	ts.tv_sec = hold_ms / 1000;
	ts.tv_nsec = (hold_ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	_exit(0);
}

/*
 * n children one after another, each of k threads (main included), whose
 * main thread exits hold_ms after its threads.
 */
static int
cmd_procs(int argc, char **argv)
{
	long long	 n, i, ms, hold = 0;
	pid_t		 pid;
	int		 k, st, bad = 0;

	if (argc != 3 && argc != 4)
		errx(2, "usage: procs N K MS [HOLD_MS]");
	if (argc == 4)
		hold = parse_num(argv[3], 0, 600000, "milliseconds");
	n = parse_num(argv[0], 1, 10000, "process count");
	k = (int)parse_num(argv[1], 1, WL_MAX_THREADS, "thread count");
	ms = parse_num(argv[2], 0, 10000, "milliseconds");
	for (i = 0; i < n; i++) {
		if ((pid = xfork()) == 0)
			child_burners(k, ms, hold);
		st = reap(pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	emit("threads=%d", k);
	return bad == 0 ? 0 : 1;
}

struct late_arg {
	long long	 ms, hold_ms;
};

static void *
thread_burn_hold(void *arg)
{
	const struct late_arg	*a = arg;
	struct timespec		 ts;

	burn_cpu_ms(a->ms);
	ts.tv_sec = a->hold_ms / 1000;
	ts.tv_nsec = (a->hold_ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return NULL;
}

/*
 * n children one after another, each of k threads whose main thread (the
 * leader) exits first, at once: the others burn ms of CPU and end hold_ms
 * later, the last of them ending the process (tests/ptotals_e2e.sh).
 */
static int
cmd_lprocs(int argc, char **argv)
{
	static struct late_arg	 a;
	pthread_t		 t;
	long long		 n, i;
	pid_t			 pid;
	int			 k, j, st, bad = 0;

	if (argc != 4)
		errx(2, "usage: lprocs N K MS HOLD_MS");
	n = parse_num(argv[0], 1, 10000, "process count");
	k = (int)parse_num(argv[1], 2, WL_MAX_THREADS, "thread count");
	a.ms = parse_num(argv[2], 0, 10000, "milliseconds");
	a.hold_ms = parse_num(argv[3], 0, 600000, "milliseconds");
	for (i = 0; i < n; i++) {
		if ((pid = xfork()) == 0) {
			for (j = 1; j < k; j++)
				if (pthread_create(&t, NULL, thread_burn_hold,
				    &a) != 0)
					_exit(125);
			pthread_exit(NULL);
		}
		st = reap(pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	emit("threads=%d", k);
	return bad == 0 ? 0 : 1;
}

static int
cmd_rename(int argc, char **argv)
{
	pid_t	 pid;
	int	 st;

	if (argc != 1)
		errx(2, "usage: rename NAME");
	if ((pid = xfork()) == 0) {
		if (prctl(PR_SET_NAME, argv[0], 0, 0, 0) == -1)
			_exit(125);
		_exit(0);
	}
	st = reap(pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* Fork and reap n children back to back; pids to path (or stdout) at end. */
static int
cmd_storm(int argc, char **argv)
{
	FILE		*f;
	pid_t		*pids;
	int64_t		 t0, t1;
	long long	 n, i, bad = 0;
	int		 st;

	if (argc != 1 && argc != 2)
		errx(2, "usage: storm N [PIDFILE]");
	n = parse_num(argv[0], 1, WL_MAX_STORM, "count");
	if ((pids = calloc(n, sizeof(*pids))) == NULL)
		err(1, "calloc");
	t0 = clock_us(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		if ((pids[i] = xfork()) == 0)
			_exit(0);
		while (waitpid(pids[i], &st, 0) == -1)
			if (errno != EINTR)
				err(1, "waitpid %d", (int)pids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	t1 = clock_us(CLOCK_MONOTONIC);
	if (argc == 2) {
		if ((f = fopen(argv[1], "w")) == NULL)
			err(1, "%s", argv[1]);
	} else
		f = stdout;
	for (i = 0; i < n; i++)
		fprintf(f, "%d\n", (int)pids[i]);
	if (fflush(f) == EOF || ferror(f))
		err(1, "writing pids");
	if (f != stdout && fclose(f) == EOF)
		err(1, "%s", argv[1]);
	emit("parent=%d", (int)getpid());
	emit("count=%lld", n);
	emit("failed=%lld", bad);
	emit("elapsed_us=%lld", (long long)(t1 - t0));
	free(pids);
	return bad == 0 ? 0 : 1;
}

static void *
thread_nop(void *arg)
{
	return arg;
}

/* Create and join n threads back to back, in this process. */
static int
cmd_tstorm(int argc, char **argv)
{
	pthread_t	 t;
	int64_t		 t0, t1;
	long long	 n, i;
	int		 r;

	if (argc != 1)
		errx(2, "usage: tstorm N");
	n = parse_num(argv[0], 1, WL_MAX_STORM, "count");
	t0 = clock_us(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		if ((r = pthread_create(&t, NULL, thread_nop, NULL)) != 0)
			errx(1, "pthread_create: %s", strerror(r));
		pthread_join(t, NULL);
	}
	t1 = clock_us(CLOCK_MONOTONIC);
	emit("pid=%d", (int)getpid());
	emit("count=%lld", n);
	emit("elapsed_us=%lld", (long long)(t1 - t0));
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*args;
} cmds[] = {
	{ "exit",	cmd_exit,	"CODE" },
	{ "kill",	cmd_kill,	"SIGNUM" },
	{ "write",	cmd_write,	"BYTES PATH" },
	{ "sleep",	cmd_sleep,	"MS" },
	{ "spin",	cmd_spin,	"MS" },
	{ "threads",	cmd_threads,	"N" },
	{ "procs",	cmd_procs,	"N K MS [HOLD_MS]" },
	{ "lprocs",	cmd_lprocs,	"N K MS HOLD_MS" },
	{ "rename",	cmd_rename,	"NAME" },
	{ "storm",	cmd_storm,	"N [PIDFILE]" },
	{ "tstorm",	cmd_tstorm,	"N" },
};

static void __attribute__((noreturn))
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "  workload %s %s\n", cmds[i].name,
		    cmds[i].args);
	exit(2);
}

int
main(int argc, char **argv)
{
	size_t	 i;

	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
	usage();
}
