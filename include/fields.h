/*
 * fields.h: the taskstats field table, the single source of truth for every
 * field of struct taskstats.  It drives the decoder (offsets per layout and
 * the version that introduced each field), the database columns and INSERT
 * (column name = kernel field name), and the query tool's help, units,
 * formatting (kind) and process totals (aggregation).
 */
#ifndef FIELDS_H
#define FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* Highest struct taskstats version this table describes, and its size. */
#define TS_VERSION_KNOWN	17
#define TS_SIZE_KNOWN		688
/*
 * Largest payload held.  A newer version only grows at the end; its unknown
 * tail (payload past TS_SIZE_KNOWN) is kept as a BLOB, up to this size: a
 * longer one is still decoded, its tail cut (tasks.ts_len keeps the size
 * the kernel sent).
 */
#define TS_PAYLOAD_MAX		1024
#define TS_COMM_LEN		32
/* At least the number of entries of the field table (checked there). */
#define TS_FIELDS_MAX		96

enum field_type {
	FT_U8,
	FT_U16,
	FT_U32,
	FT_U64,
	FT_COMM,	/* char[32], NUL-padded */
	FT_TIMESPEC,	/* struct __kernel_timespec, stored as ns since epoch */
};

enum field_group {
	FG_IDENTITY,
	FG_TIME,
	FG_CPU,
	FG_MEMORY,
	FG_IO,
	FG_CTXSW,
	FG_DELAY_CPU,
	FG_DELAY_BLKIO,
	FG_DELAY_SWAPIN,
	FG_DELAY_FREEPAGES,
	FG_DELAY_THRASHING,
	FG_DELAY_COMPACT,
	FG_DELAY_WPCOPY,
	FG_DELAY_IRQ,
	FG__COUNT
};

/* What a value is, which says how the query tool shows it. */
enum field_kind {
	FK_COUNT,	/* a count or other plain quantity (unit: count, MiB*us) */
	FK_ID,		/* names or classifies: an id, version, policy, nice */
	FK_TEXT,	/* a name (ac_comm) */
	FK_UID,		/* a user id: the user's name in tables */
	FK_STATUS,	/* a wait status: code << 8 | core 0x80 | signal */
	FK_FLAGS,	/* ac_flag bits (TS_A* in taskstats_proto.h) */
	FK_BYTES,	/* a size in bytes */
	FK_KIB,		/* a size in KiB */
	FK_US,		/* a duration in microseconds */
	FK_NS,		/* a duration in nanoseconds */
	FK_TIME_S,	/* a time: seconds since the epoch */
	FK_TIME_NS,	/* a time: nanoseconds since the epoch */
	FK__COUNT
};

/*
 * How the field of a process's threads adds up to the process's: the
 * names of field_agg_names are also the SQL aggregate functions that do it.
 */
enum field_agg {
	FA_NONE,	/* does not add up: identity, or which thread's it is */
	FA_SUM,		/* each thread's own share: times, counts, I/O */
	FA_MAX,		/* shared or overlapping: peak memory, lifetime */
	FA_MIN,		/* the earliest start, the shortest delay */
	FA__COUNT
};

struct ts_field {
	const char	*name;		/* kernel field name, = column name */
	uint16_t	 offset;	/* in every layout but v15 */
	uint16_t	 offset_v15;	/* in the v15 layout (6.14) */
	uint8_t		 type;		/* enum field_type */
	uint8_t		 since;		/* first struct version carrying it */
	uint8_t		 group;		/* enum field_group */
	uint8_t		 kind;		/* enum field_kind */
	uint8_t		 agg;		/* enum field_agg */
	const char	*unit;		/* us, ns, s, KiB, bytes, count, ... */
	const char	*help;		/* one-line meaning */
};

extern const struct ts_field	 ts_fields[];
extern const size_t		 ts_nfields;
extern const char *const	 field_group_names[FG__COUNT];
extern const char *const	 field_kind_names[FK__COUNT];
extern const char *const	 field_agg_names[FA__COUNT];

size_t		 ts_field_width(const struct ts_field *);
size_t		 ts_field_offset(const struct ts_field *, unsigned int);
int		 ts_field_present(const struct ts_field *, unsigned int, size_t);
size_t		 ts_version_size(unsigned int);
const struct ts_field *ts_field_find(const char *);
int64_t		 ts_field_int(const struct ts_field *, const uint8_t *,
		    unsigned int);
int64_t		 ts_value_int(unsigned int, const uint8_t *);

#endif
