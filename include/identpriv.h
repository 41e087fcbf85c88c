/*
 * identpriv.h: the identity reader, the privileged child that reads
 * other users' /proc/PID files for the unprivileged recorder
 * (src/identpriv.c).
 */
#ifndef IDENTPRIV_H
#define IDENTPRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "privdrop.h"

struct ident;
struct identpriv;

struct identpriv *identpriv_start(const struct privdrop_user *, char *,
		    size_t);
struct ident	*identpriv_read(void *, pid_t, uint64_t, int, int *);
struct identpriv *identpriv_adopt(int, pid_t, char *, size_t);
int		 identpriv_fd(const struct identpriv *);
pid_t		 identpriv_pid(const struct identpriv *);
void		 identpriv_log_totals(const struct identpriv *);
void		 identpriv_close(struct identpriv *);

#endif
