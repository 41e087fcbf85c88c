/*
 * fields.c: the taskstats field table and the helpers that read a field out
 * of a received struct by version and payload length.  Offsets come from the
 * layout mirrors in ts_layout.h, so the table cannot drift from them; the
 * unit tests check both against the kernel's published struct sizes.
 *
 * For versions 1-7 (kernels before 2.6.27) the "since" figures are best
 * effort; presence is also bounded by the payload length, so a field past
 * the end of what the kernel sent is never read.
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "fields.h"
#include "ts_layout.h"

#define F(n, t, v, g, k, a, u, h) { #n, offsetof(struct ts_layout, n), \
	offsetof(struct ts_layout_v15, n), t, v, g, k, a, u, h }
/*
 * Fields that exist only in the v17 layout: when a delay category's
 * longest delay ended.  A process's is the time of its thread with the
 * longest delay, which no aggregate of the times gives: FA_NONE.
 */
#define F17(n, g, h) { #n, offsetof(struct ts_layout, n), 0, \
	FT_TIMESPEC, 17, g, FK_TIME_NS, FA_NONE, "ns", h }
/*
 * One delay category: count and total (version v), max and min (v15/16).
 * A delay longer than the task's life is impossible (TS_DELAY_MAX_NS).
 */
#define DELAY_BOUND	" (beyond ac_etime: impossible, not summed or ranked)"
#define DELAY(c, v, g, what) \
	F(c##_count, FT_U64, v, g, FK_COUNT, FA_SUM, "count", \
	    "number of " what " delays"), \
	F(c##_delay_total, FT_U64, v, g, FK_NS, FA_SUM, "ns", \
	    "total " what " delay" DELAY_BOUND), \
	F(c##_delay_max, FT_U64, 15, g, FK_NS, FA_MAX, "ns", \
	    "longest single " what " delay" DELAY_BOUND), \
	F(c##_delay_min, FT_U64, 15, g, FK_NS, FA_MIN, "ns", \
	    "shortest single " what " delay")
/* Identity: names the task, never adds up. */
#define ID(n, t, v, k, u, h)	F(n, t, v, FG_IDENTITY, k, FA_NONE, u, h)

/*
 * Listed in the v16/v17 struct order, which is also the column order of the
 * tasks table (sql/schema.sql).  The delay max/min fields are listed with
 * their category for readability; their position in the struct is given by
 * the offset, not by the order here.  Kind and aggregation: see fields.h;
 * a unit test checks that they agree with the unit.
 */
const struct ts_field ts_fields[] = {
	ID(version, FT_U16, 1, FK_ID, "", "struct taskstats version"),
	ID(ac_exitcode, FT_U32, 1, FK_STATUS, "wstatus",
	    "exit status as from waitpid(): code << 8 | core 0x80 | signal"),
	ID(ac_flag, FT_U8, 1, FK_FLAGS, "flags",
	    "AFORK 0x01, ASU 0x02, ACORE 0x08, AXSIG 0x10, AGROUP 0x20"),
	ID(ac_nice, FT_U8, 1, FK_ID, "", "nice value (unsigned byte)"),
	DELAY(cpu, 1, FG_DELAY_CPU, "CPU run-queue wait"),
	DELAY(blkio, 1, FG_DELAY_BLKIO, "synchronous block I/O wait"),
	DELAY(swapin, 1, FG_DELAY_SWAPIN, "swap-in wait"),
	F(cpu_run_real_total, FT_U64, 1, FG_CPU, FK_NS, FA_SUM, "ns",
	    "wall-clock CPU running time (may include steal)"),
	F(cpu_run_virtual_total, FT_U64, 1, FG_CPU, FK_NS, FA_SUM, "ns",
	    "virtual CPU running time (no hypervisor adjustment)"),
	ID(ac_comm, FT_COMM, 1, FK_TEXT, "", "command name (up to 15 bytes)"),
	ID(ac_sched, FT_U8, 1, FK_ID, "", "scheduling policy"),
	ID(ac_uid, FT_U32, 1, FK_UID, "", "real user id"),
	ID(ac_gid, FT_U32, 1, FK_ID, "", "real group id"),
	ID(ac_pid, FT_U32, 1, FK_ID, "", "task (thread) id"),
	ID(ac_ppid, FT_U32, 1, FK_ID, "", "parent process id"),
	/* A process started with its first thread, lived its longest. */
	F(ac_btime, FT_U32, 1, FG_TIME, FK_TIME_S, FA_MIN, "s",
	    "start time, 32-bit seconds since epoch"),
	F(ac_etime, FT_U64, 1, FG_TIME, FK_US, FA_MAX, "us",
	    "elapsed (wall-clock) lifetime"),
	F(ac_utime, FT_U64, 1, FG_CPU, FK_US, FA_SUM, "us", "user CPU time"),
	F(ac_stime, FT_U64, 1, FG_CPU, FK_US, FA_SUM, "us", "system CPU time"),
	F(ac_minflt, FT_U64, 1, FG_MEMORY, FK_COUNT, FA_SUM, "count",
	    "minor page faults"),
	F(ac_majflt, FT_U64, 1, FG_MEMORY, FK_COUNT, FA_SUM, "count",
	    "major page faults"),
	/* Accumulated per task, over its own CPU time: threads add up. */
	F(coremem, FT_U64, 1, FG_MEMORY, FK_COUNT, FA_SUM, "MiB*us",
	    "accumulated RSS usage"),
	F(virtmem, FT_U64, 1, FG_MEMORY, FK_COUNT, FA_SUM, "MiB*us",
	    "accumulated virtual memory usage"),
	/* Of the address space the threads share. */
	F(hiwater_rss, FT_U64, 1, FG_MEMORY, FK_KIB, FA_MAX, "KiB",
	    "peak RSS of the address space"),
	F(hiwater_vm, FT_U64, 1, FG_MEMORY, FK_KIB, FA_MAX, "KiB",
	    "peak virtual memory of the address space"),
	F(read_char, FT_U64, 1, FG_IO, FK_BYTES, FA_SUM, "bytes",
	    "bytes read by read-like syscalls"),
	F(write_char, FT_U64, 1, FG_IO, FK_BYTES, FA_SUM, "bytes",
	    "bytes written by write-like syscalls"),
	F(read_syscalls, FT_U64, 1, FG_IO, FK_COUNT, FA_SUM, "count",
	    "read-like syscalls"),
	F(write_syscalls, FT_U64, 1, FG_IO, FK_COUNT, FA_SUM, "count",
	    "write-like syscalls"),
	F(read_bytes, FT_U64, 3, FG_IO, FK_BYTES, FA_SUM, "bytes",
	    "bytes read from storage"),
	F(write_bytes, FT_U64, 3, FG_IO, FK_BYTES, FA_SUM, "bytes",
	    "bytes caused to be written to storage"),
	F(cancelled_write_bytes, FT_U64, 3, FG_IO, FK_BYTES, FA_SUM, "bytes",
	    "written bytes cancelled (truncated dirty page cache)"),
	F(nvcsw, FT_U64, 4, FG_CTXSW, FK_COUNT, FA_SUM, "count",
	    "voluntary context switches"),
	F(nivcsw, FT_U64, 4, FG_CTXSW, FK_COUNT, FA_SUM, "count",
	    "involuntary context switches"),
	F(ac_utimescaled, FT_U64, 5, FG_CPU, FK_US, FA_SUM, "us",
	    "user CPU time scaled by frequency"),
	F(ac_stimescaled, FT_U64, 5, FG_CPU, FK_US, FA_SUM, "us",
	    "system CPU time scaled by frequency"),
	F(cpu_scaled_run_real_total, FT_U64, 5, FG_CPU, FK_NS, FA_SUM, "ns",
	    "scaled cpu_run_real_total"),
	DELAY(freepages, 7, FG_DELAY_FREEPAGES, "memory reclaim"),
	DELAY(thrashing, 9, FG_DELAY_THRASHING, "page-cache thrashing"),
	F(ac_btime64, FT_U64, 10, FG_TIME, FK_TIME_S, FA_MIN, "s",
	    "start time, seconds since epoch"),
	DELAY(compact, 11, FG_DELAY_COMPACT, "memory compaction"),
	ID(ac_tgid, FT_U32, 12, FK_ID, "", "thread group (process) id"),
	F(ac_tgetime, FT_U64, 12, FG_TIME, FK_US, FA_MAX, "us",
	    "thread group elapsed time (whole process if AGROUP)"),
	ID(ac_exe_dev, FT_U64, 12, FK_ID, "",
	    "device of the executable (kernel dev_t)"),
	ID(ac_exe_inode, FT_U64, 12, FK_ID, "", "inode of the executable"),
	DELAY(wpcopy, 13, FG_DELAY_WPCOPY, "write-protect copy"),
	DELAY(irq, 14, FG_DELAY_IRQ, "IRQ/softirq"),
	F17(cpu_delay_max_ts, FG_DELAY_CPU, "when the longest CPU delay ended"),
	F17(blkio_delay_max_ts, FG_DELAY_BLKIO, "when the longest block I/O delay ended"),
	F17(swapin_delay_max_ts, FG_DELAY_SWAPIN, "when the longest swap-in delay ended"),
	F17(freepages_delay_max_ts, FG_DELAY_FREEPAGES, "when the longest reclaim delay ended"),
	F17(thrashing_delay_max_ts, FG_DELAY_THRASHING, "when the longest thrashing delay ended"),
	F17(compact_delay_max_ts, FG_DELAY_COMPACT, "when the longest compaction delay ended"),
	F17(wpcopy_delay_max_ts, FG_DELAY_WPCOPY, "when the longest wpcopy delay ended"),
	F17(irq_delay_max_ts, FG_DELAY_IRQ, "when the longest IRQ delay ended"),
};

const size_t ts_nfields = sizeof(ts_fields) / sizeof(ts_fields[0]);
_Static_assert(sizeof(ts_fields) / sizeof(ts_fields[0]) <= TS_FIELDS_MAX,
    "TS_FIELDS_MAX is too small for the field table");

const char *const field_group_names[FG__COUNT] = {
	[FG_IDENTITY] = "identity",
	[FG_TIME] = "time",
	[FG_CPU] = "cpu",
	[FG_MEMORY] = "memory",
	[FG_IO] = "io",
	[FG_CTXSW] = "context switches",
	[FG_DELAY_CPU] = "delay: cpu",
	[FG_DELAY_BLKIO] = "delay: block I/O",
	[FG_DELAY_SWAPIN] = "delay: swap-in",
	[FG_DELAY_FREEPAGES] = "delay: reclaim",
	[FG_DELAY_THRASHING] = "delay: thrashing",
	[FG_DELAY_COMPACT] = "delay: compaction",
	[FG_DELAY_WPCOPY] = "delay: wp copy",
	[FG_DELAY_IRQ] = "delay: irq",
};

const char *const field_kind_names[FK__COUNT] = {
	[FK_COUNT] = "count",
	[FK_ID] = "id",
	[FK_TEXT] = "text",
	[FK_UID] = "uid",
	[FK_STATUS] = "status",
	[FK_FLAGS] = "flags",
	[FK_BYTES] = "bytes",
	[FK_KIB] = "KiB",
	[FK_US] = "duration-us",
	[FK_NS] = "duration-ns",
	[FK_TIME_S] = "time-s",
	[FK_TIME_NS] = "time-ns",
};

const char *const field_agg_names[FA__COUNT] = {
	[FA_NONE] = "none",
	[FA_SUM] = "sum",
	[FA_MAX] = "max",
	[FA_MIN] = "min",
};

size_t
ts_field_width(const struct ts_field *f)
{
	switch (f->type) {
	case FT_U8:
		return 1;
	case FT_U16:
		return 2;
	case FT_U32:
		return 4;
	case FT_U64:
		return 8;
	case FT_COMM:
		return TS_COMM_LEN;
	case FT_TIMESPEC:
		return sizeof(struct ts_timespec);
	}
	return 0;
}

size_t
ts_field_offset(const struct ts_field *f, unsigned int version)
{
	return version == 15 ? f->offset_v15 : f->offset;
}

/* Whether a record of this version and payload length carries the field. */
int
ts_field_present(const struct ts_field *f, unsigned int version, size_t len)
{
	/*
	 * Older kernels send version 0 in the TGID aggregate, which then holds
	 * only the delay sums; trust the counts and totals of categories old
	 * enough to be unambiguous, where the payload reaches them.
	 */
	if (version == 0)
		return f->group >= FG_DELAY_CPU && f->since <= 14 &&
		    f->offset + ts_field_width(f) <= len;
	if (version < f->since)
		return 0;
	if (f->type == FT_TIMESPEC && version == 15)
		return 0;
	return ts_field_offset(f, version) + ts_field_width(f) <= len;
}

/* The end of the last field a struct of this version carries, rounded up. */
static size_t
version_size_compute(unsigned int version)
{
	size_t	 i, end, size = 0;

	for (i = 0; i < ts_nfields; i++) {
		const struct ts_field *f = &ts_fields[i];

		if (f->since > version ||
		    (f->type == FT_TIMESPEC && version == 15))
			continue;
		end = ts_field_offset(f, version) + ts_field_width(f);
		if (end > size)
			size = end;
	}
	/* The kernel struct is 8-byte aligned (trailing ac_tgid padding etc.). */
	return (size + 7) & ~(size_t)7;
}

static size_t		 version_sizes[TS_VERSION_KNOWN + 1];
static pthread_once_t	 version_sizes_once = PTHREAD_ONCE_INIT;

static void
version_sizes_init(void)
{
	unsigned int	 v;

	for (v = 1; v <= TS_VERSION_KNOWN; v++)
		version_sizes[v] = version_size_compute(v);
}

/*
 * The size of a struct of this version, from the table (computed once: it
 * is asked for every record).  For versions newer than the table, the known
 * size; 0 for version 0.
 */
size_t
ts_version_size(unsigned int version)
{
	if (version == 0)
		return 0;
	if (version > TS_VERSION_KNOWN)
		version = TS_VERSION_KNOWN;
	pthread_once(&version_sizes_once, version_sizes_init);
	return version_sizes[version];
}

const struct ts_field *
ts_field_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < ts_nfields; i++)
		if (strcmp(ts_fields[i].name, name) == 0)
			return &ts_fields[i];
	return NULL;
}

/*
 * The integer value of a field of this type at p (unaligned).  Timespecs
 * become nanoseconds since the epoch.  u64 values above INT64_MAX (never
 * seen in practice) wrap, as SQLite integers are signed.
 */
int64_t
ts_value_int(unsigned int type, const uint8_t *p)
{
	uint8_t			 u8;
	uint16_t		 u16;
	uint32_t		 u32;
	uint64_t		 u64;
	struct ts_timespec	 ts;

	switch (type) {
	case FT_U8:
		memcpy(&u8, p, sizeof(u8));
		return u8;
	case FT_U16:
		memcpy(&u16, p, sizeof(u16));
		return u16;
	case FT_U32:
		memcpy(&u32, p, sizeof(u32));
		return u32;
	case FT_U64:
		memcpy(&u64, p, sizeof(u64));
		return (int64_t)u64;
	case FT_TIMESPEC:
		memcpy(&ts, p, sizeof(ts));
		return (int64_t)((uint64_t)ts.tv_sec * 1000000000u +
		    (uint64_t)ts.tv_nsec);
	}
	return 0;
}

/* The value of an integer or timespec field, which must be present. */
int64_t
ts_field_int(const struct ts_field *f, const uint8_t *payload,
    unsigned int version)
{
	return ts_value_int(f->type, payload + ts_field_offset(f, version));
}
