/*
 * sampler_save.c: the live sampler's table (src/sampler_acct.c) handed to
 * the next image at an upgrade in place (SIGUSR2, src/upgrade.c).  Without
 * it a thread sampled before the exec and exiting after it would have its
 * exit counted whole on top of its samples, and one living across it would
 * get a new baseline and lose what it did in between.
 *
 * The old image writes the table into a sealed memfd (upgrade_blob_new)
 * just before the exec; the new one reads it as hostile input: the size
 * first, then the header (magic, version, the counters' number and the
 * entries' sizes, counts within the bound), then every entry, every field
 * within its range, every pad zero, no thread or process twice, every
 * thread's process among those handed over.  Anything wrong refuses the
 * whole table (one line saying what and where); the sampler then starts
 * empty, as a plain start does.  The format is private to two builds of
 * this file: a new image whose table differs bumps SAVE_VERSION, and an
 * old table is then refused, never misread.
 *
 * What is not handed over: a process's sums for the pass under way (there
 * is none: the sampler is stopped, its last pass ended) and the rows not
 * yet written (the writer has committed them all before the exec).
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sampler.h"
#include "sampler_acct.h"
#include "sampler_save.h"
#include "upgrade.h"

/* The largest table a table of a's bound can take, in bytes. */
size_t
sacct_save_max(const struct sacct *a)
{
	return sizeof(struct save_hdr) + a->max_threads *
	    (sizeof(struct save_proc) + sizeof(struct save_thread));
}

static void
save_proc_fill(struct save_proc *sp, const struct sproc *p)
{
	memset(sp, 0, sizeof(*sp));
	sp->tgid = p->tgid;
	sp->flags = (p->ended ? SAVE_P_ENDED : 0) |
	    (p->leader_comm ? SAVE_P_LEADER_COMM : 0);
	sp->lstart = p->lstart;
	sp->end_gen = p->end_gen;
	sp->end_pass = p->end_pass;
	sp->acc_pass = p->acc_pass;
	sp->last_time = p->last_time;
	sp->uid = p->uid;
	sp->ppid = p->ppid;
	memcpy(sp->comm, p->comm, sizeof(sp->comm));
	sp->comm[sizeof(sp->comm) - 1] = '\0';
}

static void
save_thread_fill(struct save_thread *st, const struct sthread *t)
{
	memset(st, 0, sizeof(*st));
	st->tid = t->tid;
	st->proc = t->proc->save_idx;
	st->start_lo = t->start_lo;
	st->start_hi = t->start_hi;
	st->last_time = t->last_time;
	st->flags = (t->sampled ? SAVE_T_SAMPLED : 0) |
	    (t->exited ? SAVE_T_EXITED : 0);
	st->exit_gen = t->exit_gen;
	st->exit_pass = t->exit_pass;
	memcpy(st->v, t->v, sizeof(st->v));
}

/*
 * The table as a blob for the next image (*buf malloc'ed, *len bytes).
 * -1 if no memory, or if a pass is open (the sampler must be stopped).
 */
int
sacct_save(struct sacct *a, void **buf, size_t *len)
{
	struct save_hdr	 h;
	struct sproc	*p;
	struct sthread	*t;
	uint8_t		*b, *o;
	size_t		 i, np = 0, nt = 0;

	pthread_mutex_lock(&a->mu);
	if (a->in_pass)
		goto fail;
	for (i = 0; i < SACCT_BUCKETS; i++)
		for (p = a->pbucket[i]; p != NULL; p = p->next)
			p->save_idx = (uint32_t)np++;
	for (i = 0; i < SACCT_BUCKETS; i++)
		for (t = a->bucket[i]; t != NULL; t = t->next)
			nt++;
	*len = sizeof(h) + np * sizeof(struct save_proc) +
	    nt * sizeof(struct save_thread);
	if ((b = malloc(*len)) == NULL)
		goto fail;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SAVE_MAGIC, sizeof(h.magic));
	h.version = SAVE_VERSION;
	h.ncounters = SAMPLER_NCOUNTERS;
	h.proc_size = sizeof(struct save_proc);
	h.thread_size = sizeof(struct save_thread);
	h.nprocs = (uint32_t)np;
	h.nthreads = (uint32_t)nt;
	h.pass = a->pass;
	h.gen = a->gen;
	h.born_after = a->born_after;
	h.prev_end = a->prev_end;
	h.full_logged = a->full_logged != 0;
	memcpy(b, &h, sizeof(h));
	o = b + sizeof(h);
	for (i = 0; i < SACCT_BUCKETS; i++)
		for (p = a->pbucket[i]; p != NULL; p = p->next) {
			save_proc_fill((struct save_proc *)(void *)o, p);
			o += sizeof(struct save_proc);
		}
	for (i = 0; i < SACCT_BUCKETS; i++)
		for (t = a->bucket[i]; t != NULL; t = t->next) {
			save_thread_fill((struct save_thread *)(void *)o, t);
			o += sizeof(struct save_thread);
		}
	pthread_mutex_unlock(&a->mu);
	*buf = b;
	return 0;
fail:
	pthread_mutex_unlock(&a->mu);
	return -1;
}

static int
in_time(int64_t v)
{
	return v >= -SAVE_TIME_MAX && v <= SAVE_TIME_MAX;
}

/* The header: NULL if it is right, else what is wrong with it. */
static const char *
load_hdr(const struct sacct *a, const void *buf, size_t len,
    struct save_hdr *h)
{
	if (len < sizeof(*h))
		return "shorter than its header";
	memcpy(h, buf, sizeof(*h));
	if (memcmp(h->magic, SAVE_MAGIC, sizeof(h->magic)) != 0)
		return "not a sampler table (magic)";
	if (h->version != SAVE_VERSION)
		return "a format version this binary does not read";
	if (h->ncounters != SAMPLER_NCOUNTERS ||
	    h->proc_size != sizeof(struct save_proc) ||
	    h->thread_size != sizeof(struct save_thread))
		return "counters or entries of another size";
	if (h->nthreads > a->max_threads || h->nprocs > a->max_threads)
		return "more entries than the table holds";
	/* Counts are bounded above: no overflow here. */
	if (len != sizeof(*h) + (size_t)h->nprocs * sizeof(struct save_proc) +
	    (size_t)h->nthreads * sizeof(struct save_thread))
		return "size does not match its counts";
	if (h->pass > SAVE_COUNT_MAX || h->gen > SAVE_COUNT_MAX ||
	    h->born_after < 0 || h->born_after > SAVE_TIME_MAX ||
	    h->prev_end < 0 || h->prev_end > SAVE_TIME_MAX ||
	    h->full_logged > 1 || h->pad != 0)
		return "header field out of range";
	return NULL;
}

/* One process entry: NULL if it is right. */
static const char *
load_proc_check(const struct save_hdr *h, const struct save_proc *sp)
{
	if (sp->tgid == 0 || sp->tgid > INT32_MAX)
		return "tgid out of range";
	if (sp->flags & ~(uint32_t)(SAVE_P_ENDED | SAVE_P_LEADER_COMM))
		return "unknown flags";
	if (!in_time(sp->lstart) || sp->last_time < 0 ||
	    sp->last_time > SAVE_TIME_MAX)
		return "time out of range";
	if (sp->end_gen > h->gen || sp->end_pass > h->pass ||
	    sp->acc_pass > h->pass)
		return "pass or commit ahead of the table's";
	if (sp->uid < -1 || sp->uid > UINT32_MAX || sp->ppid < -1 ||
	    sp->ppid > UINT32_MAX)
		return "uid or ppid out of range";
	if (sp->comm[sizeof(sp->comm) - 1] != '\0')
		return "command name not terminated";
	return NULL;
}

/* One thread entry: NULL if it is right. */
static const char *
load_thread_check(const struct save_hdr *h, const struct save_thread *st)
{
	size_t	 i;

	if (st->tid == 0 || st->tid > INT32_MAX)
		return "tid out of range";
	if (st->proc >= h->nprocs)
		return "its process is not in the table";
	if (st->flags == 0 ||
	    (st->flags & ~(uint32_t)(SAVE_T_SAMPLED | SAVE_T_EXITED)))
		return "flags out of range";
	if (st->pad != 0)
		return "padding not zero";
	if (!in_time(st->start_lo) || !in_time(st->start_hi) ||
	    st->start_lo > st->start_hi ||
	    st->start_hi - st->start_lo > SAVE_START_SPAN ||
	    st->last_time < 0 || st->last_time > SAVE_TIME_MAX)
		return "time out of range";
	if (st->exit_gen > h->gen || st->exit_pass > h->pass)
		return "pass or commit ahead of the table's";
	for (i = 0; i < SAMPLER_NCOUNTERS; i++)
		if (st->v[i] < 0)
			return "a counter below zero";
	return NULL;
}

static struct sproc *
load_proc(struct sacct *a, const struct save_proc *sp, const char **why)
{
	struct sproc	*p;
	size_t		 h = sacct_hash(sp->tgid);

	for (p = a->pbucket[h]; p != NULL; p = p->next)
		if (p->tgid == sp->tgid && llabs(p->lstart - sp->lstart) <=
		    SACCT_PROC_TOL_US) {
			*why = "the same process twice";
			return NULL;
		}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	p->tgid = sp->tgid;
	p->lstart = sp->lstart;
	p->ended = (sp->flags & SAVE_P_ENDED) != 0;
	p->leader_comm = (sp->flags & SAVE_P_LEADER_COMM) != 0;
	p->end_gen = sp->end_gen;
	p->end_pass = sp->end_pass;
	p->acc_pass = sp->acc_pass;
	p->last_time = sp->last_time;
	p->uid = sp->uid;
	p->ppid = sp->ppid;
	memcpy(p->comm, sp->comm, sizeof(p->comm));
	p->next = a->pbucket[h];
	a->pbucket[h] = p;
	return p;
}

static int
load_thread(struct sacct *a, const struct save_thread *st, struct sproc *p,
    const char **why)
{
	struct sthread	*t;
	size_t		 h = sacct_hash(st->tid);

	for (t = a->bucket[h]; t != NULL; t = t->next)
		if (t->tid == st->tid && t->start_lo <= st->start_hi &&
		    st->start_lo <= t->start_hi) {
			*why = "the same thread twice";
			return -1;
		}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	t->tid = st->tid;
	t->proc = p;
	t->start_lo = st->start_lo;
	t->start_hi = st->start_hi;
	t->last_time = st->last_time;
	t->sampled = (st->flags & SAVE_T_SAMPLED) != 0;
	t->exited = (st->flags & SAVE_T_EXITED) != 0;
	t->exit_gen = st->exit_gen;
	t->exit_pass = st->exit_pass;
	memcpy(t->v, st->v, sizeof(t->v));
	p->refs++;
	t->next = a->bucket[h];
	a->bucket[h] = t;
	a->nthreads++;
	return 0;
}

/*
 * Fill a, a new empty table, from a blob sacct_save() made (hostile input:
 * see the top of this file).  0, or -1 with err (one printable line) and
 * a left empty.
 */
int
sacct_load(struct sacct *a, const void *buf, size_t len, char *err,
    size_t errlen)
{
	struct save_hdr		 h;
	struct save_proc	 sp;
	struct save_thread	 st;
	struct sproc		**procs = NULL;
	const uint8_t		*o;
	const char		*why;
	uint32_t		 i;

	pthread_mutex_lock(&a->mu);
	if ((why = load_hdr(a, buf, len, &h)) != NULL) {
		snprintf(err, errlen, "%zu bytes: %s", len, why);
		goto fail;
	}
	if (h.nprocs > 0 && (procs = calloc(h.nprocs, sizeof(*procs))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	o = (const uint8_t *)buf + sizeof(h);
	for (i = 0; i < h.nprocs; i++, o += sizeof(sp)) {
		memcpy(&sp, o, sizeof(sp));
		if ((why = load_proc_check(&h, &sp)) != NULL ||
		    (procs[i] = load_proc(a, &sp, &why)) == NULL) {
			snprintf(err, errlen, "process %u of %u (tgid %u): %s",
			    i + 1, h.nprocs, sp.tgid, why);
			goto fail;
		}
	}
	for (i = 0; i < h.nthreads; i++, o += sizeof(st)) {
		memcpy(&st, o, sizeof(st));
		if ((why = load_thread_check(&h, &st)) != NULL ||
		    load_thread(a, &st, procs[st.proc], &why) == -1) {
			snprintf(err, errlen, "thread %u of %u (tid %u): %s",
			    i + 1, h.nthreads, st.tid, why);
			goto fail;
		}
	}
	a->pass = h.pass;
	a->gen = h.gen;
	a->born_after = h.born_after;
	a->prev_end = h.prev_end;
	a->full_logged = (int)h.full_logged;
	pthread_mutex_unlock(&a->mu);
	free(procs);
	return 0;
fail:
	sacct_empty(a);
	pthread_mutex_unlock(&a->mu);
	free(procs);
	return -1;
}

/*
 * The table as a sealed memfd for the next image (src/upgrade_blob.c):
 * its descriptor, or -1 and err.
 */
int
sacct_handover(struct sacct *a, char *err, size_t errlen)
{
	void	*buf;
	size_t	 len;
	int	 fd;

	if (sacct_save(a, &buf, &len) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fd = upgrade_blob_new("taskacct-sampler", buf, len, err, errlen);
	free(buf);
	return fd;
}

/*
 * Fill a, a new empty table, from the memfd fd the previous image handed
 * over, and close fd.  0, or -1 with err and a left empty.
 */
int
sacct_adopt(struct sacct *a, int fd, char *err, size_t errlen)
{
	void	*m;
	size_t	 len;
	int	 r = -1;

	if ((m = upgrade_blob_map(fd, sacct_save_max(a), &len, err,
	    errlen)) != NULL) {
		r = sacct_load(a, m, len, err, errlen);
		munmap(m, len);
	}
	close(fd);
	return r;
}
