/*
 * export.h: what the files of `taskacct export` share.  cmd_export.c runs
 * the loop (read a batch, deliver it, record the cursor, wait);
 * export_db.c reads batches of rows out of the database as JSON lines and
 * names the database; export_cursor.c keeps the cursor file;
 * export_http.c delivers to ClickHouse; export_watch.c waits for the
 * recorder's next commit.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include <sqlite3.h>

/* The streams exported: the tasks rows, and what the recorder lost. */
enum export_stream {
	EXPORT_TASKS,
	EXPORT_LOSSES,
	EXPORT__NSTREAMS
};

/*
 * A database's identity: 16 hex digits naming the file's history (its
 * first run), the same on every read of it and different for every other
 * database of any host, and the file's inode, to find it again after it
 * was moved (rotation).
 */
#define EXPORT_DBID_LEN	16
struct export_ident {
	char		 db[EXPORT_DBID_LEN + 1];	/* "": none yet */
	uint64_t	 dev;
	uint64_t	 ino;
	int64_t		 start;		/* its first run's start, us */
};

/* Where the export stands: after these rows of this database. */
struct export_cursor {
	struct export_ident	 id;
	int64_t			 last[EXPORT__NSTREAMS];
	/* Standard output, when it is a regular file: its length after the
	   last batch delivered, to cut what a kill left after it. */
	uint64_t		 out_dev;
	uint64_t		 out_ino;
	int64_t			 out_len;	/* -1: not a file */
};

/* A growing buffer of JSON lines. */
struct export_buf {
	char	*p;
	size_t	 len;
	size_t	 size;
};

/* export_db.c */
struct export_src;
struct export_src *export_src_open(const char *, int, char *, size_t);
void		 export_src_close(struct export_src *);
const struct export_ident *export_src_ident(const struct export_src *);
sqlite3		*export_src_db(const struct export_src *);
int		 export_src_schema(const struct export_src *);
int		 export_read(struct export_src *, enum export_stream, int64_t,
		    int, struct export_buf *, int64_t *, int *, char *,
		    size_t);
int		 export_first_since(struct export_src *, int64_t, int64_t *,
		    char *, size_t);
void		 export_schema_print(FILE *);
char		*export_find_next(const char *, int64_t, int64_t);

/* export_cursor.c */
int	 export_cursor_load(const char *, struct export_cursor *, char *,
	    size_t);
int	 export_cursor_save(const char *, const struct export_cursor *, char *,
	    size_t);
int	 export_path_check(const char *, char *, size_t);
char	*export_find_moved(const char *, const struct export_ident *);

/* export_http.c */
struct export_http;
struct export_http *export_http_new(const char *, const char *, int64_t,
		    char *, size_t);
void		 export_http_free(struct export_http *);
int		 export_http_post(struct export_http *, enum export_stream,
		    const struct export_buf *, char *, size_t);
int		 export_table_valid(const char *);

/* export_watch.c */
struct export_watch;
struct export_watch *export_watch_new(const char *, char *, size_t);
void		 export_watch_free(struct export_watch *);
void		 export_watch_output(struct export_watch *, int,
		    const sigset_t *);
int		 export_watch_wait(struct export_watch *, int);

void	 export_buf_add(struct export_buf *, const void *, size_t);
void	 export_buf_free(struct export_buf *);

#endif
