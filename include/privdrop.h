/*
 * privdrop.h: giving up root once the sockets are registered and the
 * database is open.
 */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

#define PRIVDROP_DEFAULT_USER	"taskacct"
#define PRIVDROP_NAME_MAX	64

struct privdrop_user {
	char	 name[PRIVDROP_NAME_MAX];
	uid_t	 uid;
	gid_t	 gid;
};

int	 privdrop_lookup(const char *, struct privdrop_user *, char *,
	    size_t);
int	 privdrop_handover(const struct privdrop_user *, const char *, int,
	    char *, size_t);
int	 privdrop_switch(const struct privdrop_user *, char *, size_t);
int	 privdrop_caps_clear(char *, size_t);

#endif
