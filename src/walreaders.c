/*
 * walreaders.c: names the processes that hold the database's WAL back.
 * A checkpoint cannot copy frames past the snapshot of the oldest reader,
 * nor start the WAL over while anyone reads from it, and SQLite does not
 * say who that is.  Every SQLite connection holds a POSIX read lock on the
 * "DMS" byte of the -shm file while it has the database open, and a reader
 * one on a read-mark byte for as long as its read transaction lasts;
 * /proc/locks lists them with their pids.  Our own lock on the DMS byte
 * finds our -shm file (the daemon has one connection), and the other
 * processes' locks on its read marks are the readers.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sysinfo.h"
#include "walreaders.h"

/* Byte offsets in the -shm file (SQLite's wal.c and os_unix.c). */
#define SHM_READ_MARK_FIRST	123	/* read marks 0-4 */
#define SHM_READ_MARK_LAST	127
#define SHM_DMS			128
#define WAL_READERS_NAMED	4

struct lock_line {
	int		 pid;
	char		 file[64];	/* MAJ:MIN:INODE */
	long long	 start, end;
};

/* One line of /proc/locks; 0 for a POSIX lock held (not waited for). */
static int
lock_parse(const char *line, struct lock_line *l)
{
	char	 type[16], end[32];

	if (sscanf(line, "%*[^:]: %15s %*s %*s %d %63s %lld %31s", type,
	    &l->pid, l->file, &l->start, end) != 5 ||
	    strcmp(type, "POSIX") != 0)
		return -1;
	if (sscanf(end, "%lld", &l->end) != 1)
		l->end = -1;		/* "EOF" */
	return 0;
}

/* Our -shm file, as /proc/locks names it. */
static int
own_shm(FILE *f, char *file, size_t len)
{
	struct lock_line l;
	char		 line[256];
	int		 self = (int)getpid();

	while (fgets(line, sizeof(line), f) != NULL)
		if (lock_parse(line, &l) == 0 && l.pid == self &&
		    l.start <= SHM_DMS && (l.end == -1 || l.end >= SHM_DMS)) {
			snprintf(file, len, "%s", l.file);
			return 0;
		}
	return -1;
}

/* Append "pid N (comm)" to buf, the name with non-printables escaped. */
static void
name_pid(char *buf, size_t len, int pid, int comma)
{
	char	 path[64], comm[32] = "?", esc[80], *p;
	size_t	 n = 0, used = strlen(buf);

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	read_line(path, comm, sizeof(comm));
	for (p = comm; *p != '\0' && n + 5 <= sizeof(esc); p++)
		n += (size_t)snprintf(esc + n, sizeof(esc) - n,
		    *p >= 0x20 && *p < 0x7f && *p != '\\' ? "%c" : "\\x%02x",
		    (unsigned char)*p);
	esc[n] = '\0';
	snprintf(buf + used, len - used, "%spid %d (%s)", comma ? ", " : "",
	    pid, esc);
}

/*
 * Say who holds the WAL back, in buf: "the read transaction of pid 12
 * (sqlite3), pid 34 (python3)", the other processes in a read transaction
 * on our database's WAL.  When none is seen (one in another pid namespace,
 * or the read just ended) the phrase says only that a reader does.
 */
void
wal_readers(char *buf, size_t len)
{
	struct lock_line l;
	FILE		*f;
	char		 line[256], shm[64];
	int		 pids[WAL_READERS_NAMED], n = 0, i, self = (int)getpid();

	snprintf(buf, len, "a reader's old snapshot");
	if ((f = fopen("/proc/locks", "re")) == NULL)
		return;
	if (own_shm(f, shm, sizeof(shm)) == -1) {
		fclose(f);
		return;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (lock_parse(line, &l) == -1 || l.pid == self ||
		    l.pid <= 0 || strcmp(l.file, shm) != 0 ||
		    l.start > SHM_READ_MARK_LAST ||
		    (l.end != -1 && l.end < SHM_READ_MARK_FIRST))
			continue;
		for (i = 0; i < n && i < WAL_READERS_NAMED; i++)
			if (pids[i] == l.pid)
				break;
		if (i < n)
			continue;
		if (n < WAL_READERS_NAMED)
			pids[n] = l.pid;
		n++;
	}
	fclose(f);
	if (n == 0)
		return;
	snprintf(buf, len, "the read transaction of ");
	for (i = 0; i < n && i < WAL_READERS_NAMED; i++)
		name_pid(buf, len, pids[i], i > 0);
	if (n > WAL_READERS_NAMED)
		snprintf(buf + strlen(buf), len - strlen(buf), " and %d more",
		    n - WAL_READERS_NAMED);
}
