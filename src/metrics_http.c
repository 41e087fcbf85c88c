/*
 * metrics_http.c: the /metrics server, libevent's evhttp on the daemon's
 * own loop.
 *
 * The socket is bound at start-up while still privileged (a port below
 * 1024 needs it) and handed to evhttp once the loop exists.  A scrape is
 * answered at once from counters in memory (metrics.c), so the loop is
 * back to the netlink sockets within microseconds.  A hostile client can
 * hold little, briefly: requests other than GET or HEAD /metrics get 404
 * or 405; headers and body are capped (METRICS_MAX_HEADERS, _BODY); a
 * connection silent for METRICS_IO_TIMEOUT_S is dropped, and any
 * connection, however it trickles, is closed METRICS_DEADLINE_S after it
 * was accepted; at most METRICS_MAX_CONNS are open, beyond which the
 * listener stops accepting (the kernel's backlog holds the rest) until
 * one closes.  Every response closes its connection.
 *
 * libevent 2.1 has no connection limit of its own: each connection's
 * bufferevent is made here (evhttp_set_bevcb) and counted, and once evhttp
 * has set its callbacks on it (the same loop pass, through an activated
 * event) its evhttp_connection gets a close callback that uncounts it.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "metrics_int.h"
#include "upgrade.h"

/* One open connection. */
struct mconn {
	struct metrics			*m;
	struct bufferevent		*bev;
	struct evhttp_connection	*evcon;	/* NULL until attached */
	struct event			*timer;	/* attach, then deadline */
	int				 closing; /* freed by the deadline */
};

/*
 * ADDR:PORT: an IPv4 address, or an IPv6 one in brackets, and a port from
 * 1 to 65535.  Numbers only: no name lookup at start-up.
 */
int
metrics_parse_addr(const char *s, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN + 2], *end;
	const char		*colon, *port;
	unsigned long		 p;
	size_t			 hl;

	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(s, ':')) == NULL)
		goto bad;
	port = colon + 1;
	hl = (size_t)(colon - s);
	if (hl == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*port < '0' || *port > '9' || *end != '\0' || errno != 0 ||
	    p < 1 || p > 65535)
		goto bad;
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*sslen = sizeof(*sin6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		goto bad;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)p);
	*sslen = sizeof(*sin);
	return 0;
bad:
	/* The argument is shown on one line: control bytes become '?'. */
	snprintf(host, sizeof(host), "%s", s);
	for (end = host; *end != '\0'; end++)
		if ((unsigned char)*end < 0x20 || (unsigned char)*end >= 0x7f)
			*end = '?';
	snprintf(err, errlen, "bad --metrics \"%s\": expected ADDR:PORT, "
	    "such as 127.0.0.1:9123 or [::1]:9123 (numeric address, port 1 "
	    "to 65535)", host);
	return -1;
}

/* Open, bind and listen (privileged, before the drop). */
int
metrics_bind(struct metrics *m, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 fd, one = 1;

	if (metrics_parse_addr(addr, &ss, &sslen, err, errlen) == -1)
		return -1;
	snprintf(m->addr, sizeof(m->addr), "%s", addr);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "--metrics %s: socket: %s", addr,
		    strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    listen(fd, METRICS_BACKLOG) == -1) {
		snprintf(err, errlen, "--metrics %s: %s", addr,
		    strerror(errno));
		close(fd);
		return -1;
	}
	m->fd = fd;
	return 0;
}

/* Same family, address and port. */
static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6	*a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/*
 * metrics_bind() for the image after an upgrade (src/upgrade.c): fd is
 * the listening socket the previous image bound; it must be a TCP socket
 * listening on addr.  Connections queued meanwhile are accepted next.
 */
int
metrics_adopt(struct metrics *m, const char *addr, int fd, char *err,
    size_t errlen)
{
	struct sockaddr_storage	 want, got;
	socklen_t		 len, glen = sizeof(got);
	int			 on = 0;

	if (metrics_parse_addr(addr, &want, &len, err, errlen) == -1 ||
	    upgrade_fd_socket(fd, want.ss_family, SOCK_STREAM, IPPROTO_TCP,
	    err, errlen) == -1)
		return -1;
	len = sizeof(on);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == -1 ||
	    on != 1 || getsockname(fd, (struct sockaddr *)&got, &glen) == -1 ||
	    !same_addr(&want, &got)) {
		snprintf(err, errlen, "--metrics %s: the handed socket %d does "
		    "not listen there", addr, fd);
		return -1;
	}
	snprintf(m->addr, sizeof(m->addr), "%s", addr);
	m->fd = fd;
	return 0;
}

/* The listening socket, for the next image (it stays open here). */
int
metrics_handover(struct metrics *m)
{
	if (m == NULL)
		return -1;
	return m->bound != NULL ? evhttp_bound_socket_get_fd(m->bound) : m->fd;
}

static struct evconnlistener *
http_listener(struct metrics *m)
{
	return m->bound != NULL ? evhttp_bound_socket_get_listener(m->bound) :
	    NULL;
}

/* Accept again if below the limit and not paused after an error. */
static void
accept_resume(struct metrics *m)
{
	struct evconnlistener	*lev = http_listener(m);

	if (m->stopping || lev == NULL || m->paused ||
	    m->conns >= METRICS_MAX_CONNS)
		return;
	evconnlistener_enable(lev);
}

static void
conn_release(struct mconn *c)
{
	struct metrics	*m = c->m;

	event_free(c->timer);
	free(c);
	m->conns--;
	accept_resume(m);
}

/* evhttp frees the connection (closed, timed out, answered). */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct mconn	*c = arg;

	(void)evcon;
	if (c->closing)
		return;		/* conn_timer releases it */
	conn_release(c);
}

/*
 * First run (the loop pass that accepted it): find the connection evhttp
 * made around our bufferevent and watch its close.  Then, at the deadline,
 * close it however busy it keeps itself.
 */
static void
conn_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct mconn		*c = arg;
	struct timeval		 tv = { METRICS_DEADLINE_S, 0 };
	bufferevent_event_cb	 eventcb = NULL;
	void			*cbarg = NULL;

	(void)fd;
	(void)ev;
	if (c->evcon == NULL) {
		bufferevent_getcb(c->bev, NULL, NULL, &eventcb, &cbarg);
		if (eventcb != NULL && cbarg != NULL &&
		    evhttp_connection_get_bufferevent(cbarg) == c->bev) {
			c->evcon = cbarg;
			evhttp_connection_set_closecb(c->evcon, conn_closed, c);
			evtimer_add(c->timer, &tv);
		}
		bufferevent_decref(c->bev);
		if (c->evcon == NULL)
			conn_release(c);	/* already gone */
		return;
	}
	c->closing = 1;
	evhttp_connection_free(c->evcon);
	conn_release(c);
}

/* evhttp accepted a connection: its bufferevent, counted. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct metrics		*m = arg;
	struct evconnlistener	*lev = http_listener(m);
	struct mconn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;	/* evhttp makes its own; timeouts bound it */
	c->m = m;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(base, conn_timer, c);
	if (c->bev == NULL || c->timer == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		return NULL;
	}
	/* Ours until attached: evhttp may free it on an error meanwhile. */
	bufferevent_incref(c->bev);
	event_active(c->timer, EV_TIMEOUT, 1);
	if (++m->conns >= METRICS_MAX_CONNS && lev != NULL) {
		evconnlistener_disable(lev);
		log_rate_warnx(&m->rate, "metrics %s: %d connections open: "
		    "not accepting more until one closes", m->addr,
		    METRICS_MAX_CONNS);
	}
	return c->bev;
}

static void
on_accept_pause_end(evutil_socket_t fd, short ev, void *arg)
{
	struct metrics	*m = arg;

	(void)fd;
	(void)ev;
	m->paused = 0;
	accept_resume(m);
}

/*
 * The server whose listener reports accept errors: evhttp passes its own
 * argument to the listener's callbacks, so ours is kept here (one server).
 */
static struct metrics	*accept_owner;

/* accept() failed (EMFILE...): pause, or the loop would spin on it. */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct metrics	*m = accept_owner;
	struct timeval	 tv = { 0, METRICS_ACCEPT_PAUSE_MS * 1000 };
	int		 e = errno;

	(void)arg;
	if (m == NULL)
		return;
	log_rate_warnx(&m->rate, "metrics %s: accept: %s; pausing %d ms",
	    m->addr, strerror(e), METRICS_ACCEPT_PAUSE_MS);
	evconnlistener_disable(lev);
	m->paused = 1;
	evtimer_add(m->pause_ev, &tv);
}

static void
reply_error(struct evhttp_request *req, int code, const char *reason)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evhttp_request_get_output_buffer(req);

	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(h, "Connection", "close");
	if (code == HTTP_BADMETHOD)
		evhttp_add_header(h, "Allow", "GET, HEAD");
	evbuffer_add_printf(b, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, NULL);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	const char		*uri = evhttp_request_get_uri(req);
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	size_t			 n = strcspn(uri, "?");

	if (n != strlen("/metrics") || strncmp(uri, "/metrics", n) != 0) {
		reply_error(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		reply_error(req, HTTP_BADMETHOD, "Method Not Allowed");
		return;
	}
	/* evhttp 2.1 would send a body to HEAD: render only for GET. */
	if (cmd == EVHTTP_REQ_GET)
		metrics_render(m, evhttp_request_get_output_buffer(req));
	evhttp_add_header(h, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(h, "Connection", "close");
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

/* On the loop, unprivileged: serve the socket bound by metrics_bind(). */
int
metrics_start(struct metrics *m, struct event_base *base,
    const struct metrics_sources *src, char *err, size_t errlen)
{
	struct evconnlistener	*lev;

	m->src = *src;
	m->base = base;
	if ((m->http = evhttp_new(base)) == NULL ||
	    (m->pause_ev = evtimer_new(base, on_accept_pause_end,
	    m)) == NULL) {
		snprintf(err, errlen, "metrics: evhttp_new failed");
		return -1;
	}
	evhttp_set_timeout(m->http, METRICS_IO_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, METRICS_MAX_BODY);
	/* Answer 405 ourselves rather than evhttp's 501 for these. */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(m->http, conn_new, m);
	evhttp_set_gencb(m->http, on_request, m);
	if ((m->bound = evhttp_accept_socket_with_handle(m->http,
	    m->fd)) == NULL) {
		snprintf(err, errlen, "metrics %s: evhttp cannot accept on "
		    "the socket", m->addr);
		return -1;
	}
	m->fd = -1;		/* evhttp's now */
	if ((lev = http_listener(m)) != NULL) {
		accept_owner = m;
		evconnlistener_set_error_cb(lev, on_accept_error);
	}
	return 0;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	m->stopping = 1;
	if (accept_owner == m)
		accept_owner = NULL;
	if (m->http != NULL)
		evhttp_free(m->http);
	if (m->pause_ev != NULL)
		event_free(m->pause_ev);
	if (m->fd != -1)
		close(m->fd);
	metrics_top_free(m->comm);
	metrics_top_free(m->user);
	free(m);
}
