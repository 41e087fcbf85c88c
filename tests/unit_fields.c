/*
 * unit_fields.c: the field table (src/fields.c) against the kernel's struct
 * taskstats layouts, worked out by hand in tests/ts_expect.h: sizes per
 * version, offsets in both layouts (v15 and the rest), widths, presence by
 * version and payload length, look-up by name and the group names; and
 * each field's kind (how it is shown) and aggregation (how a process's
 * threads add up), against its unit and type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fields.h"
#include "unit.h"
#include "ts_expect.h"

static void
test_version_sizes(void **state)
{
	unsigned int	 v;

	(void)state;
	assert_int_equal(ts_version_size(8), 328);
	assert_int_equal(ts_version_size(9), 344);
	assert_int_equal(ts_version_size(10), 352);
	assert_int_equal(ts_version_size(11), 368);
	assert_int_equal(ts_version_size(12), 400);
	assert_int_equal(ts_version_size(13), 416);
	assert_int_equal(ts_version_size(14), 432);
	assert_int_equal(ts_version_size(15), 560);
	assert_int_equal(ts_version_size(16), 560);
	assert_int_equal(ts_version_size(17), 688);
	/* Newer than the table: the known size, the rest is an opaque tail. */
	assert_int_equal(ts_version_size(18), 688);
	assert_int_equal(ts_version_size(19), 688);
	assert_int_equal(ts_version_size(255), 688);
	assert_int_equal(ts_version_size(65535), 688);
	assert_int_equal(TS_VERSION_KNOWN, 17);
	assert_int_equal(TS_SIZE_KNOWN, 688);
	for (v = 8; v <= 17; v++)
		assert_int_equal(ts_version_size(v), exp_version_size(v));
	/* Sizes never shrink from one version to the next. */
	for (v = 2; v <= 17; v++)
		assert_true(ts_version_size(v) >= ts_version_size(v - 1));
}

/* The table has exactly the fields of the hand-written layout, same types. */
static void
test_table_matches_layout(void **state)
{
	size_t	 i;

	(void)state;
	assert_int_equal(ts_nfields, EXP_NFIELDS);
	for (i = 0; i < ts_nfields; i++) {
		const struct ts_field	*f = &ts_fields[i];
		const struct exp_field	*e = exp_find(f->name);

		if (e == NULL)
			fail_msg("ts_fields[%zu] %s: not a kernel field", i,
			    f->name);
		assert_int_equal(ts_field_width(f), e->width);
		switch (e->kind) {
		case EXP_COMM:
			assert_int_equal(f->type, FT_COMM);
			break;
		case EXP_TS:
			assert_int_equal(f->type, FT_TIMESPEC);
			break;
		default:
			assert_true(f->type == FT_U8 || f->type == FT_U16 ||
			    f->type == FT_U32 || f->type == FT_U64);
		}
		assert_non_null(f->unit);
		assert_non_null(f->help);
		assert_true(strlen(f->help) > 0);
	}
	for (i = 0; i < EXP_NFIELDS; i++)
		must_find(exp_fields[i].name);
}

/* Spot checks against the kernel, as in the design notes. */
static void
test_offsets_known(void **state)
{
	(void)state;
	/* v16 */
	assert_int_equal(ts_field_offset(must_find("ac_comm"), 16), 80);
	assert_int_equal(ts_field_offset(must_find("ac_uid"), 16), 120);
	assert_int_equal(ts_field_offset(must_find("ac_etime"), 16), 144);
	assert_int_equal(ts_field_offset(must_find("freepages_delay_total"),
	    16), 320);
	assert_int_equal(ts_field_offset(must_find("ac_btime64"), 16), 344);
	assert_int_equal(ts_field_offset(must_find("ac_tgid"), 16), 368);
	assert_int_equal(ts_field_offset(must_find("ac_tgetime"), 16), 376);
	assert_int_equal(ts_field_offset(must_find("irq_delay_total"), 16),
	    424);
	assert_int_equal(ts_field_offset(must_find("cpu_delay_max"), 16), 432);
	assert_int_equal(ts_field_offset(must_find("irq_delay_min"), 16), 552);
	/* v17 */
	assert_int_equal(ts_field_offset(must_find("cpu_delay_max"), 17), 432);
	assert_int_equal(ts_field_offset(must_find("cpu_delay_max_ts"), 17),
	    560);
	assert_int_equal(ts_field_offset(must_find("irq_delay_max_ts"), 17),
	    672);
	/* v15: max/min inserted after each category's total */
	assert_int_equal(ts_field_offset(must_find("cpu_delay_max"), 15), 32);
	assert_int_equal(ts_field_offset(must_find("cpu_delay_min"), 15), 40);
	assert_int_equal(ts_field_offset(must_find("blkio_count"), 15), 48);
	assert_int_equal(ts_field_offset(must_find("ac_comm"), 15), 128);
	assert_int_equal(ts_field_offset(must_find("ac_tgid"), 15), 464);
	assert_int_equal(ts_field_offset(must_find("irq_delay_min"), 15), 552);
	/* v14 and older share the v16 prefix */
	assert_int_equal(ts_field_offset(must_find("blkio_count"), 14), 32);
	assert_int_equal(ts_field_offset(must_find("ac_comm"), 8), 80);
}

/* Every field at every version 8..18, against the hand-computed offsets. */
static void
test_offsets_all(void **state)
{
	size_t		 i;
	unsigned int	 v;

	(void)state;
	for (i = 0; i < EXP_NFIELDS; i++) {
		const struct exp_field	*e = &exp_fields[i];
		const struct ts_field	*f = must_find(e->name);

		for (v = 8; v <= 18; v++) {
			if (v < e->since || (v == 15 && e->off_v15 == EXP_NONE))
				continue;
			if (ts_field_offset(f, v) != exp_offset(e, v))
				fail_msg("%s v%u: offset %zu, kernel %zu",
				    e->name, v, ts_field_offset(f, v),
				    exp_offset(e, v));
		}
	}
}

static void
test_unique_names(void **state)
{
	size_t	 i, j;

	(void)state;
	for (i = 0; i < ts_nfields; i++) {
		assert_non_null(ts_fields[i].name);
		assert_true(ts_fields[i].name[0] != '\0');
		for (j = i + 1; j < ts_nfields; j++)
			if (strcmp(ts_fields[i].name, ts_fields[j].name) == 0)
				fail_msg("field %s listed twice (%zu, %zu)",
				    ts_fields[i].name, i, j);
	}
}

/* Fields of one layout, as seen through the table, never overlap. */
static void
check_no_overlap(unsigned int version)
{
	size_t	 i, j, ai, aw, bi, bw;

	for (i = 0; i < ts_nfields; i++) {
		const struct ts_field *a = &ts_fields[i];

		if (!ts_field_present(a, version, TS_PAYLOAD_MAX))
			continue;
		ai = ts_field_offset(a, version);
		aw = ts_field_width(a);
		for (j = i + 1; j < ts_nfields; j++) {
			const struct ts_field *b = &ts_fields[j];

			if (!ts_field_present(b, version, TS_PAYLOAD_MAX))
				continue;
			bi = ts_field_offset(b, version);
			bw = ts_field_width(b);
			if (ai < bi + bw && bi < ai + aw)
				fail_msg("v%u: %s [%zu,%zu) overlaps %s "
				    "[%zu,%zu)", version, a->name, ai, ai + aw,
				    b->name, bi, bi + bw);
		}
	}
}

static void
test_no_overlap(void **state)
{
	(void)state;
	check_no_overlap(17);
	check_no_overlap(16);
	check_no_overlap(15);
	check_no_overlap(14);
}

/* Every field ends within the struct of every version that carries it. */
static void
test_widths_fit(void **state)
{
	size_t		 i;
	unsigned int	 v;

	(void)state;
	for (i = 0; i < ts_nfields; i++) {
		const struct ts_field *f = &ts_fields[i];
		size_t	 w = ts_field_width(f);

		assert_true(w == 1 || w == 2 || w == 4 || w == 8 ||
		    w == TS_COMM_LEN || w == 16);
		for (v = 8; v <= 17; v++) {
			if (!ts_field_present(f, v, TS_PAYLOAD_MAX))
				continue;
			if (ts_field_offset(f, v) + w > exp_version_size(v))
				fail_msg("%s v%u ends at %zu, past %zu", f->name,
				    v, ts_field_offset(f, v) + w,
				    exp_version_size(v));
			/* Naturally aligned, as the kernel lays them out. */
			if (f->type != FT_COMM &&
			    ts_field_offset(f, v) % (w > 8 ? 8 : w) != 0)
				fail_msg("%s v%u misaligned", f->name, v);
		}
	}
	assert_int_equal(ts_field_width(must_find("ac_comm")), 32);
	assert_int_equal(ts_field_width(must_find("version")), 2);
	assert_int_equal(ts_field_width(must_find("ac_flag")), 1);
	assert_int_equal(ts_field_width(must_find("ac_tgid")), 4);
	assert_int_equal(ts_field_width(must_find("irq_delay_max_ts")), 16);
}

static void
test_present(void **state)
{
	const struct ts_field	*f;
	size_t			 i;
	unsigned int		 v;

	(void)state;
	/* Full-length structs of each version: exactly the kernel's fields. */
	for (v = 8; v <= 17; v++)
		for (i = 0; i < EXP_NFIELDS; i++) {
			const struct exp_field *e = &exp_fields[i];
			size_t	 len = exp_version_size(v);

			f = must_find(e->name);
			if (ts_field_present(f, v, len) !=
			    exp_present(e, v, len))
				fail_msg("%s v%u len %zu: present %d, want %d",
				    e->name, v, len, ts_field_present(f, v, len),
				    exp_present(e, v, len));
		}

	/* Absent when the version predates the field, whatever the length. */
	f = must_find("ac_btime64");
	assert_false(ts_field_present(f, 9, 688));
	assert_true(ts_field_present(f, 10, 352));
	f = must_find("ac_tgid");
	assert_false(ts_field_present(f, 11, 688));
	assert_true(ts_field_present(f, 12, 400));
	f = must_find("cpu_delay_max");
	assert_false(ts_field_present(f, 14, 688));
	assert_true(ts_field_present(f, 15, 560));
	assert_true(ts_field_present(f, 16, 560));

	/* Absent when the payload stops short of it. */
	f = must_find("irq_delay_total");		/* v16 @424 */
	assert_true(ts_field_present(f, 16, 432));
	assert_false(ts_field_present(f, 16, 431));
	assert_false(ts_field_present(f, 16, 424));
	assert_true(ts_field_present(must_find("irq_count"), 16, 431));
	f = must_find("irq_delay_min");			/* @552 in both */
	assert_false(ts_field_present(f, 15, 559));
	assert_false(ts_field_present(f, 16, 559));
	f = must_find("ac_comm");			/* v16 @80, v15 @128 */
	assert_true(ts_field_present(f, 16, 112));
	assert_false(ts_field_present(f, 16, 111));
	assert_false(ts_field_present(f, 15, 159));
	assert_true(ts_field_present(f, 15, 160));
	f = must_find("irq_delay_max_ts");		/* v17 @672 */
	assert_true(ts_field_present(f, 17, 688));
	assert_false(ts_field_present(f, 17, 687));
	assert_false(ts_field_present(f, 16, 688));

	/* v15 has no timespecs even with bytes where v17 keeps them. */
	for (i = 0; i < ts_nfields; i++)
		if (ts_fields[i].type == FT_TIMESPEC) {
			assert_false(ts_field_present(&ts_fields[i], 15,
			    TS_PAYLOAD_MAX));
			assert_true(ts_field_present(&ts_fields[i], 17, 688));
		}

	/* A newer version: every known field, at the v17 offsets. */
	for (i = 0; i < ts_nfields; i++)
		assert_true(ts_field_present(&ts_fields[i], 18, 720));

	/* Version 0 (old kernels' TGID aggregate): delay counts and totals. */
	assert_true(ts_field_present(must_find("cpu_count"), 0, 328));
	assert_true(ts_field_present(must_find("freepages_delay_total"), 0,
	    328));
	assert_false(ts_field_present(must_find("thrashing_count"), 0, 328));
	assert_false(ts_field_present(must_find("ac_comm"), 0, 328));
	assert_false(ts_field_present(must_find("ac_pid"), 0, 328));
	assert_false(ts_field_present(must_find("version"), 0, 328));
	assert_false(ts_field_present(must_find("cpu_delay_max"), 0, 560));
}

static void
test_find(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < ts_nfields; i++)
		assert_ptr_equal(ts_field_find(ts_fields[i].name),
		    &ts_fields[i]);
	assert_string_equal(ts_field_find("ac_comm")->name, "ac_comm");
	assert_null(ts_field_find("no_such_field"));
	assert_null(ts_field_find(""));
	assert_null(ts_field_find("ac_com"));
	assert_null(ts_field_find("ac_comm_"));
	assert_null(ts_field_find("AC_COMM"));
}

static void
test_group_names(void **state)
{
	size_t	 g, h, i;

	(void)state;
	for (g = 0; g < FG__COUNT; g++) {
		assert_non_null(field_group_names[g]);
		assert_true(field_group_names[g][0] != '\0');
		for (h = g + 1; h < FG__COUNT; h++)
			assert_string_not_equal(field_group_names[g],
			    field_group_names[h]);
	}
	for (i = 0; i < ts_nfields; i++)
		assert_in_range(ts_fields[i].group, 0, FG__COUNT - 1);
	/* Every group is used by some field. */
	for (g = 0; g < FG__COUNT; g++) {
		int	 used = 0;

		for (i = 0; i < ts_nfields; i++)
			used |= ts_fields[i].group == g;
		if (!used)
			fail_msg("group %s has no field", field_group_names[g]);
	}
}

/* Integer extraction: widths, unsigned, timespec to nanoseconds. */
static void
test_field_int(void **state)
{
	uint8_t		 p[688];
	uint32_t	 u32 = 0xfffffffeu;
	uint64_t	 u64 = 0x7123456789abcdefull;
	int64_t		 ts[2] = { 1700000000, 999999999 };

	(void)state;
	memset(p, 0xff, sizeof(p));
	p[8] = 0xfe;					/* ac_flag */
	memcpy(p + 120, &u32, sizeof(u32));		/* ac_uid v16 */
	memcpy(p + 144, &u64, sizeof(u64));		/* ac_etime v16 */
	memcpy(p + 192, &u64, sizeof(u64));		/* ac_etime v15 */
	memcpy(p + 560, ts, sizeof(ts));		/* cpu_delay_max_ts */
	p[0] = 17;
	p[1] = 0;
	assert_int_equal(ts_field_int(must_find("version"), p, 17), 17);
	assert_int_equal(ts_field_int(must_find("ac_flag"), p, 17), 0xfe);
	assert_int_equal(ts_field_int(must_find("ac_uid"), p, 17),
	    4294967294LL);
	assert_true(ts_field_int(must_find("ac_etime"), p, 17) ==
	    (int64_t)u64);
	assert_true(ts_field_int(must_find("ac_etime"), p, 15) ==
	    (int64_t)u64);
	assert_true(ts_field_int(must_find("cpu_delay_max_ts"), p, 17) ==
	    1700000000999999999LL);
}

/* The unit a field of this kind must have (NULL: one of several). */
static const char *
kind_unit(const struct ts_field *f)
{
	switch (f->kind) {
	case FK_ID:
	case FK_TEXT:
	case FK_UID:
		return "";
	case FK_STATUS:
		return "wstatus";
	case FK_FLAGS:
		return "flags";
	case FK_BYTES:
		return "bytes";
	case FK_KIB:
		return "KiB";
	case FK_US:
		return "us";
	case FK_NS:
	case FK_TIME_NS:
		return "ns";
	case FK_TIME_S:
		return "s";
	}
	return NULL;
}

static void
test_kind_agg(void **state)
{
	size_t	 i, k, a;

	(void)state;
	for (k = 0; k < FK__COUNT; k++) {
		assert_non_null(field_kind_names[k]);
		for (i = k + 1; i < FK__COUNT; i++)
			assert_string_not_equal(field_kind_names[k],
			    field_kind_names[i]);
	}
	for (a = 0; a < FA__COUNT; a++)
		assert_non_null(field_agg_names[a]);
	assert_string_equal(field_agg_names[FA_SUM], "sum");
	assert_string_equal(field_agg_names[FA_MAX], "max");
	assert_string_equal(field_agg_names[FA_MIN], "min");

	for (i = 0; i < ts_nfields; i++) {
		const struct ts_field	*f = &ts_fields[i];
		const char		*u;

		assert_in_range(f->kind, 0, FK__COUNT - 1);
		assert_in_range(f->agg, 0, FA__COUNT - 1);
		/* The kind agrees with the unit and the type. */
		u = kind_unit(f);
		if (u != NULL && strcmp(f->unit, u) != 0)
			fail_msg("%s: kind %s, unit \"%s\", want \"%s\"",
			    f->name, field_kind_names[f->kind], f->unit, u);
		if (f->kind == FK_COUNT && strcmp(f->unit, "count") != 0 &&
		    strcmp(f->unit, "MiB*us") != 0)
			fail_msg("%s: a count in \"%s\"", f->name, f->unit);
		if ((f->type == FT_COMM) != (f->kind == FK_TEXT))
			fail_msg("%s: text kind and char type differ", f->name);
		if ((f->type == FT_TIMESPEC) != (f->kind == FK_TIME_NS))
			fail_msg("%s: time-ns kind and timespec differ",
			    f->name);
		/* Identity never adds up; what is not a quantity neither. */
		if (f->group == FG_IDENTITY && f->agg != FA_NONE)
			fail_msg("%s: identity with aggregation %s", f->name,
			    field_agg_names[f->agg]);
		if ((f->kind == FK_ID || f->kind == FK_TEXT ||
		    f->kind == FK_UID || f->kind == FK_STATUS ||
		    f->kind == FK_FLAGS) && f->agg != FA_NONE)
			fail_msg("%s: kind %s with aggregation %s", f->name,
			    field_kind_names[f->kind],
			    field_agg_names[f->agg]);
		/* Counts and the byte counters are each thread's own. */
		if ((f->kind == FK_COUNT || f->kind == FK_BYTES) &&
		    f->agg != FA_SUM)
			fail_msg("%s: a count that does not sum", f->name);
	}

	/* Spot checks: how a process total is made from its threads. */
	assert_int_equal(must_find("hiwater_rss")->agg, FA_MAX);
	assert_int_equal(must_find("hiwater_vm")->agg, FA_MAX);
	assert_int_equal(must_find("read_bytes")->agg, FA_SUM);
	assert_int_equal(must_find("ac_utime")->agg, FA_SUM);
	assert_int_equal(must_find("coremem")->agg, FA_SUM);
	assert_int_equal(must_find("ac_etime")->agg, FA_MAX);
	assert_int_equal(must_find("ac_btime")->agg, FA_MIN);
	assert_int_equal(must_find("cpu_delay_total")->agg, FA_SUM);
	assert_int_equal(must_find("cpu_delay_max")->agg, FA_MAX);
	assert_int_equal(must_find("cpu_delay_min")->agg, FA_MIN);
	assert_int_equal(must_find("cpu_delay_max_ts")->agg, FA_NONE);
	assert_int_equal(must_find("ac_pid")->agg, FA_NONE);
	assert_int_equal(must_find("ac_comm")->agg, FA_NONE);
	/* And how each is shown. */
	assert_int_equal(must_find("hiwater_rss")->kind, FK_KIB);
	assert_int_equal(must_find("read_bytes")->kind, FK_BYTES);
	assert_int_equal(must_find("ac_etime")->kind, FK_US);
	assert_int_equal(must_find("blkio_delay_total")->kind, FK_NS);
	assert_int_equal(must_find("ac_btime64")->kind, FK_TIME_S);
	assert_int_equal(must_find("irq_delay_max_ts")->kind, FK_TIME_NS);
	assert_int_equal(must_find("ac_uid")->kind, FK_UID);
	assert_int_equal(must_find("ac_gid")->kind, FK_ID);
	assert_int_equal(must_find("ac_exitcode")->kind, FK_STATUS);
	assert_int_equal(must_find("ac_flag")->kind, FK_FLAGS);
	assert_int_equal(must_find("ac_minflt")->kind, FK_COUNT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_sizes),
		cmocka_unit_test(test_table_matches_layout),
		cmocka_unit_test(test_offsets_known),
		cmocka_unit_test(test_offsets_all),
		cmocka_unit_test(test_unique_names),
		cmocka_unit_test(test_no_overlap),
		cmocka_unit_test(test_widths_fit),
		cmocka_unit_test(test_present),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_group_names),
		cmocka_unit_test(test_field_int),
		cmocka_unit_test(test_kind_agg),
	};

	return cmocka_run_group_tests_name("unit_fields", tests, NULL, NULL);
}
