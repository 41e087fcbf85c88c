/*
 * taskget.h: the live query: a live task's counters asked of the kernel
 * now (TASKSTATS_CMD_GET), one thread (by PID) or one thread group (by
 * TGID), and the threads of a process listed from /proc.  Shared by
 * `taskacct get` and, later, the daemon's sampler and `taskacct iotop`.
 *
 * Functions return -1 with errno set: ESRCH (no such task), EPERM (the
 * caller lacks CAP_NET_ADMIN), EINVAL, EMSGSIZE (a reply larger than the
 * buffer), EBADMSG (a malformed reply), ETIMEDOUT (no reply).
 */
#ifndef TASKGET_H
#define TASKGET_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/* The receive buffer: a v17 reply is 724 bytes. */
#define TASKGET_BUFSZ		8192
/* How long to wait for the kernel's reply. */
#define TASKGET_TIMEOUT_MS	1000

struct taskget;

struct taskget	*taskget_open(char *, size_t);
int		 taskget_thread(struct taskget *, uint32_t, struct ts_record *);
int		 taskget_group(struct taskget *, uint32_t, struct ts_record *);
const char	*taskget_why(const struct taskget *);
void		 taskget_close(struct taskget *);

/*
 * Check one datagram received for request seq of family: 0 with rec
 * filled, 1 if it is not the answer (another seq, not from the kernel),
 * -1 with errno (the kernel's error, or EBADMSG/EMSGSIZE with *why).
 * kind is TASK_KIND_THREAD for a PID query, TASK_KIND_GROUP for TGID.
 */
struct taskget_req {
	uint16_t	 family;
	uint32_t	 seq;
	uint8_t		 kind;
	uint32_t	 id;
};
int		 taskget_reply(const struct taskget_req *, const void *,
		    size_t, int, uint32_t, struct ts_record *, const char **);

/* What /proc says of a process (or thread). */
struct taskget_proc {
	char		 state;		/* R, S, D, Z, ... */
	uint32_t	 ppid;
	uint32_t	 tgid;		/* its process */
	unsigned int	 flags;		/* PF_* */
};
#define TASKGET_PF_KTHREAD	0x00200000u

int		 taskget_proc(uint32_t, struct taskget_proc *);
int		 taskget_threads(uint32_t, uint32_t **, size_t *);

#endif
