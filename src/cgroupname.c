/*
 * cgroupname.c: which cgroup path to keep for a task, and what its shape
 * says: the systemd unit, the container id and the Kubernetes pod uid.
 *
 * /proc/PID/cgroup has one "ID:CONTROLLERS:PATH" line per hierarchy.  On a
 * pure cgroup v2 host that is the single "0::PATH" line; on a hybrid host
 * (v1 controllers plus the v2 "unified" hierarchy) systemd keeps the same
 * tree in both its v1 "name=systemd" hierarchy and v2, but a host whose
 * v2 hierarchy is unused shows "0::/" for every task.  So: the v2 path
 * when it says more than "/", else name=systemd's, else whatever v2 said.
 * A path may hold any byte but NUL, newline included; the kernel prints
 * the "0::" line last, so its path runs to the text's final newline.
 *
 * Names come from well-known path shapes, innermost component first:
 *   units       *.service, *.scope (session-3.scope, user@1000.service,
 *               app-foo-123.scope under app.slice), kept as systemd spells
 *               them, escapes ("\x2d") included;
 *   containers  docker-ID.scope, /docker/ID, cri-containerd-ID.scope,
 *               crio-ID.scope, libpod-ID.scope (Podman), and the cgroupfs
 *               driver's .../kubepods/QOS/podUID/ID;
 *   pods        kubepods-QOS-podUID.slice (systemd driver: "_" for "-")
 *               and podUID (cgroupfs driver).
 * The conmon monitors' scopes (crio-conmon-ID, libpod-conmon-ID) are not
 * containers.
 */
#include <stdio.h>
#include <string.h>

#include "cgroupname.h"

#define CGROUP_ID_MIN	12	/* hex digits of a (short) container id */

struct line {
	const char	*id, *ctl, *path;
	size_t		 idlen, ctllen, pathlen;
};

/* Split "ID:CTL:PATH" (no newline); -1 if it is not that shape. */
static int
split_line(const char *s, size_t len, struct line *l)
{
	const char	*c1, *c2;

	if ((c1 = memchr(s, ':', len)) == NULL)
		return -1;
	if ((c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s))) == NULL)
		return -1;
	l->id = s;
	l->idlen = (size_t)(c1 - s);
	l->ctl = c1 + 1;
	l->ctllen = (size_t)(c2 - c1 - 1);
	l->path = c2 + 1;
	l->pathlen = len - (size_t)(c2 + 1 - s);
	return l->pathlen > 0 && l->path[0] == '/' ? 0 : -1;
}

static int
copy_path(const struct line *l, char *out, size_t outlen)
{
	if (l->pathlen >= outlen || memchr(l->path, '\0', l->pathlen) != NULL)
		return -1;
	memcpy(out, l->path, l->pathlen);
	out[l->pathlen] = '\0';
	return 0;
}

/*
 * The path to keep from the text of /proc/PID/cgroup (len bytes, not
 * NUL-terminated).  0 and the path in out, or -1 if no line is usable
 * (or the path does not fit).
 */
int
cgroup_pick(const char *text, size_t len, char *out, size_t outlen)
{
	struct line	 l, v2 = { 0 }, sd = { 0 };
	const char	*p = text, *end = text + len, *nl;
	size_t		 n;
	int		 have_v2 = 0, have_sd = 0;

	if (len > 0 && text[len - 1] == '\n')
		end--;
	while (p < end) {
		/* The v2 line is last: its path may hold newlines. */
		if (end - p >= 3 && memcmp(p, "0::", 3) == 0)
			nl = NULL;
		else
			nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (split_line(p, n, &l) == 0) {
			if (l.idlen == 1 && l.id[0] == '0' && l.ctllen == 0) {
				v2 = l;
				have_v2 = 1;
			} else if (l.ctllen == 12 &&
			    memcmp(l.ctl, "name=systemd", 12) == 0) {
				sd = l;
				have_sd = 1;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (have_v2 && (v2.pathlen > 1 || !have_sd))
		return copy_path(&v2, out, outlen);
	if (have_sd)
		return copy_path(&sd, out, outlen);
	return -1;
}

/* Whether s[0..n) ends with suffix. */
static int
ends(const char *s, size_t n, const char *suffix)
{
	size_t	 k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int
starts(const char *s, size_t n, const char *prefix)
{
	size_t	 k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

static int
is_hex_id(const char *s, size_t n)
{
	size_t	 i;

	if (n < CGROUP_ID_MIN || n >= CGROUP_CONTAINER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void
set(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A container scope "PREFIX-ID.scope": the id, if the prefix matches. */
static int
scope_id(const char *c, size_t n, const char **id, size_t *idlen)
{
	static const char *const prefixes[] = {
		"docker-", "cri-containerd-", "crio-", "libpod-",
	};
	size_t	 i, k;

	if (!ends(c, n, ".scope"))
		return 0;
	n -= strlen(".scope");
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		k = strlen(prefixes[i]);
		if (starts(c, n, prefixes[i]) && is_hex_id(c + k, n - k)) {
			*id = c + k;
			*idlen = n - k;
			return 1;
		}
	}
	return 0;
}

/* "kubepods[-QOS]-podUID.slice" (systemd driver) or "podUID" (cgroupfs). */
static void
pod_uid(const char *c, size_t n, int under_kubepods, struct cgroup_name *cn)
{
	const char	*p;
	size_t		 i, k;

	if (starts(c, n, "kubepods") && ends(c, n, ".slice")) {
		n -= strlen(".slice");
		for (p = NULL, i = 0; i + 4 <= n; i++)
			if (memcmp(c + i, "-pod", 4) == 0)
				p = c + i + 4;
		if (p == NULL || p == c + n)
			return;
		k = (size_t)(c + n - p);
		if (k >= sizeof(cn->pod))
			return;
		for (i = 0; i < k; i++)
			cn->pod[i] = p[i] == '_' ? '-' : p[i];
		cn->pod[k] = '\0';
	} else if (under_kubepods && starts(c, n, "pod") && n > 3)
		set(cn->pod, sizeof(cn->pod), c + 3, n - 3);
}

/*
 * Fill cn from a cgroup path (NUL-terminated); what is not recognized is
 * left "".
 */
void
cgroup_name(const char *path, struct cgroup_name *cn)
{
	const char	*c = path, *e, *id, *prev = NULL;
	size_t		 n, idlen, prevlen = 0;
	int		 kube = 0;

	memset(cn, 0, sizeof(*cn));
	while (*c != '\0') {
		while (*c == '/')
			c++;
		if (*c == '\0')
			break;
		e = strchr(c, '/');
		n = e != NULL ? (size_t)(e - c) : strlen(c);
		if (starts(c, n, "kubepods"))
			kube = 1;
		if (ends(c, n, ".service") || ends(c, n, ".scope"))
			set(cn->unit, sizeof(cn->unit), c, n);
		if (scope_id(c, n, &id, &idlen))
			set(cn->container, sizeof(cn->container), id, idlen);
		else if (prev != NULL && is_hex_id(c, n) &&
		    ((prevlen == 6 && memcmp(prev, "docker", 6) == 0) ||
		    (kube && starts(prev, prevlen, "pod"))))
			set(cn->container, sizeof(cn->container), c, n);
		pod_uid(c, n, kube, cn);
		prev = c;
		prevlen = n;
		c += n;
	}
}
