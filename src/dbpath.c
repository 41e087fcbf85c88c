/*
 * dbpath.c: what may stand at the database path and beside it.  taskacctd
 * starts as root, and the directory of its database may belong to the
 * unprivileged user it becomes (see privdrop.c): that user, or a daemon
 * compromised as it, can put anything there before the next root start.
 * So root writes only into a regular file with a single link, or creates
 * one: a symbolic link is never followed (it could point at any file, or
 * at a new one in a directory only root may write), and a directory, a
 * device (a -d /dev/sdb typo would get SQLite's header over its first 16
 * KiB; -d /dev/null a root-owned /dev/null-journal), a FIFO or a socket is
 * refused, at the database path and at the -wal, -shm and -journal names
 * SQLite derives from it, before anything is created.
 *
 * Checking names first gives one clear line; the checks that hold against
 * a link planted in between are made on the opened descriptors: ours
 * (store_lock_file, O_NOFOLLOW then fstat), and SQLite's, whose unix VFS
 * opens every file through the open(2) this file substitutes with
 * xSetSystemCall: O_NOFOLLOW always, and for writing a regular file of one
 * link only, whatever the SQLite version does itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dbpath.h"

/* The files SQLite may create beside a database. */
static const char *const dbpath_sides[] = { "-wal", "-shm", "-journal" };

/*
 * Why the last file SQLite's open refused was refused (one line), for the
 * error the caller reports in place of "unable to open database file".
 * Per thread: the main thread opens the database, the writer reopens it.
 */
static _Thread_local char dbpath_note[PATH_MAX + 160];

/* What a non-regular file is, for messages. */
const char *
dbpath_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return "a regular file";
	case S_IFLNK:	return "a symbolic link";
	case S_IFDIR:	return "a directory";
	case S_IFCHR:	return "a character device";
	case S_IFBLK:	return "a block device";
	case S_IFIFO:	return "a FIFO";
	case S_IFSOCK:	return "a socket";
	default:	return "not a regular file";
	}
}

/*
 * Whether root may write the file path, described by sb (from lstat or an
 * fstat of a descriptor opened with O_NOFOLLOW): a regular file with one
 * link.  Another link may name any file of the file system.
 */
int
dbpath_check_stat(const char *path, const struct stat *sb, char *err,
    size_t errlen)
{
	if (S_ISREG(sb->st_mode) && sb->st_nlink <= 1)
		return 0;
	if (S_ISREG(sb->st_mode))
		snprintf(err, errlen, "%s has %ju hard links: not writing to a "
		    "file that other names share", path,
		    (uintmax_t)sb->st_nlink);
	else if (S_ISLNK(sb->st_mode))
		snprintf(err, errlen, "%s is a symbolic link: not following "
		    "it", path);
	else
		snprintf(err, errlen, "%s is %s, not a regular file: not "
		    "writing to it", path, dbpath_kind(sb->st_mode));
	return -1;
}

/*
 * Check one name with lstat: nothing there, or a file root may write.  main
 * is 1 for the database path, 0 for a name SQLite derives from it.
 */
static int
dbpath_check_name(const char *path, int main, char *err, size_t errlen)
{
	struct stat	 sb;
	size_t		 n;

	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (main && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s is a directory: give the database "
		    "file's path, such as %s/taskacct.db", path, path);
		return -1;
	}
	if (dbpath_check_stat(path, &sb, err, errlen) == 0)
		return 0;
	n = strlen(err);
	if (!main)
		snprintf(err + n, errlen - n, " (SQLite keeps this file beside "
		    "the database: move it away)");
	else if (S_ISLNK(sb.st_mode))
		snprintf(err + n, errlen - n, " (give the file's real path)");
	return -1;
}

/*
 * Check the database path and the names SQLite derives from it before
 * anything is created: each is missing, or a regular file of one link.
 */
int
dbpath_check(const char *path, char *err, size_t errlen)
{
	char	 side[PATH_MAX];
	size_t	 i;

	if (dbpath_check_name(path, 1, err, errlen) == -1)
		return -1;
	for (i = 0; i < sizeof(dbpath_sides) / sizeof(dbpath_sides[0]); i++) {
		if ((size_t)snprintf(side, sizeof(side), "%s%s", path,
		    dbpath_sides[i]) >= sizeof(side)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		if (dbpath_check_name(side, 0, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * A -wal at the path while the database itself is missing belongs to a
 * database that was moved away (a rotation whose old WAL a reader held,
 * then a crash, or a move while the recorder was stopped): its last
 * commits may be in no other file.  SQLite would delete it on opening a
 * new, empty database at the path, so keep it aside first, under
 * PATH-wal.orphan-EPOCH, for the administrator to put back beside the
 * moved file (where SQLite reads it as that file's -wal).  The -shm goes:
 * SQLite rebuilds it from the WAL.  Returns 1 with the new name in kept,
 * 0 when there is nothing to keep, -1 with err set.
 */
int
dbpath_keep_orphan_wal(const char *path, char *kept, size_t keptlen,
    char *err, size_t errlen)
{
	char		 wal[PATH_MAX], shm[PATH_MAX];
	struct stat	 sb;

	if (lstat(path, &sb) == 0 || errno != ENOENT)
		return 0;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) >= sizeof(wal) ||
	    (size_t)snprintf(shm, sizeof(shm), "%s-shm", path) >= sizeof(shm))
		return snprintf(err, errlen, "%s: path too long", path), -1;
	if (lstat(wal, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size == 0)
		return 0;
	if ((size_t)snprintf(kept, keptlen, "%s.orphan-%jd", wal,
	    (intmax_t)time(NULL)) >= keptlen)
		return snprintf(err, errlen, "%s: path too long", path), -1;
	if (rename(wal, kept) == -1)
		return snprintf(err, errlen, "%s has no database beside it and "
		    "cannot be kept aside as %s: %s", wal, kept,
		    strerror(errno)), -1;
	if (lstat(shm, &sb) == 0 && S_ISREG(sb.st_mode))
		unlink(shm);
	return 1;
}

/*
 * The path with its directory resolved (symbolic links in the directories
 * above are the administrator's choice, and no user the daemon becomes
 * can change them) and its last name kept as it is, so that opening it
 * with O_NOFOLLOW or SQLITE_OPEN_NOFOLLOW refuses a link there alone.
 * The directory must exist.
 */
int
dbpath_real(const char *path, char *buf, size_t len, char *err,
    size_t errlen)
{
	char		 dir[PATH_MAX], real[PATH_MAX];
	const char	*slash = strrchr(path, '/'), *base;
	size_t		 n;

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
		base = slash + 1;
	}
	if (*base == '\0') {
		snprintf(err, errlen, "%s ends in /: give the database file's "
		    "path, such as %staskacct.db", path, path);
		return -1;
	}
	if (realpath(dir, real) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(buf, len, "%s/%s", strcmp(real, "/") == 0 ? "" :
	    real, base) >= len) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	return 0;
}

/*
 * SQLite's unix VFS opens every file through this (its "open" system
 * call): never through a symbolic link, and for writing only a regular
 * file of one link.  Reading may also open a directory (SQLite syncs the
 * database's) or a character device (/dev/urandom).  O_NONBLOCK keeps a
 * FIFO from blocking the open; it is cleared again for a regular file.
 */
static int
dbpath_open(const char *path, int flags, int mode)
{
	struct stat	 sb, lsb;
	int		 fd, fl, saved, writing;

	writing = (flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT);
	fd = open(path, flags | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, mode);
	if (fd == -1) {
		saved = errno;
		if (saved == ELOOP && lstat(path, &lsb) == 0)
			dbpath_check_stat(path, &lsb, dbpath_note,
			    sizeof(dbpath_note));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (writing ? dbpath_check_stat(path, &sb, dbpath_note,
	    sizeof(dbpath_note)) == -1 : !S_ISREG(sb.st_mode) &&
	    !S_ISDIR(sb.st_mode) && !S_ISCHR(sb.st_mode)) {
		if (!writing)
			dbpath_check_stat(path, &sb, dbpath_note,
			    sizeof(dbpath_note));
		errno = EACCES;
		goto fail;
	}
	if (!(flags & O_NONBLOCK) && (fl = fcntl(fd, F_GETFL)) != -1)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Route the open(2) of SQLite's default VFS through dbpath_open.  Call
 * before any database is opened, from one thread.
 */
int
dbpath_guard_sqlite(void)
{
	sqlite3_vfs	*vfs = sqlite3_vfs_find(NULL);

	if (vfs == NULL || vfs->iVersion < 3 || vfs->xSetSystemCall == NULL ||
	    vfs->xGetSystemCall == NULL ||
	    vfs->xGetSystemCall(vfs, "open") == NULL)
		return -1;
	if (vfs->xSetSystemCall(vfs, "open",
	    (sqlite3_syscall_ptr)dbpath_open) != SQLITE_OK)
		return -1;
	return 0;
}

/* Why SQLite could not open a file, if dbpath_open refused it; or NULL. */
const char *
dbpath_refused(void)
{
	return dbpath_note[0] != '\0' ? dbpath_note : NULL;
}

void
dbpath_refused_clear(void)
{
	dbpath_note[0] = '\0';
}
