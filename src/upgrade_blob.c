/*
 * upgrade_blob.c: state that is not a descriptor (the sampler's table,
 * src/sampler_save.c), handed across the exec of an upgrade in place as a
 * sealed memfd named in UPGRADE_ENV like the sockets.  Sealed (no write,
 * no resize, no more seals) before the exec, so the bytes the new image
 * validates are the bytes it uses; and the new image refuses any
 * descriptor that is not such a sealed file, or of a size out of bounds,
 * before it reads a byte of it.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "upgrade.h"

#define BLOB_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			    F_SEAL_WRITE)

/* A sealed memfd holding buf (close-on-exec: upgrade_exec clears it). */
int
upgrade_blob_new(const char *name, const void *buf, size_t len, char *err,
    size_t errlen)
{
	const uint8_t	*p = buf;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd, e;

	if ((fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)) == -1) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, BLOB_SEALS) == -1)
		goto fail;
	return fd;
fail:
	e = errno;
	snprintf(err, errlen, "writing %zu bytes to a memfd: %s", len,
	    strerror(e));
	close(fd);
	errno = e;
	return -1;
}

/*
 * Map the blob handed over as fd, read-only: it must be a sealed memfd of
 * 1 to max bytes.  Returns the mapping (munmap(2) it, *len bytes) or NULL
 * and err.  fd is left open (and made close-on-exec).
 */
void *
upgrade_blob_map(int fd, size_t max, size_t *len, char *err, size_t errlen)
{
	struct stat	 sb;
	void		*m;
	int		 seals;

	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "handed descriptor %d: %s", fd,
		    strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || (seals = fcntl(fd, F_GET_SEALS)) == -1 ||
	    (seals & BLOB_SEALS) != BLOB_SEALS) {
		snprintf(err, errlen, "handed descriptor %d is not a sealed "
		    "memfd", fd);
		return NULL;
	}
	if (sb.st_size <= 0 || (uintmax_t)sb.st_size > max) {
		snprintf(err, errlen, "handed descriptor %d: %lld bytes, "
		    "expected 1 to %zu", fd, (long long)sb.st_size, max);
		return NULL;
	}
	upgrade_fd_cloexec(fd, 1);
	if ((m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		snprintf(err, errlen, "handed descriptor %d: mmap: %s", fd,
		    strerror(errno));
		return NULL;
	}
	*len = (size_t)sb.st_size;
	return m;
}
