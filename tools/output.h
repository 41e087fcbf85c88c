/*
 * output.h: the query tool's output module.  Every command hands its
 * result sets here as typed values; this module alone knows the formats,
 * the escaping of hostile bytes and the sizing of table columns.  Nothing
 * reaches the FILE given to output_open before output_close (or
 * output_abort): the output is spooled until then.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum output_format {
	OUTPUT_TABLE,
	OUTPUT_CSV,
	OUTPUT_TSV,
	OUTPUT_JSON,
	OUTPUT_JSONL,
};

/* Flags for output_open. */
#define OUTPUT_NOHEADER	0x1	/* no header line (table, csv, tsv) */

enum output_type {
	OV_NULL,
	OV_INT,
	OV_UINT,	/* i holds the bits of an unsigned 64-bit value */
	OV_REAL,
	OV_TEXT,	/* any bytes: escaped as the format needs */
	OV_BLOB,	/* written as lowercase hex */
	OV_NUMTEXT,	/* a number already in human units ("1.5MiB"): text,
			   but aligned and never cut like a number */
	OV_ARGS,	/* an argument vector, each argument NUL-terminated
			   (cmdlines.args): a json array, else one line */
};

struct output_value {
	enum output_type	 type;
	int64_t			 i;
	double			 r;
	const void		*p;	/* OV_TEXT, OV_BLOB */
	size_t			 len;	/* bytes at p */
	size_t			 keep;	/* table: 0, or cut from the left,
					   keeping at least keep bytes */
};

struct output;

int		 output_format_parse(const char *, enum output_format *);
const char	*output_format_names(void);
struct output	*output_open(FILE *, enum output_format, int, unsigned int);
void		 output_begin(struct output *, size_t, const char *const *);
void		 output_optional(struct output *, size_t);
void		 output_row(struct output *, const struct output_value *);
void		 output_empty(struct output *);
int		 output_flush(struct output *);
int		 output_close(struct output *);
void		 output_abort(struct output *);
void		 output_escape(const char *, char *, size_t);

#endif
