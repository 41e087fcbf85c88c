/*
 * output.c: how the query tool writes result sets: table, csv, tsv, json and
 * jsonl.  Commands hand over column names and rows of typed values; this
 * file owns the formats, column sizing and the escaping of hostile text.
 *
 * Task names (ac_comm) are whatever bytes a process put there: control
 * characters, terminal escapes, newlines, invalid UTF-8.  No format ever
 * writes such a byte raw.
 *
 *   table  every byte outside printable ASCII as \ooo, backslash as \\, so
 *          a column's width is its byte count and nothing can drive the
 *          terminal (not even bidi or zero-width characters).
 *   tsv    PostgreSQL's COPY text format: \t \n \r \\ escapes, NULL as \N;
 *          other unsafe bytes as \ooo; valid UTF-8 passes through.
 *   csv    RFC 4180 quoting (fields with , " or a newline are quoted, an
 *          empty string is "" and NULL is empty); tab and newline are kept
 *          inside quotes, backslash is \\ and other unsafe bytes \ooo.
 *   json   valid JSON in UTF-8: control and format characters as \uXXXX;
 *          a byte that is not valid UTF-8 as \u00XX (its Latin-1 reading:
 *          visible but ambiguous; select hex(col) for the exact bytes).
 *
 * Command lines (OV_ARGS) are argument vectors: json writes an array of
 * strings, each escaped as above (a byte that is not UTF-8 as \u00XX: use
 * `taskacct sql "SELECT hex(args) FROM cmdlines"` for the exact bytes).
 * The text formats write one line: the arguments joined by spaces, each
 * escaped as text in that format, except that a double quote inside an
 * argument is \042 and an argument that is empty, holds a space or
 * begins with "(" is written between double quotes.  So a line reads
 * back to exactly its arguments, and a reason printed in place of a
 * command line, "(exited before read)", is never an argument.
 *
 * "Unsafe" beyond C0 controls and DEL: C1 controls, and the invisible
 * format characters used for spoofing (zero-width, bidi overrides, BOM).
 * The table format buffers each result set to size its columns; the others
 * stream row by row.
 *
 * Everything is spooled, not written: into an unlinked temporary file
 * ($TMPDIR, else /var/tmp, else /tmp: a large `sql` result should not
 * fill a tmpfs), or memory if no file can be made, and copied to the
 * destination by output_close.  The caller ends its database reads first
 * (cli_end_read), so a pipe nobody reads, a slow terminal or a stopped
 * taskacct never holds a read snapshot open: that would keep taskacctd
 * from checkpointing and let its -wal grow without bound.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "utf8.h"

#define TABLE_GAP		2	/* spaces between table columns */
#define TABLE_MIN_WIDTH		4	/* a column is never cut below this */
#define SPOOL_COPY_BYTES	65536

struct buf {
	char	*p;
	size_t	 len;
	size_t	 size;
};

struct cell {
	char	*s;		/* escaped text, NUL-terminated */
	size_t	 len;
	size_t	 keep;		/* 0, or cut from the left down to this */
	int	 null;
	int	 number;
};

/* A table column: its width, how far it may shrink, its alignment. */
struct column {
	size_t	 w;
	size_t	 min;
	int	 right;
	int	 hidden;	/* an optional column of NULLs only */
};

struct output {
	FILE			*fp;		/* the spool: formats write here */
	FILE			*dest;		/* where output_close copies it */
	char			*mem;		/* a memory spool, or NULL */
	size_t			 memlen;
	int			 empty;		/* output_empty: json [] */
	enum output_format	 format;
	int			 flags;
	unsigned int		 width;		/* table: 0 = no limit */
	const char		*ellipsis;
	size_t			 ellipsis_width;

	size_t			 nsets;		/* result sets begun */
	size_t			 nrows;		/* rows, all sets */
	size_t			 ncol;
	struct cell		*names;		/* ncol escaped names */
	char			*optional;	/* table: 1 = left out when
						   all its cells are NULL */
	struct cell		*cells;		/* table: buffered rows */
	size_t			 ncells;
	size_t			 cellsize;
	struct column		*held;		/* table written in pieces
						   (output_flush): its columns */
	int			 held_new;	/* no piece written yet */
};

static const char *const output_format_name[] = {
	[OUTPUT_TABLE] = "table",
	[OUTPUT_CSV] = "csv",
	[OUTPUT_TSV] = "tsv",
	[OUTPUT_JSON] = "json",
	[OUTPUT_JSONL] = "jsonl",
};
#define OUTPUT_NFORMATS \
	(sizeof(output_format_name) / sizeof(output_format_name[0]))

static void	*xreallocarray(void *, size_t, size_t);
static void	 buf_add(struct buf *, const void *, size_t);
static void	 buf_addc(struct buf *, char);
static void	 buf_addf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void *
xreallocarray(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n, size)) == NULL)
		err(1, NULL);
	return p;
}

static void
buf_add(struct buf *b, const void *p, size_t len)
{
	if (b->len + len + 1 > b->size) {
		b->size = (b->len + len + 1) * 2;
		b->p = xreallocarray(b->p, b->size, 1);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static void
buf_addf(struct buf *b, const char *fmt, ...)
{
	char	 tmp[64];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		errx(1, "output: formatted value too long");
	buf_add(b, tmp, n);
}

int
output_format_parse(const char *s, enum output_format *fmt)
{
	size_t	 i;

	for (i = 0; i < OUTPUT_NFORMATS; i++) {
		if (strcmp(s, output_format_name[i]) == 0) {
			*fmt = i;
			return 0;
		}
	}
	return -1;
}

const char *
output_format_names(void)
{
	return "table, csv, tsv, json, jsonl";
}

/* Controls and invisible format characters: never written raw. */
static int
unicode_unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff;
}

/* A printable ASCII byte, with the quoting its format needs. */
static void
esc_printable(struct buf *b, char c, enum output_format fmt)
{
	if (c == '\\')
		buf_add(b, "\\\\", 2);
	else if (c == '"' && fmt == OUTPUT_CSV)
		buf_add(b, "\"\"", 2);
	else if (c == '"' && (fmt == OUTPUT_JSON || fmt == OUTPUT_JSONL))
		buf_add(b, "\\\"", 2);
	else
		buf_addc(b, c);
}

/* A control byte, in a text format (table, csv, tsv). */
static void
esc_control(struct buf *b, unsigned char c, enum output_format fmt)
{
	if (fmt == OUTPUT_CSV && (c == '\n' || c == '\t'))
		buf_addc(b, c);
	else if (fmt == OUTPUT_TSV && c == '\n')
		buf_add(b, "\\n", 2);
	else if (fmt == OUTPUT_TSV && c == '\t')
		buf_add(b, "\\t", 2);
	else if (fmt == OUTPUT_TSV && c == '\r')
		buf_add(b, "\\r", 2);
	else
		buf_addf(b, "\\%03o", c);
}

/* An unsafe code point or a byte that is not UTF-8, in JSON. */
static void
esc_json(struct buf *b, uint32_t c)
{
	switch (c) {
	case '\n':
		buf_add(b, "\\n", 2);
		break;
	case '\r':
		buf_add(b, "\\r", 2);
		break;
	case '\t':
		buf_add(b, "\\t", 2);
		break;
	default:
		buf_addf(b, "\\u%04" PRIx32, c);
		break;
	}
}

/* Append len bytes of hostile text, escaped for fmt. */
static void
esc_text(struct buf *b, const unsigned char *p, size_t len,
    enum output_format fmt)
{
	size_t		 i, n;
	uint32_t	 c;
	int		 json = fmt == OUTPUT_JSON || fmt == OUTPUT_JSONL;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			esc_printable(b, p[i], fmt);
			continue;
		}
		if (p[i] >= 0x80 && fmt != OUTPUT_TABLE &&
		    (n = utf8_decode(p + i, len - i, &c)) != 0) {
			if (!unicode_unsafe(c)) {
				buf_add(b, p + i, n);
				continue;
			}
			if (json) {
				esc_json(b, c);
				continue;
			}
		}
		/* One byte; text formats escape unsafe UTF-8 bytewise. */
		n = 1;
		if (json)
			esc_json(b, p[i]);
		else
			esc_control(b, p[i], fmt);
	}
}

/*
 * Hostile text as a table shows it (every non-printable byte escaped),
 * into out, cut to outlen - 1 bytes on a whole escape: for the text a
 * command prints outside a table (the chart legend).
 */
void
output_escape(const char *s, char *out, size_t outlen)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 n, i;

	if (outlen == 0)
		return;
	esc_text(&b, (const unsigned char *)s, strlen(s), OUTPUT_TABLE);
	n = b.len < outlen - 1 ? b.len : outlen - 1;
	/* Never end inside an escape (\ooo): cut back to its backslash. */
	for (i = n > 3 ? n - 3 : 0; n < b.len && i < n; i++)
		if (b.p[i] == '\\' && i + 4 > n) {
			n = i;
			break;
		}
	if (n > 0)
		memcpy(out, b.p, n);
	out[n] = '\0';
	free(b.p);
}

static void
fmt_real(struct buf *b, double r, int json)
{
	char	 tmp[32];

	if (isinf(r)) {
		if (json)
			buf_addf(b, "%s1e999", r < 0 ? "-" : "");
		else
			buf_addf(b, "%sInf", r < 0 ? "-" : "");
		return;
	}
	/* The shortest of %.15g and %.17g that reads back exactly. */
	snprintf(tmp, sizeof(tmp), "%.15g", r);
	if (strtod(tmp, NULL) != r)
		snprintf(tmp, sizeof(tmp), "%.17g", r);
	buf_add(b, tmp, strlen(tmp));
	/* A real stays one in every format: 2.0, not 2. */
	if (strspn(tmp, "-0123456789") == strlen(tmp))
		buf_add(b, ".0", 2);
}

static void
fmt_hex(struct buf *b, const unsigned char *p, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		buf_addc(b, hex[p[i] >> 4]);
		buf_addc(b, hex[p[i] & 0xf]);
	}
}

/* One argument in a text format: esc_text, but a '"' as \042. */
static void
fmt_arg_text(struct buf *b, const unsigned char *p, size_t len,
    enum output_format fmt)
{
	const unsigned char	*q;
	size_t			 n;

	while (len > 0) {
		q = memchr(p, '"', len);
		n = q != NULL ? (size_t)(q - p) : len;
		esc_text(b, p, n, fmt);
		if (q == NULL)
			break;
		buf_add(b, "\\042", 4);
		p += n + 1;
		len -= n + 1;
	}
}

/* An argument vector (OV_ARGS): see the comment at the top. */
static void
fmt_args(struct buf *b, const unsigned char *p, size_t len,
    enum output_format fmt)
{
	const unsigned char	*nul;
	size_t			 i, n;
	int			 json = fmt == OUTPUT_JSON || fmt == OUTPUT_JSONL;
	int			 quote;

	if (json)
		buf_addc(b, '[');
	for (i = 0; i < len; i += n + 1) {
		nul = memchr(p + i, '\0', len - i);
		n = nul != NULL ? (size_t)(nul - (p + i)) : len - i;
		if (i > 0)
			buf_addc(b, json ? ',' : ' ');
		if (json) {
			buf_addc(b, '"');
			esc_text(b, p + i, n, fmt);
			buf_addc(b, '"');
			continue;
		}
		quote = n == 0 || p[i] == '(' || memchr(p + i, ' ', n) != NULL;
		if (quote)
			buf_addc(b, '"');
		fmt_arg_text(b, p + i, n, fmt);
		if (quote)
			buf_addc(b, '"');
	}
	if (json)
		buf_addc(b, ']');
}

/* A csv field made of text already escaped: quoted as RFC 4180 says. */
static void
csv_field(struct buf *b, const struct buf *t)
{
	size_t	 i;

	if (t->len > 0 && strpbrk(t->p, ",\"\n") == NULL) {
		buf_add(b, t->p, t->len);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < t->len; i++) {
		if (t->p[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, t->p[i]);
	}
	buf_addc(b, '"');
}

/* A value as its format writes it, quotes included. */
static void
fmt_value(struct buf *b, const struct output_value *v,
    enum output_format fmt)
{
	int	 json = fmt == OUTPUT_JSON || fmt == OUTPUT_JSONL;
	int	 quote;

	switch (v->type) {
	case OV_NULL:
		if (json)
			buf_add(b, "null", 4);
		else if (fmt == OUTPUT_TSV)
			buf_add(b, "\\N", 2);
		break;
	case OV_INT:
		buf_addf(b, "%" PRId64, v->i);
		break;
	case OV_UINT:
		buf_addf(b, "%" PRIu64, (uint64_t)v->i);
		break;
	case OV_REAL:
		fmt_real(b, v->r, json);
		break;
	case OV_TEXT:
	case OV_NUMTEXT:
		quote = json || (fmt == OUTPUT_CSV && (v->len == 0 ||
		    memchr(v->p, ',', v->len) != NULL ||
		    memchr(v->p, '"', v->len) != NULL ||
		    memchr(v->p, '\n', v->len) != NULL));
		if (quote)
			buf_addc(b, '"');
		esc_text(b, v->p, v->len, fmt);
		if (quote)
			buf_addc(b, '"');
		break;
	case OV_ARGS:
		if (fmt == OUTPUT_CSV) {
			struct buf	 t = { NULL, 0, 0 };

			buf_add(&t, "", 0);
			fmt_args(&t, v->p, v->len, fmt);
			csv_field(b, &t);
			free(t.p);
		} else
			fmt_args(b, v->p, v->len, fmt);
		break;
	case OV_BLOB:
		if (json)
			buf_addc(b, '"');
		fmt_hex(b, v->p, v->len);
		if (json)
			buf_addc(b, '"');
		break;
	}
}

/* An unlinked temporary file in dir, open for reading and writing. */
static FILE *
spool_file(const char *dir)
{
	char	 path[4096];
	FILE	*fp;
	int	 fd;

	if (dir == NULL || *dir == '\0')
		return NULL;
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) == -1) {
		/* No O_TMPFILE on this file system: create, then unlink. */
		if (snprintf(path, sizeof(path), "%s/taskacct.XXXXXX", dir) >=
		    (int)sizeof(path) || (fd = mkostemp(path, O_CLOEXEC)) == -1)
			return NULL;
		unlink(path);
	}
	if ((fp = fdopen(fd, "w+")) == NULL)
		close(fd);
	return fp;
}

static void
spool_open(struct output *o)
{
	if ((o->fp = spool_file(getenv("TMPDIR"))) != NULL ||
	    (o->fp = spool_file("/var/tmp")) != NULL ||
	    (o->fp = spool_file("/tmp")) != NULL)
		return;
	if ((o->fp = open_memstream(&o->mem, &o->memlen)) == NULL)
		err(1, "output: cannot spool");
}

/* Copy the spool to the destination; -1 if reading or writing failed. */
static int
spool_copy(struct output *o)
{
	char	*buf;
	size_t	 n;
	int	 rc = 0;

	if (fflush(o->fp) == EOF || ferror(o->fp))
		return -1;
	if (o->mem != NULL)
		return fwrite(o->mem, 1, o->memlen, o->dest) == o->memlen ?
		    0 : -1;
	if (fseeko(o->fp, 0, SEEK_SET) == -1 ||
	    (buf = malloc(SPOOL_COPY_BYTES)) == NULL)
		return -1;
	while ((n = fread(buf, 1, SPOOL_COPY_BYTES, o->fp)) > 0)
		if (fwrite(buf, 1, n, o->dest) != n) {
			rc = -1;
			break;
		}
	if (ferror(o->fp))
		rc = -1;
	free(buf);
	return rc;
}

struct output *
output_open(FILE *fp, enum output_format fmt, int flags, unsigned int width)
{
	struct output	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		err(1, NULL);
	o->dest = fp;
	spool_open(o);
	o->format = fmt;
	o->flags = flags;
	o->width = width;
	if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0) {
		o->ellipsis = "\xe2\x80\xa6";	/* U+2026 */
		o->ellipsis_width = 1;
	} else {
		o->ellipsis = "...";
		o->ellipsis_width = 3;
	}
	return o;
}

static void
cells_free(struct cell *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(c[i].s);
	free(c);
}

static struct cell
cell_make(const struct output_value *v, enum output_format fmt)
{
	struct cell	 c;
	struct buf	 b = { NULL, 0, 0 };

	fmt_value(&b, v, fmt);
	if (b.p == NULL)
		buf_add(&b, "", 0);
	c.s = b.p;
	c.len = b.len;
	c.keep = v->keep;
	c.null = v->type == OV_NULL;
	c.number = v->type == OV_INT || v->type == OV_UINT ||
	    v->type == OV_REAL ||
	    v->type == OV_NUMTEXT;
	return c;
}

/*
 * The largest cut of an escaped table cell no longer than max bytes that
 * does not split an escape (\\ or \ooo).
 */
static size_t
table_cut(const struct cell *c, size_t max)
{
	size_t	 i = 0, n;

	while (i < c->len) {
		n = c->s[i] != '\\' ? 1 : (c->s[i + 1] == '\\' ? 2 : 4);
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

/*
 * Where the longest tail of an escaped table cell no longer than max bytes
 * begins, not splitting an escape nor starting with a space: the cut from
 * the left.
 */
static size_t
table_cut_left(const struct cell *c, size_t max)
{
	size_t	 i = 0;

	while (i < c->len && c->len - i > max)
		i += c->s[i] != '\\' ? 1 : (c->s[i + 1] == '\\' ? 2 : 4);
	/* "...04:06:52", not "... 04:06:52" */
	while (i < c->len && c->s[i] == ' ')
		i++;
	return i < c->len ? i : c->len;
}

static void
buf_pad(struct buf *b, size_t n)
{
	while (n-- > 0)
		buf_addc(b, ' ');
}

/* One cell padded to w columns; returns the end of its content in b. */
static size_t
table_cell(struct output *o, struct buf *b, const struct cell *c, size_t w,
    int right)
{
	size_t	 len = c->len, end;

	if (len > w && c->keep > 0) {
		end = table_cut_left(c, w - o->ellipsis_width);
		len = c->len - end;
		buf_add(b, o->ellipsis, strlen(o->ellipsis));
		buf_add(b, c->s + end, len);
		end = b->len;
		buf_pad(b, w - len - o->ellipsis_width);
		return end;
	}
	if (len > w) {
		len = table_cut(c, w - o->ellipsis_width);
		buf_add(b, c->s, len);
		buf_add(b, o->ellipsis, strlen(o->ellipsis));
		end = b->len;
		buf_pad(b, w - len - o->ellipsis_width);
		return end;
	}
	if (right)
		buf_pad(b, w - len);
	buf_add(b, c->s, len);
	end = b->len;
	if (!right)
		buf_pad(b, w - len);
	return end;
}

/* A line of cells, without the padding that would trail it. */
static void
table_line(struct output *o, const struct cell *row,
    const struct column *col)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i, len, end = 0;
	int		 first = 1;

	buf_add(&b, "", 0);
	for (i = 0; i < o->ncol; i++) {
		if (col[i].hidden)
			continue;
		if (!first)
			buf_pad(&b, TABLE_GAP);
		first = 0;
		len = table_cell(o, &b, &row[i], col[i].w, col[i].right);
		if (row[i].len != 0)
			end = len;
	}
	fwrite(b.p, 1, end, o->fp);
	fputc('\n', o->fp);
	free(b.p);
}

/*
 * Shrink the widest column until the line fits, one byte at a time; text
 * down to TABLE_MIN_WIDTH, a cell cut from the left (a time) not below
 * what it keeps, a number column only in its header.  A number is never
 * cut: a line that cannot fit otherwise overflows.
 */
static void
table_fit(struct output *o, struct column *col)
{
	size_t	 i, best, total = 0;

	for (i = 0; i < o->ncol; i++)
		if (!col[i].hidden)
			total += col[i].w + (total > 0 ? TABLE_GAP : 0);
	while (o->width != 0 && total > o->width) {
		best = o->ncol;
		for (i = 0; i < o->ncol; i++) {
			if (col[i].hidden || col[i].w <= col[i].min)
				continue;
			if (best == o->ncol || col[i].w > col[best].w)
				best = i;
		}
		if (best == o->ncol)
			break;
		col[best].w--;
		total--;
	}
}

/* Size column i: numbers (and NULLs) alone make it right-aligned. */
static void
table_size(struct output *o, size_t i, size_t nrow, struct column *col)
{
	const struct cell	*c;
	size_t			 r, k, data = 0, keep = 0;
	int			 numbers = 0, text = 0, null = 1;

	for (r = 0; r < nrow; r++) {
		c = &o->cells[r * o->ncol + i];
		null &= c->null;
		if (c->len > data)
			data = c->len;
		numbers |= c->number;
		text |= !c->number && !c->null;
		if (c->keep > 0) {
			k = c->keep + o->ellipsis_width;
			if (k > c->len)
				k = c->len;
			if (k > keep)
				keep = k;
		}
	}
	col->hidden = o->optional[i] && null;
	col->right = numbers && !text;
	col->w = data;
	if (!(o->flags & OUTPUT_NOHEADER) && o->names[i].len > col->w)
		col->w = o->names[i].len;
	col->min = keep > TABLE_MIN_WIDTH ? keep : TABLE_MIN_WIDTH;
	if (col->right && data > col->min)
		col->min = data;
}

/*
 * A table written in pieces (output_flush): a column never narrows nor
 * disappears again, and a right-aligned one turns left for good once it
 * holds text.  1 if the layout changed since the last piece: its header
 * is printed again (as vmstat repeats its own), so that rows always line
 * up under the header above them.
 */
static int
table_hold(struct output *o, struct column *col)
{
	struct column	*h = o->held;
	size_t		 i;
	int		 changed = o->held_new;

	for (i = 0; i < o->ncol && !o->held_new; i++) {
		if (col[i].w < h[i].w)
			col[i].w = h[i].w;
		col[i].hidden &= h[i].hidden;
		col[i].right &= h[i].right;
	}
	table_fit(o, col);
	for (i = 0; i < o->ncol; i++)
		changed |= col[i].w != h[i].w || col[i].hidden !=
		    h[i].hidden || col[i].right != h[i].right;
	memcpy(h, col, o->ncol * sizeof(*h));
	o->held_new = 0;
	return changed;
}

/* Write the buffered result set: size the columns, then print. */
static void
table_flush(struct output *o)
{
	struct column	*col;
	size_t		 i, r, nrow = o->ncells / o->ncol;
	int		 header = !(o->flags & OUTPUT_NOHEADER);

	/* In pieces, an empty piece prints nothing, not even a header. */
	if (o->held != NULL && nrow == 0)
		return;
	col = xreallocarray(NULL, o->ncol, sizeof(*col));
	for (i = 0; i < o->ncol; i++)
		table_size(o, i, nrow, &col[i]);
	if (o->held != NULL)
		header = table_hold(o, col) && header;
	else
		table_fit(o, col);
	if (header)
		table_line(o, o->names, col);
	for (r = 0; r < nrow; r++)
		table_line(o, &o->cells[r * o->ncol], col);
	free(col);
}

/* End the current result set: the table is written only now. */
static void
output_end_set(struct output *o)
{
	if (o->format == OUTPUT_TABLE && o->names != NULL)
		table_flush(o);
	cells_free(o->cells, o->ncells);
	o->cells = NULL;
	o->ncells = o->cellsize = 0;
	cells_free(o->names, o->ncol);
	o->names = NULL;
	free(o->optional);
	o->optional = NULL;
	free(o->held);
	o->held = NULL;
	o->ncol = 0;
}

static void
header_write(struct output *o)
{
	size_t	 i;
	char	 sep = o->format == OUTPUT_CSV ? ',' : '\t';

	for (i = 0; i < o->ncol; i++) {
		if (i > 0)
			fputc(sep, o->fp);
		fwrite(o->names[i].s, 1, o->names[i].len, o->fp);
	}
	fputc('\n', o->fp);
}

/*
 * Begin a result set of ncol columns.  Text formats separate sets with a
 * blank line and repeat the header; json keeps every row in one array.
 */
void
output_begin(struct output *o, size_t ncol, const char *const *names)
{
	struct output_value	 v = { .type = OV_TEXT };
	enum output_format	 fmt = o->format;
	size_t			 i;

	output_end_set(o);
	if (o->nsets++ > 0 && fmt != OUTPUT_JSON && fmt != OUTPUT_JSONL)
		fputc('\n', o->fp);
	if (fmt == OUTPUT_JSON && o->nsets == 1)
		fputs("[", o->fp);
	o->ncol = ncol;
	if ((o->optional = calloc(ncol + 1, 1)) == NULL)
		err(1, NULL);
	o->names = xreallocarray(NULL, ncol, sizeof(*o->names));
	for (i = 0; i < ncol; i++) {
		v.p = names[i];
		v.len = strlen(names[i]);
		o->names[i] = cell_make(&v, fmt);
	}
	if ((fmt == OUTPUT_CSV || fmt == OUTPUT_TSV) &&
	    !(o->flags & OUTPUT_NOHEADER))
		header_write(o);
}

/*
 * Column i of the result set just begun is optional: a table leaves it
 * out when every cell of it is NULL (the machine formats always have it,
 * so that scripts see the same keys).
 */
void
output_optional(struct output *o, size_t i)
{
	if (i < o->ncol)
		o->optional[i] = 1;
}

static void
row_table(struct output *o, const struct output_value *v)
{
	size_t	 i;

	if (o->ncells + o->ncol > o->cellsize) {
		o->cellsize = (o->ncells + o->ncol) * 2;
		o->cells = xreallocarray(o->cells, o->cellsize,
		    sizeof(*o->cells));
	}
	for (i = 0; i < o->ncol; i++)
		o->cells[o->ncells++] = cell_make(&v[i], o->format);
}

static void
row_json(struct output *o, const struct output_value *v)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i;

	if (o->format == OUTPUT_JSON)
		buf_add(&b, o->nrows == 0 ? "\n" : ",\n", o->nrows == 0 ? 1 : 2);
	buf_addc(&b, '{');
	for (i = 0; i < o->ncol; i++) {
		if (i > 0)
			buf_addc(&b, ',');
		buf_add(&b, o->names[i].s, o->names[i].len);
		buf_addc(&b, ':');
		fmt_value(&b, &v[i], o->format);
	}
	buf_addc(&b, '}');
	if (o->format == OUTPUT_JSONL)
		buf_addc(&b, '\n');
	fwrite(b.p, 1, b.len, o->fp);
	free(b.p);
}

static void
row_text(struct output *o, const struct output_value *v)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i;

	for (i = 0; i < o->ncol; i++) {
		if (i > 0)
			buf_addc(&b, o->format == OUTPUT_CSV ? ',' : '\t');
		fmt_value(&b, &v[i], o->format);
	}
	buf_addc(&b, '\n');
	fwrite(b.p, 1, b.len, o->fp);
	free(b.p);
}

/* One row: ncol values, as many as output_begin named. */
void
output_row(struct output *o, const struct output_value *v)
{
	switch (o->format) {
	case OUTPUT_TABLE:
		row_table(o, v);
		break;
	case OUTPUT_JSON:
	case OUTPUT_JSONL:
		row_json(o, v);
		break;
	case OUTPUT_CSV:
	case OUTPUT_TSV:
		row_text(o, v);
		break;
	}
	o->nrows++;
}

/*
 * The command's whole result is no result set (a query of statements that
 * return no columns): json prints an empty array, the others nothing.
 */
void
output_empty(struct output *o)
{
	o->empty = 1;
}

/* End the output, copy it to its destination, free it; -1 on failure. */
static int
output_finish(struct output *o, int ok)
{
	int	 rc, saved;

	output_end_set(o);
	if (o->format == OUTPUT_JSON && o->nsets > 0)
		fputs(o->nrows > 0 ? "\n]\n" : "]\n", o->fp);
	else if (o->format == OUTPUT_JSON && ok && o->empty)
		fputs("[]\n", o->fp);
	rc = spool_copy(o);
	if (fflush(o->dest) == EOF || ferror(o->dest))
		rc = -1;
	saved = errno;
	fclose(o->fp);
	free(o->mem);
	free(o);
	errno = saved;
	return rc;
}

/* Empty the spool once copied, to fill it again. */
static int
spool_reset(struct output *o)
{
	if (fflush(o->fp) == EOF)
		return -1;
	if (o->mem == NULL && ftruncate(fileno(o->fp), 0) == -1)
		return -1;
	return fseeko(o->fp, 0, SEEK_SET);
}

/*
 * Write what was made so far now and go on with the same result set
 * (last --follow, batch by batch): the machine formats as they are (json
 * closes its array at output_close); a table sizes its columns on the
 * rows so far (table_hold) and prints its header with its first rows.
 * -1 if writing failed (errno set: EPIPE when the reader went away).
 */
int
output_flush(struct output *o)
{
	if (o->format == OUTPUT_TABLE && o->names != NULL) {
		if (o->held == NULL) {
			if ((o->held = calloc(o->ncol + 1,
			    sizeof(*o->held))) == NULL)
				err(1, NULL);
			o->held_new = 1;
		}
		table_flush(o);
		cells_free(o->cells, o->ncells);
		o->cells = NULL;
		o->ncells = o->cellsize = 0;
	}
	if (spool_copy(o) == -1 || fflush(o->dest) == EOF ||
	    ferror(o->dest) || spool_reset(o) == -1)
		return -1;
	return 0;
}

/* Finish the output and free it; -1 if writing failed (errno set). */
int
output_close(struct output *o)
{
	return output_finish(o, 1);
}

/*
 * After a failure: what was made so far is written, a json array closed
 * so that it still parses; no empty array for a result never begun.
 */
void
output_abort(struct output *o)
{
	output_finish(o, 0);
}
