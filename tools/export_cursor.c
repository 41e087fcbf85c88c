/*
 * export_cursor.c: the cursor file of `taskacct export --cursor FILE`:
 * where the export stands (the database's name and inode, the last row
 * delivered of each stream, and standard output's length when it is a
 * file).  Written only after a batch was delivered, atomically: a
 * temporary file beside it, fsync, rename, fsync of the directory; a kill
 * at any point leaves the old cursor or the new one.  Like the database
 * path (src/dbpath.c), the cursor's names must be regular files of one
 * link: a symbolic link or a device planted there is refused, never
 * followed or written.
 *
 * Also finds a database that was moved away (rotation) by its inode in
 * the directory it was in.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbpath.h"
#include "export.h"

#define CURSOR_MAGIC	"taskacct-export-cursor 1"
#define CURSOR_MAX	1024

static const char *const stream_key[EXPORT__NSTREAMS] = {
	[EXPORT_TASKS] = "tasks",
	[EXPORT_LOSSES] = "losses",
};

/* Nothing at path, or a regular file of one link; else -1, err set. */
int
export_path_check(const char *path, char *err, size_t errlen)
{
	struct stat	 sb;

	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return dbpath_check_stat(path, &sb, err, errlen);
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
parse_line(char *line, struct export_cursor *c)
{
	char		*k = line, *v, *w;
	uint64_t	 n, m, l;
	int		 i;

	if ((v = strchr(line, ' ')) == NULL)
		return -1;
	*v++ = '\0';
	if (strcmp(k, "db") == 0) {
		if (strlen(v) != EXPORT_DBID_LEN ||
		    strspn(v, "0123456789abcdef") != EXPORT_DBID_LEN)
			return -1;
		memcpy(c->id.db, v, EXPORT_DBID_LEN + 1);
		return 0;
	}
	if (strcmp(k, "start") == 0) {
		if (parse_u64(v, &n) == -1 || n > INT64_MAX)
			return -1;
		c->id.start = (int64_t)n;
		return 0;
	}
	if (strcmp(k, "file") == 0 || strcmp(k, "out") == 0) {
		if ((w = strchr(v, ' ')) == NULL)
			return -1;
		*w++ = '\0';
		if (strcmp(k, "file") == 0)
			return parse_u64(v, &c->id.dev) == -1 ||
			    parse_u64(w, &c->id.ino) == -1 ? -1 : 0;
		if (parse_u64(v, &n) == -1 || (v = strchr(w, ' ')) == NULL)
			return -1;
		*v++ = '\0';
		if (parse_u64(w, &m) == -1 || parse_u64(v, &l) == -1 ||
		    l > INT64_MAX)
			return -1;
		c->out_dev = n, c->out_ino = m, c->out_len = (int64_t)l;
		return 0;
	}
	for (i = 0; i < EXPORT__NSTREAMS; i++) {
		if (strcmp(k, stream_key[i]) != 0)
			continue;
		if (parse_u64(v, &n) == -1 || n > INT64_MAX)
			return -1;
		c->last[i] = (int64_t)n;
		return 0;
	}
	return -1;
}

/*
 * Read the cursor at path into c: an empty cursor (no database named) if
 * there is no file yet.  -1 with err set if it cannot be read or is not a
 * cursor: nothing is guessed, the export does not start.
 */
int
export_cursor_load(const char *path, struct export_cursor *c, char *err,
    size_t errlen)
{
	char	 buf[CURSOR_MAX + 1], *line, *next;
	ssize_t	 n;
	int	 fd;

	memset(c, 0, sizeof(*c));
	c->out_len = -1;
	if (export_path_check(path, err, errlen) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cursor %s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n > CURSOR_MAX) {
		snprintf(err, errlen, "cursor %s: %s", path, n < 0 ?
		    strerror(errno) : "too long to be a cursor");
		return -1;
	}
	buf[n] = '\0';
	line = buf;
	if ((next = strchr(line, '\n')) == NULL ||
	    (*next = '\0', strcmp(line, CURSOR_MAGIC) != 0))
		goto bad;
	for (line = next + 1; *line != '\0'; line = next + 1) {
		if ((next = strchr(line, '\n')) == NULL)
			goto bad;
		*next = '\0';
		if (parse_line(line, c) == -1)
			goto bad;
	}
	if (c->id.db[0] == '\0')
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "%s is not a taskacct export cursor (or is "
	    "damaged): remove it to export from the start", path);
	return -1;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* fsync the directory of path, so that a rename in it is durable. */
static int
sync_dir(const char *path)
{
	char	*copy;
	int	 fd, r = 0;

	if ((copy = strdup(path)) == NULL)
		return -1;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || fsync(fd) == -1)
		r = -1;
	if (fd != -1)
		close(fd);
	free(copy);
	return r;
}

int
export_cursor_save(const char *path, const struct export_cursor *c,
    char *err, size_t errlen)
{
	char		 tmp[PATH_MAX], buf[CURSOR_MAX];
	struct stat	 sb;
	int		 fd, n, i;

	n = snprintf(buf, sizeof(buf), "%s\ndb %s\nstart %" PRId64 "\nfile %"
	    PRIu64 " %" PRIu64 "\n", CURSOR_MAGIC, c->id.db, c->id.start,
	    c->id.dev, c->id.ino);
	for (i = 0; i < EXPORT__NSTREAMS; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s %" PRId64 "\n",
		    stream_key[i], c->last[i]);
	if (c->out_len >= 0)
		n += snprintf(buf + n, sizeof(buf) - n, "out %" PRIu64 " %"
		    PRIu64 " %" PRId64 "\n", c->out_dev, c->out_ino,
		    c->out_len);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "cursor %s: path too long", path);
		return -1;
	}
	if (export_path_check(path, err, errlen) == -1 ||
	    export_path_check(tmp, err, errlen) == -1)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1 || fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "cursor %s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (dbpath_check_stat(tmp, &sb, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	if (write_all(fd, buf, n) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "cursor %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1 || sync_dir(path) == -1) {
		snprintf(err, errlen, "cursor %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The path a database named by id now has in the directory of path, after
 * a rotation moved it (by its inode); NULL if it is not there.
 */
char *
export_find_moved(const char *path, const struct export_ident *id)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		*copy, *dir, *found = NULL, name[PATH_MAX];

	if ((copy = strdup(path)) == NULL)
		return NULL;
	dir = dirname(copy);
	if ((d = opendir(dir)) == NULL) {
		free(copy);
		return NULL;
	}
	while (found == NULL && (de = readdir(d)) != NULL) {
		if (snprintf(name, sizeof(name), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(name))
			continue;
		if (lstat(name, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (uint64_t)sb.st_dev == id->dev &&
		    (uint64_t)sb.st_ino == id->ino)
			found = strdup(name);
	}
	closedir(d);
	free(copy);
	return found;
}
