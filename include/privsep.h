/*
 * privsep.h: the privileged child of taskacctd (src/privsep.c) and the
 * protocol it speaks with the unprivileged daemon over a SOCK_SEQPACKET
 * socketpair.  Every message, either way, is one datagram: a struct
 * privsep_hdr and hdr.len payload bytes.
 *
 * Requests (daemon to child) are a table of kinds (privsep.c,
 * child_handlers[]); each has a fixed argument length and answers with
 * one or more reply messages carrying the request's seq.  To add a kind:
 * a PRIVSEP_REQ_* value below (with its argument struct), a row in
 * child_handlers[] with its handler (which may only read, never write,
 * outside its socket), a row in privsep_replies[] for each reply kind it
 * sends (its payload length bounds), and a parser on the daemon side that
 * validates the payload as hostile input.
 */
#ifndef PRIVSEP_H
#define PRIVSEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "privdrop.h"

/* One datagram: the child batches samples into messages of this size. */
#define PRIVSEP_MSG_MAX		(64 * 1024)

enum privsep_kind {
	/* child to daemon, once, unasked: struct privsep_hello */
	PRIVSEP_HELLO = 1,
	/* request, no argument: GET every live thread; replies: PASS_DATA
	 * messages (entries: struct privsep_sample + the kernel's raw
	 * netlink reply), then one PASS_END (struct privsep_pass_end) */
	PRIVSEP_REQ_PASS,
	PRIVSEP_PASS_DATA,
	PRIVSEP_PASS_END,
	/* reply to a request the child refused: struct privsep_error */
	PRIVSEP_ERROR,
	/* to the identity reader (src/identpriv.c), struct privsep_ident_req:
	 * read /proc/PID; reply: IDENT (struct ident_raw_hdr and its parts,
	 * include/ident.h) or ERROR */
	PRIVSEP_REQ_IDENT,
	PRIVSEP_IDENT,
	PRIVSEP__COUNT
};

struct privsep_hdr {
	uint16_t	 kind;		/* enum privsep_kind */
	uint16_t	 flags;		/* 0 */
	uint32_t	 seq;		/* the request's */
	uint32_t	 len;		/* payload bytes after the header */
	uint32_t	 pad;
};

struct privsep_hello {
	uint16_t	 family;	/* TASKSTATS generic netlink id */
	uint16_t	 pad;
	int32_t		 error;		/* 0, or errno of a failed set-up */
	char		 why[120];	/* NUL-terminated */
};

/*
 * One thread of a pass, followed by nl_len bytes (the kernel's reply to
 * GET with nl_seq, unread by the child), then padding to 8 bytes.
 */
struct privsep_sample {
	uint32_t	 tid;
	uint32_t	 tgid;		/* the /proc/TGID/task it was listed in */
	int64_t		 time;		/* us since the epoch, at the GET */
	uint32_t	 nl_seq;
	uint32_t	 nl_len;
};
#define PRIVSEP_ALIGN(n)	(((n) + 7u) & ~(size_t)7u)

struct privsep_pass_end {
	uint32_t	 listed;	/* threads asked */
	uint32_t	 failed;	/* GETs with no reply to forward */
	int64_t		 cpu_us;	/* the child's CPU for the pass */
};

struct privsep_error {
	int32_t		 error;		/* errno */
	uint32_t	 pad;
};

struct privsep_ident_req {
	int32_t		 pid;		/* 1 .. PID_MAX_LIMIT */
	uint32_t	 flags;		/* IDENT_READ_NO_ARGS, or 0 */
};

/* Payload length bounds of each message kind the daemon may receive. */
struct privsep_reply_def {
	const char	*name;
	uint32_t	 min, max;
};
extern const struct privsep_reply_def privsep_replies[PRIVSEP__COUNT];

struct privsep_child {
	pid_t		 pid;
	int		 fd;		/* the daemon's end */
	uint16_t	 family;	/* from the hello */
};

int	 privsep_start(const struct privdrop_user *, struct privsep_child *,
	    char *, size_t);
int	 privsep_adopt(int, pid_t, uint16_t, struct privsep_child *, char *,
	    size_t);
int	 privsep_settle(int, uint32_t, int);
int	 privsep_request(int, uint16_t, uint32_t, const void *, uint32_t);
int	 privsep_check(const void *, size_t, struct privsep_hdr *,
	    const char **);
/* For a privileged child (this one's, or src/identpriv.c's). */
int	 privsep_child_fds(int);
int	 privsep_child_drop(const struct privdrop_user *, int, char *, size_t);

#endif
