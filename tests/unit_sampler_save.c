/*
 * unit_sampler_save.c: the sampler's table across an upgrade in place
 * (src/sampler_save.c, src/upgrade_blob.c).  A table saved and loaded
 * into a new one saves to the same bytes and counts on as if no exec had
 * happened (a thread sampled before it, exiting after it: the remainder
 * only; one living across it: its next sample minus the handed baseline).
 * Malformed tables (every truncation, a wrong magic or version, huge or
 * mismatched counts, duplicate threads and processes, every field out of
 * range, any byte flipped) are refused with one printable line and leave
 * the table empty, never crash; only a sealed memfd of a bounded size is
 * read at all.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decode.h"
#include "fields.h"
#include "sampler.h"
#include "sampler_save.h"
#include "taskacct.h"
#include "taskstats_proto.h"
#include "unit.h"
#include "upgrade.h"

#define S		INT64_C(1000000)
#define T0		(INT64_C(1800000000) * S)	/* sampling began */
#define CPU		2	/* cpu_run_real_total's index in the counters */
#define MAXT		100

static void
put(struct ts_record *r, const char *name, int64_t v)
{
	const struct ts_field	*f = must_find(name);
	uint8_t			*p = r->raw + ts_field_offset(f, r->version);
	uint32_t		 v32 = (uint32_t)v;

	if (ts_field_width(f) == 4)
		memcpy(p, &v32, 4);
	else if (ts_field_width(f) == 8)
		memcpy(p, &v, 8);
	else
		*p = (uint8_t)v;
}

/* As tests/unit_sampler.c: thread tid of tgid, started at start, at now. */
static void
mkrec(struct ts_record *r, uint32_t tid, uint32_t tgid, int64_t start,
    int64_t now, int64_t cpu, int flag)
{
	memset(r, 0, sizeof(*r));
	r->kind = TASK_KIND_THREAD;
	r->task_id = tid;
	r->version = TS_VERSION_KNOWN;
	r->size = r->len = TS_SIZE_KNOWN;
	put(r, "version", TS_VERSION_KNOWN);
	put(r, "ac_pid", tid);
	put(r, "ac_tgid", tgid);
	put(r, "ac_ppid", 100);
	put(r, "ac_uid", 1000);
	put(r, "ac_flag", flag);
	put(r, "ac_etime", now - start);
	/* Process 900 began 10 s before sampling: its threads later. */
	put(r, "ac_tgetime", now - (tgid == 900 ? T0 - 10 * S : start));
	put(r, "ac_btime64", now / S - (now - start) / S);
	put(r, "hiwater_vm", 4096);
	put(r, "cpu_run_real_total", cpu);
	memcpy(r->raw + ts_field_offset(must_find("ac_comm"), r->version),
	    "tester", 7);
}

/* A pass at t sampling recs (tgid 900); the writer takes its rows. */
static int64_t
pass(struct sacct *a, int64_t t, const struct ts_record *recs, int n)
{
	struct sample_pass	 p = { 0 };
	struct sacct_item	*it;
	int64_t			 sum = 0;
	size_t			 i, k;

	sacct_pass_begin(a, t);
	for (i = 0; i < (size_t)n; i++)
		sacct_sample(a, &recs[i], 900, t);
	p.time = t + 1000;
	sacct_pass_end(a, &p);
	k = sacct_take(a, &it);
	for (i = 0; i < k; i++)
		if (!it[i].is_pass)
			sum += it[i].act.v[CPU];
	free(it);
	sacct_committed(a);
	return sum;
}

/*
 * A table of three threads of process 900 sampled twice (900 started
 * before sampling, 901 and 902 after), and a process 950 whose only
 * thread exited (committed, a tombstone not yet forgotten).
 */
static struct sacct *
table(void)
{
	struct sacct		*a = sacct_new(MAXT, T0);
	struct ts_record	 r[3];
	struct activity		 ac;

	mkrec(&r[0], 900, 900, T0 - 10 * S, T0 + S, 5000, 0);
	mkrec(&r[1], 901, 900, T0 + S / 2, T0 + S, 100, 0);
	mkrec(&r[2], 902, 900, T0 + S / 2, T0 + S, 200, 0);
	pass(a, T0 + S, r, 3);
	mkrec(&r[0], 900, 900, T0 - 10 * S, T0 + 2 * S, 5100, 0);
	mkrec(&r[1], 901, 900, T0 + S / 2, T0 + 2 * S, 300, 0);
	mkrec(&r[2], 902, 900, T0 + S / 2, T0 + 2 * S, 400, 0);
	pass(a, T0 + 2 * S, r, 3);
	/* 950 exits while a pass is open: a tombstone stays a pass. */
	sacct_pass_begin(a, T0 + 3 * S);
	mkrec(&r[0], 950, 950, T0 + 2 * S, T0 + 3 * S, 70, TS_AGROUP);
	assert_int_equal(sacct_exit(a, &r[0], T0 + 3 * S, &ac), 0);
	pass(a, T0 + 3 * S, NULL, 0);
	assert_int_equal(sacct_threads(a), 4);
	return a;
}

static void
save(struct sacct *a, uint8_t **buf, size_t *len)
{
	void	*b;

	assert_int_equal(sacct_save(a, &b, len), 0);
	*buf = b;
}

static void
test_round_trip(void **state)
{
	struct sacct		*a = table(), *b = sacct_new(MAXT, T0 + 50 * S);
	struct ts_record	 r;
	struct activity		 ac;
	uint8_t			*buf, *buf2;
	size_t			 len, len2;
	char			 err[256] = "";

	(void)state;
	save(a, &buf, &len);
	assert_int_equal(len, sizeof(struct save_hdr) +
	    2 * sizeof(struct save_proc) + 4 * sizeof(struct save_thread));
	if (sacct_load(b, buf, len, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(sacct_threads(b), 4);
	save(b, &buf2, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(buf, buf2, len);
	/* 901 exits: the remainder since its last sample, 300 -> 350. */
	mkrec(&r, 901, 900, T0 + S / 2, T0 + 3 * S, 350, 0);
	assert_int_equal(sacct_exit(b, &r, T0 + 3 * S + 10, &ac), 1);
	assert_int_equal(ac.v[CPU], 50);
	/* 900, older than sampling, lives on: 5100 was its last sample. */
	mkrec(&r, 900, 900, T0 - 10 * S, T0 + 4 * S, 5180, 0);
	assert_int_equal(pass(b, T0 + 4 * S, &r, 1), 80);
	/* The same on the old table; and a new one would have counted 350. */
	mkrec(&r, 901, 900, T0 + S / 2, T0 + 3 * S, 350, 0);
	assert_int_equal(sacct_exit(a, &r, T0 + 3 * S + 10, &ac), 1);
	assert_int_equal(ac.v[CPU], 50);
	sacct_free(b);
	b = sacct_new(MAXT, T0 + 50 * S);
	assert_int_equal(sacct_exit(b, &r, T0 + 3 * S + 10, &ac), 0);
	free(buf);
	free(buf2);
	sacct_free(a);
	sacct_free(b);
}

/* buf (len bytes) is refused with a message holding want, table empty. */
static void
refused(const void *buf, size_t len, const char *want)
{
	struct sacct	*b = sacct_new(MAXT, T0 + 50 * S);
	char		 err[256] = "";
	size_t		 i;

	if (sacct_load(b, buf, len, err, sizeof(err)) != -1)
		fail_msg("accepted (%zu bytes), want \"%s\"", len, want);
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("message \"%s\", want \"%s\"", err, want);
	for (i = 0; err[i] != '\0'; i++)
		if (err[i] < ' ' || err[i] > '~')
			fail_msg("unprintable message");
	assert_true(err[0] != '\0');
	assert_int_equal(sacct_threads(b), 0);
	/* Empty, and as new: a thread exiting now is counted whole. */
	sacct_free(b);
}

#define HDR(f)		offsetof(struct save_hdr, f)
#define PROC(i, f)	(sizeof(struct save_hdr) + \
			    (i) * sizeof(struct save_proc) + \
			    offsetof(struct save_proc, f))
#define THR(i, f)	(sizeof(struct save_hdr) + \
			    2 * sizeof(struct save_proc) + \
			    (i) * sizeof(struct save_thread) + \
			    offsetof(struct save_thread, f))

/* A copy of buf with the value v (n bytes) at off, then refused. */
static void
poke(const uint8_t *buf, size_t len, size_t off, const void *v, size_t n,
    const char *want)
{
	uint8_t	*c = malloc(len);

	assert_non_null(c);
	memcpy(c, buf, len);
	memcpy(c + off, v, n);
	refused(c, len, want);
	free(c);
}
#define POKE32(off, v, want)	poke(buf, len, off, &(uint32_t){ v }, 4, want)
#define POKE64(off, v, want)	poke(buf, len, off, &(int64_t){ v }, 8, want)

static void
test_refused(void **state)
{
	struct sacct		*a = table();
	struct save_thread	 t2;
	uint8_t			*buf, *big;
	size_t			 len, i;

	(void)state;
	save(a, &buf, &len);
	/* Truncated anywhere, or one byte too long. */
	for (i = 0; i < len; i++)
		refused(buf, i, i < sizeof(struct save_hdr) ?
		    "shorter than its header" : "size does not match");
	big = calloc(1, len + 1);
	memcpy(big, buf, len);
	refused(big, len + 1, "size does not match");
	/* The header. */
	poke(buf, len, HDR(magic), "TASAMPLF", 8, "magic");
	POKE32(HDR(version), 2, "format version");
	POKE32(HDR(version), 0, "format version");
	POKE32(HDR(ncounters), SAMPLER_NCOUNTERS + 1, "another size");
	POKE32(HDR(thread_size), sizeof(struct save_thread) - 8,
	    "another size");
	POKE32(HDR(nthreads), UINT32_MAX, "more entries than");
	POKE32(HDR(nprocs), UINT32_MAX, "more entries than");
	POKE32(HDR(nthreads), MAXT + 1, "more entries than");
	POKE32(HDR(nthreads), 3, "size does not match");
	POKE32(HDR(nprocs), 3, "size does not match");
	POKE64(HDR(pass), -1, "header field");
	POKE64(HDR(born_after), -1, "header field");
	POKE64(HDR(prev_end), INT64_MAX, "header field");
	POKE32(HDR(full_logged), 2, "header field");
	POKE32(HDR(pad), 1, "header field");
	/* A process. */
	POKE32(PROC(1, tgid), 0, "process 2 of 2 (tgid 0): tgid");
	POKE32(PROC(0, flags), 4, "unknown flags");
	POKE64(PROC(0, lstart), INT64_MIN, "time out of range");
	POKE64(PROC(0, last_time), -5, "time out of range");
	POKE64(PROC(0, end_pass), 1000, "ahead of the table's");
	POKE64(PROC(0, acc_pass), 1000, "ahead of the table's");
	POKE64(PROC(0, uid), -2, "uid or ppid");
	POKE64(PROC(0, ppid), INT64_C(1) << 40, "uid or ppid");
	poke(buf, len, PROC(0, comm), "0123456789abcdef0123456789abcdef",
	    TS_COMM_LEN, "not terminated");
	/* A thread. */
	POKE32(THR(0, tid), 0, "thread 1 of 4 (tid 0): tid");
	POKE32(THR(0, tid), UINT32_MAX, "tid out of range");
	POKE32(THR(3, proc), 2, "thread 4 of 4");
	POKE32(THR(3, proc), UINT32_MAX, "its process is not in the table");
	POKE32(THR(0, flags), 0, "flags");
	POKE32(THR(0, flags), 8, "flags");
	POKE32(THR(0, pad), 1, "padding");
	POKE64(THR(0, start_lo), INT64_MAX, "time out of range");
	POKE64(THR(0, start_hi), INT64_MIN, "time out of range");
	POKE64(THR(0, last_time), INT64_C(1) << 60, "time out of range");
	POKE64(THR(0, exit_gen), 1000, "ahead of the table's");
	POKE64(THR(2, v) + 8 * CPU, -1, "a counter below zero");
	POKE64(THR(2, v) + 8 * (SAMPLER_NCOUNTERS - 1), INT64_MIN,
	    "a counter below zero");
	/* Duplicate keys: a thread or a process twice. */
	memcpy(&t2, buf + THR(1, tid), sizeof(t2));
	poke(buf, len, THR(2, tid), &t2, sizeof(t2), "the same thread twice");
	poke(buf, len, PROC(1, tgid), buf + PROC(0, tgid),
	    sizeof(struct save_proc), "the same process twice");
	free(big);
	free(buf);
	sacct_free(a);
}

/* Any one byte changed: refused whole, or taken whole; never a crash. */
static void
test_flipped(void **state)
{
	struct sacct	*a = table(), *b;
	uint8_t		*buf, *c;
	size_t		 len, i;
	char		 err[256];
	int		 bit, taken = 0;

	(void)state;
	save(a, &buf, &len);
	c = malloc(len);
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit += 3) {
			memcpy(c, buf, len);
			c[i] ^= (uint8_t)(1 << bit);
			b = sacct_new(MAXT, T0 + 50 * S);
			if (sacct_load(b, c, len, err, sizeof(err)) == 0)
				taken++;
			else
				assert_int_equal(sacct_threads(b), 0);
			sacct_free(b);
		}
	/* Counters and times move freely: some flips are well-formed. */
	assert_true(taken > 0);
	free(c);
	free(buf);
	sacct_free(a);
}

static int
memfd_with(const void *buf, size_t len, int seals)
{
	int	 fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	if (seals != 0)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

/* Only a sealed memfd of a bounded size is read. */
static void
test_blob_fd(void **state)
{
	struct sacct	*a = table(), *b;
	uint8_t		*buf;
	size_t		 len, mlen;
	char		 err[256];
	void		*m;
	int		 fd, p[2];
	FILE		*f;

	(void)state;
	save(a, &buf, &len);
	fd = upgrade_blob_new("t", buf, len, err, sizeof(err));
	assert_true(fd >= 0);
	m = upgrade_blob_map(fd, len, &mlen, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(mlen, len);
	assert_memory_equal(m, buf, len);
	munmap(m, mlen);
	/* Sealed: nobody changes it under the reader. */
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(ftruncate(fd, 8), -1);
	/* One byte under the bound: refused before reading. */
	assert_null(upgrade_blob_map(fd, len - 1, &mlen, err, sizeof(err)));
	assert_non_null(strstr(err, "bytes, expected 1 to"));
	/* sacct_adopt reads it and closes it. */
	b = sacct_new(MAXT, T0 + 50 * S);
	assert_int_equal(sacct_adopt(b, fd, err, sizeof(err)), 0);
	assert_int_equal(sacct_threads(b), 4);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	sacct_free(b);
	/* Not sealed, half sealed, a plain file, a socket, empty, closed. */
	fd = memfd_with(buf, len, 0);
	assert_null(upgrade_blob_map(fd, len, &mlen, err, sizeof(err)));
	assert_non_null(strstr(err, "not a sealed memfd"));
	close(fd);
	fd = memfd_with(buf, len, F_SEAL_SHRINK | F_SEAL_GROW);
	assert_null(upgrade_blob_map(fd, len, &mlen, err, sizeof(err)));
	close(fd);
	assert_non_null(f = tmpfile());
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fflush(f);
	assert_null(upgrade_blob_map(fileno(f), len, &mlen, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "not a sealed memfd"));
	fclose(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	assert_null(upgrade_blob_map(p[0], len, &mlen, err, sizeof(err)));
	close(p[0]);
	close(p[1]);
	fd = memfd_with(buf, 0, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE);
	assert_null(upgrade_blob_map(fd, len, &mlen, err, sizeof(err)));
	close(fd);
	assert_null(upgrade_blob_map(fd, len, &mlen, err, sizeof(err)));
	/* A refused memfd: sacct_adopt closes it and leaves b empty. */
	buf[0] ^= 1;
	fd = memfd_with(buf, len, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE);
	b = sacct_new(MAXT, T0 + 50 * S);
	assert_int_equal(sacct_adopt(b, fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "magic"));
	assert_int_equal(sacct_threads(b), 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	sacct_free(b);
	free(buf);
	sacct_free(a);
}

/* An empty table round-trips; an open pass is not saved. */
static void
test_empty_and_open(void **state)
{
	struct sacct	*a = sacct_new(MAXT, T0), *b = sacct_new(MAXT, T0);
	uint8_t		*buf;
	void		*v;
	size_t		 len;
	char		 err[256];

	(void)state;
	save(a, &buf, &len);
	assert_int_equal(len, sizeof(struct save_hdr));
	assert_int_equal(sacct_load(b, buf, len, err, sizeof(err)), 0);
	free(buf);
	sacct_pass_begin(a, T0 + S);
	assert_int_equal(sacct_save(a, &v, &len), -1);
	sacct_free(a);
	sacct_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_flipped),
		cmocka_unit_test(test_blob_fd),
		cmocka_unit_test(test_empty_and_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
