/*
 * taskacctd.c: the recorder's main: options, start-up checks, the libevent
 * loop that drains the TASKSTATS socket, and the orderly stop.
 *
 * Life: check privilege and namespaces, look up the user to run as, open
 * the database, open and register the sockets (--sockets N, each for its
 * share of the CPUs: the kernel sends an exit only to the sockets
 * registered for the CPU it happened on), go to the background (the parent
 * waits until the child is recording, so start-up errors reach the
 * terminal), write the runs row, hand the database to the user and become
 * it, start the writer thread, loop.  The sockets are drained adaptively:
 * the first message after idleness wakes the loop, which then drains every
 * socket on a short timer until a drain finds nothing, so a fork storm
 * costs a few wake-ups per second rather than one per record; the end of
 * such a flow tells the writer to commit at once (queue_set_flowing).  All
 * sockets are drained on this one thread, the queue's single producer.
 * SIGTERM/SIGINT deregister (once unprivileged the kernel refuses, and
 * closing the sockets does it), drain what the kernel had queued, commit
 * and mark the run clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
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

#include "dbpath.h"
#include "duration.h"
#include "identcap.h"
#include "identpriv.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "privdrop.h"
#include "privsep.h"
#include "queue.h"
#include "sampler.h"
#include "store.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "upgrade.h"
#include "writer.h"

#define DAEMON_RCVBUF_DEFAULT	(32 << 20)	/* bytes, ~14k-25k records */
#define DAEMON_RCVBUF_MIN	(64 << 10)
#define DAEMON_RCVBUF_MAX	(1 << 30)
#define DAEMON_QUEUE_DEFAULT	16384		/* slots, ~1 KiB each */
#define DAEMON_QUEUE_MIN	1024
#define DAEMON_QUEUE_MAX	(1 << 20)
/* Sockets: each holds ~0.5 MiB of read buffers and up to --rcvbuf. */
#define DAEMON_SOCKETS_MAX	256
#define DAEMON_MAX_SIZE_MIN	(1LL << 20)
#define DAEMON_MAX_SIZE_MAX	(1LL << 50)
#define DRAIN_POLL_MS		10		/* while records flow */
#define STOP_DRAIN_TIMEOUT_MS	10000
#define LOOP_NSIGNALS		4
/* An upgrade waits this long for the sampler child's pass to end. */
#define UPGRADE_SETTLE_MS	2000
/* Live sampling: see SAMPLING in taskacctd(8) for the default. */
#define DAEMON_SAMPLE_DEFAULT_US	(INT64_C(10) * 1000000)
#define DAEMON_SAMPLE_MIN_US		INT64_C(100000)
#define DAEMON_SAMPLE_MAX_US		(INT64_C(86400) * 1000000)

struct options {
	const char	*db;
	const char	*cpus;
	int		 foreground;
	int		 verbose;
	int		 rcvbuf;
	size_t		 queue;
	int		 sockets;
	const char	*user;		/* NULL: the default, if it exists */
	int		 enable_delayacct;
	int64_t		 retain_us;	/* --retain; 0: keep everything */
	int64_t		 max_bytes;	/* --max-size; 0: no limit */
	int64_t		 sample_us;	/* --sample-interval; 0: off */
	int		 no_args;	/* --no-args: no command lines */
	int		 no_ident;	/* --no-ident: no identity capture */
	const char	*metrics;	/* --metrics ADDR:PORT; NULL: off */
	int		 metrics_top;	/* --metrics-top */
	int		 upgrade_check;	/* --upgrade-check (src/upgrade.c) */
};

struct daemon {
	struct options	 opt;
	char		 cpumask[CPULIST_MAX];
	struct run_info	 run;		/* this life, as in its runs row */
	char		 boot_id[64];
	char		 hostname[256];
	struct utsname	 uts;
	struct store	*store;
	struct queue	*queue;
	struct writer	*writer;
	struct listener	**listeners;	/* one per socket */
	struct identcap	*ident;		/* NULL: identity capture off */
	struct identpriv *ident_priv;	/* the identity reader, or NULL */
	struct event	**read_evs;	/* one per socket */
	int		 nsockets;
	int		 polling;	/* draining on the timer, not on read */
	int		 first;		/* the socket drained first next time */
	struct privdrop_user user;
	int		 drop;		/* become user after set-up */
	int		 dir_created;	/* the database directory is ours */
	struct event_base *base;
	struct event	*poll_ev;
	struct event	*sig_ev[LOOP_NSIGNALS];
	int		 ready_fd;	/* to the waiting parent, or -1 */
	int64_t		 start_time;	/* us, just before registering */
	char		*db_path;	/* absolute */
	struct log_rate	 hup_rate;	/* a SIGHUP flood logs a few lines */
	struct privsep_child priv;	/* the privileged child, or pid 0 */
	struct sacct	*acct;
	struct sampler	*sampler;
	struct metrics	*metrics;	/* --metrics, or NULL */
	/* Upgrade in place: src/upgrade.c. */
	char		 exe[PATH_MAX];	/* our binary's path, at start */
	char		**argv;		/* ours, -d made absolute */
	int		 upgrade_req;	/* SIGUSR2 seen */
	struct upgrade_state up;	/* handed to this image, if adopted */
};

/*
 * The signals the loop handles: stop on TERM and INT, log HUP, upgrade on
 * USR2 (blocked until then: its default action would kill us).
 */
static const int loop_signals[LOOP_NSIGNALS] = { SIGTERM, SIGINT, SIGHUP,
    SIGUSR2 };

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
	    "usage: taskacctd [-fv] [-d DB] [--cpus LIST] [--sockets N] "
	    "[--rcvbuf BYTES]\n"
	    "                 [--queue N] [--user NAME] [--retain DAYS] "
	    "[--max-size BYTES]\n"
	    "                 [--enable-delayacct] [--sample-interval SECONDS]\n"
	    "                 [--no-args] [--no-ident] [--metrics ADDR:PORT] "
	    "[--metrics-top N]\n"
	    "Records every task exit the kernel reports (taskstats) into an "
	    "SQLite database.\n\n"
	    "  -d, --db PATH          database (default %s)\n"
	    "  -f, --foreground       stay in the foreground, log to stderr\n"
	    "      --cpus LIST        CPUs to listen on, e.g. 0-3,8 "
	    "(default: all possible)\n"
	    "      --sockets N        listen with N sockets, each for a share "
	    "of the CPUs\n"
	    "                         (default 1)\n"
	    "      --rcvbuf BYTES     receive buffer of each socket, K/M/G "
	    "suffixes\n"
	    "                         (default 32M)\n"
	    "      --queue N          records held for the writer (default "
	    "%d)\n"
	    "      --user NAME        run as NAME (or a numeric uid) once set "
	    "up (default %s\n"
	    "                         if it exists; root: stay root)\n"
	    "      --retain DAYS      prune rows older than this; a number "
	    "of days, or a\n"
	    "                         duration: 12h, 90min, 1h30m, 2w "
	    "(default: keep all)\n"
	    "      --max-size BYTES   prune the oldest rows when the database "
	    "outgrows this;\n"
	    "                         K/M/G suffixes, at least 1M (default: "
	    "no limit)\n"
	    "      --enable-delayacct set kernel.task_delayacct=1 so delay "
	    "columns are filled\n"
	    "      --sample-interval SECONDS  sample live processes' activity "
	    "this often:\n"
	    "                         seconds or a duration (500ms, 1min); "
	    "0: off (default 10)\n"
	    "      --no-args          record no command lines (they may hold "
	    "secrets);\n"
	    "                         executables and cgroups still\n"
	    "      --no-ident         no identity capture at all (command "
	    "line, executable,\n"
	    "                         cgroup)\n"
	    "      --metrics ADDR:PORT serve Prometheus metrics at "
	    "http://ADDR:PORT/metrics,\n"
	    "                         e.g. 127.0.0.1:9123 or [::1]:9123 "
	    "(default: off)\n"
	    "      --metrics-top N    label at most N commands and N users "
	    "(default %d)\n"
	    "  -v, --verbose          more log output\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          print the version\n",
	    TASKACCT_DEFAULT_DB, DAEMON_QUEUE_DEFAULT, PRIVDROP_DEFAULT_USER,
	    METRICS_TOP_DEFAULT);
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

/*
 * A retention period: a duration of src/duration.c, the query tool's
 * grammar (90min, 1h30m, 12h); a bare number is days.
 */
static int64_t
parse_duration(const char *s, const char *what)
{
	char	 e[256];
	int64_t	 us;

	if (duration_parse_unit(s, DURATION_US_PER_DAY, &us, e,
	    sizeof(e)) == -1) {
		fprintf(stderr, "taskacctd: %s: %s\n", what, e);
		exit(2);
	}
	if (us == 0) {
		fprintf(stderr, "taskacctd: %s: give a period longer than "
		    "0\n", what);
		exit(2);
	}
	return us;
}

/* --sample-interval: a duration, a bare number is seconds; 0 is off. */
static int64_t
parse_interval(const char *s)
{
	char	 e[256];
	int64_t	 us;

	if (duration_parse_unit(s, DURATION_US_PER_S, &us, e,
	    sizeof(e)) == -1) {
		fprintf(stderr, "taskacctd: --sample-interval: %s\n", e);
		exit(2);
	}
	if (us != 0 && (us < DAEMON_SAMPLE_MIN_US ||
	    us > DAEMON_SAMPLE_MAX_US)) {
		fprintf(stderr, "taskacctd: --sample-interval: expected 0 (off) "
		    "or 100ms to 1 day\n");
		exit(2);
	}
	return us;
}

/*
 * The database path: a file's, so neither empty nor ending in "/" (open(2)
 * would say "Is a directory" of a directory that does not exist).
 */
static const char *
parse_db(const char *s)
{
	if (*s == '\0') {
		fprintf(stderr, "taskacctd: -d needs the database file's path "
		    "(default %s)\n", TASKACCT_DEFAULT_DB);
		exit(2);
	}
	if (s[strlen(s) - 1] == '/') {
		fprintf(stderr, "taskacctd: bad -d \"%s\": ends in /: give "
		    "the database file's path, such as %staskacct.db\n", s, s);
		exit(2);
	}
	return s;
}

/*
 * --user: a name, or a number taken as a uid (see privdrop_lookup), which
 * must fit a uid_t other than (uid_t)-1, the "no change" of chown(2).
 */
static const char *
parse_user(const char *s)
{
	unsigned long long	 v;
	char			*end;

	if (*s == '\0') {
		fprintf(stderr, "taskacctd: --user needs a name (--user root "
		    "to stay root)\n");
		exit(2);
	}
	if (s[strspn(s, "0123456789")] != '\0')
		return s;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v >= (uid_t)-1) {
		fprintf(stderr, "taskacctd: bad --user \"%.64s\": uid out of "
		    "range (0 to %u)\n", s, (unsigned)((uid_t)-1 - 1));
		exit(2);
	}
	return s;
}

/* A plain count, no suffix. */
static int
parse_count(const char *s, const char *what, int min, int max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "taskacctd: bad %s \"%s\": expected %d to %d\n",
		    what, s, min, max);
		exit(2);
	}
	return (int)v;
}

/* --metrics: the address's syntax now; binding it is part of setup. */
static const char *
parse_metrics(const char *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[256];

	if (metrics_parse_addr(s, &ss, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "taskacctd: %s\n", err);
		exit(2);
	}
	return s;
}

static void
parse_options(struct options *o, int argc, char **argv)
{
	enum { OPT_CPUS = 256, OPT_RCVBUF, OPT_QUEUE, OPT_DELAYACCT,
	    OPT_SOCKETS, OPT_USER, OPT_RETAIN, OPT_MAX_SIZE, OPT_SAMPLE,
	    OPT_NO_ARGS, OPT_NO_IDENT, OPT_METRICS, OPT_METRICS_TOP,
	    OPT_UPGRADE_CHECK };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "sockets", required_argument, NULL, OPT_SOCKETS },
		{ "user", required_argument, NULL, OPT_USER },
		{ "retain", required_argument, NULL, OPT_RETAIN },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "enable-delayacct", no_argument, NULL, OPT_DELAYACCT },
		{ "sample-interval", required_argument, NULL, OPT_SAMPLE },
		{ "no-args", no_argument, NULL, OPT_NO_ARGS },
		{ "no-ident", no_argument, NULL, OPT_NO_IDENT },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "metrics-top", required_argument, NULL, OPT_METRICS_TOP },
		{ UPGRADE_CHECK_NAME, no_argument, NULL, OPT_UPGRADE_CHECK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	o->db = TASKACCT_DEFAULT_DB;
	o->rcvbuf = DAEMON_RCVBUF_DEFAULT;
	o->queue = DAEMON_QUEUE_DEFAULT;
	o->sockets = 1;
	o->sample_us = DAEMON_SAMPLE_DEFAULT_US;
	o->metrics_top = METRICS_TOP_DEFAULT;
	while ((ch = getopt_long(argc, argv, "d:fvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->db = parse_db(optarg); break;
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
		case OPT_SOCKETS:
			o->sockets = parse_count(optarg, "--sockets", 1,
			    DAEMON_SOCKETS_MAX);
			break;
		case OPT_USER: o->user = parse_user(optarg); break;
		case OPT_RETAIN:
			o->retain_us = parse_duration(optarg, "--retain");
			break;
		case OPT_MAX_SIZE:
			o->max_bytes = parse_size(optarg, "--max-size",
			    DAEMON_MAX_SIZE_MIN, DAEMON_MAX_SIZE_MAX);
			break;
		case OPT_DELAYACCT: o->enable_delayacct = 1; break;
		case OPT_SAMPLE: o->sample_us = parse_interval(optarg); break;
		case OPT_NO_ARGS: o->no_args = 1; break;
		case OPT_NO_IDENT: o->no_ident = 1; break;
		case OPT_METRICS: o->metrics = parse_metrics(optarg); break;
		case OPT_UPGRADE_CHECK: o->upgrade_check = 1; break;
		case OPT_METRICS_TOP:
			o->metrics_top = parse_count(optarg, "--metrics-top", 1,
			    METRICS_TOP_MAX);
			break;
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

/* The smallest buffer any socket was granted: what every socket holds. */
static int
daemon_rcvbuf(struct daemon *d)
{
	int	 i, r, min = 0;

	for (i = 0; i < d->nsockets; i++) {
		r = listener_rcvbuf(d->listeners[i]);
		if (i == 0 || r < min)
			min = r;
	}
	return min;
}

/* Describe this life of the daemon, as in its runs row. */
static void
run_describe(struct daemon *d, int64_t start_time)
{
	struct run_info	*ri = &d->run;

	snprintf(d->boot_id, sizeof(d->boot_id), "unknown");
	read_line("/proc/sys/kernel/random/boot_id", d->boot_id,
	    sizeof(d->boot_id));
	gethostname(d->hostname, sizeof(d->hostname) - 1);
	uname(&d->uts);
	ri->boot_id = d->boot_id;
	ri->hostname = d->hostname;
	ri->kernel_release = d->uts.release;
	ri->cpumask = d->cpumask;
	ri->rcvbuf = daemon_rcvbuf(d);
	ri->sockets = d->nsockets;
	ri->start_time = start_time;
}

/* Describe this life of the daemon and insert its runs row. */
static void
run_begin(struct daemon *d, int64_t start_time)
{
	run_describe(d, start_time);
	if (store_run_begin(d->store, &d->run) == -1)
		fatalx("%s: recording the run: %s", d->opt.db,
		    store_errmsg(d->store));
}

/*
 * Wait for records on the sockets (polling 0), or drain them all on the
 * timer (polling 1).
 */
static void
drain_mode(struct daemon *d, int polling)
{
	struct timeval	 tv = { 0, DRAIN_POLL_MS * 1000 };
	int		 i;

	if (polling) {
		if (!d->polling)
			for (i = 0; i < d->nsockets; i++)
				event_del(d->read_evs[i]);
		evtimer_add(d->poll_ev, &tv);
	} else {
		evtimer_del(d->poll_ev);
		if (d->polling)
			for (i = 0; i < d->nsockets; i++)
				event_add(d->read_evs[i], NULL);
	}
	d->polling = polling;
}

/*
 * Drain every socket; keep polling on the timer while records flow, else
 * wait until one is readable.  The socket drained first rotates: when the
 * queue is nearly full, the first would otherwise take all its room.
 */
static void
drain(struct daemon *d)
{
	size_t			 n, total = 0;
	enum drain_result	 r;
	int			 i, k, blocked = 0;

	/*
	 * A drain on the timer is part of a flow: the writer keeps its batch
	 * open for the next one.  Once a drain finds nothing, the flow is
	 * over and the writer commits what it holds at once.
	 */
	queue_set_flowing(d->queue, d->polling);
	/* Every event before these exit records first (src/ident.c). */
	identcap_drain(d->ident);
	for (k = 0; k < d->nsockets; k++) {
		i = (d->first + k) % d->nsockets;
		/* A socket error is logged by the listener; keep going. */
		r = listener_drain(d->listeners[i], d->queue, &n);
		total += n;
		if (r == DRAIN_BLOCKED)
			blocked = 1;
	}
	d->first = (d->first + 1) % d->nsockets;
	drain_mode(d, total > 0 || blocked);
	if (!d->polling)
		queue_set_flowing(d->queue, 0);
}

/* A socket became readable, or the poll timer fired. */
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

/*
 * SIGHUP: the writer starts a new database file at the path if the old one
 * was moved away (log rotation), at its next commit boundary.
 */
static void
on_sighup(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon	*d = arg;

	(void)sig;
	(void)ev;
	log_rate_info(&d->hup_rate, "SIGHUP: reopening %s if it was moved",
	    d->opt.db);
	writer_reopen(d->writer);
}

/* SIGUSR2: upgrade in place, once the loop has returned (main()). */
static void
on_sigusr2(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon	*d = arg;

	(void)sig;
	(void)ev;
	d->upgrade_req = 1;
	event_base_loopbreak(d->base);
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
	char		 err[256];
	size_t		 i;
	int		 k;

	event_set_log_callback(on_libevent_log);
	if ((d->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((d->read_evs = calloc((size_t)d->nsockets,
	    sizeof(*d->read_evs))) == NULL)
		fatal("read events");
	for (k = 0; k < d->nsockets; k++)
		if ((d->read_evs[k] = event_new(d->base,
		    listener_fd(d->listeners[k]), EV_READ | EV_PERSIST,
		    on_drain, d)) == NULL)
			fatalx("event_new failed");
	if ((d->poll_ev = evtimer_new(d->base, on_drain, d)) == NULL)
		fatalx("event_new failed");
	for (i = 0; i < LOOP_NSIGNALS; i++) {
		cb = loop_signals[i] == SIGHUP ? on_sighup :
		    loop_signals[i] == SIGUSR2 ? on_sigusr2 : on_signal;
		d->sig_ev[i] = evsignal_new(d->base, loop_signals[i], cb, d);
		if (d->sig_ev[i] == NULL || event_add(d->sig_ev[i], NULL) == -1)
			fatalx("evsignal_new failed");
	}
	if (d->ident != NULL && identcap_loop(d->ident, d->base, d->listeners,
	    d->nsockets) == -1)
		fatalx("event_new failed");
	signal(SIGPIPE, SIG_IGN);
	if (d->metrics != NULL && metrics_start(d->metrics, d->base,
	    &(struct metrics_sources){ .listeners = d->listeners,
	    .nlisteners = &d->nsockets, .queue = d->queue,
	    .db_path = d->opt.db, .start_time = d->start_time }, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	/* No read event is added yet: the first drain_mode(d, 0) adds them. */
	d->polling = 1;
	/* Records may already be waiting from registration on. */
	drain(d);
}

static void
loop_teardown(struct daemon *d)
{
	size_t	 i;
	int	 k;

	metrics_free(d->metrics);
	for (i = 0; i < LOOP_NSIGNALS; i++)
		event_free(d->sig_ev[i]);
	identcap_close(d->ident);
	d->ident = NULL;
	identpriv_close(d->ident_priv);
	d->ident_priv = NULL;
	event_free(d->poll_ev);
	for (k = 0; k < d->nsockets; k++)
		event_free(d->read_evs[k]);
	free(d->read_evs);
	event_base_free(d->base);
}

static void
log_totals(struct daemon *d, uint64_t rows)
{
	const struct listener_stats *s;
	uint64_t	 records = 0, drops = 0, refused = 0, malformed = 0;
	int		 i;

	for (i = 0; i < d->nsockets; i++) {
		listener_flush_logs(d->listeners[i]);
		s = listener_stats(d->listeners[i]);
		records += s->records;
		drops += s->drops;
		refused += s->refused;
		malformed += s->malformed;
	}
	log_info("stopped: %llu records received, %llu stored; lost exit "
	    "messages: %llu dropped by the kernel, %llu refused by the queue, "
	    "%llu malformed",
	    (unsigned long long)records, (unsigned long long)rows,
	    (unsigned long long)drops, (unsigned long long)refused,
	    (unsigned long long)malformed);
	identcap_log_totals(d->ident);
	identpriv_log_totals(d->ident_priv);
}

/*
 * Who to run as once set up.  Started as root: the --user, or the default
 * user if it exists, or stay root (said once).  Started as another user
 * with CAP_NET_ADMIN (ambient capabilities): stay that user, and drop the
 * capabilities after set-up.
 */
static void
setup_user(struct daemon *d)
{
	char	 err[512];
	int	 r;

	if (geteuid() != 0) {
		if (d->opt.user != NULL)
			fatalx("--user %.64s: taskacctd was not started as "
			    "root and cannot switch users", d->opt.user);
		return;
	}
	if ((r = privdrop_lookup(d->opt.user, &d->user, err,
	    sizeof(err))) == -1)
		fatalx("%s", err);
	d->drop = r;
	if (r == 0 && d->opt.user == NULL)
		log_info("no user %s: staying root; create it (useradd "
		    "--system --no-create-home %s) to record unprivileged, or "
		    "pass --user root", PRIVDROP_DEFAULT_USER,
		    PRIVDROP_DEFAULT_USER);
}

/*
 * A -wal left at the path by a database moved away: keep it aside, with a
 * warning saying where, before a new database there would delete it.
 */
static void
keep_orphan_wal(const char *db)
{
	char	 kept[PATH_MAX], err[PATH_MAX + 256];

	switch (dbpath_keep_orphan_wal(db, kept, sizeof(kept), err,
	    sizeof(err))) {
	case -1:
		fatalx("%s", err);
	case 1:
		log_warnx("%s-wal had no database beside it (moved away while "
		    "its WAL was held?): kept as %s; put it beside the moved "
		    "file as its -wal to read its last commits", db, kept);
	}
}

/* Whether the database's directory exists now, before store_open. */
static int
db_dir_exists(const char *db)
{
	struct stat	 sb;
	char		*copy;
	int		 r;

	if ((copy = strdup(db)) == NULL)
		fatal("strdup");
	r = stat(dirname(copy), &sb) == 0;
	free(copy);
	return r;
}

/*
 * Identity capture: subscribe to the process events while privileged,
 * before the TASKSTATS sockets are registered.  Without it (an old kernel,
 * CONFIG_PROC_EVENTS off) exits are still recorded, with no identity.
 */
static void
setup_ident(struct daemon *d)
{
	char	 err[512];

	if (d->opt.no_ident)
		return;
	d->ident = identcap_open(d->opt.rcvbuf, d->opt.no_args ?
	    IDENT_READ_NO_ARGS : 0, d->start_time / 1000000, d->queue, err,
	    sizeof(err));
	if (d->ident == NULL) {
		log_warnx("%s: recording exits without command lines, "
		    "executables or cgroups", err);
		return;
	}
	/*
	 * Unprivileged, the recorder may not read other users' exe links
	 * (nor, under hidepid, their /proc/PID): a child keeps
	 * CAP_SYS_PTRACE for that (src/identpriv.c).  Root staying root
	 * needs none; a user with ambient capabilities has one if
	 * CAP_SYS_PTRACE is among them.
	 */
	if (geteuid() == 0 && !d->drop)
		return;
	if ((d->ident_priv = identpriv_start(d->drop ? &d->user : NULL, err,
	    sizeof(err))) == NULL) {
		if (geteuid() == 0)
			log_warnx("%s: other users' executables will read as "
			    "denied", err);
		else
			log_info("no identity reader (%s; it needs "
			    "CAP_SYS_PTRACE): other users' executables read "
			    "as denied", err);
		return;
	}
	identcap_set_reader(d->ident, identpriv_read, d->ident_priv);
	log_info("identity reader: privileged child pid %d holds "
	    "CAP_SYS_PTRACE alone", (int)identpriv_pid(d->ident_priv));
}

/* The CPUs to listen on: --cpus, or every possible one. */
static void
setup_cpumask(struct daemon *d)
{
	char	 err[512];

	if (d->opt.cpus != NULL) {
		if (cpulist_valid(d->opt.cpus, NULL, err, sizeof(err)) == -1)
			fatalx("%s", err);
		snprintf(d->cpumask, sizeof(d->cpumask), "%s", d->opt.cpus);
	} else if (cpulist_possible(d->cpumask, sizeof(d->cpumask)) == -1)
		fatal("reading /sys/devices/system/cpu/possible");
}

/* How many sockets, each for its share of the CPUs: sockets_cpus(). */
static void
setup_nsockets(struct daemon *d)
{
	int	 ncpus;

	if ((ncpus = cpulist_count(d->cpumask)) < 1)
		fatalx("bad CPU list \"%.64s\"", d->cpumask);
	d->nsockets = d->opt.sockets;
	if (d->nsockets > ncpus) {
		log_warnx("--sockets %d: only %d CPUs to listen on (%s): using "
		    "%d sockets", d->nsockets, ncpus, d->cpumask, ncpus);
		d->nsockets = ncpus;
	}
	if ((d->listeners = calloc((size_t)d->nsockets,
	    sizeof(*d->listeners))) == NULL)
		fatal("sockets");
}

/* The CPUs of socket i. */
static void
sockets_cpus(struct daemon *d, int i, char *cpus, size_t len)
{
	if (cpulist_part(d->cpumask, d->nsockets, i, cpus, len) == -1)
		fatal("splitting cpus %s in %d", d->cpumask, d->nsockets);
}

/* Split the CPU list among the sockets; open them all, then register. */
static void
setup_sockets(struct daemon *d)
{
	char	 err[512], cpus[CPULIST_MAX];
	int	 i;

	setup_nsockets(d);
	for (i = 0; i < d->nsockets; i++) {
		sockets_cpus(d, i, cpus, sizeof(cpus));
		if ((d->listeners[i] = listener_open(cpus, d->opt.rcvbuf, err,
		    sizeof(err))) == NULL)
			fatalx("%s", err);
	}
	/* Records may come with the kernel's answer: the run starts here. */
	d->start_time = now_real_us();
	setup_ident(d);
	for (i = 0; i < d->nsockets; i++) {
		if (listener_register(d->listeners[i], d->queue, err,
		    sizeof(err)) == -1)
			fatalx("registering cpus %s with taskstats: %s%s",
			    listener_cpus(d->listeners[i]), err,
			    errno == EINVAL || errno == ERANGE ? " (CPUs "
			    "outside /sys/devices/system/cpu/possible, or not "
			    "in the initial user/pid namespace)" : "");
		log_debug("socket %d of %d: cpus %s, receive buffer %d bytes",
		    i + 1, d->nsockets, listener_cpus(d->listeners[i]),
		    listener_rcvbuf(d->listeners[i]));
	}
}

static void
setup(struct daemon *d)
{
	char	 err[512];

	if (preflight_privilege(err, sizeof(err)) == -1 ||
	    preflight_namespaces(err, sizeof(err)) == -1)
		fatalx("%s", err);
	setup_user(d);
	/* Bound while privileged (a port below 1024), before the database. */
	if (d->opt.metrics != NULL && ((d->metrics = metrics_new(
	    (size_t)d->opt.metrics_top)) == NULL || metrics_bind(d->metrics,
	    d->opt.metrics, err, sizeof(err)) == -1))
		fatalx("%s", d->metrics == NULL ? "metrics: out of memory" :
		    err);
	setup_cpumask(d);
	d->dir_created = !db_dir_exists(d->opt.db);
	keep_orphan_wal(d->opt.db);
	if ((d->store = store_open(d->opt.db, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	check_delayacct(d->opt.enable_delayacct);
	if ((d->queue = queue_new(d->opt.queue)) == NULL)
		fatal("queue of %zu records", d->opt.queue);
	setup_sockets(d);
}

/*
 * Hand the database to the user and become it.  Its directory is handed
 * over too when it is the database's own (created by this start, or the
 * default one), so that the user can create a new database there; a
 * directory that was already there may be shared (a -d /var/lib/x.db must
 * not give /var/lib away) and is left to its owner.
 */
static void
drop_privileges(struct daemon *d)
{
	struct stat	 sb;
	char		 err[512], *copy, *dir, *defcopy;
	int		 own;

	if (!d->drop) {
		if (geteuid() != 0 && privdrop_caps_clear(err,
		    sizeof(err)) == -1)
			fatalx("dropping capabilities: %s", err);
		return;
	}
	if ((copy = strdup(d->opt.db)) == NULL ||
	    (defcopy = strdup(TASKACCT_DEFAULT_DB)) == NULL)
		fatal("strdup");
	dir = dirname(copy);
	own = d->dir_created || strcmp(dir, dirname(defcopy)) == 0;
	if (privdrop_handover(&d->user, d->opt.db, own, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if (!own && stat(dir, &sb) == 0 && sb.st_uid != d->user.uid)
		log_warnx("%s: directory not created by taskacctd, left to its "
		    "owner: user %s cannot create a database in it (make it "
		    "the user's own for SIGHUP reopening)", dir, d->user.name);
	free(defcopy);
	free(copy);
	if (privdrop_switch(&d->user, err, sizeof(err)) == -1)
		fatalx("becoming user %s: %s", d->user.name, err);
}

/*
 * Live sampling: fork the privileged child while still privileged, with
 * no thread but this one (see src/privsep.c).
 */
static void
sampling_fork(struct daemon *d)
{
	char	 err[512];

	if (d->opt.sample_us == 0)
		return;
	if (privsep_start(d->drop ? &d->user : NULL, &d->priv, err,
	    sizeof(err)) == -1)
		fatalx("--sample-interval: %s (--sample-interval 0 records "
		    "exits only)", err);
	if ((d->acct = sacct_new(SACCT_MAX_THREADS, d->start_time)) == NULL)
		fatal("sampler table");
}

static void
sampling_start(struct daemon *d)
{
	if (d->acct == NULL)
		return;
	if ((d->sampler = sampler_start(&(struct sampler_opts){
	    .fd = d->priv.fd, .child = d->priv.pid, .family = d->priv.family,
	    .interval_us = d->opt.sample_us, .acct = d->acct,
	    .metrics = d->metrics, .wake = d->queue })) == NULL)
		fatal("sampler thread");
	log_info("sampling live processes every %.3g s (privileged child pid "
	    "%d holds CAP_NET_ADMIN alone)", d->opt.sample_us / 1e6,
	    (int)d->priv.pid);
}


/*
 * Upgrade in place (SIGUSR2), the daemon's side; the mechanism and why it
 * execs in place are in src/upgrade.c, the behaviour in taskacctd(8).
 */

/* Our arguments for the next image: the same, with -d made absolute. */
static void
upgrade_args(struct daemon *d, int argc, char **argv)
{
	int	 i, n = 0, has;

	has = argc >= 3 && strcmp(argv[argc - 2], "-d") == 0 &&
	    strcmp(argv[argc - 1], d->db_path) == 0;
	if ((d->argv = calloc((size_t)argc + 3, sizeof(*d->argv))) == NULL)
		fatal("arguments");
	for (i = 0; i < argc; i++)
		d->argv[n++] = argv[i];
	if (!has) {
		d->argv[n++] = (char *)"-d";
		d->argv[n++] = d->db_path;
	}
	d->argv[n] = NULL;
	if (upgrade_self_path(d->exe, sizeof(d->exe)) == -1)
		d->exe[0] = '\0';
}

/*
 * The identity reader (src/identpriv.c), if the old image had one: the
 * new one could not start it again without the privilege it dropped.
 */
static void
adopt_ident_reader(struct daemon *d, const struct upgrade_state *u)
{
	char	 err[512];

	if (u->ident_fd == -1)
		return;
	if (d->ident == NULL) {
		close(u->ident_fd);	/* it ends at EOF */
		return;
	}
	if ((d->ident_priv = identpriv_adopt(u->ident_fd, u->ident_pid, err,
	    sizeof(err))) == NULL) {
		log_warnx("upgrade: %s: other users' executables will read "
		    "as denied", err);
		close(u->ident_fd);
		return;
	}
	identcap_set_reader(d->ident, identpriv_read, d->ident_priv);
}

/*
 * The sampler's table (src/sampler_save.c), if handed over: refused, the
 * sampler starts empty, the threads alive now getting a new baseline.
 */
static void
adopt_sampler_table(struct daemon *d, const struct upgrade_state *u)
{
	char	 err[512];

	if (u->sacct_fd == -1)
		return;
	if (d->acct == NULL)
		close(u->sacct_fd);
	else if (sacct_adopt(d->acct, u->sacct_fd, err, sizeof(err)) == -1)
		log_warnx("upgrade: the sampler's table was refused (%s): "
		    "sampling starts over, the threads alive now get a new "
		    "baseline", err);
	else
		log_info("upgrade: the sampler's table of %zu threads was "
		    "handed over", sacct_threads(d->acct));
}

/* The new image's set-up: adopt what the old one handed over. */
static void
adopt_setup(struct daemon *d)
{
	struct upgrade_state *u = &d->up;
	char		 err[512], cpus[CPULIST_MAX];
	int		 i;

	setup_cpumask(d);
	/* Every socket is checked before the database is touched. */
	setup_nsockets(d);
	if (u->nsock != d->nsockets)
		fatalx("upgrade: %d sockets handed over for %d", u->nsock,
		    d->nsockets);
	for (i = 0; i < d->nsockets; i++) {
		sockets_cpus(d, i, cpus, sizeof(cpus));
		if ((d->listeners[i] = listener_adopt(cpus, u->sock[i].fd,
		    u->sock[i].drops_raw, err, sizeof(err))) == NULL)
			fatalx("upgrade: %s", err);
	}
	if (d->opt.metrics != NULL && ((d->metrics = metrics_new(
	    (size_t)d->opt.metrics_top)) == NULL || u->metrics_fd == -1 ||
	    metrics_adopt(d->metrics, d->opt.metrics, u->metrics_fd, err,
	    sizeof(err)) == -1))
		fatalx("upgrade: %s", d->metrics == NULL ? "out of memory" :
		    u->metrics_fd == -1 ? "no metrics socket handed over" : err);
	if ((d->store = store_open_adopt(d->opt.db, u->lock_fd, err,
	    sizeof(err))) == NULL)
		fatalx("upgrade: %s", err);
	if ((d->queue = queue_new(d->opt.queue)) == NULL)
		fatal("queue of %zu records", d->opt.queue);
	d->start_time = u->start_time;
	if (!d->opt.no_ident && u->conn.fd != -1 && (d->ident =
	    identcap_adopt(u->conn.fd, u->conn.drops_raw, d->opt.no_args ?
	    IDENT_READ_NO_ARGS : 0, now_real_us() / 1000000, d->queue, err,
	    sizeof(err))) == NULL)
		fatalx("upgrade: %s", err);
	run_describe(d, d->start_time);
	if (store_run_adopt(d->store, u->run_id, &d->run, now_real_us()) != 1)
		fatalx("upgrade: %s: run %lld is not this process's open run",
		    d->opt.db, (long long)u->run_id);
	if (d->opt.no_ident && u->conn.fd != -1)
		close(u->conn.fd);
	else if (!d->opt.no_ident && u->conn.fd == -1)
		log_warnx("upgrade: no process events socket was handed over: "
		    "recording exits without command lines, executables or "
		    "cgroups");
	adopt_ident_reader(d, u);
	if (d->opt.metrics == NULL && u->metrics_fd != -1)
		close(u->metrics_fd);
	/* Closing the child's socket ends it. */
	if (d->opt.sample_us == 0 && u->priv_fd != -1)
		close(u->priv_fd);
	if (d->opt.sample_us != 0 && u->priv_fd != -1) {
		if (privsep_adopt(u->priv_fd, u->priv_pid, u->priv_family,
		    &d->priv, err, sizeof(err)) == -1)
			fatalx("upgrade: %s", err);
		/* Threads alive now: their next sample is a baseline. */
		if ((d->acct = sacct_new(SACCT_MAX_THREADS,
		    now_real_us())) == NULL)
			fatal("sampler table");
	} else if (d->opt.sample_us != 0)
		log_warnx("upgrade: no privileged child was handed over: "
		    "live sampling stays off until a restart");
	adopt_sampler_table(d, u);
}

/* While the new binary is checked: go on recording. */
static void
upgrade_tick(void *arg)
{
	drain(arg);
}

/* The writer and sampler again, after a handover that did not happen. */
static void
upgrade_resume(struct daemon *d, int lock_fd, int sampling)
{
	char	 err[512];

	if (d->store == NULL) {
		if ((d->store = store_open_adopt(d->opt.db, lock_fd, err,
		    sizeof(err))) == NULL)
			fatalx("upgrade: reopening %s: %s", d->opt.db, err);
		if (store_run_adopt(d->store, d->up.run_id, &d->run,
		    now_real_us()) != 1)
			fatalx("upgrade: %s: cannot go on with run %lld",
			    d->opt.db, (long long)d->up.run_id);
	}
	queue_reopen(d->queue);
	signals_block(1);
	if ((d->writer = writer_start(d->store, d->queue, &(struct writer_opts){
	    .run = &d->run, .retain_us = d->opt.retain_us,
	    .max_bytes = d->opt.max_bytes, .acct = d->acct,
	    .metrics = d->metrics })) == NULL)
		fatal("writer thread");
	if (sampling)
		sampling_start(d);
	signals_block(0);
	drain(d);
}

/* What this image hands over (the store's lock is taken apart). */
static void
upgrade_collect(struct daemon *d, struct upgrade_state *u, int sampling)
{
	char	 err[512];
	int	 i;

	u->run_id = store_run_id(d->store);
	u->start_time = d->start_time;
	u->nsock = d->nsockets;
	for (i = 0; i < d->nsockets; i++) {
		u->sock[i].fd = listener_fd(d->listeners[i]);
		u->sock[i].drops_raw = listener_drops_raw(d->listeners[i]);
	}
	if (d->ident != NULL)
		u->conn.fd = identcap_handover(d->ident, &u->conn.drops_raw);
	if (sampling) {
		u->priv_fd = d->priv.fd;
		u->priv_pid = d->priv.pid;
		u->priv_family = d->priv.family;
		if ((u->sacct_fd = sacct_handover(d->acct, err,
		    sizeof(err))) == -1)
			log_warnx("upgrade: the sampler's table is not handed "
			    "over (%s): the next image starts it over", err);
	}
	if ((u->ident_fd = identpriv_fd(d->ident_priv)) != -1)
		u->ident_pid = identpriv_pid(d->ident_priv);
	u->metrics_fd = metrics_handover(d->metrics);
}

/*
 * SIGUSR2: check the binary at our path while recording; then stop
 * reading (the kernel queues into the same sockets meanwhile), let the
 * writer commit everything queued, close the database but keep its lock,
 * and exec it with the descriptors.  Returns only if the upgrade did not
 * happen, recording again.
 */
static void
daemon_upgrade(struct daemon *d)
{
	struct upgrade_state u;
	char		 err[1024];
	uint64_t	 rows;
	int64_t		 open_seq = -1;
	int		 i, lock_fd = -1, sampling = 0;

	upgrade_state_init(&u);
	if (d->exe[0] == '\0') {
		log_warnx("SIGUSR2: upgrade refused, still recording: the path "
		    "of this binary is unknown");
		return;
	}
	/*
	 * A stop signal from now on stays pending in the kernel, across the
	 * exec, for the new image (libevent's note of it would be lost).
	 */
	signals_block(1);
	log_info("SIGUSR2: checking %s before upgrading in place", d->exe);
	if (upgrade_check_binary(d->exe, d->argv, upgrade_tick, d, err,
	    sizeof(err)) == -1) {
		log_warnx("upgrade refused, still recording with this binary: "
		    "%s", err);
		signals_block(0);
		return;
	}
	if (d->sampler != NULL) {
		open_seq = sampler_release(d->sampler);
		d->sampler = NULL;
		sampling = open_seq >= 0;
		if (open_seq > 0 && privsep_settle(d->priv.fd,
		    (uint32_t)open_seq, UPGRADE_SETTLE_MS) == -1)
			log_warnx("upgrade: the sampler's last pass did not end");
	}
	/* The last read: what comes now waits in the sockets. */
	u.paused_ms = now_mono_ms();
	identcap_drain(d->ident);
	for (i = 0; i < d->nsockets; i++)
		listener_drain(d->listeners[i], d->queue, &(size_t){ 0 });
	queue_close(d->queue);
	if (writer_stop(d->writer, &rows) == -1 || !store_at_path(d->store)) {
		d->writer = NULL;
		log_warnx("upgrade refused, still recording with this binary: "
		    "%s", queue_length(d->queue) > 0 ? "the writer could not "
		    "commit everything queued" : "the database was moved away "
		    "(SIGHUP reopens at the path)");
		d->up.run_id = store_run_id(d->store);
		upgrade_resume(d, -1, sampling);
		return;
	}
	d->writer = NULL;
	upgrade_collect(d, &u, sampling);
	d->up.run_id = u.run_id;
	lock_fd = u.lock_fd = store_release(d->store);
	d->store = NULL;
	log_info("upgrading in place: %s takes over run %lld (%llu rows "
	    "written by this image)", d->exe, (long long)u.run_id,
	    (unsigned long long)rows);
	/* Blocked across the exec, until the new image's loop handles them. */
	upgrade_exec(d->exe, d->argv, &u, err, sizeof(err));
	log_warnx("upgrade failed, still recording with this binary: %s", err);
	if (u.sacct_fd != -1)
		close(u.sacct_fd);	/* the table itself stays */
	upgrade_resume(d, lock_fd, sampling);
}

int
main(int argc, char **argv)
{
	struct daemon	 d = { .ready_fd = -1 };
	char		 err[1024];
	uint64_t	 rows;
	int64_t		 deadline;
	int		 i, settled, adopted;

	parse_options(&d.opt, argc, argv);
	log_init(1, d.opt.verbose);
	if ((adopted = upgrade_take(&d.up, err, sizeof(err))) == -1)
		fatalx("upgrade: %s", err);
	/*
	 * The database path is used before and after detaching (chdir "/"):
	 * make it absolute.
	 */
	if ((d.db_path = realpath_db(d.opt.db)) == NULL)
		fatal("%s", d.opt.db);
	d.opt.db = d.db_path;
	if (d.opt.upgrade_check) {
		/* A running taskacctd asks whether we can take over. */
		if (upgrade_check_db(d.opt.db, err, sizeof(err)) == -1)
			fatalx("%s", err);
		return 0;
	}
	upgrade_args(&d, argc, argv);
	/*
	 * Stopping signals stay blocked until the loop handles them, and so
	 * forever in the writer thread, which inherits the mask.
	 */
	signals_block(1);
	/* Task names and command history are for root and its group only. */
	umask(027);
	if (adopted) {
		/* Exec'd in place by SIGUSR2: detached and unprivileged. */
		log_init(d.opt.foreground, d.opt.verbose);
		adopt_setup(&d);
	} else {
		if (!d.opt.foreground)
			d.ready_fd = daemon_fork();
		setup(&d);
		run_begin(&d, d.start_time);
		sampling_fork(&d);
		/* After the runs row: SQLite's -wal and -shm exist by now. */
		drop_privileges(&d);
	}
	if ((d.writer = writer_start(d.store, d.queue, &(struct writer_opts){
	    .run = &d.run, .retain_us = d.opt.retain_us,
	    .max_bytes = d.opt.max_bytes, .acct = d.acct,
	    .metrics = d.metrics })) == NULL)
		fatal("writer thread");
	sampling_start(&d);
	loop_setup(&d);
	signals_block(0);
	log_info("recording exits on cpus %s with %d socket%s into %s "
	    "(receive buffer %d bytes%s)%s%s", d.cpumask, d.nsockets,
	    d.nsockets > 1 ? "s" : "", d.opt.db, daemon_rcvbuf(&d),
	    d.nsockets > 1 ? " each" : "", d.drop ? " as user " : "",
	    d.drop ? d.user.name : "");
	if (adopted)
		log_info("upgraded in place: taskacctd %s goes on with run %lld "
		    "(pid %d); the sockets went unread for %lld ms",
		    TASKACCT_VERSION, (long long)d.up.run_id, (int)getpid(),
		    (long long)(d.up.paused_ms > 0 ? now_mono_ms() -
		    d.up.paused_ms : -1));
	daemon_detach(&d);
	event_base_dispatch(d.base);
	while (d.upgrade_req) {
		d.upgrade_req = 0;
		daemon_upgrade(&d);
		event_base_dispatch(d.base);
	}

	sampler_stop(d.sampler);
	deadline = now_mono_ms() + STOP_DRAIN_TIMEOUT_MS;
	identcap_drain(d.ident);
	for (i = 0; i < d.nsockets; i++)
		listener_stop(d.listeners[i], d.queue, deadline);
	queue_close(d.queue);
	if (writer_stop(d.writer, &rows) == -1)
		log_warnx("%zu records could not be written to %s",
		    queue_length(d.queue), d.opt.db);
	else if (store_run_end(d.store, now_real_us(), 1) == -1)
		log_warnx("%s: marking the run stopped: %s", d.opt.db,
		    store_errmsg(d.store));
	if ((settled = store_settle(d.store, err, sizeof(err))) == -1)
		log_warnx("%s", err);
	else if (settled == 1)
		log_info("%s", err);
	log_totals(&d, rows);
	loop_teardown(&d);
	for (i = 0; i < d.nsockets; i++)
		listener_close(d.listeners[i]);
	free(d.listeners);
	store_close(d.store);
	sacct_free(d.acct);
	queue_free(d.queue);
	free(d.argv);
	free(d.db_path);
	return 0;
}
