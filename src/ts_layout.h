/*
 * ts_layout.h: mirrors of the kernel's struct taskstats layouts, used only to
 * compute field offsets for the field table (fields.c) and to check them in
 * the unit tests.  Never used to read a message: records are decoded field by
 * field, by version and payload length.
 *
 * Two layouts exist.  Every version but 15 is a prefix of the v17 layout.
 * v15 (Linux 6.14) inserted {_max,_min} after each category's _delay_total;
 * v16 moved the same sixteen fields to the end, a layout break.
 */
#ifndef TS_LAYOUT_H
#define TS_LAYOUT_H

#include <stdint.h>

#define A8 __attribute__((aligned(8)))

struct ts_timespec {
	int64_t	tv_sec;
	int64_t	tv_nsec;
};

/* v1-v14, v16, v17 */
struct ts_layout {
	uint16_t version;
	uint32_t ac_exitcode;
	uint8_t	 ac_flag;
	uint8_t	 ac_nice;
	uint64_t cpu_count A8;
	uint64_t cpu_delay_total;
	uint64_t blkio_count;
	uint64_t blkio_delay_total;
	uint64_t swapin_count;
	uint64_t swapin_delay_total;
	uint64_t cpu_run_real_total;
	uint64_t cpu_run_virtual_total;
	char	 ac_comm[32];
	uint8_t	 ac_sched A8;
	uint8_t	 ac_pad[3];
	uint32_t ac_uid A8;
	uint32_t ac_gid;
	uint32_t ac_pid;
	uint32_t ac_ppid;
	uint32_t ac_btime;
	uint64_t ac_etime A8;
	uint64_t ac_utime;
	uint64_t ac_stime;
	uint64_t ac_minflt;
	uint64_t ac_majflt;
	uint64_t coremem;
	uint64_t virtmem;
	uint64_t hiwater_rss;
	uint64_t hiwater_vm;
	uint64_t read_char;
	uint64_t write_char;
	uint64_t read_syscalls;
	uint64_t write_syscalls;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t cancelled_write_bytes;
	uint64_t nvcsw;
	uint64_t nivcsw;
	uint64_t ac_utimescaled;
	uint64_t ac_stimescaled;
	uint64_t cpu_scaled_run_real_total;
	uint64_t freepages_count;
	uint64_t freepages_delay_total;		/* v8 ends: 328 */
	uint64_t thrashing_count;
	uint64_t thrashing_delay_total;		/* v9 ends: 344 */
	uint64_t ac_btime64;			/* v10 ends: 352 */
	uint64_t compact_count;
	uint64_t compact_delay_total;		/* v11 ends: 368 */
	uint32_t ac_tgid;
	uint64_t ac_tgetime A8;
	uint64_t ac_exe_dev;
	uint64_t ac_exe_inode;			/* v12 ends: 400 */
	uint64_t wpcopy_count;
	uint64_t wpcopy_delay_total;		/* v13 ends: 416 */
	uint64_t irq_count;
	uint64_t irq_delay_total;		/* v14 ends: 432 */
	uint64_t cpu_delay_max;
	uint64_t cpu_delay_min;
	uint64_t blkio_delay_max;
	uint64_t blkio_delay_min;
	uint64_t swapin_delay_max;
	uint64_t swapin_delay_min;
	uint64_t freepages_delay_max;
	uint64_t freepages_delay_min;
	uint64_t thrashing_delay_max;
	uint64_t thrashing_delay_min;
	uint64_t compact_delay_max;
	uint64_t compact_delay_min;
	uint64_t wpcopy_delay_max;
	uint64_t wpcopy_delay_min;
	uint64_t irq_delay_max;
	uint64_t irq_delay_min;			/* v16 ends: 560 */
	struct ts_timespec cpu_delay_max_ts;
	struct ts_timespec blkio_delay_max_ts;
	struct ts_timespec swapin_delay_max_ts;
	struct ts_timespec freepages_delay_max_ts;
	struct ts_timespec thrashing_delay_max_ts;
	struct ts_timespec compact_delay_max_ts;
	struct ts_timespec wpcopy_delay_max_ts;
	struct ts_timespec irq_delay_max_ts;	/* v17 ends: 688 */
};

/* v15 only (Linux 6.14): max/min inserted after each _delay_total. */
struct ts_layout_v15 {
	uint16_t version;
	uint32_t ac_exitcode;
	uint8_t	 ac_flag;
	uint8_t	 ac_nice;
	uint64_t cpu_count A8;
	uint64_t cpu_delay_total;
	uint64_t cpu_delay_max;
	uint64_t cpu_delay_min;
	uint64_t blkio_count;
	uint64_t blkio_delay_total;
	uint64_t blkio_delay_max;
	uint64_t blkio_delay_min;
	uint64_t swapin_count;
	uint64_t swapin_delay_total;
	uint64_t swapin_delay_max;
	uint64_t swapin_delay_min;
	uint64_t cpu_run_real_total;
	uint64_t cpu_run_virtual_total;
	char	 ac_comm[32];
	uint8_t	 ac_sched A8;
	uint8_t	 ac_pad[3];
	uint32_t ac_uid A8;
	uint32_t ac_gid;
	uint32_t ac_pid;
	uint32_t ac_ppid;
	uint32_t ac_btime;
	uint64_t ac_etime A8;
	uint64_t ac_utime;
	uint64_t ac_stime;
	uint64_t ac_minflt;
	uint64_t ac_majflt;
	uint64_t coremem;
	uint64_t virtmem;
	uint64_t hiwater_rss;
	uint64_t hiwater_vm;
	uint64_t read_char;
	uint64_t write_char;
	uint64_t read_syscalls;
	uint64_t write_syscalls;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t cancelled_write_bytes;
	uint64_t nvcsw;
	uint64_t nivcsw;
	uint64_t ac_utimescaled;
	uint64_t ac_stimescaled;
	uint64_t cpu_scaled_run_real_total;
	uint64_t freepages_count;
	uint64_t freepages_delay_total;
	uint64_t freepages_delay_max;
	uint64_t freepages_delay_min;
	uint64_t thrashing_count;
	uint64_t thrashing_delay_total;
	uint64_t thrashing_delay_max;
	uint64_t thrashing_delay_min;
	uint64_t ac_btime64;
	uint64_t compact_count;
	uint64_t compact_delay_total;
	uint64_t compact_delay_max;
	uint64_t compact_delay_min;
	uint32_t ac_tgid;
	uint64_t ac_tgetime A8;
	uint64_t ac_exe_dev;
	uint64_t ac_exe_inode;
	uint64_t wpcopy_count;
	uint64_t wpcopy_delay_total;
	uint64_t wpcopy_delay_max;
	uint64_t wpcopy_delay_min;
	uint64_t irq_count;
	uint64_t irq_delay_total;
	uint64_t irq_delay_max;
	uint64_t irq_delay_min;			/* v15 ends: 560 */
};

#undef A8

_Static_assert(sizeof(struct ts_layout) == 688, "v17 layout is 688 bytes");
_Static_assert(sizeof(struct ts_layout_v15) == 560, "v15 layout is 560 bytes");

#endif
