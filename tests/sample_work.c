/*
 * sample_work.c: long-lived known work for the live sampler's tests
 * (tests/sample.sh), spread over several sampling intervals.
 *
 *	sample_work write MIB MS PATH	write MIB MiB to PATH, fsync(2) after
 *					each, MS ms apart
 *	sample_work spin MS CHUNKS	burn MS ms of CPU in CHUNKS slices,
 *					sleeping 200 ms between them
 *
 * Prints "pid=N" at once, "done" when the work is done (with cpu_ns=, the
 * process's CPU by CLOCK_PROCESS_CPUTIME_ID), then waits for a line (or
 * EOF) on stdin before it exits, so a test can look at it running.
 */
#include <err.h>
#include <fcntl.h>
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

int
main(int argc, char **argv)
{
	char	 line[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid=%d\n", (int)getpid());
	if (argc == 5 && strcmp(argv[1], "write") == 0)
		do_write(atol(argv[2]), atol(argv[3]), argv[4]);
	else if (argc == 4 && strcmp(argv[1], "spin") == 0 && atol(argv[3]) > 0)
		do_spin(atol(argv[2]), atol(argv[3]));
	else
		errx(2, "usage: sample_work write MIB MS PATH | spin MS CHUNKS");
	printf("cpu_ns=%lld\ndone\n", cpu_ns());
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	return 0;
}
