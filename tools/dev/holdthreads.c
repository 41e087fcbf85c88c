/*
 * holdthreads.c: holds N threads alive (the main thread and N-1 others),
 * for the live query's tests and its cost benchmark (make bench-get).
 *
 *	holdthreads [-c MS] [-b BYTES] [-w MIB -f FILE] [-x K] N
 *
 * Each thread first does known work: -c spins MS milliseconds of its own
 * CPU time, -b writes BYTES to /dev/null (write_char, write_syscalls);
 * with -x, K more threads do the same work and exit first (a process
 * that lost threads: their exit records complete its live ones);
 * the main thread, with -w, writes MIB MiB to FILE, fsync(2) after each
 * MiB (write_bytes).  Then every thread sleeps, its counters still, and
 * "ready PID" is printed; SIGTERM, SIGINT or SIGHUP ends the process.
 * Threads get small stacks so that 10,000 fit easily.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOLD_STACK	(64 * 1024)
#define HOLD_MAX	100000
#define HOLD_CHUNK	4096
#define MIB		(1024 * 1024)

static long		 spin_ms;
static long		 null_bytes;
static pthread_barrier_t ready;

static void
spin(long ms)
{
	struct timespec	 t;
	long long	 end, now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	end = (long long)t.tv_sec * 1000000000 + t.tv_nsec + ms * 1000000LL;
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		now = (long long)t.tv_sec * 1000000000 + t.tv_nsec;
	} while (now < end);
}

static void
write_null(long bytes)
{
	static const char	 buf[HOLD_CHUNK];
	ssize_t			 n;
	int			 fd;

	if (bytes <= 0)
		return;
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		err(1, "/dev/null");
	while (bytes > 0) {
		n = write(fd, buf, bytes < HOLD_CHUNK ? bytes : HOLD_CHUNK);
		if (n <= 0)
			err(1, "write /dev/null");
		bytes -= n;
	}
	close(fd);
}

static void
write_file(const char *path, long mib)
{
	char	*buf;
	long	 i;
	int	 fd;

	if ((buf = malloc(MIB)) == NULL)
		err(1, NULL);
	memset(buf, 'w', MIB);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		err(1, "%s", path);
	for (i = 0; i < mib; i++) {
		if (write(fd, buf, MIB) != MIB)
			err(1, "write %s", path);
		if (fsync(fd) == -1)
			err(1, "fsync %s", path);
	}
	close(fd);
	free(buf);
}

static void *
worker(void *arg)
{
	spin(spin_ms);
	write_null(null_bytes);
	if (arg != NULL)
		return NULL;	/* one that exits (-x) */
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
	return NULL;
}

static long
number(const char *what, const char *s, long max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || n > max)
		errx(2, "bad %s `%s': give a number from 0 to %ld", what, s,
		    max);
	return n;
}

int
main(int argc, char **argv)
{
	pthread_attr_t	 attr;
	pthread_t	 t;
	sigset_t	 set;
	const char	*file = NULL;
	long		 n, i, mib = 0, nexit = 0;
	int		 ch, sig, r;

	while ((ch = getopt(argc, argv, "b:c:f:w:x:")) != -1) {
		switch (ch) {
		case 'b':
			null_bytes = number("-b", optarg, LONG_MAX / 2);
			break;
		case 'c':
			spin_ms = number("-c", optarg, 3600000);
			break;
		case 'f':
			file = optarg;
			break;
		case 'w':
			mib = number("-w", optarg, 1 << 20);
			break;
		case 'x':
			nexit = number("-x", optarg, HOLD_MAX);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || (mib > 0 && file == NULL))
		goto usage;
	n = number("N", argv[optind], HOLD_MAX);
	if (n < 1)
		errx(2, "N: give at least 1 (the main thread)");

	/* Signals go to the main thread's sigwait only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_barrier_init(&ready, NULL, (unsigned int)n) != 0)
		errx(1, "pthread_barrier_init");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, HOLD_STACK);
	for (i = 0; i < nexit; i++) {
		if ((r = pthread_create(&t, &attr, worker, &nexit)) != 0)
			errx(1, "exiting thread %ld: %s", i + 1, strerror(r));
		pthread_join(t, NULL);
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 1; i < n; i++)
		if ((r = pthread_create(&t, &attr, worker, NULL)) != 0)
			errx(1, "thread %ld of %ld: %s", i + 1, n, strerror(r));
	spin(spin_ms);
	write_null(null_bytes);
	if (mib > 0)
		write_file(file, mib);
	pthread_barrier_wait(&ready);
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	if (sigwait(&set, &sig) != 0)
		err(1, "sigwait");
	return 0;
usage:
	fprintf(stderr, "usage: holdthreads [-c MS] [-b BYTES] "
	    "[-w MIB -f FILE] [-x K] N\n");
	return 2;
}
