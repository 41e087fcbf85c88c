/*
 * metrics_int.h: struct metrics, shared by the counters and exposition
 * (metrics.c) and the HTTP server (metrics_http.c).
 */
#ifndef METRICS_INT_H
#define METRICS_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "fields.h"
#include "log.h"
#include "metrics.h"

struct metrics {
	/* Written by the writer thread, read by the scrape. */
	struct metrics_top	*comm;
	struct metrics_top	*user;
	_Atomic uint64_t	 records;	/* committed rows */
	_Atomic int64_t		 last_commit_us;
	struct metrics_sampler	 sampler;
	uint64_t		 pending_rows;	/* writer only */
	const struct ts_field	*f_comm, *f_uid, *f_utime, *f_stime;
	const struct ts_field	*f_read, *f_write;

	/* The loop thread's: sources and the server. */
	struct metrics_sources	 src;
	int			 fd;		/* bound, until started */
	char			 addr[80];	/* as given, for logs */
	struct event_base	*base;
	struct evhttp		*http;
	struct evhttp_bound_socket *bound;
	struct event		*pause_ev;	/* accept paused after EMFILE */
	int			 conns;		/* open connections */
	int			 paused;	/* listener disabled */
	int			 stopping;
	struct log_rate		 rate;
};

#endif
