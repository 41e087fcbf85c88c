/*
 * unit.h: helpers shared by the cmocka unit tests; include after <cmocka.h>.
 */
#ifndef UNIT_H
#define UNIT_H

#include "fields.h"

/* A field of the table by name; the test fails if it is missing. */
static inline const struct ts_field *
must_find(const char *name)
{
	const struct ts_field *f = ts_field_find(name);

	if (f == NULL)
		fail_msg("field %s missing from ts_fields[]", name);
	return f;
}

#endif
