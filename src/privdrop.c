/*
 * privdrop.c: least privilege.  Root is needed to register the TASKSTATS
 * sockets (CAP_NET_ADMIN), to size their buffers past rmem_max
 * (SO_RCVBUFFORCE), to set kernel.task_delayacct and to create the database
 * under /var/lib.  Once that is done the daemon only reads its sockets and
 * writes its database, so it hands the database to an unprivileged user and
 * becomes that user with no capabilities left: a flaw in the decoder or in
 * SQLite then yields a process that can write the accounting database and
 * nothing else on the system.  Deregistering at stop needs CAP_NET_ADMIN
 * too; closing the socket does the same (the kernel forgets a listener whose
 * socket is gone), see listener_stop().
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "dbpath.h"
#include "privdrop.h"
#include "sysinfo.h"

/* The files SQLite keeps beside a WAL database. */
static const char *const db_suffixes[] = { "", "-wal", "-shm" };

/*
 * The user to become: a name, or digits alone for a uid (useradd refuses
 * such names; the caller checked the range).  name NULL means the default,
 * PRIVDROP_DEFAULT_USER, when it exists.  Returns 1 with *pu filled to switch, 0 to stay root (the
 * user is root, or the default user does not exist), -1 with a one-line
 * message in err.
 */
int
privdrop_lookup(const char *name, struct privdrop_user *pu, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	const char	*want = name ? name : PRIVDROP_DEFAULT_USER;
	int		 numeric;

	if (*want == '\0' || strlen(want) >= sizeof(pu->name)) {
		snprintf(err, errlen, "bad user name \"%.*s\"",
		    PRIVDROP_NAME_MAX, want);
		return -1;
	}
	numeric = want[strspn(want, "0123456789")] == '\0';
	errno = 0;
	pw = numeric ? getpwuid((uid_t)strtoull(want, NULL, 10)) :
	    getpwnam(want);
	if (pw == NULL && numeric) {
		snprintf(err, errlen, "no user with uid %s%s%s: give one that "
		    "exists, or --user root", want, errno ? ": " : "",
		    errno ? strerror(errno) : "");
		return -1;
	}
	if (pw == NULL) {
		if (name == NULL)
			return 0;
		snprintf(err, errlen, "no user \"%s\"%s%s: create it (useradd "
		    "--system --no-create-home %s) or pass --user root", want,
		    errno ? ": " : "", errno ? strerror(errno) : "", want);
		return -1;
	}
	if (pw->pw_uid == 0)
		return 0;
	/* Group root would let the daemon read what group root may read. */
	if (pw->pw_gid == 0) {
		snprintf(err, errlen, "user \"%s\" has group root (gid 0): give "
		    "it a group of its own", want);
		return -1;
	}
	snprintf(pu->name, sizeof(pu->name), "%s", pw->pw_name);
	pu->uid = pw->pw_uid;
	pu->gid = pw->pw_gid;
	return 1;
}

/*
 * Chown one path, checked and changed through one O_PATH descriptor opened
 * with O_NOFOLLOW: what is checked is what is chowned, even if the name is
 * replaced meanwhile, and a symbolic link is refused, never followed.
 * Closing an O_PATH descriptor keeps the POSIX locks SQLite holds on the
 * database and its -shm file (closing any other would drop them).  A
 * regular file must have one link: chowning another name of it would hand
 * over a file elsewhere (say /etc/shadow, linked in by the user where
 * fs.protected_hardlinks is 0).
 */
static int
handover_path(const struct privdrop_user *pu, const char *path, int dir,
    int optional, char *err, size_t errlen)
{
	struct stat	 sb;
	int		 fd, r = -1;

	if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))
		snprintf(err, errlen, "%s is %s, not a %s: not handing it to "
		    "user %s", path, dbpath_kind(sb.st_mode), dir ?
		    "directory" : "regular file", pu->name);
	else if (!dir && sb.st_nlink != 1)
		snprintf(err, errlen, "%s has %ju hard links: not handing it "
		    "to user %s", path, (uintmax_t)sb.st_nlink, pu->name);
	else if ((sb.st_uid != pu->uid || sb.st_gid != pu->gid) &&
	    fchownat(fd, "", pu->uid, pu->gid, AT_EMPTY_PATH) == -1)
		snprintf(err, errlen, "cannot hand %s to user %s: %s", path,
		    pu->name, strerror(errno));
	else
		r = 0;
	close(fd);
	return r;
}

/*
 * Make the database and the files SQLite keeps beside it owned by the user
 * and its group (their modes, 0640, let that group read), and its directory
 * too when with_dir is set, so that the user can create a new database
 * there when it is reopened.  The caller decides whether the directory is
 * the database's own: handing a shared one such as /var/lib to the user
 * would hand it everything in it.
 */
int
privdrop_handover(const struct privdrop_user *pu, const char *db,
    int with_dir, char *err, size_t errlen)
{
	char	 path[4096], *slash;
	size_t	 i;

	for (i = 0; i < sizeof(db_suffixes) / sizeof(db_suffixes[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", db,
		    db_suffixes[i]) >= sizeof(path)) {
			snprintf(err, errlen, "%s: path too long", db);
			return -1;
		}
		if (handover_path(pu, path, 0, i > 0, err, errlen) == -1)
			return -1;
	}
	if (!with_dir)
		return 0;
	snprintf(path, sizeof(path), "%s", db);
	if ((slash = strrchr(path, '/')) == NULL)
		return 0;
	if (slash == path)
		slash[1] = '\0';
	else
		*slash = '\0';
	return handover_path(pu, path, 1, 0, err, errlen);
}

static int
caps_get(struct __user_cap_data_struct *data)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};

	return (int)syscall(SYS_capget, &hdr, data);
}

/*
 * Clear every capability of this thread (effective, permitted,
 * inheritable; the ambient set cannot exceed them) and check that none is
 * left.  Lowering capabilities needs no privilege.
 */
int
privdrop_caps_clear(char *err, size_t errlen)
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	int				i;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -1;
	}
	if (caps_get(data) == -1) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted ||
		    data[i].inheritable) {
			snprintf(err, errlen, "capabilities left after "
			    "clearing them");
			return -1;
		}
	return 0;
}

/* Check that the switch took and cannot be undone. */
static int
privdrop_verify(const struct privdrop_user *pu, char *err, size_t errlen)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg, groups[2];
	uint64_t caps;
	int	 n;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != pu->uid || eu != pu->uid || su != pu->uid ||
	    rg != pu->gid || eg != pu->gid || sg != pu->gid) {
		snprintf(err, errlen, "user and group ids did not all change");
		return -1;
	}
	if ((n = getgroups(2, groups)) != 1 || groups[0] != pu->gid) {
		snprintf(err, errlen, "supplementary groups did not change");
		return -1;
	}
	if (setuid(0) != -1 || setgid(0) != -1) {
		snprintf(err, errlen, "root could be regained after the switch");
		return -1;
	}
	/* What the kernel reports for the whole process, beside capget. */
	if (proc_caps("CapEff", &caps) == -1 || caps != 0 ||
	    proc_caps("CapPrm", &caps) == -1 || caps != 0) {
		snprintf(err, errlen, "capabilities left after the switch");
		return -1;
	}
	return 0;
}

/*
 * Become the user: its group alone, then its uid (real, effective and
 * saved, so there is no way back), then no capabilities and no new
 * privileges through exec.  glibc applies set*id to every thread; it is
 * called before the writer thread starts anyway.
 */
int
privdrop_switch(const struct privdrop_user *pu, char *err, size_t errlen)
{
	if (setgroups(1, &pu->gid) == -1) {
		snprintf(err, errlen, "setgroups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(pu->gid, pu->gid, pu->gid) == -1) {
		snprintf(err, errlen, "setresgid %u: %s", (unsigned)pu->gid,
		    strerror(errno));
		return -1;
	}
	if (setresuid(pu->uid, pu->uid, pu->uid) == -1) {
		snprintf(err, errlen, "setresuid %u: %s", (unsigned)pu->uid,
		    strerror(errno));
		return -1;
	}
	/*
	 * Changing uid from 0 clears the capabilities, unless securebits
	 * (SECBIT_KEEP_CAPS, SECBIT_NO_SETUID_FIXUP) said otherwise: clear
	 * them explicitly.
	 */
	if (privdrop_caps_clear(err, errlen) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	return privdrop_verify(pu, err, errlen);
}
