/*
 * identcap.h: identity capture in the daemon: the process events
 * connector on the loop, feeding the identity table that the TASKSTATS
 * listeners ask at each exit record.
 */
#ifndef IDENTCAP_H
#define IDENTCAP_H

#include <stdint.h>

#include <event2/event.h>

#include "ident.h"
#include "listener.h"
#include "queue.h"

struct identcap;

struct identcap	*identcap_open(int, int, int64_t, struct queue *, char *,
		    size_t);
struct identcap	*identcap_adopt(int, uint32_t, int, int64_t, struct queue *,
		    char *, size_t);
int		 identcap_handover(struct identcap *, uint32_t *);
int		 identcap_loop(struct identcap *, struct event_base *,
		    struct listener **, int);
void		 identcap_set_reader(struct identcap *, ident_reader_fn *,
		    void *);
void		 identcap_drain(struct identcap *);
void		 identcap_log_totals(struct identcap *);
void		 identcap_close(struct identcap *);

#endif
