/*
 * taskacctd.c: the recorder's main: options, start-up checks, the libevent
 * loop that drains the TASKSTATS socket, and the orderly stop.
 *
 * Life: check privilege and namespaces, open the database, open and
 * register the socket, go to the background (the parent waits until the
 * child is recording, so start-up errors reach the terminal), write the
 * runs row, start the writer thread, loop.  The socket is drained
 * adaptively: the first message after idleness wakes the loop, which then
 * drains on a short timer until a drain finds nothing, so a fork storm costs
 * a few wake-ups per second rather than one per record.  SIGTERM/SIGINT
 * deregister, drain what the kernel had queued, commit and mark the run
 * clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "listener.h"
#include "log.h"
#include "queue.h"
#include "store.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "writer.h"

#define DAEMON_RCVBUF_DEFAULT	(32 << 20)	/* bytes, ~14k-25k records */
#define DAEMON_RCVBUF_MIN	(64 << 10)
#define DAEMON_RCVBUF_MAX	(1 << 30)
#define DAEMON_QUEUE_DEFAULT	16384		/* slots, ~1 KiB each */
#define DAEMON_QUEUE_MIN	1024
#define DAEMON_QUEUE_MAX	(1 << 20)
#define DRAIN_POLL_MS		10		/* while records flow */
#define STOP_DRAIN_TIMEOUT_MS	10000
#define LOOP_NSIGNALS		3

struct options {
	const char	*db;
	const char	*cpus;
	int		 foreground;
	int		 verbose;
	int		 rcvbuf;
	size_t		 queue;
	int		 enable_delayacct;
};

struct daemon {
	struct options	 opt;
	char		 cpumask[CPULIST_MAX];
	struct store	*store;
	struct queue	*queue;
	struct writer	*writer;
	struct listener	*listener;
	struct event_base *base;
	struct event	*read_ev;
	struct event	*poll_ev;
	struct event	*sig_ev[LOOP_NSIGNALS];
	int		 ready_fd;	/* to the waiting parent, or -1 */
	int64_t		 start_time;	/* us, just before registering */
	char		*db_path;	/* absolute */
};

/* The signals the loop handles: stop on TERM and INT, log HUP. */
static const int loop_signals[LOOP_NSIGNALS] = { SIGTERM, SIGINT, SIGHUP };

static void
signals_block(int block)
{
	sigset_t	 set;
	size_t		 i;

	sigemptyset(&set);
	for (i = 0; i < LOOP_NSIGNALS; i++)
		sigaddset(&set, loop_signals[i]);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*
 * The database path made absolute against the working directory, which the
 * daemon leaves when it detaches.  The file may not exist yet.
 */
static char *
realpath_db(const char *path)
{
	char	*abs, cwd[PATH_MAX];

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&abs, "%s/%s", cwd, path) == -1)
		return NULL;
	return abs;
}

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: taskacctd [-fv] [-d DB] [--cpus LIST] [--rcvbuf BYTES] "
	    "[--queue N]\n"
	    "                 [--enable-delayacct]\n"
	    "Records every task exit the kernel reports (taskstats) into an "
	    "SQLite database.\n\n"
	    "  -d, --db PATH          database (default %s)\n"
	    "  -f, --foreground       stay in the foreground, log to stderr\n"
	    "      --cpus LIST        CPUs to listen on, e.g. 0-3,8 "
	    "(default: all possible)\n"
	    "      --rcvbuf BYTES     socket receive buffer, K/M/G suffixes "
	    "(default 32M)\n"
	    "      --queue N          records held for the writer (default "
	    "%d)\n"
	    "      --enable-delayacct set kernel.task_delayacct=1 so delay "
	    "columns are filled\n"
	    "  -v, --verbose          more log output\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          print the version\n",
	    TASKACCT_DEFAULT_DB, DAEMON_QUEUE_DEFAULT);
	exit(status);
}

static long long
parse_size(const char *s, const char *what, long long min, long long max)
{
	char		*end;
	long long	 v;
	int		 shift = 0;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == 0 && end != s) {
		switch (*end) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		}
	}
	/* Range-check before shifting: a shift must not overflow. */
	if (errno != 0 || end == s || *end != '\0' || v < 0 ||
	    v > (max >> shift) || (v << shift) < min) {
		fprintf(stderr, "taskacctd: bad %s \"%s\": expected %lld to "
		    "%lld\n", what, s, min, max);
		exit(2);
	}
	return v << shift;
}

static void
parse_options(struct options *o, int argc, char **argv)
{
	enum { OPT_CPUS = 256, OPT_RCVBUF, OPT_QUEUE, OPT_DELAYACCT };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "enable-delayacct", no_argument, NULL, OPT_DELAYACCT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	o->db = TASKACCT_DEFAULT_DB;
	o->rcvbuf = DAEMON_RCVBUF_DEFAULT;
	o->queue = DAEMON_QUEUE_DEFAULT;
	while ((ch = getopt_long(argc, argv, "d:fvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->db = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'v': o->verbose++; break;
		case 'h': usage(0);
		case 'V': printf("taskacctd %s\n", TASKACCT_VERSION); exit(0);
		case OPT_CPUS: o->cpus = optarg; break;
		case OPT_RCVBUF:
			o->rcvbuf = (int)parse_size(optarg, "--rcvbuf",
			    DAEMON_RCVBUF_MIN, DAEMON_RCVBUF_MAX);
			break;
		case OPT_QUEUE:
			o->queue = (size_t)parse_size(optarg, "--queue",
			    DAEMON_QUEUE_MIN, DAEMON_QUEUE_MAX);
			break;
		case OPT_DELAYACCT: o->enable_delayacct = 1; break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
}

/*
 * Fork; the parent waits for the child to report that it is recording (a
 * byte on a pipe) and exits 0, or with the child's status if it died during
 * start-up (its error went to the shared stderr).
 */
static int
daemon_fork(void)
{
	int	 p[2], status;
	pid_t	 pid;
	char	 c;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(p[0]);
		setsid();
		/* Do not keep the launching directory busy. */
		if (chdir("/") == -1)
			fatal("chdir /");
		return p[1];
	}
	close(p[1]);
	if (read(p[0], &c, 1) == 1)
		_exit(0);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(1);
}

/* Tell the parent we are recording, and leave the terminal. */
static void
daemon_detach(struct daemon *d)
{
	int	 fd;

	if (d->ready_fd == -1)
		return;
	log_init(0, d->opt.verbose);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (write(d->ready_fd, "1", 1) != 1)
		log_warn("start-up pipe");
	close(d->ready_fd);
	d->ready_fd = -1;
}

static void
check_delayacct(int enable)
{
	int	 on = delayacct_get();

	if (on != 0)
		return;
	if (enable) {
		if (delayacct_enable() == -1)
			log_warn("cannot set kernel.task_delayacct=1");
		else
			log_info("delay accounting enabled "
			    "(kernel.task_delayacct=1); tasks started from now "
			    "on carry delay data");
		return;
	}
	log_warnx("kernel.task_delayacct is 0: the blkio, swapin, freepages, "
	    "thrashing, compact, wpcopy and irq delay columns stay zero (cpu "
	    "delays come from the scheduler and are filled); use "
	    "--enable-delayacct or sysctl kernel.task_delayacct=1 (applies to "
	    "tasks started after)");
}

static void
run_begin(struct daemon *d, int64_t start_time)
{
	struct run_info	 ri = { 0 };
	struct utsname	 u;
	char		 boot[64] = "unknown", host[256] = "";

	read_line("/proc/sys/kernel/random/boot_id", boot, sizeof(boot));
	gethostname(host, sizeof(host) - 1);
	uname(&u);
	ri.boot_id = boot;
	ri.hostname = host;
	ri.kernel_release = u.release;
	ri.cpumask = d->cpumask;
	ri.rcvbuf = listener_rcvbuf(d->listener);
	ri.sockets = 1;
	ri.start_time = start_time;
	if (store_run_begin(d->store, &ri) == -1)
		fatalx("%s: recording the run: %s", d->opt.db,
		    store_errmsg(d->store));
}

/* Drain; keep polling on the timer while records flow, else wait on read. */
static void
drain(struct daemon *d)
{
	size_t			 n;
	enum drain_result	 r;
	struct timeval		 tv = { 0, DRAIN_POLL_MS * 1000 };

	/* A socket error is logged by the listener; keep going. */
	r = listener_drain(d->listener, d->queue, &n);
	if (n > 0 || r == DRAIN_BLOCKED) {
		event_del(d->read_ev);
		evtimer_add(d->poll_ev, &tv);
	} else {
		evtimer_del(d->poll_ev);
		event_add(d->read_ev, NULL);
	}
}

/* The socket became readable, or the poll timer fired. */
static void
on_drain(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	drain(arg);
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon	*d = arg;

	(void)ev;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(d->base);
}

/* Database reopening on SIGHUP is not implemented: say so, keep going. */
static void
on_sighup(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	(void)arg;
	log_warnx("SIGHUP ignored: this version does not reopen the database");
}

static void
on_libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

static void
loop_setup(struct daemon *d)
{
	event_callback_fn cb;
	size_t		 i;

	event_set_log_callback(on_libevent_log);
	if ((d->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	d->read_ev = event_new(d->base, listener_fd(d->listener),
	    EV_READ | EV_PERSIST, on_drain, d);
	d->poll_ev = evtimer_new(d->base, on_drain, d);
	if (d->read_ev == NULL || d->poll_ev == NULL)
		fatalx("event_new failed");
	for (i = 0; i < LOOP_NSIGNALS; i++) {
		cb = loop_signals[i] == SIGHUP ? on_sighup : on_signal;
		d->sig_ev[i] = evsignal_new(d->base, loop_signals[i], cb, d);
		if (d->sig_ev[i] == NULL || event_add(d->sig_ev[i], NULL) == -1)
			fatalx("evsignal_new failed");
	}
	signal(SIGPIPE, SIG_IGN);
	/* Records may already be waiting from registration on. */
	drain(d);
}

static void
loop_teardown(struct daemon *d)
{
	size_t	 i;

	for (i = 0; i < LOOP_NSIGNALS; i++)
		event_free(d->sig_ev[i]);
	event_free(d->poll_ev);
	event_free(d->read_ev);
	event_base_free(d->base);
}

static void
log_totals(struct daemon *d, uint64_t rows)
{
	const struct listener_stats *s = listener_stats(d->listener);

	listener_flush_logs(d->listener);
	log_info("stopped: %llu records received, %llu stored; lost exit "
	    "messages: %llu dropped by the kernel, %llu refused by the queue, "
	    "%llu malformed",
	    (unsigned long long)s->records,
	    (unsigned long long)rows,
	    (unsigned long long)s->drops, (unsigned long long)s->refused,
	    (unsigned long long)s->malformed);
}

static void
setup(struct daemon *d)
{
	char	 err[512];

	if (preflight_privilege(err, sizeof(err)) == -1 ||
	    preflight_namespaces(err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (d->opt.cpus != NULL) {
		if (cpulist_valid(d->opt.cpus, NULL, err, sizeof(err)) == -1)
			fatalx("%s", err);
		snprintf(d->cpumask, sizeof(d->cpumask), "%s", d->opt.cpus);
	} else if (cpulist_possible(d->cpumask, sizeof(d->cpumask)) == -1)
		fatal("reading /sys/devices/system/cpu/possible");
	if ((d->store = store_open(d->opt.db, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	check_delayacct(d->opt.enable_delayacct);
	if ((d->queue = queue_new(d->opt.queue)) == NULL)
		fatal("queue of %zu records", d->opt.queue);
	if ((d->listener = listener_open(d->cpumask, d->opt.rcvbuf, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	/* Records may come with the kernel's answer: the run starts here. */
	d->start_time = now_real_us();
	if (listener_register(d->listener, d->queue, err, sizeof(err)) == -1)
		fatalx("registering cpus %s with taskstats: %s%s", d->cpumask,
		    err, errno == EINVAL || errno == ERANGE ? " (CPUs outside "
		    "/sys/devices/system/cpu/possible, or not in the initial "
		    "user/pid namespace)" : "");
}

int
main(int argc, char **argv)
{
	struct daemon	 d = { .ready_fd = -1 };
	uint64_t	 rows;

	parse_options(&d.opt, argc, argv);
	log_init(1, d.opt.verbose);
	/*
	 * The database path is used before and after detaching (chdir "/"):
	 * make it absolute.
	 */
	if ((d.db_path = realpath_db(d.opt.db)) == NULL)
		fatal("%s", d.opt.db);
	d.opt.db = d.db_path;
	/*
	 * Stopping signals stay blocked until the loop handles them, and so
	 * forever in the writer thread, which inherits the mask.
	 */
	signals_block(1);
	/* Task names and command history are for root and its group only. */
	umask(027);
	if (!d.opt.foreground)
		d.ready_fd = daemon_fork();
	setup(&d);
	run_begin(&d, d.start_time);
	if ((d.writer = writer_start(d.store, d.queue)) == NULL)
		fatal("writer thread");
	loop_setup(&d);
	signals_block(0);
	log_info("recording exits on cpus %s into %s (receive buffer %d "
	    "bytes)", d.cpumask, d.opt.db, listener_rcvbuf(d.listener));
	daemon_detach(&d);
	event_base_dispatch(d.base);

	listener_stop(d.listener, d.queue, now_mono_ms() +
	    STOP_DRAIN_TIMEOUT_MS);
	queue_close(d.queue);
	if (writer_stop(d.writer, &rows) == -1)
		log_warnx("%zu records could not be written to %s",
		    queue_length(d.queue), d.opt.db);
	else if (store_run_end(d.store, now_real_us(), 1) == -1)
		log_warnx("%s: marking the run stopped: %s", d.opt.db,
		    store_errmsg(d.store));
	log_totals(&d, rows);
	loop_teardown(&d);
	listener_close(d.listener);
	store_close(d.store);
	queue_free(d.queue);
	free(d.db_path);
	return 0;
}
