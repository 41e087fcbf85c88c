/*
 * cli.h: what the query tool's command files share: the command context
 * and arguments, the command table entry (as tmux's cmd_entry), SQL and
 * option helpers that exit with a one-line error, and typed result
 * columns that print in human units in tables and as raw numbers in the
 * machine formats.
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <limits.h>
#include <stdint.h>

#include <sqlite3.h>

#include "filter.h"
#include "output.h"
#include "taskstats_proto.h"

#define EXIT_USAGE		2

/* A process's threads: received at most this long after its end (rows
   come from several sockets, in no fixed order between them)... */
#define PROC_SLACK_US		INT64_C(1000000)
/* ...and their leader's start, as each estimates it (PROCS_LSTART in
   procs.h: each estimate is late by less than a second), this close. */
#define PROC_START_TOL_US	INT64_C(1000000)

struct cmd_ctx {
	const char		*db_path;
	sqlite3			*db;
	int			 db_fd;		/* the database file, open
						   until exit; -1: none */
	struct output		*out;
	enum output_format	 format;
	int			 out_flags;
	int			 width;		/* -1: not given */
	int64_t			 now;		/* us; TASKACCT_NOW for tests */
	int			 human;		/* table: human units */
	int			 schema;	/* PRAGMA user_version */
	int			 svg;		/* --format svg (timeline) */
};

/*
 * A command's own options, by getopt value: a short option's letter, or
 * for a long-only option a value from OPT_CMD up (below UCHAR_MAX).
 */
#define OPT_CMD		128
#define OPT_FILTER	160	/* + index in filter_options[] */
struct cmd_args {
	const char	*flag[UCHAR_MAX + 1];	/* optarg, or "" if none */
	int		 argc;
	char		**argv;
	struct filter	 filter;		/* CMD_FILTER commands */
	int64_t		 limit;			/* --limit; -1: none */
};

struct cmd_entry {
	const char		*name;
	const char		*alias;
	const char		*template;	/* getopt letters */
	const struct option	*longopts;	/* its own, may be NULL */
	int			 lower;		/* positional arguments */
	int			 upper;		/* -1: no limit */
	const char		*usage;
	const char		*summary;
	const char		*help;
	int			 flags;
#define CMD_DB		0x1		/* opens the database */
#define CMD_FILTER	0x2		/* takes the filter options */
#define CMD_LIMIT	0x4		/* takes --limit N */
#define CMD_FOLLOW	0x8		/* its -f follows: it opens the
					   database itself (may wait for it) */
	int64_t			 default_limit;	/* -1: none */
	int			(*exec)(struct cmd_ctx *, struct cmd_args *);
};

extern const struct cmd_entry	cmd_last_entry;
extern const struct cmd_entry	cmd_show_entry;
extern const struct cmd_entry	cmd_top_entry;
extern const struct cmd_entry	cmd_summary_entry;
extern const struct cmd_entry	cmd_short_entry;
extern const struct cmd_entry	cmd_tree_entry;
extern const struct cmd_entry	cmd_status_entry;
extern const struct cmd_entry	cmd_get_entry;
extern const struct cmd_entry	cmd_timeline_entry;
extern const struct cmd_entry	cmd_export_entry;

/* cmd_top.c: the names --by and --group take; NULL past the last. */
const char	*top_measure_name(size_t);
const char	*top_group_name(size_t);
extern const struct cmd_entry	cmd_iotop_entry;

/* How a result column is shown. */
enum col_kind {
	CK_INT,		/* a number */
	CK_TEXT,	/* text, escaped by output.c */
	CK_TIME,	/* us since the epoch: local ISO time */
	CK_TIME_S,	/* s since the epoch */
	CK_TIME_NS,	/* ns since the epoch */
	CK_DUR_US,	/* a length of time */
	CK_DUR_NS,
	CK_KIB,		/* a size */
	CK_BYTES,
	CK_USER,	/* a uid: the user's name in tables */
	CK_STATUS,	/* a wait status: 0, 1, KILL, SEGV core */
	CK_FLAGS,	/* ac_flag: letters in tables */
	CK_AVG,		/* a real number, 1 decimal in tables */
};

/* Flags of a column: printed in one mode only. */
#define COL_TABLE	0x1	/* human (table) output only */
#define COL_RAW		0x2	/* machine formats only */
#define COL_OPTIONAL	0x4	/* a table leaves it out if all NULL */

struct col {
	const char	*name;		/* in tables */
	const char	*raw;		/* in machine formats; NULL: name */
	enum col_kind	 kind;
	int		 flags;
};

/* A row's values being built, with room for their human text. */
#define ROW_MAX		32
struct row {
	struct output_value	 v[ROW_MAX];
	char			 text[ROW_MAX][48];
	int			 n;
};

void	 cli_usage(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
void	 cli_fatal(struct cmd_ctx *, const char *, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));

void		 cli_end_read(struct cmd_ctx *);
sqlite3_stmt	*cli_prepare(struct cmd_ctx *, const char *);
int		 cli_step(struct cmd_ctx *, sqlite3_stmt *);
void		 cli_bind_filter(struct cmd_ctx *, sqlite3_stmt *,
		    const struct filter_sql *, int);
void		 cli_filter_sql(struct cmd_ctx *, const struct filter *, int,
		    struct filter_sql *);
int		 cli_table_exists(struct cmd_ctx *, const char *);

int64_t		 cli_number(const char *, const char *, int64_t, int64_t);
int64_t		 cli_time(struct cmd_ctx *, const char *, const char *);
int64_t		 cli_duration(const char *, const char *);

void	 cli_begin(struct cmd_ctx *, const struct col *, int);
void	 cli_row_fill(struct cmd_ctx *, struct row *, const struct col *,
	    int, sqlite3_stmt *, int);
void	 cli_row_stmt(struct cmd_ctx *, const struct col *, int,
	    sqlite3_stmt *, int);
void	 cli_print(struct cmd_ctx *, const struct col *, int, sqlite3_stmt *);

void	 row_init(struct row *);
void	 row_add(struct cmd_ctx *, struct row *, enum col_kind,
	    sqlite3_stmt *, int);
void	 row_int(struct row *, int64_t);
void	 row_null(struct row *);
void	 row_text(struct row *, const char *);
void	 row_human(struct cmd_ctx *, struct row *, enum col_kind, int64_t);

void	 fmt_duration_us(char *, size_t, int64_t);
void	 fmt_bytes(char *, size_t, int64_t);
void	 fmt_time_us(char *, size_t, int64_t);
void	 fmt_status(char *, size_t, int64_t);
void	 fmt_flags(char *, size_t, int64_t);
const char	*user_name(int64_t);

int64_t		 exit_pick(struct cmd_ctx *, int64_t, int, int, int64_t);

struct ts_field;
enum col_kind	 cli_field_kind(const struct ts_field *);
const char	*cli_field_agg(const struct ts_field *);

#endif
