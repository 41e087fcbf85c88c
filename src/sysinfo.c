/*
 * sysinfo.c: start-up checks and system facts: privilege, namespaces
 * (taskstats answers only callers in the initial user, pid and network
 * namespaces), the possible CPUs (parsed by cpulist.c), delay accounting,
 * clocks, one-line /proc reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sysinfo.h"

/* Inode numbers of the initial namespaces (include/linux/proc_ns.h). */
#define PROC_USER_INIT_INO	0xEFFFFFFDU
#define PROC_PID_INIT_INO	0xEFFFFFFCU
#define PROC_NET_INIT_INO	0xEFFFFFF9U	/* fixed since Linux 6.x */
#define CAP_NET_ADMIN_BIT	12

/* Read the first line of a small file, without its newline. */
int
read_line(const char *path, char *buf, size_t len)
{
	FILE	*f;
	char	*nl;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	return 0;
}

/*
 * A capability set of this process from /proc/self/status: "CapEff",
 * "CapPrm", ... as a bit mask.  Returns -1 if it cannot be read.
 */
int
proc_caps(const char *which, uint64_t *caps)
{
	char		 line[256], *end;
	size_t		 wlen = strlen(which);
	FILE		*f;
	int		 found = 0;

	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, which, wlen) == 0 && line[wlen] == ':') {
			errno = 0;
			*caps = strtoull(line + wlen + 1, &end, 16);
			found = errno == 0 && end != line + wlen + 1;
			break;
		}
	fclose(f);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int
preflight_privilege(char *err, size_t errlen)
{
	uint64_t	 caps;

	if (proc_caps("CapEff", &caps) == -1) {
		snprintf(err, errlen, "cannot read CapEff in /proc/self/status: "
		    "%s", strerror(errno));
		return -1;
	}
	if (!(caps & (1ULL << CAP_NET_ADMIN_BIT))) {
		snprintf(err, errlen, "needs CAP_NET_ADMIN to register with "
		    "the kernel: run as root");
		return -1;
	}
	return 0;
}

static int
ns_inode(const char *path, ino_t *ino)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1)
		return -1;
	*ino = sb.st_ino;
	return 0;
}

/*
 * The kernel answers EINVAL outside the initial user and pid namespaces and
 * sends exit records only into the initial network namespace.  The user and
 * pid ones have fixed inode numbers; once in the initial pid namespace,
 * /proc/1 is the real init, whose network namespace is the initial one.
 * From another network namespace /proc/1/ns/net cannot even be looked at.
 */
int
preflight_namespaces(char *err, size_t errlen)
{
	ino_t	 self, init;

	if (ns_inode("/proc/self/ns/user", &self) == 0 &&
	    self != PROC_USER_INIT_INO) {
		snprintf(err, errlen, "not in the initial user namespace: "
		    "taskstats works only from the host, not a container");
		return -1;
	}
	if (ns_inode("/proc/self/ns/pid", &self) == 0 &&
	    self != PROC_PID_INIT_INO) {
		snprintf(err, errlen, "not in the initial pid namespace: "
		    "taskstats works only from the host, not a container");
		return -1;
	}
	if (ns_inode("/proc/self/ns/net", &self) == 0 &&
	    self != PROC_NET_INIT_INO &&
	    (ns_inode("/proc/1/ns/net", &init) == -1 || self != init)) {
		snprintf(err, errlen, "not in the initial network namespace: "
		    "the kernel sends exit records only there");
		return -1;
	}
	return 0;
}

/* Every possible CPU, as the kernel lists them in sysfs. */
int
cpulist_possible(char *buf, size_t len)
{
	if (read_line("/sys/devices/system/cpu/possible", buf, len) == -1)
		return -1;
	return cpulist_valid(buf, NULL, NULL, 0) == -1 ? -1 : 0;
}

/* kernel.task_delayacct: 1 on, 0 off, -1 unknown (no such sysctl). */
int
delayacct_get(void)
{
	char	 buf[16];

	if (read_line(SYSCTL_DELAYACCT, buf, sizeof(buf)) == -1)
		return -1;
	return atoi(buf) != 0;
}

int
delayacct_enable(void)
{
	int	 fd, r;

	if ((fd = open(SYSCTL_DELAYACCT, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	r = write(fd, "1\n", 2) == 2 ? 0 : -1;
	close(fd);
	return r;
}

int64_t
now_real_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
now_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
