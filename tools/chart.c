/*
 * chart.c: pictures of a time series, for `taskacct timeline` and the
 * exits sparkline of `taskacct status`.  Three shapes from one struct
 * chart: a sparkline (one character per bucket), a terminal chart (bars of
 * Unicode eighth blocks, or ASCII where the locale is not UTF-8, with the
 * y axis in the measure's human unit and local times under the x axis),
 * and a standalone SVG document (axes, local times, a legend; no scripts,
 * no external fonts or images).  Series are told apart by dash pattern as
 * well as by colour, so the SVG reads in grey and on paper.
 *
 * Pure: values in, text out.  Names in a chart are task names, hostile
 * input: the terminal shapes print them through output.c's escaping rules
 * (cut and made visible by the caller), the SVG escapes them for XML and
 * replaces what XML 1.0 cannot carry.
 */
#include <langinfo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chart.h"
#include "utf8.h"

/* U+2581 .. U+2588: one to eight eighths of a cell. */
static const char *const eighths[] = {
	" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"
};
/* The same levels in ASCII. */
static const char ascii_levels[] = " ..::-=+#";

#define SVG_WIDTH	960
#define SVG_LEFT	90	/* room for the y labels */
#define SVG_RIGHT	20
#define SVG_TOP		40
#define SVG_EXITS_H	110
#define SVG_GAP		50
#define SVG_MEASURE_H	260
#define SVG_LEGEND_ROW	18
#define SVG_TICKS	8	/* about this many time labels */

/* Colour and dash per series: distinct in colour and in grey. */
static const char *const svg_colours[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
	"#e377c2", "#17becf"
};
static const char *const svg_dashes[] = {
	"none", "6,3", "2,2", "8,3,2,3", "1,3", "10,4", "4,1,1,1", "12,2,2,2"
};
#define SVG_STYLES	(sizeof(svg_colours) / sizeof(svg_colours[0]))

int
chart_locale_utf8(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

static double
series_max(const double *v, size_t n)
{
	double	 m = 0;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* A value's height in eighths of a cell, 0..8*rows; >0 for any v > 0. */
static int
level(double v, double max, int rows)
{
	int	 l;

	if (v <= 0 || max <= 0)
		return 0;
	l = (int)lround(v / max * rows * 8);
	return l < 1 ? 1 : l > rows * 8 ? rows * 8 : l;
}

static const char *
cell(int eighth, int utf8, char *buf)
{
	if (utf8)
		return eighths[eighth];
	buf[0] = ascii_levels[eighth];
	buf[1] = '\0';
	return buf;
}

/*
 * One character per value, scaled to the largest: a space for nothing,
 * then one to eight eighths (any value above zero shows).
 */
void
chart_sparkline(const double *v, size_t n, int utf8, char *out, size_t len)
{
	double		 max = series_max(v, n);
	size_t		 i, used = 0, k;
	char		 a[2];
	const char	*c;

	if (len == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		c = cell(level(v[i], max, 1), utf8, a);
		k = strlen(c);
		if (used + k + 1 > len)
			break;
		memcpy(out + used, c, k + 1);
		used += k;
	}
}

/* A value in the unit of kind, as the tables print it. */
void
chart_value(enum col_kind kind, double v, char *buf, size_t len)
{
	int64_t	 n;

	/* Past int64 (a damaged row): the largest, never undefined. */
	n = v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? -INT64_MAX :
	    (int64_t)llround(v);

	switch (kind) {
	case CK_BYTES:
		fmt_bytes(buf, len, n);
		break;
	case CK_KIB:
		fmt_bytes(buf, len, n * 1024);
		break;
	case CK_DUR_US:
		fmt_duration_us(buf, len, n);
		break;
	case CK_DUR_NS:
		fmt_duration_us(buf, len, n / 1000);
		break;
	default:
		if (v >= 1e6)
			snprintf(buf, len, "%.1fM", v / 1e6);
		else if (v >= 1e4)
			snprintf(buf, len, "%.1fk", v / 1e3);
		else
			snprintf(buf, len, "%.3g", v);	/* 0.25 on a small axis */
		break;
	}
}

/* Local time of us: "%H:%M", with the date when the window spans days. */
static void
time_label(int64_t us, int with_date, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t = us / 1000000;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, with_date ? "%m-%d %H:%M" : "%H:%M", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

/* rows lines of bars, the max labelled at the top and 0 at the bottom. */
static void
text_bars(FILE *fp, const struct chart *c, const double *v, int rows,
    enum col_kind kind)
{
	double	 max = series_max(v, c->n);
	char	 label[32], a[2];
	size_t	 i;
	int	 r, l;

	for (r = rows - 1; r >= 0; r--) {
		label[0] = '\0';
		if (r == rows - 1)
			chart_value(kind, max, label, sizeof(label));
		else if (r == 0)
			chart_value(kind, 0, label, sizeof(label));
		fprintf(fp, "%*s %s", CHART_LABEL_COLS - 2, label,
		    c->utf8 ? "\xe2\x94\xa4" : "|");
		for (i = 0; i < c->n; i++) {
			l = level(v[i], max, rows) - r * 8;
			fputs(cell(l <= 0 ? 0 : l > 8 ? 8 : l, c->utf8, a), fp);
		}
		fputc('\n', fp);
	}
}

/* The x axis: a rule, then local times under a few columns. */
static void
text_axis(FILE *fp, const struct chart *c)
{
	int64_t	 span = c->bucket_us * (int64_t)c->n;
	int	 with_date = span > INT64_C(86400) * 1000000;
	char	 line[1024], t[32];
	size_t	 i, step, pos, k, w = c->n < sizeof(line) - 1 ? c->n :
		    sizeof(line) - 1;

	fprintf(fp, "%*s%s", CHART_LABEL_COLS - 1, "",
	    c->utf8 ? "\xe2\x94\x94" : "+");
	for (i = 0; i < c->n; i++)
		fputs(c->utf8 ? "\xe2\x94\x80" : "-", fp);
	fputc('\n', fp);
	memset(line, ' ', w);
	line[w] = '\0';
	step = with_date ? 14 : 8;
	for (pos = 0; pos + 5 <= w; pos += step) {
		time_label(c->since + c->bucket_us * (int64_t)pos, with_date,
		    t, sizeof(t));
		k = strlen(t);
		if (pos + k > w)
			break;
		memcpy(line + pos, t, k);
	}
	fprintf(fp, "%*s%s\n", CHART_LABEL_COLS, "", line);
}

static double *
sum_series(const struct chart *c, double *sum)
{
	size_t	 i, s;

	for (i = 0; i < c->n; i++) {
		sum[i] = 0;
		for (s = 0; s < c->nseries; s++)
			sum[i] += c->series[s].v[i];
	}
	return sum;
}

void
chart_text(FILE *fp, const struct chart *c)
{
	double	 sum[c->n > 0 ? c->n : 1];
	char	 d[32], first[32], total[32], spark[8 * 1024];
	size_t	 s, namew = 0;

	if (c->n == 0)
		return;
	fmt_time_us(first, sizeof(first), c->since);
	fmt_duration_us(d, sizeof(d), c->bucket_us);
	if (c->exits != NULL) {
		fprintf(fp, "exits per %s from %s\n", d, first);
		text_bars(fp, c, c->exits, CHART_EXITS_ROWS, CK_INT);
		text_axis(fp, c);
	}
	if (c->nseries == 0)
		return;
	fprintf(fp, "%s per %s\n", c->title, d);
	text_bars(fp, c, sum_series(c, sum), CHART_MEASURE_ROWS, c->kind);
	text_axis(fp, c);
	if (c->nseries < 2)
		return;
	/* One sparkline per series; names are already safe to print. */
	for (s = 0; s < c->nseries; s++)
		if (strlen(c->series[s].name) > namew)
			namew = strlen(c->series[s].name);
	/* Name, rule and sparkline: the sparkline under the bars. */
	if (namew > CHART_LABEL_COLS - 2)
		namew = CHART_LABEL_COLS - 2;
	for (s = 0; s < c->nseries; s++) {
		chart_sparkline(c->series[s].v, c->n, c->utf8, spark,
		    sizeof(spark));
		chart_value(c->kind, c->series[s].total, total, sizeof(total));
		fprintf(fp, "%-*.*s %s%s %s\n", CHART_LABEL_COLS - 2, (int)namew,
		    c->series[s].name, c->utf8 ? "\xe2\x94\x82" : "|", spark,
		    total);
	}
}

/*
 * Text for XML: the five specials escaped; bytes XML 1.0 cannot hold
 * (controls, invalid UTF-8) become U+FFFD, so a hostile task name can
 * neither break the document nor inject markup.
 */
static void
svg_text(FILE *fp, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + strlen(s);
	size_t			 n, k;
	uint32_t		 cp;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p == '&')
				fputs("&amp;", fp);
			else if (*p == '<')
				fputs("&lt;", fp);
			else if (*p == '>')
				fputs("&gt;", fp);
			else if (*p == '"')
				fputs("&quot;", fp);
			else if (*p == '\'')
				fputs("&#39;", fp);
			else if (*p < 0x20 || *p == 0x7f)
				fputs("\xef\xbf\xbd", fp);
			else
				fputc(*p, fp);
			p++;
			continue;
		}
		/* Not UTF-8, or U+FFFE/U+FFFF (not XML characters): one
		 * U+FFFD for the lead byte and its continuation bytes. */
		if ((n = utf8_decode(p, (size_t)(end - p), &cp)) == 0 ||
		    cp == 0xfffe || cp == 0xffff) {
			fputs("\xef\xbf\xbd", fp);
			for (k = 1; k < 4 && p + k < end &&
			    (p[k] & 0xc0) == 0x80; k++)
				;
			p += k;
			continue;
		}
		fwrite(p, 1, n, fp);
		p += n;
	}
}

/* A round axis maximum at or above max: 1, 2 or 5 times a power of ten. */
static double
nice_max(double max)
{
	double	 p;

	if (max <= 0)
		return 1;
	p = pow(10, floor(log10(max)));
	if (max <= p)
		return p;
	if (max <= 2 * p)
		return 2 * p;
	if (max <= 5 * p)
		return 5 * p;
	return 10 * p;
}

/* A round time step giving about SVG_TICKS labels over span us. */
static int64_t
nice_step(int64_t span)
{
	static const int64_t steps_s[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300,
	    600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
	    604800 };
	size_t	 i;

	for (i = 0; i < sizeof(steps_s) / sizeof(steps_s[0]); i++)
		if (steps_s[i] * 1000000 * SVG_TICKS >= span)
			return steps_s[i] * 1000000;
	return steps_s[i - 1] * 1000000;
}

static double
svg_x(const struct chart *c, double bucket)
{
	return SVG_LEFT + bucket * (SVG_WIDTH - SVG_LEFT - SVG_RIGHT) /
	    (double)c->n;
}

/* A panel's frame, y labels and grid, and the time labels under it. */
static void
svg_axes(FILE *fp, const struct chart *c, int top, int h, double ymax,
    enum col_kind kind, const char *title)
{
	int64_t		 span = c->bucket_us * (int64_t)c->n;
	int64_t		 step = nice_step(span), t;
	int		 with_date = span > INT64_C(86400) * 1000000, i;
	char		 label[32];
	double		 x;

	fprintf(fp, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">", SVG_LEFT,
	    top - 10);
	svg_text(fp, title);
	fputs("</text>\n", fp);
	for (i = 0; i <= 4; i++) {
		double	 y = top + h - h * i / 4.0;

		chart_value(kind, ymax * i / 4, label, sizeof(label));
		fprintf(fp, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#ddd\"/>\n<text x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\">%s</text>\n", SVG_LEFT, y,
		    SVG_WIDTH - SVG_RIGHT, y, SVG_LEFT - 6, y + 4, label);
	}
	/* Ticks on whole steps of local time (the zone's offset applied). */
	for (t = c->since - c->since % step; t <= c->since + span; t += step) {
		struct tm	 tm;
		time_t		 s = t / 1000000;
		int64_t		 local = t;

		if (localtime_r(&s, &tm) != NULL)
			local = t - (t + tm.tm_gmtoff * INT64_C(1000000)) % step;
		if (local < c->since || local > c->since + span)
			continue;
		x = svg_x(c, (double)(local - c->since) / c->bucket_us);
		time_label(local, with_date, label, sizeof(label));
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
		    "stroke=\"#888\"/>\n<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\">%s</text>\n", x, top + h, x,
		    top + h + 5, x, top + h + 18, label);
	}
	fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"none\" stroke=\"#444\"/>\n", SVG_LEFT, top,
	    SVG_WIDTH - SVG_LEFT - SVG_RIGHT, h);
}

static void
svg_bars(FILE *fp, const struct chart *c, const double *v, int top, int h,
    double ymax, const char *fill)
{
	size_t	 i;
	double	 bh, w = svg_x(c, 1) - svg_x(c, 0);

	for (i = 0; i < c->n; i++) {
		if (v[i] <= 0)
			continue;
		bh = v[i] / ymax * h;
		fprintf(fp, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		    "height=\"%.2f\" fill=\"%s\"/>\n", svg_x(c, i),
		    top + h - bh, w > 1.5 ? w - 0.5 : w, bh, fill);
	}
}

static void
svg_line(FILE *fp, const struct chart *c, const double *v, int top, int h,
    double ymax, size_t style)
{
	size_t	 i;

	fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
	    "stroke-dasharray=\"%s\" points=\"", svg_colours[style %
	    SVG_STYLES], svg_dashes[style % SVG_STYLES]);
	for (i = 0; i < c->n; i++)
		fprintf(fp, "%s%.2f,%.2f", i ? " " : "", svg_x(c, i + 0.5),
		    top + h - v[i] / ymax * h);
	fputs("\"/>\n", fp);
}

static void
svg_legend(FILE *fp, const struct chart *c, int top)
{
	char	 total[32];
	size_t	 s;

	for (s = 0; s < c->nseries; s++) {
		int	 y = top + (int)s * SVG_LEGEND_ROW;

		fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/>"
		    "\n<text x=\"%d\" y=\"%d\">", SVG_LEFT, y - 4, SVG_LEFT + 30,
		    y - 4, svg_colours[s % SVG_STYLES],
		    svg_dashes[s % SVG_STYLES], SVG_LEFT + 38, y);
		svg_text(fp, c->series[s].name);
		chart_value(c->kind, c->series[s].total, total, sizeof(total));
		fprintf(fp, " (%s)</text>\n", total);
	}
}

void
chart_svg(FILE *fp, const struct chart *c)
{
	double	 sum[c->n > 0 ? c->n : 1], ymax;
	char	 title[256], from[32], to[32], d[32];
	int	 top = SVG_TOP, height;
	size_t	 s;

	height = SVG_TOP + (c->exits != NULL ? SVG_EXITS_H + SVG_GAP : 0) +
	    (c->nseries > 0 ? SVG_MEASURE_H + SVG_GAP : 0) +
	    (c->nseries > 1 ? (int)c->nseries * SVG_LEGEND_ROW : 0) + 10;
	fmt_time_us(from, sizeof(from), c->since);
	fmt_time_us(to, sizeof(to), c->since + c->bucket_us * (int64_t)c->n);
	fmt_duration_us(d, sizeof(d), c->bucket_us);
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	    "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
	    "fill=\"white\"/>\n<title>taskacct timeline, %s to %s</title>\n",
	    SVG_WIDTH, height, SVG_WIDTH, height, from, to);
	fprintf(fp, "<text x=\"%d\" y=\"18\" font-size=\"14\">taskacct "
	    "timeline: %s to %s, buckets of %s</text>\n", SVG_LEFT, from, to,
	    d);
	if (c->n == 0) {
		fputs("</svg>\n", fp);
		return;
	}
	if (c->exits != NULL) {
		top += 14;
		ymax = nice_max(series_max(c->exits, c->n));
		snprintf(title, sizeof(title), "exits per %s", d);
		svg_axes(fp, c, top, SVG_EXITS_H, ymax, CK_INT, title);
		svg_bars(fp, c, c->exits, top, SVG_EXITS_H, ymax, "#777");
		top += SVG_EXITS_H + SVG_GAP;
	}
	if (c->nseries == 0) {
		fputs("</svg>\n", fp);
		return;
	}
	ymax = nice_max(series_max(c->nseries == 1 ? c->series[0].v :
	    sum_series(c, sum), c->n));
	if (c->nseries > 1)	/* lines, each on the same scale */
		for (ymax = 0, s = 0; s < c->nseries; s++)
			if (series_max(c->series[s].v, c->n) > ymax)
				ymax = series_max(c->series[s].v, c->n);
	ymax = nice_max(ymax);
	snprintf(title, sizeof(title), "%s per %s", c->title, d);
	svg_axes(fp, c, top, SVG_MEASURE_H, ymax, c->kind, title);
	if (c->nseries == 1)
		svg_bars(fp, c, c->series[0].v, top, SVG_MEASURE_H, ymax,
		    svg_colours[0]);
	else
		for (s = 0; s < c->nseries; s++)
			svg_line(fp, c, c->series[s].v, top, SVG_MEASURE_H,
			    ymax, s);
	top += SVG_MEASURE_H + SVG_GAP;
	if (c->nseries > 1)
		svg_legend(fp, c, top);
	fputs("</svg>\n", fp);
}
