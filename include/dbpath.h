/*
 * dbpath.h: what may stand at the database path and beside it (the -wal,
 * -shm and -journal files SQLite keeps there): a regular file of one link,
 * or nothing.  See src/dbpath.c.
 */
#ifndef DBPATH_H
#define DBPATH_H

#include <stddef.h>
#include <sys/stat.h>

int		 dbpath_check(const char *, char *, size_t);
int		 dbpath_check_stat(const char *, const struct stat *, char *,
		    size_t);
int		 dbpath_keep_orphan_wal(const char *, char *, size_t, char *,
		    size_t);
int		 dbpath_real(const char *, char *, size_t, char *, size_t);
const char	*dbpath_kind(mode_t);
int		 dbpath_guard_sqlite(void);
const char	*dbpath_refused(void);
void		 dbpath_refused_clear(void);

#endif
