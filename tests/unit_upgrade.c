/*
 * unit_upgrade.c: the state an upgrade hands the next image
 * (src/upgrade.c): what upgrade_encode() writes, upgrade_decode() reads
 * back exactly; anything else in TASKACCT_UPGRADE is refused whole, with
 * a one-line printable message; and each descriptor's kind is checked.
 * (The sampler's table, sacct=FD, is read by tests/unit_sampler_save.c.)
 */
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/netlink.h>

#include "upgrade.h"

static void
full(struct upgrade_state *s)
{
	int	 i;

	upgrade_state_init(s);
	s->run_id = 42;
	s->start_time = INT64_C(1796305546627637);
	s->lock_fd = 4;
	s->nsock = 3;
	for (i = 0; i < 3; i++) {
		s->sock[i].fd = 10 + i;
		s->sock[i].drops_raw = i == 2 ? UINT32_MAX : (uint32_t)i * 7;
	}
	s->conn.fd = 5;
	s->conn.drops_raw = 99;
	s->priv_fd = 6;
	s->priv_pid = 31337;
	s->priv_family = 27;
	s->metrics_fd = 7;
	s->sacct_fd = 8;
	s->paused_ms = 123456789;
}

static void
test_round_trip(void **state)
{
	struct upgrade_state	 a, b;
	char			 buf[4096], err[256];

	(void)state;
	full(&a);
	assert_int_equal(upgrade_encode(&a, buf, sizeof(buf)), 0);
	assert_int_equal(upgrade_decode(buf, &b, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* The optional descriptors may be absent. */
	upgrade_state_init(&a);
	a.run_id = 1;
	a.start_time = 2;
	a.lock_fd = 3;
	a.nsock = 1;
	a.sock[0].fd = 8;
	assert_int_equal(upgrade_encode(&a, buf, sizeof(buf)), 0);
	assert_int_equal(upgrade_decode(buf, &b, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(b.conn.fd, -1);
	assert_int_equal(b.priv_fd, -1);
	assert_int_equal(b.metrics_fd, -1);
	assert_int_equal(b.sacct_fd, -1);
	/* Too small a buffer is an error, never a cut value. */
	full(&a);
	assert_int_equal(upgrade_encode(&a, buf, 40), -1);
}

static void
bad(const char *v)
{
	struct upgrade_state	 s;
	char			 err[256] = "";
	size_t			 i;

	if (upgrade_decode(v, &s, err, sizeof(err)) != -1)
		fail_msg("accepted: \"%s\"", v);
	if (strstr(err, "TASKACCT_UPGRADE: not the state of an upgrade") ==
	    NULL)
		fail_msg("\"%s\": message \"%s\"", v, err);
	for (i = 0; err[i] != '\0'; i++)
		if (err[i] < ' ' || err[i] > '~')
			fail_msg("\"%s\": unprintable message", v);
}

#define OK	"v=1 run=3 start=9 lock=4 tasks=5:0"

static void
test_refused(void **state)
{
	char	 longv[2048];
	int	 i, n;

	(void)state;
	bad("");
	bad(" ");
	bad("v=1");
	bad("run=3 start=9 lock=4 tasks=5:0");		/* no version */
	bad("v=2 run=3 start=9 lock=4 tasks=5:0");
	bad("v=1 v=1 run=3 start=9 lock=4 tasks=5:0");
	bad("v=1 run=3 start=9 tasks=5:0");		/* no lock */
	bad("v=1 run=3 start=9 lock=4");		/* no socket */
	bad("v=1 run=0 start=9 lock=4 tasks=5:0");
	bad("v=1 run=-3 start=9 lock=4 tasks=5:0");
	bad("v=1 run=3 run=3 start=9 lock=4 tasks=5:0");
	bad(OK " lock=6");
	bad(OK " tasks=6:0");
	bad("v=1 run=3 start=9 lock=2 tasks=5:0");	/* stdio */
	bad("v=1 run=3 start=9 lock=4 tasks=4:0");	/* twice */
	bad("v=1 run=3 start=9 lock=4 tasks=5:0,5:1");
	bad("v=1 run=3 start=9 lock=4 tasks=5:4294967296");
	bad("v=1 run=3 start=9 lock=4 tasks=5");
	bad("v=1 run=3 start=9 lock=4 tasks=5:");
	bad("v=1 run=3 start=9 lock=4 tasks=5:0,");
	bad("v=1 run=3 start=9 lock=4 tasks=2147483648:0");
	bad(OK " priv=6:1:27");				/* pid 1 */
	bad(OK " priv=6:100:0");			/* family 0 */
	bad(OK " priv=6:100:65536");
	bad(OK " priv=6:100");
	bad(OK " metrics=x");
	bad(OK " sacct=x");
	bad(OK " sacct=4");				/* the lock's */
	bad(OK " sacct=6 sacct=7");
	bad(OK " sacct=1");
	bad(OK " sacct=");
	bad(OK " paused=0");
	bad(OK " unknown=1");
	bad(OK "  ");
	bad(OK " ");
	bad(OK "\n");
	bad(OK " conn=6:0\x01\xff");
	bad("v=1\trun=3 start=9 lock=4 tasks=5:0");
	bad("v=01x run=3 start=9 lock=4 tasks=5:0");
	bad(OK " =3");
	/* More sockets than a daemon can have. */
	n = snprintf(longv, sizeof(longv), "v=1 run=3 start=9 lock=4 tasks=");
	for (i = 0; i < UPGRADE_MAX_SOCKETS + 1; i++)
		n += snprintf(longv + n, sizeof(longv) - (size_t)n, "%s%d:0",
		    i ? "," : "", 10 + i);
	bad(longv);
}

static void
test_fd_kinds(void **state)
{
	char	 err[256];
	int	 nl, p[2];

	(void)state;
	nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	assert_true(nl >= 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(upgrade_fd_socket(nl, AF_NETLINK, SOCK_RAW,
	    NETLINK_GENERIC, err, sizeof(err)), 0);
	assert_int_equal(upgrade_fd_socket(nl, AF_NETLINK, SOCK_RAW,
	    NETLINK_CONNECTOR, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected"));
	assert_int_equal(upgrade_fd_socket(nl, AF_UNIX, SOCK_SEQPACKET, -1,
	    err, sizeof(err)), -1);
	assert_int_equal(upgrade_fd_socket(p[0], AF_NETLINK, SOCK_RAW,
	    NETLINK_GENERIC, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a socket"));
	close(p[1]);
	close(p[0]);
	assert_int_equal(upgrade_fd_socket(p[0], AF_NETLINK, SOCK_RAW,
	    NETLINK_GENERIC, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not open"));
	close(nl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_fd_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
