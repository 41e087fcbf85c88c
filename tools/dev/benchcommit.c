/*
 * benchcommit.c: what the writer's commit policy costs, without the
 * kernel and without other exits on the machine (tools/dev/
 * bench-latency.sh runs it): the writer thread (src/writer.c) on a fresh
 * database in a temporary directory, fed a steady stream of synthetic
 * exit records the way the draining thread feeds it (a batch every 10 ms,
 * the flow flag set), for a number of seconds at a given rate; prints the
 * writer thread's CPU per record and its commits per second.
 *
 *	benchcommit [-r RATE] [-t SECONDS] [-f FLOW_MS] DIR
 *
 * -f sets the flow window (0: WRITER_FLOW_MS; 200: commit only at the
 * flush interval, as before the dry commits).
 */
#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "store.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "writer.h"

#include "../../tests/nlmsg_build.h"

#define DRAIN_MS	10

static uint8_t	 st_buf[560];

/* CPU of the thread named name of this process, microseconds. */
static long long
thread_cpu_us(const char *name)
{
	struct dirent	*de;
	char		 p[300], comm[64];
	long long	 ns = -1;
	FILE		*f;
	DIR		*d;

	if ((d = opendir("/proc/self/task")) == NULL)
		return -1;
	while (ns < 0 && (de = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "/proc/self/task/%s/comm", de->d_name);
		if ((f = fopen(p, "r")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) == NULL ||
		    strncmp(comm, name, strlen(name)) != 0) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(p, sizeof(p), "/proc/self/task/%s/schedstat",
		    de->d_name);
		if ((f = fopen(p, "r")) != NULL) {
			if (fscanf(f, "%lld", &ns) != 1)
				ns = -1;
			fclose(f);
		}
	}
	closedir(d);
	return ns < 0 ? -1 : ns / 1000;
}

static void
put(struct queue *q, uint32_t id)
{
	struct qitem	*it;

	while ((it = queue_reserve(q, 0)) == NULL)
		usleep(1000);
	memset(it, 0, sizeof(*it));
	it->type = QI_RECORD;
	it->recv_time = now_real_us();
	it->rec.kind = TASK_KIND_THREAD;
	it->rec.task_id = id;
	it->rec.version = 16;
	it->rec.size = it->rec.len = sizeof(st_buf);
	nlb_fill_stats(st_buf, sizeof(st_buf), 16, 16, id % 5000);
	memcpy(it->rec.raw, st_buf, sizeof(st_buf));
	queue_commit(q);
}

int
main(int argc, char **argv)
{
	struct run_info	 ri = { .boot_id = "benchcommit", .hostname = "h",
	    .kernel_release = "k", .cpumask = "0", .rcvbuf = 1, .sockets = 1 };
	struct timespec	 tick = { 0, DRAIN_MS * 1000000L };
	struct writer	*w;
	struct store	*st;
	struct queue	*q;
	char		 path[512], err[256];
	long long	 c0, c1;
	uint64_t	 rows, commits;
	uint32_t	 id = 1;
	int		 ch, rate = 2000, secs = 10, flow = 0, i, k, per;

	while ((ch = getopt(argc, argv, "r:t:f:")) != -1) {
		switch (ch) {
		case 'r': rate = atoi(optarg); break;
		case 't': secs = atoi(optarg); break;
		case 'f': flow = atoi(optarg); break;
		default: errx(2, "usage: benchcommit [-r RATE] [-t S] "
		    "[-f FLOW_MS] DIR");
		}
	}
	if (optind != argc - 1 || rate < 1 || secs < 1 || flow < 0)
		errx(2, "usage: benchcommit [-r RATE] [-t S] [-f FLOW_MS] DIR");
	snprintf(path, sizeof(path), "%s/benchcommit.db", argv[optind]);
	if ((st = store_open(path, err, sizeof(err))) == NULL)
		errx(2, "%s", err);
	ri.start_time = now_real_us();
	if (store_run_begin(st, &ri) == -1 ||
	    (q = queue_new(16384)) == NULL ||
	    (w = writer_start(st, q, &(struct writer_opts){ .run = &ri,
	    .flow_ms = flow })) == NULL)
		errx(2, "set-up failed");
	usleep(100000);
	c0 = thread_cpu_us(WRITER_THREAD_NAME);
	commits = writer_commits(w);
	per = rate * DRAIN_MS / 1000;
	if (per < 1)
		per = 1;
	queue_set_flowing(q, 1);
	for (i = 0; i < secs * 1000 / DRAIN_MS; i++) {
		for (k = 0; k < per; k++)
			put(q, id++);
		queue_publish(q);
		nanosleep(&tick, NULL);
	}
	queue_set_flowing(q, 0);
	while (queue_length(q) > 0)
		usleep(10000);
	c1 = thread_cpu_us(WRITER_THREAD_NAME);
	commits = writer_commits(w) - commits;
	queue_close(q);
	writer_stop(w, &rows);
	printf("rate=%d flow_ms=%d records=%u writer_cpu_us=%lld "
	    "us_per_record=%.2f commits=%llu commits_per_s=%.1f\n", rate,
	    flow, id - 1, c1 - c0, (double)(c1 - c0) / (id - 1),
	    (unsigned long long)commits, (double)commits / secs);
	store_close(st);
	queue_free(q);
	unlink(path);
	return 0;
}
