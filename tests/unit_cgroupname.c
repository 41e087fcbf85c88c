/*
 * unit_cgroupname.c: src/cgroupname.c over real-world /proc/PID/cgroup
 * texts and cgroup paths: which line is kept on v1, hybrid and v2 hosts,
 * and the systemd unit, container id and pod uid of systemd, Docker,
 * containerd, CRI-O, Kubernetes (both cgroup drivers) and Podman paths,
 * escaped unit names and odd bytes included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cgroupname.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void
picks(const char *text, const char *exp)
{
	char	 out[512];
	int	 r = cgroup_pick(text, strlen(text), out, sizeof(out));

	if (exp == NULL) {
		if (r != -1)
			fail_msg("picked \"%s\" from \"%s\", expected none",
			    out, text);
		return;
	}
	if (r != 0)
		fail_msg("nothing picked from \"%s\", expected \"%s\"", text,
		    exp);
	if (strcmp(out, exp) != 0)
		fail_msg("picked \"%s\", expected \"%s\"", out, exp);
}

static void
test_pick(void **state)
{
	(void)state;
	/* Pure v2. */
	picks("0::/system.slice/sshd.service\n", "/system.slice/sshd.service");
	picks("0::/\n", "/");
	/* Hybrid, v2 in use: the v2 line. */
	picks("12:cpuset:/\n1:name=systemd:/user.slice/user-1000.slice/"
	    "session-3.scope\n0::/user.slice/user-1000.slice/session-3.scope\n",
	    "/user.slice/user-1000.slice/session-3.scope");
	/* Hybrid, v2 unused ("0::/" for all): name=systemd's. */
	picks("9:name=systemd:/system.slice/cron.service\n8:pids:/\n"
	    "4:memory:/process_api/9a94\n0::/\n", "/system.slice/cron.service");
	/* This machine's shape. */
	picks("9:name=systemd:/\n4:memory:/process_api/9a94cff0\n0::/\n", "/");
	/* v1 only. */
	picks("3:cpu,cpuacct:/x\n1:name=systemd:/system.slice/a.service\n",
	    "/system.slice/a.service");
	picks("3:cpu,cpuacct:/x\n2:memory:/y\n", NULL);
	/* Odd bytes: spaces, colons, UTF-8, a newline in the v2 path. */
	picks("1:name=systemd:/\n0::/t/a b:c\xc3\xa9\n", "/t/a b:c\xc3\xa9");
	picks("1:name=systemd:/\n0::/t/two\nlines\n", "/t/two\nlines");
	picks("0::/no-newline-at-end", "/no-newline-at-end");
	/* Garbage. */
	picks("", NULL);
	picks("\n\n", NULL);
	picks("0:", NULL);
	picks("0::relative\n", NULL);
	picks("name=systemd\n", NULL);
}

static void
test_pick_small(void **state)
{
	char	 out[8];
	const char *t = "0::/a/long/path\n";

	(void)state;
	assert_int_equal(cgroup_pick(t, strlen(t), out, sizeof(out)), -1);
	/* A NUL inside the text is no path. */
	assert_int_equal(cgroup_pick("0::/a\0b\n", 8, out, sizeof(out)), -1);
}

static void
named(const char *path, const char *unit, const char *ctr, const char *pod)
{
	struct cgroup_name	 cn;

	cgroup_name(path, &cn);
	if (strcmp(cn.unit, unit) != 0)
		fail_msg("%s: unit \"%s\", expected \"%s\"", path, cn.unit,
		    unit);
	if (strcmp(cn.container, ctr) != 0)
		fail_msg("%s: container \"%s\", expected \"%s\"", path,
		    cn.container, ctr);
	if (strcmp(cn.pod, pod) != 0)
		fail_msg("%s: pod \"%s\", expected \"%s\"", path, cn.pod, pod);
}

static void
test_systemd(void **state)
{
	(void)state;
	named("/", "", "", "");
	named("", "", "", "");
	named("/init.scope", "init.scope", "", "");
	named("/system.slice/sshd.service", "sshd.service", "", "");
	named("/system.slice/system-getty.slice/getty@tty1.service",
	    "getty@tty1.service", "", "");
	named("/user.slice/user-1000.slice/session-3.scope", "session-3.scope",
	    "", "");
	named("/user.slice/user-1000.slice/user@1000.service/init.scope",
	    "init.scope", "", "");
	named("/user.slice/user-1000.slice/user@1000.service", 
	    "user@1000.service", "", "");
	/* Nested app slices of a desktop session. */
	named("/user.slice/user-1000.slice/user@1000.service/app.slice/"
	    "app-gnome-org.gnome.Terminal.slice/vte-spawn-5e1c.scope",
	    "vte-spawn-5e1c.scope", "", "");
	named("/user.slice/user-1000.slice/user@1000.service/app.slice/"
	    "app-org.gnome.Nautilus@8c1.service", "app-org.gnome.Nautilus@8c1"
	    ".service", "", "");
	/* Escaped names are kept as systemd spells them. */
	named("/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-"
	    "disk-by\\x2duuid-0b1c\\x2d44.service", "systemd-fsck@dev-disk-by"
	    "\\x2duuid-0b1c\\x2d44.service", "", "");
	named("/system.slice/run-r0a1\\x2d2b.scope", "run-r0a1\\x2d2b.scope",
	    "", "");
	/* A slice alone is no unit; a sub-cgroup below a unit keeps it. */
	named("/machine.slice", "", "", "");
	named("/system.slice/foo.service/worker", "foo.service", "", "");
	/* Only suffixes count. */
	named("/a.services/b.scoped", "", "", "");
}

static void
test_containers(void **state)
{
	(void)state;
	/* Docker, systemd cgroup driver and cgroupfs driver. */
	named("/system.slice/docker-" ID64 ".scope", "docker-" ID64 ".scope",
	    ID64, "");
	named("/docker/" ID64, "", ID64, "");
	named("/docker/" ID64 "/sub", "", ID64, "");
	named("/docker/notanid", "", "", "");
	/* containerd via CRI, Kubernetes systemd driver. */
	named("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
	    "pod6b6f1c3e_7f9a_4b2e_9d4c_0a1b2c3d4e5f.slice/cri-containerd-"
	    ID64 ".scope", "cri-containerd-" ID64 ".scope", ID64,
	    "6b6f1c3e-7f9a-4b2e-9d4c-0a1b2c3d4e5f");
	/* Guaranteed QoS: no QoS slice. */
	named("/kubepods.slice/kubepods-pod0d8c7e36_1f2b_4a5c_8e9d_"
	    "123456789abc.slice/crio-" ID64B ".scope", "crio-" ID64B ".scope",
	    ID64B, "0d8c7e36-1f2b-4a5c-8e9d-123456789abc");
	/* The pod's cgroup itself (the pause/sandbox's parent). */
	named("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-"
	    "podaa_bb.slice", "", "", "aa-bb");
	/* CRI-O's monitor is not the container. */
	named("/kubepods.slice/kubepods-pod11_22.slice/crio-conmon-" ID64
	    ".scope", "crio-conmon-" ID64 ".scope", "", "11-22");
	/* Kubernetes cgroupfs driver. */
	named("/kubepods/burstable/pod6b6f1c3e-7f9a-4b2e-9d4c-0a1b2c3d4e5f/"
	    ID64, "", ID64, "6b6f1c3e-7f9a-4b2e-9d4c-0a1b2c3d4e5f");
	named("/kubepods/pod6b6f/" ID64B, "", ID64B, "6b6f");
	/* Podman: rootful, rootless (user manager) and its conmon. */
	named("/machine.slice/libpod-" ID64 ".scope", "libpod-" ID64 ".scope",
	    ID64, "");
	named("/user.slice/user-1000.slice/user@1000.service/user.slice/"
	    "libpod-" ID64B ".scope/container", "libpod-" ID64B ".scope",
	    ID64B, "");
	named("/machine.slice/libpod-conmon-" ID64 ".scope",
	    "libpod-conmon-" ID64 ".scope", "", "");
	/* Not hex, too short: not ids. */
	named("/system.slice/docker-XYZ.scope", "docker-XYZ.scope", "", "");
	named("/system.slice/docker-abc.scope", "docker-abc.scope", "", "");
	/* A pod outside kubepods is just a name. */
	named("/pod1234/" ID64, "", "", "");
}

static void
test_long(void **state)
{
	char			 path[4096];
	struct cgroup_name	 cn;

	(void)state;
	/* A unit name longer than the field is cut, not overflowed. */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	memcpy(path + sizeof(path) - 9, ".service", 9);
	cgroup_name(path, &cn);
	assert_int_equal(strlen(cn.unit), CGROUP_UNIT_MAX - 1);
	/* Slashes only. */
	cgroup_name("////", &cn);
	assert_string_equal(cn.unit, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_pick_small),
		cmocka_unit_test(test_systemd),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
