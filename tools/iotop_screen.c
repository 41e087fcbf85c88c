/*
 * iotop_screen.c: the terminal screen of `taskacct iotop` (ncurses).  A
 * title line, a note line, then the round's table as batch mode prints
 * it, made by the output module at the screen's width: the same escaping
 * of hostile task names (nothing but printable ASCII reaches the
 * terminal) and the same column fitting.  Keys: q quits; r, w, t, c sort
 * by read, write, total I/O, CPU; o toggles "only I/O".  A resize redraws
 * the last round at the new size; SIGINT and SIGTERM end cleanly.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "cli.h"
#include "iotop.h"

/* getch waits at most this long, so that a signal is seen soon. */
#define SCREEN_TICK_MS	250

static volatile sig_atomic_t	 screen_stop;

static void
screen_signal(int sig)
{
	(void)sig;
	screen_stop = 1;
}

struct screen {
	struct cmd_ctx		*ctx;
	struct iotop_round	*rd;		/* the last round, or NULL */
	enum iotop_sort		 sort;
	int			 only;
	int64_t			 delay;
	const char		*note;
};

/* The round's table at width cols, as text (escaped by output.c). */
static char *
screen_table(struct screen *s, int cols, size_t *len)
{
	struct output	*out;
	char		*text = NULL;
	FILE		*fp;

	if ((fp = open_memstream(&text, len)) == NULL)
		return NULL;
	out = output_open(fp, OUTPUT_TABLE, s->ctx->out_flags &
	    ~OUTPUT_NOHEADER, (unsigned int)cols);
	iotop_print(s->ctx, out, s->rd, s->only, LINES > 3 ? LINES - 3 : 0);
	output_close(out);
	fclose(fp);
	return text;
}

static void
screen_title(struct screen *s)
{
	char	 when[48] = "", len[32];

	fmt_duration_us(len, sizeof(len), s->delay);
	if (s->rd != NULL)
		fmt_time_us(when, sizeof(when), s->rd->end);
	mvprintw(0, 0, "taskacct iotop  %s  every %s  sort: %s%s  "
	    "[r w t c: sort, o: only I/O, q: quit]", when, len,
	    iotop_sort_names[s->sort], s->only ? ", only I/O" : "");
	if (s->note != NULL)
		mvprintw(1, 0, "%s", s->note);
	else if (s->rd == NULL)
		mvprintw(1, 0, "first round in %s...", len);
}

static void
screen_draw(struct screen *s)
{
	char	*text, *line, *nl;
	size_t	 len;
	int	 y = 2;

	erase();
	if (LINES < 1 || COLS < 1)
		return;
	screen_title(s);
	if (s->rd != NULL && (text = screen_table(s, COLS, &len)) != NULL) {
		for (line = text; y < LINES && *line != '\0'; line = nl + 1) {
			if ((nl = strchr(line, '\n')) == NULL)
				nl = line + strlen(line);
			if (y == 2)
				attron(A_REVERSE);
			mvaddnstr(y, 0, line, (int)(nl - line) < COLS ?
			    (int)(nl - line) : COLS);
			if (y++ == 2)
				attroff(A_REVERSE);
			if (*nl == '\0')
				break;
		}
		free(text);
	}
	refresh();
}

/* A key: 1 to quit. */
static int
screen_key(struct screen *s, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return 1;
	case 'r':
		s->sort = IOTOP_SORT_READ;
		break;
	case 'w':
		s->sort = IOTOP_SORT_WRITE;
		break;
	case 't':
		s->sort = IOTOP_SORT_IO;
		break;
	case 'c':
		s->sort = IOTOP_SORT_CPU;
		break;
	case 'o':
		s->only = !s->only;
		break;
	case KEY_RESIZE:
		break;
	default:
		return 0;
	}
	if (s->rd != NULL)
		iotop_sort(s->rd, s->sort);
	screen_draw(s);
	return 0;
}

int
iotop_screen(struct cmd_ctx *ctx, struct iotop *io, int64_t delay,
    int64_t count, enum iotop_sort sort, int only, const char *note)
{
	struct screen	 s = { ctx, NULL, sort, only, delay, note };
	struct sigaction sa;
	int64_t		 t0, next, report = -1, now, wait, k = 0;
	int64_t		 grace = IOTOP_GRACE_US < delay / 2 ?
			    IOTOP_GRACE_US : delay / 2;
	int		 ch;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = screen_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (initscr() == NULL)
		errx(1, "iotop: cannot draw on this terminal: use -b");
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	t0 = iotop_now();
	iotop_begin(io, t0);
	next = t0 + delay;
	screen_draw(&s);
	while (!screen_stop && (count < 0 || k < count || report != -1)) {
		now = iotop_now();
		if (report != -1 && now >= report) {
			s.rd = iotop_round(io);
			iotop_sort(s.rd, s.sort);
			screen_draw(&s);
			report = -1;
			continue;
		}
		if (report == -1 && now >= next) {
			iotop_pass(io, now);
			k++;
			report = now + grace;
			next += delay;
			if (next < now)
				next = now + delay;	/* fell behind */
			continue;
		}
		wait = (report != -1 ? report : next) - now;
		wait = wait / 1000 + 1;
		timeout(wait < SCREEN_TICK_MS ? (int)wait : SCREEN_TICK_MS);
		if ((ch = getch()) != ERR && screen_key(&s, ch))
			break;
	}
	endwin();
	return 0;
}
