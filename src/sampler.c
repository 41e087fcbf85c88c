/*
 * sampler.c: the sampler thread of taskacctd (--sample-interval).  Every
 * interval it asks the privileged child (src/privsep.c) for a pass, reads
 * the kernel's replies the child forwards, validates every byte of them
 * (the message framing here, each netlink reply with taskget_reply() and
 * the shared decoder, as `taskacct get` does) and hands each thread's
 * counters to the accounting table (src/sampler_acct.c), which makes the
 * activity rows the writer stores.
 *
 * It is a thread of its own so that a pass over 10,000 threads never
 * holds up the loop that drains the exit sockets.  If the child dies
 * (killed, or it failed), the death is logged and sampling stops for the
 * rest of the run: restarting it would need the privilege the daemon gave
 * up.  Exit records are recorded as before, and the threads sampled so far
 * still get their remainder from their exits.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "privsep.h"
#include "queue.h"
#include "sampler.h"
#include "sysinfo.h"
#include "taskacct.h"
#include "taskget.h"

/* A pass that takes longer than this is abandoned (the child is hung). */
#define SAMPLER_PASS_TIMEOUT_MS		120000

struct sampler {
	pthread_t	 thread;
	struct sampler_opts o;
	int		 wake[2];	/* a byte: stop */
	uint32_t	 seq;
	uint32_t	 open_seq;	/* a pass left unfinished, or 0 */
	int		 dead;
	struct log_rate	 rate;
	uint8_t		 buf[PRIVSEP_MSG_MAX] __attribute__((aligned(8)));
};

static int64_t
thread_cpu_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One thread's entry of a PASS_DATA message. */
static void
sampler_entry(struct sampler_pass *sp, const struct privsep_sample *s,
    const void *nl)
{
	static __thread uint8_t	 reply[TASKGET_BUFSZ]
				    __attribute__((aligned(8)));
	struct taskget_req	 req = { sp->family, s->nl_seq,
				    TASK_KIND_THREAD, s->tid };
	struct ts_record	 rec;
	const char		*why;

	memcpy(reply, nl, s->nl_len);
	if (taskget_reply(&req, reply, s->nl_len, 0, 0, &rec, &why) != 0) {
		if (errno == ESRCH) {
			sp->gone++;
			return;
		}
		sp->errors++;
		sp->why = why != NULL ? why : "a reply that answers nothing";
		return;
	}
	if (sacct_sample(sp->acct, &rec, s->tgid, s->time) == -1)
		sp->errors++;
}

/*
 * One message from the child during a pass: 0 taken, -1 refused (sp->why).
 * The child is privileged but not trusted: its framing is checked here,
 * each reply by taskget_reply().
 */
int
sampler_msg(struct sampler_pass *sp, const void *buf, size_t n)
{
	const uint8_t		*p = buf;
	struct privsep_hdr	 h;
	struct privsep_sample	 s;
	struct privsep_pass_end	 e;
	size_t			 off, need;

	if (privsep_check(buf, n, &h, &sp->why) == -1)
		return -1;
	if (h.seq != sp->seq) {
		sp->why = "message for another request";
		return -1;
	}
	p += sizeof(h);
	switch (h.kind) {
	case PRIVSEP_PASS_DATA:
		for (off = 0; off < h.len; off += need) {
			if (h.len - off < sizeof(s)) {
				sp->why = "sample entry cut short";
				return -1;
			}
			memcpy(&s, p + off, sizeof(s));
			need = sizeof(s) + PRIVSEP_ALIGN((size_t)s.nl_len);
			if (s.nl_len == 0 || s.nl_len > TASKGET_BUFSZ ||
			    need > h.len - off || s.tid == 0 || s.tgid == 0) {
				sp->why = "sample entry out of bounds";
				return -1;
			}
			sp->listed++;
			sampler_entry(sp, &s, p + off + sizeof(s));
		}
		return 0;
	case PRIVSEP_PASS_END:
		memcpy(&e, p, sizeof(e));
		if (e.cpu_us < 0 || e.failed > e.listed) {
			sp->why = "pass end out of bounds";
			return -1;
		}
		sp->child_cpu_us = e.cpu_us;
		sp->errors += e.failed;
		sp->done = 1;
		return 0;
	case PRIVSEP_ERROR:
		sp->why = "the privileged child refused the pass";
		sp->errors++;
		sp->done = 1;
		return 0;
	default:
		sp->why = "message of a kind not expected in a pass";
		return -1;
	}
}

/* The child is gone: say how, once, and stop sampling. */
static void
sampler_dead(struct sampler *sa, const char *why)
{
	int	 status = 0;
	pid_t	 r;

	sa->dead = 1;
	/* It closed its end: it is exiting or exited. */
	r = waitpid(sa->o.child, &status, 0);
	if (r == sa->o.child && WIFSIGNALED(status))
		log_warnx("sampler: the privileged child (pid %d) was killed "
		    "by signal %d (%s); live sampling stopped for this run, "
		    "exits are still recorded", (int)sa->o.child,
		    WTERMSIG(status), why);
	else
		log_warnx("sampler: the privileged child (pid %d) ended (%s, "
		    "status %d); live sampling stopped for this run, exits "
		    "are still recorded", (int)sa->o.child, why,
		    r == sa->o.child && WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
}

static void
sampler_pass(struct sampler *sa)
{
	struct sampler_pass	 sp = { sa->o.acct, sa->o.family, ++sa->seq,
				    0, 0, 0, 0, 0, NULL };
	struct sample_pass	 pass;
	struct pollfd		 pfd[2] = { { sa->o.fd, POLLIN, 0 },
				    { sa->wake[0], POLLIN, 0 } };
	int64_t			 t0 = now_mono_ms(), c0 = thread_cpu_us();
	struct timespec		 w0, w1;
	ssize_t			 n;

	clock_gettime(CLOCK_MONOTONIC, &w0);
	sacct_pass_begin(sa->o.acct, now_real_us());
	if (privsep_request(sa->o.fd, PRIVSEP_REQ_PASS, sp.seq, NULL, 0) ==
	    -1) {
		sampler_dead(sa, "request refused");
		goto end;
	}
	sa->open_seq = sp.seq;
	while (!sp.done) {
		if (poll(pfd, 2, 1000) == -1 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			break;		/* stopping */
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (now_mono_ms() - t0 > SAMPLER_PASS_TIMEOUT_MS) {
				log_warnx("sampler: a pass got no answer for "
				    "%d s: abandoned", SAMPLER_PASS_TIMEOUT_MS /
				    1000);
				break;
			}
			continue;
		}
		if ((n = recv(sa->o.fd, sa->buf, sizeof(sa->buf),
		    MSG_DONTWAIT)) <= 0) {
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			sampler_dead(sa, n == 0 ? "end of its socket" :
			    strerror(errno));
			break;
		}
		if (sampler_msg(&sp, sa->buf, (size_t)n) == -1) {
			sp.errors++;
			log_rate_warnx(&sa->rate, "sampler: refused a message "
			    "from the privileged child: %s", sp.why);
		}
	}
	if (sp.done)
		sa->open_seq = 0;
	if (sp.why != NULL && sp.errors > 0)
		log_rate_warnx(&sa->rate, "sampler: %lld replies refused in a "
		    "pass, the last: %s", (long long)sp.errors, sp.why);
end:
	clock_gettime(CLOCK_MONOTONIC, &w1);
	memset(&pass, 0, sizeof(pass));
	pass.time = now_real_us();
	pass.threads = sp.listed;
	pass.gone = sp.gone;
	pass.errors = sp.errors;
	pass.wall_us = (w1.tv_sec - w0.tv_sec) * 1000000 +
	    (w1.tv_nsec - w0.tv_nsec) / 1000;
	pass.cpu_us = thread_cpu_us() - c0 + sp.child_cpu_us;
	sacct_pass_end(sa->o.acct, &pass);
	metrics_sample_pass(sa->o.metrics, (uint64_t)pass.threads);
	log_debug("sampler: pass of %lld threads: %lld rows, %lld gone, "
	    "%lld refused, %lld us, %lld us CPU (child %lld)", (long long)pass.threads,
	    (long long)pass.procs, (long long)pass.gone,
	    (long long)pass.errors, (long long)pass.wall_us,
	    (long long)pass.cpu_us, (long long)sp.child_cpu_us);
}

static void *
sampler_main(void *arg)
{
	struct sampler	*sa = arg;
	struct pollfd	 pfd[2] = { { sa->wake[0], POLLIN, 0 },
			    { sa->o.fd, POLLIN, 0 } };
	int64_t		 next, now, step = sa->o.interval_us / 1000;
	char		 c;

	next = now_mono_ms() + step;
	while (!sa->dead) {
		now = now_mono_ms();
		if (now < next) {
			if (poll(pfd, 2, (int)(next - now)) > 0) {
				if (pfd[0].revents & POLLIN)
					break;
				/* The child speaks unasked: only to die. */
				if (recv(sa->o.fd, &c, 1, MSG_DONTWAIT) <= 0 &&
				    errno != EAGAIN)
					sampler_dead(sa, "end of its socket");
			}
			continue;
		}
		sampler_pass(sa);
		/*
		 * The writer sleeps until there is work: the pass's rows are,
		 * and `taskacct top` should see them now, not at the next
		 * exit or heartbeat.  One wake-up a pass (0.1/s at the
		 * default 10 s).
		 */
		if (sa->o.wake != NULL)
			queue_wake(sa->o.wake);
		/* Missed intervals are skipped, not made up. */
		next += step;
		if ((now = now_mono_ms()) >= next)
			next = now + step;
	}
	return NULL;
}

struct sampler *
sampler_start(const struct sampler_opts *o)
{
	struct sampler	*sa;

	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return NULL;
	sa->o = *o;
	if (pipe2(sa->wake, O_CLOEXEC) == -1) {
		free(sa);
		return NULL;
	}
	if (pthread_create(&sa->thread, NULL, sampler_main, sa) != 0) {
		close(sa->wake[0]);
		close(sa->wake[1]);
		free(sa);
		return NULL;
	}
	return sa;
}

/*
 * Stop the thread for an upgrade (src/upgrade.c), leaving the child and
 * its socket to the next image.  Returns the request of a pass left
 * unfinished (its replies still come), 0 if none, -1 if the child is gone.
 */
int64_t
sampler_release(struct sampler *sa)
{
	int64_t	 r;

	if (write(sa->wake[1], "", 1) != 1)
		log_warn("sampler: stop");
	pthread_join(sa->thread, NULL);
	r = sa->dead ? -1 : (int64_t)sa->open_seq;
	close(sa->wake[0]);
	close(sa->wake[1]);
	free(sa);
	return r;
}

/*
 * Stop the thread (a pass under way ends at the next message), then the
 * child: EOF on its socket makes it exit.
 */
void
sampler_stop(struct sampler *sa)
{
	if (sa == NULL)
		return;
	if (write(sa->wake[1], "", 1) != 1)
		log_warn("sampler: stop");
	pthread_join(sa->thread, NULL);
	close(sa->o.fd);
	if (!sa->dead)
		waitpid(sa->o.child, NULL, 0);
	close(sa->wake[0]);
	close(sa->wake[1]);
	free(sa);
}
