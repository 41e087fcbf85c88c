/*
 * ts_expect.h: the kernel's struct taskstats layouts, written out by hand for
 * the unit tests.  Every offset below was worked out from the kernel struct
 * description (DESIGN.md, include/uapi/linux/taskstats.h) by adding field
 * widths and applying the __aligned(8) markers, not taken from offsetof() of
 * src/ts_layout.h, so the field table is checked against an independent
 * source.
 *
 * Layout notes used for the arithmetic:
 *   version u16 @0, (pad) ac_exitcode u32 @4, ac_flag @8, ac_nice @9,
 *   cpu_count aligned(8) @16; ac_comm[32]; ac_sched aligned(8), ac_pad[3];
 *   ac_uid aligned(8) ... ac_btime u32; ac_etime aligned(8); ac_tgid u32
 *   followed by 4 bytes of padding before ac_tgetime.
 *   v15 inserts {_max,_min} after each _delay_total; v16 moves them to the
 *   end; v17 adds eight 16-byte timespecs.
 */
#ifndef TS_EXPECT_H
#define TS_EXPECT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct exp_field {
	const char	*name;
	uint16_t	 off;		/* v1-14, v16, v17 layout */
	uint16_t	 off_v15;	/* v15 layout; 0xffff: not in v15 */
	uint8_t		 since;		/* first version among 8..17 with it */
	uint8_t		 width;		/* bytes */
	uint8_t		 kind;		/* EXP_INT, EXP_COMM, EXP_TS */
};

#define EXP_INT		0
#define EXP_COMM	1
#define EXP_TS		2
#define EXP_NONE	0xffff

static const struct exp_field exp_fields[] = {
	{ "version",			  0,   0,  8,  2, EXP_INT },
	{ "ac_exitcode",		  4,   4,  8,  4, EXP_INT },
	{ "ac_flag",			  8,   8,  8,  1, EXP_INT },
	{ "ac_nice",			  9,   9,  8,  1, EXP_INT },
	{ "cpu_count",			 16,  16,  8,  8, EXP_INT },
	{ "cpu_delay_total",		 24,  24,  8,  8, EXP_INT },
	{ "cpu_delay_max",		432,  32, 15,  8, EXP_INT },
	{ "cpu_delay_min",		440,  40, 15,  8, EXP_INT },
	{ "blkio_count",		 32,  48,  8,  8, EXP_INT },
	{ "blkio_delay_total",		 40,  56,  8,  8, EXP_INT },
	{ "blkio_delay_max",		448,  64, 15,  8, EXP_INT },
	{ "blkio_delay_min",		456,  72, 15,  8, EXP_INT },
	{ "swapin_count",		 48,  80,  8,  8, EXP_INT },
	{ "swapin_delay_total",		 56,  88,  8,  8, EXP_INT },
	{ "swapin_delay_max",		464,  96, 15,  8, EXP_INT },
	{ "swapin_delay_min",		472, 104, 15,  8, EXP_INT },
	{ "cpu_run_real_total",		 64, 112,  8,  8, EXP_INT },
	{ "cpu_run_virtual_total",	 72, 120,  8,  8, EXP_INT },
	{ "ac_comm",			 80, 128,  8, 32, EXP_COMM },
	{ "ac_sched",			112, 160,  8,  1, EXP_INT },
	{ "ac_uid",			120, 168,  8,  4, EXP_INT },
	{ "ac_gid",			124, 172,  8,  4, EXP_INT },
	{ "ac_pid",			128, 176,  8,  4, EXP_INT },
	{ "ac_ppid",			132, 180,  8,  4, EXP_INT },
	{ "ac_btime",			136, 184,  8,  4, EXP_INT },
	{ "ac_etime",			144, 192,  8,  8, EXP_INT },
	{ "ac_utime",			152, 200,  8,  8, EXP_INT },
	{ "ac_stime",			160, 208,  8,  8, EXP_INT },
	{ "ac_minflt",			168, 216,  8,  8, EXP_INT },
	{ "ac_majflt",			176, 224,  8,  8, EXP_INT },
	{ "coremem",			184, 232,  8,  8, EXP_INT },
	{ "virtmem",			192, 240,  8,  8, EXP_INT },
	{ "hiwater_rss",		200, 248,  8,  8, EXP_INT },
	{ "hiwater_vm",			208, 256,  8,  8, EXP_INT },
	{ "read_char",			216, 264,  8,  8, EXP_INT },
	{ "write_char",			224, 272,  8,  8, EXP_INT },
	{ "read_syscalls",		232, 280,  8,  8, EXP_INT },
	{ "write_syscalls",		240, 288,  8,  8, EXP_INT },
	{ "read_bytes",			248, 296,  8,  8, EXP_INT },
	{ "write_bytes",		256, 304,  8,  8, EXP_INT },
	{ "cancelled_write_bytes",	264, 312,  8,  8, EXP_INT },
	{ "nvcsw",			272, 320,  8,  8, EXP_INT },
	{ "nivcsw",			280, 328,  8,  8, EXP_INT },
	{ "ac_utimescaled",		288, 336,  8,  8, EXP_INT },
	{ "ac_stimescaled",		296, 344,  8,  8, EXP_INT },
	{ "cpu_scaled_run_real_total",	304, 352,  8,  8, EXP_INT },
	{ "freepages_count",		312, 360,  8,  8, EXP_INT },
	{ "freepages_delay_total",	320, 368,  8,  8, EXP_INT },
	{ "freepages_delay_max",	480, 376, 15,  8, EXP_INT },
	{ "freepages_delay_min",	488, 384, 15,  8, EXP_INT },
	{ "thrashing_count",		328, 392,  9,  8, EXP_INT },
	{ "thrashing_delay_total",	336, 400,  9,  8, EXP_INT },
	{ "thrashing_delay_max",	496, 408, 15,  8, EXP_INT },
	{ "thrashing_delay_min",	504, 416, 15,  8, EXP_INT },
	{ "ac_btime64",			344, 424, 10,  8, EXP_INT },
	{ "compact_count",		352, 432, 11,  8, EXP_INT },
	{ "compact_delay_total",	360, 440, 11,  8, EXP_INT },
	{ "compact_delay_max",		512, 448, 15,  8, EXP_INT },
	{ "compact_delay_min",		520, 456, 15,  8, EXP_INT },
	{ "ac_tgid",			368, 464, 12,  4, EXP_INT },
	{ "ac_tgetime",			376, 472, 12,  8, EXP_INT },
	{ "ac_exe_dev",			384, 480, 12,  8, EXP_INT },
	{ "ac_exe_inode",		392, 488, 12,  8, EXP_INT },
	{ "wpcopy_count",		400, 496, 13,  8, EXP_INT },
	{ "wpcopy_delay_total",		408, 504, 13,  8, EXP_INT },
	{ "wpcopy_delay_max",		528, 512, 15,  8, EXP_INT },
	{ "wpcopy_delay_min",		536, 520, 15,  8, EXP_INT },
	{ "irq_count",			416, 528, 14,  8, EXP_INT },
	{ "irq_delay_total",		424, 536, 14,  8, EXP_INT },
	{ "irq_delay_max",		544, 544, 15,  8, EXP_INT },
	{ "irq_delay_min",		552, 552, 15,  8, EXP_INT },
	{ "cpu_delay_max_ts",		560, EXP_NONE, 17, 16, EXP_TS },
	{ "blkio_delay_max_ts",		576, EXP_NONE, 17, 16, EXP_TS },
	{ "swapin_delay_max_ts",	592, EXP_NONE, 17, 16, EXP_TS },
	{ "freepages_delay_max_ts",	608, EXP_NONE, 17, 16, EXP_TS },
	{ "thrashing_delay_max_ts",	624, EXP_NONE, 17, 16, EXP_TS },
	{ "compact_delay_max_ts",	640, EXP_NONE, 17, 16, EXP_TS },
	{ "wpcopy_delay_max_ts",	656, EXP_NONE, 17, 16, EXP_TS },
	{ "irq_delay_max_ts",		672, EXP_NONE, 17, 16, EXP_TS },
};

#define EXP_NFIELDS	(sizeof(exp_fields) / sizeof(exp_fields[0]))

/* sizeof(struct taskstats) per version, from the kernel (DESIGN.md). */
static inline size_t
exp_version_size(unsigned int v)
{
	static const size_t sz[] = {
		[8] = 328, [9] = 344, [10] = 352, [11] = 368, [12] = 400,
		[13] = 416, [14] = 432, [15] = 560, [16] = 560, [17] = 688,
	};

	if (v > 17)
		return 688;
	return v >= 8 ? sz[v] : 0;
}

static inline const struct exp_field *
exp_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < EXP_NFIELDS; i++)
		if (strcmp(exp_fields[i].name, name) == 0)
			return &exp_fields[i];
	return NULL;
}

/* Index of a field in exp_fields[] (the nlmsg_build.h value seed). */
static inline size_t
exp_index(const char *name)
{
	const struct exp_field *e = exp_find(name);

	return e != NULL ? (size_t)(e - exp_fields) : (size_t)-1;
}

/* Offset of a field in a struct of this version (v >= 8). */
static inline size_t
exp_offset(const struct exp_field *e, unsigned int v)
{
	return v == 15 ? e->off_v15 : e->off;
}

/* Whether a struct of version v (>= 8) and the given length carries it. */
static inline int
exp_present(const struct exp_field *e, unsigned int v, size_t len)
{
	if (v < e->since)
		return 0;
	if (v == 15 && e->off_v15 == EXP_NONE)
		return 0;
	return exp_offset(e, v) + e->width <= len;
}

#endif
