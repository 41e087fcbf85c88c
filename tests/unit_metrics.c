/*
 * unit_metrics.c: the metrics' label escaping (src/metrics_text.c), the
 * bounded label tables (src/metrics_top.c), the exposition of committed
 * records only (src/metrics.c) and the --metrics address syntax.
 *
 * Escaping: every exposition-special byte (quote, backslash, newline),
 * control characters and invalid UTF-8 come out as text Prometheus
 * accepts, one name to one label (no two names share a series), and a
 * task named "_other" is not the overflow row.  Tables: the first N keys
 * get rows in order, every later key the other row, a key never moves,
 * and only committed sums are visible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "metrics.h"
#include "taskacct.h"
#include "unit.h"

static const char *
esc(const char *name, size_t len)
{
	static char	 out[METRICS_LABEL_MAX];

	metrics_label_escape(name, len, out, sizeof(out));
	return out;
}

#define ESC(s)	esc(s, sizeof(s) - 1)

static void
test_escape_plain(void **state)
{
	(void)state;
	assert_string_equal(ESC("bash"), "bash");
	assert_string_equal(ESC("kworker/0:1"), "kworker/0:1");
	assert_string_equal(ESC(""), "");
	/* Valid UTF-8 is kept as it is. */
	assert_string_equal(ESC("caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(ESC("\xe2\x82\xac\xf0\x9f\x98\x80"),
	    "\xe2\x82\xac\xf0\x9f\x98\x80");
}

static void
test_escape_hostile(void **state)
{
	(void)state;
	/* Layer 2 only: quote and backslash inside the exposition quotes. */
	assert_string_equal(ESC("a\"b"), "a\\\"b");
	/* A backslash is \\ as text, each escaped again: four. */
	assert_string_equal(ESC("a\\b"), "a\\\\\\\\b");
	/* Newline, tab, DEL: \xHH as text, its backslash escaped. */
	assert_string_equal(ESC("x\ny"), "x\\\\x0ay");
	assert_string_equal(ESC("\t"), "\\\\x09");
	assert_string_equal(ESC("\x7f"), "\\\\x7f");
	/* Invalid UTF-8: a lone continuation, a cut sequence, overlong. */
	assert_string_equal(ESC("bad\xff\xfe"), "bad\\\\xff\\\\xfe");
	assert_string_equal(ESC("\xc3"), "\\\\xc3");
	assert_string_equal(ESC("\xc0\xaf"), "\\\\xc0\\\\xaf");
	assert_string_equal(ESC("\xed\xa0\x80"), "\\\\xed\\\\xa0\\\\x80");
	/* C1 control U+0085, valid UTF-8 but a control. */
	assert_string_equal(ESC("\xc2\x85"), "\\\\xc2\\\\x85");
	/* The overflow row's name, taken by a task. */
	assert_string_equal(ESC(METRICS_OTHER), "\\\\x5fother");
	assert_string_equal(ESC("_other2"), "_other2");
	/* A NUL ends the name (ac_comm is NUL padded). */
	assert_string_equal(esc("ab\0cd", 5), "ab");
}

/* No two of these names may share a label value. */
static void
test_escape_injective(void **state)
{
	static const char *const names[] = {
		"\\x0a", "\n", "\\", "\\\\", "\"", "\\\"", "_other",
		"\\x5fother", "\xff", "\\xff", "x", "",
	};
	char	 a[METRICS_LABEL_MAX], b[METRICS_LABEL_MAX];
	size_t	 i, j, n = sizeof(names) / sizeof(names[0]);

	(void)state;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			metrics_label_escape(names[i], strlen(names[i]), a,
			    sizeof(a));
			metrics_label_escape(names[j], strlen(names[j]), b,
			    sizeof(b));
			if (strcmp(a, b) == 0)
				fail_msg("names %zu and %zu share \"%s\"", i, j,
				    a);
		}
	assert_string_not_equal(ESC("_other"), METRICS_OTHER);
}

/* The worst name fits METRICS_LABEL_MAX; a short buffer is cut, ended. */
static void
test_escape_bounds(void **state)
{
	char	 name[METRICS_KEY_MAX], out[METRICS_LABEL_MAX], small[8];
	size_t	 n;

	(void)state;
	memset(name, '\\', sizeof(name));
	n = metrics_label_escape(name, sizeof(name), out, sizeof(out));
	assert_int_equal(n, 4 * sizeof(name));
	assert_int_equal(strlen(out), n);
	memset(name, '\x01', sizeof(name));
	n = metrics_label_escape(name, sizeof(name), out, sizeof(out));
	assert_true(n < sizeof(out));
	n = metrics_label_escape(name, sizeof(name), small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

static void
add1(struct metrics_top *t, const char *key, uint64_t utime)
{
	uint64_t	 v[MV__COUNT] = { 1, utime, 0, 0, 0 };

	metrics_top_add(t, key, strlen(key), v);
}

static uint64_t
exits_of(const struct metrics_top *t, const char *key)
{
	const char	*k;
	size_t		 r, len, n = metrics_top_rows(t);

	for (r = 0; r < n; r++) {
		k = metrics_top_key(t, r, &len);
		if (len == strlen(key) && memcmp(k, key, len) == 0)
			return metrics_top_value(t, r, MV_EXITS);
	}
	return UINT64_MAX;	/* no row of its own */
}

static void
test_top_first_n(void **state)
{
	struct metrics_top	*t = metrics_top_new(3);
	const char		*k;
	size_t			 len;

	(void)state;
	assert_non_null(t);
	add1(t, "a", 10);
	add1(t, "b", 0);
	add1(t, "a", 5);
	add1(t, "c", 0);
	add1(t, "d", 0);	/* the fourth name: other */
	add1(t, "e", 0);
	add1(t, "a", 0);
	metrics_top_commit(t);
	assert_int_equal(metrics_top_rows(t), 3);
	assert_int_equal(exits_of(t, "a"), 3);
	assert_int_equal(exits_of(t, "b"), 1);
	assert_int_equal(exits_of(t, "c"), 1);
	assert_int_equal(exits_of(t, "d"), UINT64_MAX);
	assert_int_equal(metrics_top_value(t, 3, MV_EXITS), 2);
	assert_int_equal(metrics_top_value(t, 0, MV_UTIME_US), 15);
	k = metrics_top_key(t, 3, &len);
	assert_int_equal(len, strlen(METRICS_OTHER));
	assert_memory_equal(k, METRICS_OTHER, len);
	/* A name counted as other stays other, a named one stays named. */
	add1(t, "d", 0);
	add1(t, "b", 0);
	metrics_top_commit(t);
	assert_int_equal(exits_of(t, "d"), UINT64_MAX);
	assert_int_equal(metrics_top_value(t, 3, MV_EXITS), 3);
	assert_int_equal(exits_of(t, "b"), 2);
	metrics_top_free(t);
}

/* Rolled back sums vanish; committed ones are all that is seen. */
static void
test_top_commit_abort(void **state)
{
	struct metrics_top	*t = metrics_top_new(2);

	(void)state;
	add1(t, "a", 0);
	assert_int_equal(exits_of(t, "a"), 0);	/* named, not committed */
	metrics_top_abort(t);
	metrics_top_commit(t);
	assert_int_equal(exits_of(t, "a"), 0);
	add1(t, "a", 0);
	add1(t, "x", 0);
	add1(t, "y", 0);
	metrics_top_commit(t);
	assert_int_equal(exits_of(t, "a"), 1);
	assert_int_equal(metrics_top_value(t, 2, MV_EXITS), 1);
	metrics_top_free(t);
}

/* Many names, hashed: every one of the first N found again. */
static void
test_top_many(void **state)
{
	struct metrics_top	*t = metrics_top_new(100);
	char			 key[16];
	int			 i, round;

	(void)state;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 5000; i++) {
			snprintf(key, sizeof(key), "n%d", i);
			add1(t, key, 0);
		}
		metrics_top_commit(t);
	}
	assert_int_equal(metrics_top_rows(t), 100);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "n%d", i);
		assert_int_equal(exits_of(t, key), 3);
	}
	assert_int_equal(metrics_top_value(t, 100, MV_EXITS), 3 * 4900);
	metrics_top_free(t);
}

/* A thread record of the current layout with comm, uid, times, I/O. */
static void
make_record(struct ts_record *rec, const char *comm, uint32_t uid,
    uint64_t utime, uint64_t wbytes)
{
	const unsigned int	 v = TS_VERSION_KNOWN;

	memset(rec, 0, sizeof(*rec));
	rec->kind = TASK_KIND_THREAD;
	rec->version = v;
	rec->size = rec->len = (uint16_t)ts_version_size(v);
	memcpy(rec->raw, &rec->version, 2);
	memcpy(rec->raw + ts_field_offset(must_find("ac_comm"), v), comm,
	    strlen(comm));
	memcpy(rec->raw + ts_field_offset(must_find("ac_uid"), v), &uid, 4);
	memcpy(rec->raw + ts_field_offset(must_find("ac_utime"), v), &utime,
	    8);
	memcpy(rec->raw + ts_field_offset(must_find("write_bytes"), v),
	    &wbytes, 8);
}

static char *
render(struct metrics *m)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 n;
	char		*s;

	metrics_render(m, b);
	n = evbuffer_get_length(b);
	s = malloc(n + 1);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

static void
test_render_committed(void **state)
{
	struct metrics	*m = metrics_new(2);
	struct ts_record rec;
	char		*s;

	(void)state;
	make_record(&rec, "a\"b", 1000, 1500000, 4096);
	metrics_note_record(m, &rec);
	s = render(m);
	/* Named, zero until the commit. */
	assert_non_null(strstr(s, "taskacct_command_exits_total{comm="
	    "\"a\\\"b\"} 0\n"));
	free(s);
	metrics_commit(m, 1);
	make_record(&rec, "x", 0, 1, 0);
	metrics_note_record(m, &rec);
	metrics_abort(m);
	s = render(m);
	assert_non_null(strstr(s, "taskacct_command_exits_total{comm="
	    "\"a\\\"b\"} 1\n"));
	assert_non_null(strstr(s, "taskacct_command_cpu_seconds_total{comm="
	    "\"a\\\"b\",mode=\"user\"} 1.500000\n"));
	assert_non_null(strstr(s, "taskacct_command_write_bytes_total{comm="
	    "\"a\\\"b\"} 4096\n"));
	assert_non_null(strstr(s, "taskacct_user_exits_total{uid=\"1000\"} "
	    "1\n"));
	assert_non_null(strstr(s, "taskacct_command_exits_total{comm="
	    "\"x\"} 0\n"));
	assert_non_null(strstr(s, "taskacct_command_exits_total{comm="
	    "\"_other\"} 0\n"));
	assert_non_null(strstr(s, "# TYPE taskacct_command_exits_total "
	    "counter\n"));
	/* The sampler's series appear with its first pass. */
	assert_null(strstr(s, "taskacct_sample_passes_total"));
	free(s);
	metrics_sample_pass(m, 7);
	s = render(m);
	assert_non_null(strstr(s, "taskacct_sample_passes_total 1\n"));
	assert_non_null(strstr(s, "taskacct_sampled_tasks_total 7\n"));
	free(s);
	metrics_free(m);
}

static void
test_parse_addr(void **state)
{
	static const char *const good[] = { "127.0.0.1:9123", "[::1]:9123",
	    "0.0.0.0:1", "[::]:65535", "[fe80::1]:80" };
	static const char *const bad[] = { "", ":9123", "127.0.0.1",
	    "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1",
	    "127.0.0.1:+80", "127.0.0.1:80x", "::1:9123", "[::1]9123",
	    "[::1:9123", "localhost:9123", "999.1.1.1:80", "1.2.3:80",
	    "[127.0.0.1]:80", "127.0.0.1:99999999999999999999" };
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (metrics_parse_addr(good[i], &ss, &len, err,
		    sizeof(err)) != 0)
			fail_msg("\"%s\" refused: %s", good[i], err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (metrics_parse_addr(bad[i], &ss, &len, err,
		    sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_null(strchr(err, '\n'));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_hostile),
		cmocka_unit_test(test_escape_injective),
		cmocka_unit_test(test_escape_bounds),
		cmocka_unit_test(test_top_first_n),
		cmocka_unit_test(test_top_commit_abort),
		cmocka_unit_test(test_top_many),
		cmocka_unit_test(test_render_committed),
		cmocka_unit_test(test_parse_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
