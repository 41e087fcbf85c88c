/*
 * sample_work.c: long-lived known work for the live sampler's tests
 * (tests/sample.sh), spread over several sampling intervals.
 *
 *	sample_work write MIB MS PATH	write MIB MiB to PATH, fsync(2) after
 *					each, MS ms apart
 *	sample_work spin MS CHUNKS	burn MS ms of CPU in CHUNKS slices,
 *					sleeping 200 ms between them
 *	sample_work threads N		N threads, each burning 2 ms of CPU
 *					and writing a byte to /dev/null every
 *					20 ms until told to stop
 *
 * Prints "pid=N" at once, "done" when the work is done (with cpu_ns=, the
 * process's CPU by CLOCK_PROCESS_CPUTIME_ID), then waits for a line (or
 * EOF) on stdin before it exits, so a test can look at it running.  The
 * threads are "done" once all run; then each line "exit K" on stdin stops
 * and joins K of them (it prints "exited=K"), and EOF stops them all.
 */
#include <err.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB	(1024 * 1024)

static long long
cpu_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
nap_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

static void
do_write(long mib, long ms, const char *path)
{
	static char	 buf[MIB];
	long		 i;
	int		 fd;

	memset(buf, 'x', sizeof(buf));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		err(1, "%s", path);
	for (i = 0; i < mib; i++) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    fsync(fd) == -1)
			err(1, "write %s", path);
		printf("wrote=%ld\n", i + 1);
		fflush(stdout);
		nap_ms(ms);
	}
	close(fd);
}

static void
do_spin(long ms, long chunks)
{
	long long	 slice = ms * 1000000LL / chunks, t;
	long		 i;

	for (i = 0; i < chunks; i++) {
		t = cpu_ns() + slice;
		while (cpu_ns() < t)
			;
		nap_ms(200);
	}
}

#define THREADS_MAX	64

struct worker {
	pthread_t	 thread;
	atomic_int	 stop;
	int		 fd;
};

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	long long	 t;

	while (!atomic_load(&w->stop)) {
		t = cpu_ns() + 2000000;
		while (cpu_ns() < t)
			;
		if (write(w->fd, "x", 1) != 1)
			err(1, "write /dev/null");
		nap_ms(20);
	}
	return NULL;
}

static void
stop_threads(struct worker *w, long from, long to)
{
	long	 i;

	for (i = from; i < to; i++)
		atomic_store(&w[i].stop, 1);
	for (i = from; i < to; i++)
		pthread_join(w[i].thread, NULL);
}

static int
do_threads(long n)
{
	static struct worker	 w[THREADS_MAX];
	char			 line[64];
	long			 i, k, left = n;
	int			 fd;

	if (n < 1 || n > THREADS_MAX)
		errx(2, "threads: 1 to %d", THREADS_MAX);
	if ((fd = open("/dev/null", O_WRONLY)) == -1)
		err(1, "/dev/null");
	for (i = 0; i < n; i++) {
		w[i].fd = fd;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0)
			errx(1, "pthread_create");
	}
	printf("done\n");
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "exit %ld", &k) != 1 || k < 1 || k > left)
			errx(2, "threads: \"exit K\", K at most %ld", left);
		stop_threads(w, left - k, left);
		left -= k;
		printf("exited=%ld\n", k);
	}
	stop_threads(w, 0, left);
	return 0;
}

int
main(int argc, char **argv)
{
	char	 line[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid=%d\n", (int)getpid());
	if (argc == 3 && strcmp(argv[1], "threads") == 0)
		return do_threads(atol(argv[2]));
	if (argc == 5 && strcmp(argv[1], "write") == 0)
		do_write(atol(argv[2]), atol(argv[3]), argv[4]);
	else if (argc == 4 && strcmp(argv[1], "spin") == 0 && atol(argv[3]) > 0)
		do_spin(atol(argv[2]), atol(argv[3]));
	else
		errx(2, "usage: sample_work write MIB MS PATH | spin MS CHUNKS "
		    "| threads N");
	printf("cpu_ns=%lld\ndone\n", cpu_ns());
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	return 0;
}
