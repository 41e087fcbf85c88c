/*
 * decode.h: turning one TASKSTATS netlink message into records.
 */
#ifndef DECODE_H
#define DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* One decoded record: a thread's struct or its group's aggregate. */
struct ts_record {
	uint8_t		 kind;		/* enum task_kind */
	uint32_t	 task_id;	/* TYPE_PID or TYPE_TGID value */
	uint16_t	 version;	/* struct version (first two bytes) */
	uint16_t	 size;		/* payload length the kernel sent */
	uint16_t	 len;		/* bytes of it held in raw */
	uint8_t		 raw[TS_PAYLOAD_MAX]; /* payload, zero past len */
};

/* A message holds at most a PID record and a TGID record. */
#define TS_MSG_RECORDS_MAX	2

struct ts_decoded {
	struct ts_record	 rec[TS_MSG_RECORDS_MAX];
	int			 nrec;
	int			 unknown_attrs;	/* skipped, for the counters */
	int			 cut_tails;	/* payloads cut to TS_PAYLOAD_MAX */
};

/* Where one field of a record of a given version and length lies. */
struct ts_step {
	uint16_t	 offset;
	uint8_t		 type;		/* enum field_type */
	uint8_t		 present;
};

/*
 * The steps of every field of the field table, for one (version, length)
 * of record: worked out once, read for every record of that shape.
 */
struct ts_plan {
	int		 valid;
	uint16_t	 version;
	uint16_t	 len;
	struct ts_step	 step[TS_FIELDS_MAX];
};

int	ts_decode_msg(const void *, size_t, uint16_t, struct ts_decoded *,
	    const char **);
int	ts_record_decode(const void *, size_t, uint8_t, uint32_t,
	    struct ts_record *, int *, const char **);
size_t	ts_record_tail_len(const struct ts_record *);
const struct ts_plan *ts_plan_get(struct ts_plan *, const struct ts_record *);

#endif
