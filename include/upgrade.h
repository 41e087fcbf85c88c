/*
 * upgrade.h: upgrade in place (SIGUSR2): the state one image of taskacctd
 * hands the next across execve(2), as descriptors named in one
 * environment variable, and the checks on both sides.  See src/upgrade.c.
 */
#ifndef UPGRADE_H
#define UPGRADE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UPGRADE_ENV		"TASKACCT_UPGRADE"
#define UPGRADE_VERSION		1	/* of the variable's format */
#define UPGRADE_MAX_SOCKETS	256	/* = DAEMON_SOCKETS_MAX */
/* How long the new binary's --upgrade-check may take. */
#define UPGRADE_CHECK_TIMEOUT_MS 10000
/* The hidden option the check runs the new binary with. */
#define UPGRADE_CHECK_NAME	"upgrade-check"
#define UPGRADE_CHECK_OPTION	"--" UPGRADE_CHECK_NAME

/* A netlink socket and its SO_MEMINFO drop counter as last read. */
struct upgrade_sock {
	int		 fd;
	uint32_t	 drops_raw;
};

struct upgrade_state {
	int64_t			 run_id;	/* the runs row recorded into */
	int64_t			 start_time;	/* the run's, us */
	int			 lock_fd;	/* the database, flock'ed */
	int			 nsock;
	struct upgrade_sock	 sock[UPGRADE_MAX_SOCKETS]; /* TASKSTATS */
	struct upgrade_sock	 conn;		/* process events; fd -1: none */
	int			 priv_fd;	/* sampler's child; -1: none */
	pid_t			 priv_pid;
	uint16_t		 priv_family;
	int			 ident_fd;	/* identity reader's; -1: none */
	pid_t			 ident_pid;
	int			 metrics_fd;	/* -1: none */
	int			 sacct_fd;	/* sampler's table; -1: none */
	int64_t			 paused_ms;	/* monotonic: reading stopped */
};

void	 upgrade_state_init(struct upgrade_state *);
int	 upgrade_encode(const struct upgrade_state *, char *, size_t);
int	 upgrade_decode(const char *, struct upgrade_state *, char *, size_t);
int	 upgrade_take(struct upgrade_state *, char *, size_t);

int	 upgrade_fd_socket(int, int, int, int, char *, size_t);
int	 upgrade_fd_cloexec(int, int);
uint32_t upgrade_drops_base(int, uint32_t);

/* State as a sealed memfd (src/upgrade_blob.c). */
int	 upgrade_blob_new(const char *, const void *, size_t, char *, size_t);
void	*upgrade_blob_map(int, size_t, size_t *, char *, size_t);

int	 upgrade_self_path(char *, size_t);
typedef void upgrade_tick_fn(void *);
int	 upgrade_check_binary(const char *, char *const *, upgrade_tick_fn *,
	    void *, char *, size_t);
int	 upgrade_check_db(const char *, char *, size_t);
int	 upgrade_exec(const char *, char *const *,
	    const struct upgrade_state *, char *, size_t);

#endif
