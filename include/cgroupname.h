/*
 * cgroupname.h: a task's cgroup path, from /proc/PID/cgroup, and the
 * systemd unit, container and Kubernetes pod its shape names.  Pure: no
 * I/O, so unit tests and the fuzzer feed it any bytes.
 */
#ifndef CGROUPNAME_H
#define CGROUPNAME_H

#include <stddef.h>

#define CGROUP_UNIT_MAX		256	/* bytes, with the NUL */
#define CGROUP_CONTAINER_MAX	129
#define CGROUP_POD_MAX		64

struct cgroup_name {
	char	 unit[CGROUP_UNIT_MAX];		/* "" when none */
	char	 container[CGROUP_CONTAINER_MAX];
	char	 pod[CGROUP_POD_MAX];
};

int	cgroup_pick(const char *, size_t, char *, size_t);
void	cgroup_name(const char *, struct cgroup_name *);

#endif
