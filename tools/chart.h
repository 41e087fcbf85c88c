/*
 * chart.h: pictures of a time series, for `taskacct timeline` and the
 * exits sparkline of `taskacct status`.  Values in, text out: the caller
 * reads the database and fills a struct chart.
 */
#ifndef CHART_H
#define CHART_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/* One named series of values, one per bucket. */
struct chart_series {
	const char	*name;
	const double	*v;
	double		 total;		/* over the window, for the legend */
};

struct chart {
	const char			*title;	/* the measure, in words */
	enum col_kind			 kind;	/* its unit (CK_BYTES, ...) */
	int64_t				 since;	/* us, the first bucket's start */
	int64_t				 bucket_us;
	size_t				 n;	/* buckets */
	const double			*exits;	/* per bucket, or NULL */
	const struct chart_series	*series;
	size_t				 nseries;
	int				 utf8;	/* block characters allowed */
};

/* The chart's rows and columns on a terminal (chart_text). */
#define CHART_EXITS_ROWS	4
#define CHART_MEASURE_ROWS	8
#define CHART_LABEL_COLS	10	/* the y axis labels, "1023.9MiB " */

int	 chart_locale_utf8(void);
void	 chart_sparkline(const double *, size_t, int, char *, size_t);
void	 chart_value(enum col_kind, double, char *, size_t);
void	 chart_text(FILE *, const struct chart *);
void	 chart_svg(FILE *, const struct chart *);

#endif
