/*
 * walreaders.h: the processes whose read transactions hold a WAL back.
 */
#ifndef WALREADERS_H
#define WALREADERS_H

#include <stddef.h>

void	wal_readers(char *, size_t);

#endif
