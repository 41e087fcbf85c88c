/*
 * gendb.c: builds a large, realistic taskacct database for benchmarks, and
 * measures what the recorder's INSERT costs on a database of that size.
 *
 * The schema is the real one (taskacct_schema_sql) and the INSERT and the
 * rollups are src/store.c's (src/sqlbuild.c), so the file is what taskacctd
 * would have written.  Rows come from a small process model: jobs
 * (builds under make -jN, git, shell commands, cron, service helpers,
 * database backends, multi-threaded programs, fork storms) arrive over the
 * days with a working-hours rhythm and spawn process trees; PIDs are
 * allocated the kernel's way and wrap at 32768, so they are reused many
 * times; exits come out of a heap in time order.  Lifetimes are log-normal
 * per command (100 us to hours), command frequencies Zipf-like.  Several
 * recorder runs leave gaps (one crashed, one across a reboot); storms lose
 * records into the losses table.  The output is a function of the options
 * and the seed only.
 *
 *   gendb [-n ROWS] [--days D] [--seed S] [--end EPOCH] -o PATH
 *   gendb --append ROWS [--batch N] [--per-batch SQL] [--cache-kib N]
 *       [--no-ranked] [--no-ptotals] -o PATH
 *
 * --append measures the daemon's insert path on an existing database: rows
 * are generated in memory first, then inserted like the writer does (WAL,
 * synchronous=NORMAL, default cache, one transaction of --batch rows with
 * the run's heartbeat UPDATE) while wall and CPU time are measured.
 * --per-batch runs one more statement in each transaction, with the
 * batch's first and last row ids bound to ?1 and ?2: the cost of keeping
 * a summary table up to date.  --cache-kib sets SQLite's page cache (the
 * recorder keeps the default, 2 MiB).  The per-hour top-K candidates
 * (src/ranked.c) are kept at each commit as the recorder keeps them, unless
 * --no-ranked (their cost is the difference); so are the per-process totals
 * (src/proctotals.c, proc_totals), unless --no-ptotals.  A generated
 * database gets its proc_totals from the fill of sql/migrate-5.sql, which
 * tests/ptotals_fill.sh shows equal to what taskacctd writes.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fields.h"
#include "proctotals.h"
#include "ranked.h"
#include "sqlbuild.h"
#include "store.h"
#include "taskacct.h"
#include "taskstats_proto.h"

#define GEN_ROWS_DEFAULT	10000000LL
#define GEN_DAYS_DEFAULT	7.0
/* 2026-11-26 00:00:00 UTC: a fixed end keeps the output seed-determined. */
#define GEN_END_DEFAULT		1795651200LL
#define GEN_BATCH_ROWS		100000
#define GEN_APPEND_BATCH	8192	/* WRITER_FLUSH_ROWS */
#define GEN_PER_BATCH_MAX	8	/* --per-batch statements */
#define GEN_TS_VERSION		16	/* what a 6.18 kernel sends */
#define GEN_PID_MAX		32768
#define GEN_PID_RESERVED	300	/* the kernel skips these on wrap */
#define GEN_NCPU		8
#define USEC			1000000LL
#define HOUR_US			(3600 * USEC)
#define DAY_US			(24 * HOUR_US)

/* ---- random numbers: xoshiro256**, seeded by splitmix64 ---- */

struct rng {
	uint64_t	 s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	int	 i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t	*s = r->s, res, t;

	res = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = s[3] << 45 | s[3] >> 19;
	return res;
}

/* Uniform in [0, 1). */
static double
rng_unit(struct rng *r)
{
	return (rng_next(r) >> 11) * 0x1.0p-53;
}

static int64_t
rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static int
rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

static double
rng_normal(struct rng *r)
{
	double	 u = rng_unit(r), v = rng_unit(r);

	return sqrt(-2.0 * log(u + 1e-300)) * cos(2.0 * M_PI * v);
}

/* Log-normal with the given median. */
static double
rng_lognorm(struct rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

static double
rng_exp(struct rng *r, double mean)
{
	return -mean * log(1.0 - rng_unit(r));
}

/* ---- commands ---- */

/*
 * One command: median lifetime, log-normal spread, CPU share of its
 * lifetime, system share of that CPU, typical peak RSS and I/O.
 */
struct comm_def {
	const char	*name;
	uint32_t	 life_us;
	float		 sigma;
	float		 cpu;
	float		 sys;
	uint32_t	 rss_kib;
	uint32_t	 io_kib;
	uint8_t		 forks;		/* forks children: COW copies */
};

enum {
	C_MAKE, C_SH, C_GCC, C_CC1, C_CC1PLUS, C_AS, C_COLLECT2, C_LD, C_AR,
	C_SED, C_GREP, C_RM, C_MKDIR, C_INSTALL, C_PERL, C_PYTHON3, C_GIT,
	C_SSH, C_LESS, C_BASH, C_SSHD_SESSION, C_CRON, C_RUN_PARTS,
	C_LOGROTATE, C_POSTGRES, C_DATE, C_SLEEP, C_EXPR, C_AWK, C_SYSTEMCTL,
	C_TMPFILES, C_APT, C_DPKG, C_JAVA, C_NODE, C_FIREFOX, C_CARGO,
	C_RUSTC, C_GZIP, C_TAR, C_CURL, C_GNOME, C_CONTAINERD, C_HEAD,
	C_GIT_REMOTE, C_PAGER_CAT, C__BASE
};

static const struct comm_def comm_base[C__BASE] = {
	[C_MAKE] =	{ "make", 2000000, 1.6, 0.05, 0.3, 6000, 200, 1 },
	[C_SH] =	{ "sh", 400000, 1.4, 0.01, 0.6, 1500, 8, 1 },
	[C_GCC] =	{ "gcc", 500000, 1.2, 0.01, 0.5, 3000, 30, 1 },
	[C_CC1] =	{ "cc1", 400000, 1.1, 0.95, 0.08, 90000, 900, 0 },
	[C_CC1PLUS] =	{ "cc1plus", 1500000, 1.1, 0.95, 0.06, 300000, 3000, 0 },
	[C_AS] =	{ "as", 20000, 0.8, 0.8, 0.2, 12000, 400, 0 },
	[C_COLLECT2] =	{ "collect2", 300000, 1.0, 0.02, 0.5, 4000, 20, 1 },
	[C_LD] =	{ "ld", 250000, 1.0, 0.85, 0.2, 120000, 30000, 0 },
	[C_AR] =	{ "ar", 20000, 0.8, 0.6, 0.4, 3000, 8000, 0 },
	[C_SED] =	{ "sed", 1200, 0.7, 0.5, 0.5, 2000, 30, 0 },
	[C_GREP] =	{ "grep", 2000, 1.2, 0.5, 0.4, 2500, 200, 0 },
	[C_RM] =	{ "rm", 700, 0.6, 0.4, 0.8, 1600, 1, 0 },
	[C_MKDIR] =	{ "mkdir", 500, 0.5, 0.4, 0.8, 1500, 1, 0 },
	[C_INSTALL] =	{ "install", 1500, 0.7, 0.4, 0.7, 1700, 300, 0 },
	[C_PERL] =	{ "perl", 60000, 1.3, 0.7, 0.2, 9000, 200, 1 },
	[C_PYTHON3] =	{ "python3", 400000, 2.0, 0.5, 0.2, 25000, 800, 1 },
	[C_GIT] =	{ "git", 30000, 1.5, 0.5, 0.4, 8000, 3000, 1 },
	[C_SSH] =	{ "ssh", 1500000, 1.8, 0.05, 0.5, 7000, 400, 0 },
	[C_LESS] =	{ "less", 30000000, 1.5, 0.001, 0.5, 2500, 100, 0 },
	[C_BASH] =	{ "bash", 3000, 1.0, 0.3, 0.5, 4000, 20, 1 },
	[C_SSHD_SESSION] = { "sshd-session", 3600000000U, 1.0, 0.002, 0.6,
			    7000, 2000, 1 },
	[C_CRON] =	{ "cron", 80000, 1.0, 0.05, 0.6, 2800, 5, 1 },
	[C_RUN_PARTS] =	{ "run-parts", 2000000, 1.0, 0.02, 0.6, 1800, 10, 1 },
	[C_LOGROTATE] =	{ "logrotate", 60000, 1.0, 0.4, 0.5, 3500, 2000, 1 },
	[C_POSTGRES] =	{ "postgres", 150000, 2.5, 0.3, 0.3, 24000, 600, 0 },
	[C_DATE] =	{ "date", 500, 0.4, 0.5, 0.6, 1400, 1, 0 },
	[C_SLEEP] =	{ "sleep", 1000000, 1.5, 0.0005, 0.9, 1300, 1, 0 },
	[C_EXPR] =	{ "expr", 400, 0.4, 0.5, 0.6, 1300, 1, 0 },
	[C_AWK] =	{ "awk", 3000, 1.0, 0.6, 0.4, 2600, 100, 0 },
	[C_SYSTEMCTL] =	{ "systemctl", 20000, 0.8, 0.3, 0.5, 6000, 10, 0 },
	[C_TMPFILES] =	{ "systemd-tmpfile", 40000, 0.8, 0.3, 0.7, 5000, 50, 0 },
	[C_APT] =	{ "apt-get", 4000000, 1.2, 0.3, 0.3, 60000, 20000, 1 },
	[C_DPKG] =	{ "dpkg", 300000, 1.2, 0.3, 0.5, 20000, 10000, 1 },
	[C_JAVA] =	{ "java", 60000000, 2.0, 0.3, 0.1, 600000, 5000, 0 },
	[C_NODE] =	{ "node", 20000000, 2.0, 0.2, 0.2, 120000, 2000, 1 },
	[C_FIREFOX] =	{ "firefox", 1800000000U, 1.0, 0.05, 0.3, 900000,
			    40000, 1 },
	[C_CARGO] =	{ "cargo", 60000000, 1.3, 0.05, 0.3, 90000, 3000, 1 },
	[C_RUSTC] =	{ "rustc", 8000000, 1.2, 0.9, 0.05, 500000, 8000, 0 },
	[C_GZIP] =	{ "gzip", 200000, 1.5, 0.95, 0.05, 1800, 30000, 0 },
	[C_TAR] =	{ "tar", 500000, 1.5, 0.3, 0.6, 3000, 60000, 1 },
	[C_CURL] =	{ "curl", 300000, 1.5, 0.05, 0.4, 9000, 5000, 0 },
	[C_GNOME] =	{ "gnome-shell", 1800000000U, 1.0, 0.03, 0.3, 300000,
			    3000, 1 },
	[C_CONTAINERD] = { "containerd", 900000000, 1.0, 0.01, 0.4, 60000, 1000,
			    1 },
	[C_HEAD] =	{ "head", 600, 0.5, 0.3, 0.7, 1400, 4, 0 },
	[C_GIT_REMOTE] = { "git-remote-http", 800000, 1.2, 0.1, 0.3, 15000,
			    20000, 0 },
	[C_PAGER_CAT] =	{ "cat", 800, 0.8, 0.4, 0.7, 1500, 50, 0 },
};

/*
 * Everything else people run, most common first: picked with Zipf-like
 * weights; lifetimes and sizes are derived from a hash of the name.
 */
static const char *const misc_names[] = {
	"ls", "cat", "vim", "grep", "less", "cd-hook", "ps", "top", "git",
	"man", "find", "du", "df", "tail", "ssh", "cp", "mv", "diff", "htop",
	"tmux", "wc", "sort", "uniq", "cut", "tr", "xargs", "file", "stat",
	"which", "env", "id", "whoami", "hostname", "uname", "uptime", "free",
	"dmesg", "journalctl", "systemctl", "ip", "ss", "ping", "curl", "wget",
	"scp", "rsync", "tar", "gzip", "zstd", "xz", "unzip", "zip", "make",
	"cmake", "ninja", "meson", "gdb", "strace", "ltrace", "perf", "valgrind",
	"objdump", "readelf", "nm", "strip", "ldd", "pkg-config", "autoconf",
	"automake", "libtool", "m4", "bison", "flex", "clang", "clang-format",
	"clangd", "ccache", "distcc", "go", "gofmt", "rustup", "cargo", "npm",
	"yarn", "pip", "pip3", "virtualenv", "pytest", "tox", "black", "flake8",
	"mypy", "ruby", "gem", "bundle", "irb", "lua", "php", "node", "deno",
	"java", "javac", "mvn", "gradle", "sbt", "docker", "podman", "kubectl",
	"helm", "terraform", "ansible", "ansible-playb", "vagrant", "nano",
	"emacs", "code", "nvim", "jq", "yq", "sqlite3", "psql", "mysql",
	"redis-cli", "mongosh", "openssl", "gpg", "gpg-agent", "ssh-add",
	"ssh-keygen", "sudo", "su", "passwd", "chmod", "chown", "chgrp", "ln",
	"touch", "mkdir", "rmdir", "rm", "readlink", "realpath", "basename",
	"dirname", "date", "cal", "bc", "dc", "seq", "yes", "true", "false",
	"test", "printf", "echo", "sleep", "timeout", "watch", "nice", "ionice",
	"taskset", "chrt", "numactl", "lscpu", "lsblk", "lsof", "lspci",
	"lsusb", "blkid", "mount", "umount", "fdisk", "parted", "mkfs.ext4",
	"fsck", "e2fsck", "tune2fs", "iostat", "vmstat", "mpstat", "sar",
	"pidstat", "iotop", "nethogs", "iftop", "tcpdump", "nmap", "nc",
	"socat", "dig", "host", "nslookup", "traceroute", "mtr", "whois",
	"ethtool", "iw", "nmcli", "resolvectl", "hostnamectl", "timedatectl",
	"localectl", "loginctl", "busctl", "udevadm", "modprobe", "lsmod",
	"insmod", "rmmod", "sysctl", "ulimit-wrap", "crontab", "at", "batch",
	"logger", "wall", "write", "mesg", "script", "screen", "mosh-server",
	"awk", "gawk", "mawk", "sed", "perl", "python3.11", "python3.12",
	"ipython3", "jupyter-lab", "R", "Rscript", "octave", "julia", "ghc",
	"stack", "cabal", "ocaml", "opam", "dune", "erl", "elixir", "mix",
	"swift", "kotlin", "scala", "groovy", "dotnet", "mono", "zig",
	"nasm", "yasm", "qemu-system-x86", "virsh", "ffmpeg", "convert",
	"identify", "gs", "pdftotext", "pandoc", "latexmk", "pdflatex",
	"xelatex", "bibtex", "dot", "gnuplot", "inkscape", "gimp", "blender",
	"backup.sh", "deploy.sh", "check_disk", "check_load", "nagios-plugin",
	"collectd-exec", "telegraf-exec", "node_exporter", "prometheus-tool",
	"certbot", "acme.sh", "borg", "restic", "duplicity", "rclone",
	"updatedb", "mandb", "apt-check", "unattended-upgr", "needrestart",
	"fwupdmgr", "snap", "flatpak", "a.out", "test_main", "bench", "run.sh",
};
#define MISC_N	(sizeof(misc_names) / sizeof(misc_names[0]))

/* Worker thread names of multi-threaded programs. */
static const char *const thr_java[] = { "java", "GC Thread#0", "GC Thread#1",
	"C2 CompilerThre", "C1 CompilerThre", "VM Thread", "G1 Main Marker",
	"Reference Handl", "Finalizer", "Common-Cleaner", "pool-1-thread-1",
	"ForkJoinPool-1-", "Signal Dispatch", "VM Periodic Tas" };
static const char *const thr_node[] = { "node", "libuv-worker",
	"V8 DefaultWorke", "node" };
static const char *const thr_firefox[] = { "Isolated Web Co", "Web Content",
	"Socket Thread", "IPC I/O Child", "Timer", "DOM Worker", "StreamTrans #1",
	"ImageIO", "Backgro~Pool #1", "Renderer", "WRWorker#1", "MediaDecoderSt",
	"DNS Resolver #1", "mozStorage #1" };
static const char *const thr_rust[] = { "rustc", "opt cgu.00", "opt cgu.01",
	"LTO", "coordinator", "rayon-worker", "jobserver" };
static const char *const thr_py[] = { "python3", "ThreadPoolExecu",
	"python3", "asyncio_0" };
static const char *const thr_go[] = { "containerd", "containerd-shim",
	"runc", "runc:[2:INIT]" };
static const char *const thr_gnome[] = { "gmain", "gdbus", "pool-0",
	"dconf worker", "gnome-shell" };
static const char *const thr_git[] = { "git" };

struct thread_set {
	const char *const	*names;
	size_t			 n;
};
#define TSET(a)	{ a, sizeof(a) / sizeof(a[0]) }

/* ---- users ---- */

struct user {
	uint32_t	 uid;
	uint32_t	 gid;
	int		 human;
};

static const struct user users[] = {
	{ 0, 0, 0 }, { 1, 1, 0 }, { 33, 33, 0 }, { 100, 102, 0 },
	{ 104, 110, 0 }, { 112, 118, 0 }, { 998, 998, 0 }, { 65534, 65534, 0 },
	{ 1000, 1000, 1 }, { 1001, 1001, 1 }, { 1002, 1002, 1 },
	{ 1003, 1003, 1 }, { 1004, 1004, 1 }, { 1005, 100, 1 },
	{ 1006, 100, 1 }, { 1007, 100, 1 }, { 1010, 1010, 1 },
	{ 1011, 1011, 1 }, { 1012, 1012, 1 }, { 1020, 1020, 1 },
};
#define NUSERS		(sizeof(users) / sizeof(users[0]))
#define U_ROOT		0
#define U_WWW		2
#define U_POSTGRES	5
#define U_RUNNER	6
#define U_HUMAN0	8
#define NHUMANS		(NUSERS - U_HUMAN0)

/* ---- processes ---- */

/*
 * A task of the model.  Jobs create them ahead of time; the pid, parent
 * pid and thread group id are filled in when the simulation reaches the
 * start (pids are allocated in fork order, as the kernel does), the row
 * is written when it reaches the exit.  A parent reference is a node
 * index (>= 0) or a fixed pid, negated (-1: init).
 */
struct proc {
	int64_t		 start_us;
	int64_t		 exit_us;
	int64_t		 gstart_us;	/* thread group start */
	uint64_t	 seq;		/* creation order: ties, row seed */
	int32_t		 pid;
	int32_t		 ppid;
	int32_t		 tgid;
	int32_t		 status;	/* wait status */
	int32_t		 parent;	/* node, or -pid */
	int32_t		 leader;	/* thread: its group leader's node */
	uint16_t	 comm;		/* C_* or C__BASE + misc index */
	uint8_t		 user;
	uint8_t		 flags;		/* AFORK, AGROUP, ... */
	uint8_t		 group;		/* last thread: a group row follows */
	uint8_t		 nice;
	uint8_t		 started;
	const char	*tname;		/* thread name, or NULL: comm's */
};

struct heap {
	uint32_t	*v;
	size_t		 n;
	size_t		 size;
	int		 by_exit;
};

struct run_def {
	int64_t		 start;
	int64_t		 stop;		/* end of listening */
	int		 clean;
	int		 boot;
};

#define NRUNS	4

/* Records lost in a storm: exits in [t0, t1) are not stored. */
struct drop_window {
	int64_t		 t0;
	int64_t		 t1;
	int64_t		 count;
	int		 run;
	const char	*kind;
};
#define MAX_DROPS	4096

struct session {
	int32_t		 bash;
	int64_t		 start;
	int64_t		 end;
};

/* Running sums for a thread group's aggregate row. */
struct group_acc {
	int64_t		 v[16];
	int64_t		 dmax[8];
	int64_t		 dmin[8];
};

struct gen {
	struct rng	 r;
	uint64_t	 seed;
	int64_t		 t0;		/* first microsecond covered */
	int64_t		 t1;		/* last */
	double		 scale;		/* job rate multiplier */
	int64_t		 want;		/* rows to store */
	int64_t		 stored;
	int		 counting;	/* calibration pass: store nothing */

	struct run_def	 runs[NRUNS];
	int64_t		 reboot_at;

	int64_t		 busy_until[GEN_PID_MAX];
	int32_t		 last_pid;
	int		 pid_rebooted;

	struct proc	*pool;		/* nodes; freed at exit */
	size_t		 npool;
	size_t		 poolsz;
	uint32_t	*freelist;
	size_t		 nfree;
	struct heap	 starts;
	struct heap	 exits;
	uint64_t	 seq;

	struct session	 sess[NHUMANS];
	double		 zipf_cdf[MISC_N];
	struct comm_def	 misc[MISC_N];

	struct drop_window drops[MAX_DROPS];
	size_t		 ndrops;

	int64_t		 last_recv;
	struct group_acc *acc;		/* by tgid */

	/* output */
	sqlite3		*db;
	sqlite3_stmt	*ins;
	size_t		 ncols;
	int64_t		*vals;
	uint8_t		*isnull;
	int64_t		 last_thread_row;
	int64_t		 in_batch;
	/* --append: rows kept in memory instead of inserted */
	int64_t		*mem;
	uint8_t		*memnull;
	char		(*memcomm)[TS_COMM_LEN];
	int64_t		 nmem;
};

/* Column indexes into ts_fields, resolved by name once. */
enum {
	F_VERSION, F_EXITCODE, F_FLAG, F_NICE, F_CPU_COUNT, F_CPU_TOTAL,
	F_CPU_MAX, F_CPU_MIN, F_BLKIO_COUNT, F_BLKIO_TOTAL, F_BLKIO_MAX,
	F_BLKIO_MIN, F_RUN_REAL, F_RUN_VIRT, F_COMM, F_SCHED, F_UID, F_GID,
	F_PID, F_PPID, F_BTIME, F_ETIME, F_UTIME, F_STIME, F_MINFLT, F_MAJFLT,
	F_COREMEM, F_VIRTMEM, F_HIRSS, F_HIVM, F_RCHAR, F_WCHAR, F_RSYSC,
	F_WSYSC, F_RBYTES, F_WBYTES, F_CWBYTES, F_NVCSW, F_NIVCSW, F_USCALED,
	F_SSCALED, F_SCALED_REAL, F_FREE_COUNT, F_FREE_TOTAL, F_FREE_MAX,
	F_FREE_MIN, F_BTIME64, F_COMPACT_COUNT, F_COMPACT_TOTAL,
	F_COMPACT_MAX, F_COMPACT_MIN, F_TGID, F_TGETIME, F_EXE_DEV,
	F_EXE_INODE, F_WPCOPY_COUNT, F_WPCOPY_TOTAL, F_WPCOPY_MAX,
	F_WPCOPY_MIN, F_IRQ_COUNT, F_IRQ_TOTAL, F_IRQ_MAX, F_IRQ_MIN, F__N
};

static const char *const gen_field_names[F__N] = {
	"version", "ac_exitcode", "ac_flag", "ac_nice", "cpu_count",
	"cpu_delay_total", "cpu_delay_max", "cpu_delay_min", "blkio_count",
	"blkio_delay_total", "blkio_delay_max", "blkio_delay_min",
	"cpu_run_real_total", "cpu_run_virtual_total", "ac_comm", "ac_sched",
	"ac_uid", "ac_gid", "ac_pid", "ac_ppid", "ac_btime", "ac_etime",
	"ac_utime", "ac_stime", "ac_minflt", "ac_majflt", "coremem", "virtmem",
	"hiwater_rss", "hiwater_vm", "read_char", "write_char",
	"read_syscalls", "write_syscalls", "read_bytes", "write_bytes",
	"cancelled_write_bytes", "nvcsw", "nivcsw", "ac_utimescaled",
	"ac_stimescaled", "cpu_scaled_run_real_total", "freepages_count",
	"freepages_delay_total", "freepages_delay_max", "freepages_delay_min",
	"ac_btime64", "compact_count", "compact_delay_total",
	"compact_delay_max", "compact_delay_min", "ac_tgid", "ac_tgetime",
	"ac_exe_dev", "ac_exe_inode", "wpcopy_count", "wpcopy_delay_total",
	"wpcopy_delay_max", "wpcopy_delay_min", "irq_count",
	"irq_delay_total", "irq_delay_max", "irq_delay_min",
};

/* Meta columns of the INSERT, in bind order (include/sqlbuild.h). */
#define NMETA	TM__COUNT
enum {
	M_RUN = TM_RUN_ID, M_RECV = TM_RECV_TIME, M_KIND = TM_KIND,
	M_TASK = TM_TASK_ID, M_LINK = TM_LINK_ID, M_LEN = TM_TS_LEN
};

static size_t	 fidx[F__N];		/* gen field -> column */

static void
fields_resolve(void)
{
	const struct ts_field	*f;
	size_t			 i;

	for (i = 0; i < F__N; i++) {
		if ((f = ts_field_find(gen_field_names[i])) == NULL)
			errx(1, "field table has no %s: update gendb",
			    gen_field_names[i]);
		fidx[i] = NMETA + (size_t)(f - ts_fields);
	}
}

static int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * USEC + ts.tv_nsec / 1000;
}

static const struct comm_def *
comm_of(const struct gen *g, unsigned int c)
{
	return c < C__BASE ? &comm_base[c] : &g->misc[c - C__BASE];
}

static uint32_t
hash_str(const char *s)
{
	uint32_t	 h = 2166136261U;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619U;
	return h;
}

/* Parameters and Zipf weights of the miscellaneous commands. */
static void
misc_init(struct gen *g)
{
	double	 sum = 0;
	size_t	 i;
	uint32_t h;

	for (i = 0; i < MISC_N; i++) {
		h = hash_str(misc_names[i]);
		g->misc[i] = (struct comm_def){ misc_names[i],
		    (uint32_t)(500.0 * pow(10.0, (h % 1000) / 250.0)), 1.3,
		    (float)((h >> 10) % 90 + 5) / 100.0f,
		    (float)((h >> 17) % 60 + 20) / 100.0f,
		    1200 + (h >> 8) % 40000, (h >> 4) % 2000, (h >> 3) % 2 };
		sum += 1.0 / pow((double)i + 1.0, 1.1);
		g->zipf_cdf[i] = sum;
	}
	for (i = 0; i < MISC_N; i++)
		g->zipf_cdf[i] /= sum;
}

static unsigned int
misc_pick(struct gen *g)
{
	double	 u = rng_unit(&g->r);
	size_t	 lo = 0, hi = MISC_N - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g->zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return C__BASE + (unsigned int)lo;
}

/* ---- runs and time ---- */

static void
runs_init(struct gen *g)
{
	int64_t	 span = g->t1 - g->t0;

	/* A clean restart, a crash found after 20 minutes, a reboot. */
	g->runs[0] = (struct run_def){ g->t0, g->t0 + span * 30 / 100, 1, 0 };
	g->runs[1] = (struct run_def){ g->runs[0].stop + 2 * USEC,
	    g->t0 + span * 55 / 100, 0, 0 };
	g->runs[2] = (struct run_def){ g->runs[1].stop + 20 * 60 * USEC,
	    g->t0 + span * 80 / 100, 1, 0 };
	g->reboot_at = g->runs[2].stop + 60 * USEC;
	g->runs[3] = (struct run_def){ g->reboot_at + 120 * USEC, INT64_MAX,
	    0, 1 };
}

/* The run listening at time t, or -1 in a gap. */
static int
run_at(const struct gen *g, int64_t t)
{
	int	 i;

	for (i = NRUNS - 1; i >= 0; i--)
		if (t >= g->runs[i].start)
			return t < g->runs[i].stop ? i : -1;
	return -1;
}

/* Busy from 8 to 19 on weekdays, quiet at night and at weekends. */
static double
diurnal(const struct gen *g, int64_t t)
{
	int64_t	 dow = (t / DAY_US + 4) % 7;	/* 1970-01-01 was a Thursday */
	double	 h = (double)(t % DAY_US) / HOUR_US;

	(void)g;
	if (dow == 0 || dow == 6)
		return 0.15;
	if (h >= 8 && h < 19)
		return 1.0 + 0.5 * sin(M_PI * (h - 8) / 11);
	return 0.12;
}

/* ---- PIDs: the kernel's cyclic allocator, 300..32767 after a wrap ---- */

static int32_t
pid_alloc(struct gen *g, int64_t start, int64_t end)
{
	int32_t	 pid = g->last_pid;
	int	 tries;

	if (!g->pid_rebooted && start >= g->reboot_at) {
		memset(g->busy_until, 0, sizeof(g->busy_until));
		g->last_pid = 1200;
		pid = g->last_pid;
		g->pid_rebooted = 1;
	}
	for (tries = 0; tries < GEN_PID_MAX; tries++) {
		if (++pid >= GEN_PID_MAX)
			pid = GEN_PID_RESERVED;
		if (g->busy_until[pid] < start) {
			g->busy_until[pid] = end;
			g->last_pid = pid;
			return pid;
		}
	}
	errx(1, "pid space exhausted at %lld", (long long)start);
}

/* ---- nodes and the start and exit heaps ---- */

static uint32_t
node_alloc(struct gen *g)
{
	if (g->nfree > 0)
		return g->freelist[--g->nfree];
	if (g->npool == g->poolsz) {
		g->poolsz = g->poolsz ? g->poolsz * 2 : 65536;
		g->pool = reallocarray(g->pool, g->poolsz, sizeof(*g->pool));
		g->freelist = reallocarray(g->freelist, g->poolsz,
		    sizeof(*g->freelist));
		if (g->pool == NULL || g->freelist == NULL)
			err(1, NULL);
	}
	return (uint32_t)g->npool++;
}

static void
node_free(struct gen *g, uint32_t i)
{
	g->freelist[g->nfree++] = i;
}

static int
node_before(const struct gen *g, const struct heap *h, uint32_t a,
    uint32_t b)
{
	const struct proc	*pa = &g->pool[a], *pb = &g->pool[b];
	int64_t			 ka = h->by_exit ? pa->exit_us : pa->start_us;
	int64_t			 kb = h->by_exit ? pb->exit_us : pb->start_us;

	if (ka != kb)
		return ka < kb;
	return pa->seq < pb->seq;
}

static void
heap_push(struct gen *g, struct heap *h, uint32_t node)
{
	size_t		 i, parent;
	uint32_t	 tmp;

	if (h->n == h->size) {
		h->size = h->size ? h->size * 2 : 65536;
		if ((h->v = reallocarray(h->v, h->size, sizeof(*h->v))) == NULL)
			err(1, NULL);
	}
	i = h->n++;
	h->v[i] = node;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!node_before(g, h, h->v[i], h->v[parent]))
			break;
		tmp = h->v[i];
		h->v[i] = h->v[parent];
		h->v[parent] = tmp;
		i = parent;
	}
}

static uint32_t
heap_pop(struct gen *g, struct heap *h)
{
	size_t		 i = 0, l, r, m;
	uint32_t	 top = h->v[0], tmp;

	h->v[0] = h->v[--h->n];
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < h->n && node_before(g, h, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && node_before(g, h, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		tmp = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = tmp;
		i = m;
	}
	return top;
}

static int64_t
heap_key(const struct gen *g, const struct heap *h)
{
	const struct proc	*p = &g->pool[h->v[0]];

	return h->by_exit ? p->exit_us : p->start_us;
}

/*
 * The simulation reaches a start: the task forks now, so it gets the next
 * free pid; its parent (started earlier) has one already.
 */
static void
node_start(struct gen *g, uint32_t i)
{
	struct proc	*p = &g->pool[i];

	p->started = 1;
	p->pid = pid_alloc(g, p->start_us, p->exit_us);
	p->ppid = p->parent >= 0 ? g->pool[p->parent].pid : -p->parent;
	p->tgid = p->leader >= 0 ? g->pool[p->leader].pid : p->pid;
	heap_push(g, &g->exits, i);
}

/* ---- job construction ---- */

static int64_t
life_of(struct gen *g, unsigned int c)
{
	const struct comm_def	*d = comm_of(g, c);
	double			 v = rng_lognorm(&g->r, d->life_us, d->sigma);

	if (v < 80)
		v = 80 + rng_unit(&g->r) * 40;
	if (v > 12.0 * HOUR_US)
		v = 12.0 * HOUR_US;
	return (int64_t)v;
}

/*
 * A single-threaded process from start to end under parent (a node, or a
 * fixed pid negated); queued for its start, its node returned.  Its exit
 * may still be moved later by the caller, before the simulation gets there.
 */
static int32_t
spawn(struct gen *g, unsigned int c, int user, int32_t parent, int64_t start,
    int64_t end, int status)
{
	uint32_t	 i = node_alloc(g);
	struct proc	*p = &g->pool[i];

	memset(p, 0, sizeof(*p));
	p->start_us = p->gstart_us = start;
	p->exit_us = end > start ? end : start + 1;
	/*
	 * A parent not yet forked waits for its children; one already
	 * running (in the exit heap: its exit stays) is outlived, and the
	 * child's parent at exit is init.
	 */
	if (parent >= 0 && p->exit_us >= g->pool[parent].exit_us) {
		if (g->pool[parent].started)
			parent = -1;
		else
			g->pool[parent].exit_us = p->exit_us + 100;
	}
	p->seq = g->seq++;
	p->parent = parent;
	p->leader = -1;
	p->status = status;
	p->comm = (uint16_t)c;
	p->user = (uint8_t)user;
	p->flags = TS_AGROUP |
	    (users[user].uid == 0 && rng_chance(&g->r, 0.3) ? TS_ASU : 0);
	if (status & 0x7f)
		p->flags |= TS_AXSIG | (status & 0x80 ? TS_ACORE : 0);
	heap_push(g, &g->starts, i);
	return (int32_t)i;
}

/* A random wait status: mostly 0, some failures, a few signals. */
static int
status_pick(struct gen *g, double fail, double killed)
{
	static const int sigs[] = { 9, 15, 2, 13, 11, 6 };
	double	 u = rng_unit(&g->r);
	int	 sig;

	if (u < killed) {
		sig = sigs[rng_range(&g->r, 0, 5)];
		return sig | ((sig == 11 || sig == 6) &&
		    rng_chance(&g->r, 0.5) ? 0x80 : 0);
	}
	if (u < killed + fail)
		return (int)rng_range(&g->r, 1, rng_chance(&g->r, 0.8) ? 2 :
		    127) << 8;
	return 0;
}

/*
 * A multi-threaded process of nthr threads over [start, end]: the leader
 * (main thread) exits last with AGROUP and a group row follows it; the
 * other threads come and go in between.
 */
static int32_t
spawn_threaded(struct gen *g, unsigned int c, const struct thread_set *ts,
    int user, int32_t parent, int64_t start, int64_t end, int nthr,
    int status)
{
	int32_t		 lead, t;
	int64_t		 span = end - start, ts0, te;
	int		 i;

	lead = spawn(g, c, user, parent, start, end, status);
	g->pool[lead].group = nthr > 1;
	for (i = 1; i < nthr; i++) {
		ts0 = start + 1 + (int64_t)(rng_unit(&g->r) * span * 0.9);
		te = ts0 + 1 + (int64_t)(rng_unit(&g->r) * (end - 1 - ts0));
		if (rng_chance(&g->r, 0.4))
			te = end - 1 - (int64_t)rng_range(&g->r, 0, 2000);
		if (te <= ts0)
			te = ts0 + 1;
		if (te >= end)
			te = end - 1;
		t = spawn(g, c, user, parent, ts0, te, 0);
		g->pool[t].leader = lead;
		g->pool[t].gstart_us = start;
		g->pool[t].flags = 0;
		g->pool[t].tname = ts->names[rng_range(&g->r, 0,
		    (int64_t)ts->n - 1)];
	}
	return lead;
}

/* One compile step under make: [sh -c] gcc -> cc1 (cc1plus), as. */
static int64_t
job_compile(struct gen *g, int user, int32_t make, int64_t t, int fail,
    int cxx)
{
	int64_t	 gs, ce, ae, ge, se;
	int32_t	 parent = make, gcc;
	int	 has_sh = rng_chance(&g->r, 0.5);
	int	 st = fail ? 1 << 8 : 0;

	gs = t + (has_sh ? 300 + rng_range(&g->r, 0, 400) : 0);
	ce = gs + 700 + life_of(g, cxx ? C_CC1PLUS : C_CC1);
	ae = fail ? ce : ce + 150 + life_of(g, C_AS);
	ge = ae + 200 + rng_range(&g->r, 0, 300);
	se = ge + 150;
	if (has_sh)
		parent = spawn(g, C_SH, user, make, t, se, st);
	gcc = spawn(g, C_GCC, user, parent, gs, ge, st);
	spawn(g, cxx ? C_CC1PLUS : C_CC1, user, gcc, gs + 600, ce, st);
	if (!fail)
		spawn(g, C_AS, user, gcc, ce + 150, ae, 0);
	return se;
}

/* A helper command make runs between compiles, through sh -c. */
static int64_t
job_make_helper(struct gen *g, int user, int32_t make, int64_t t)
{
	static const unsigned int helpers[] = { C_SED, C_GREP, C_RM, C_MKDIR,
	    C_INSTALL, C_PERL, C_PYTHON3, C_AR, C_AWK, C_PAGER_CAT };
	unsigned int	 c = helpers[rng_range(&g->r, 0, 9)];
	int64_t		 e = t + 400 + life_of(g, c);
	int32_t		 sh;

	sh = spawn(g, C_SH, user, make, t, e + 200, 0);
	spawn(g, c, user, sh, t + 300, e, 0);
	return e + 200;
}

/*
 * make -jN over nfiles compile steps (and maybe sub-makes); returns the
 * exit time; *failed set if a step failed (make exits 2, stops starting).
 */
static int64_t
job_make(struct gen *g, int user, int32_t parent, int64_t start, int depth,
    int *failed)
{
	int64_t	 slot[16], t, end, e;
	int32_t	 make, gcc, c2;
	int	 jobs = 1 << rng_range(&g->r, 0, 3), nfiles, i, k, fail_at = -1;
	int	 cxx = rng_chance(&g->r, 0.25), sub_failed = 0;

	nfiles = (int)rng_lognorm(&g->r, depth ? 25 : 60, 1.2) + 1;
	if (nfiles > 3000)
		nfiles = 3000;
	if (rng_chance(&g->r, 0.04))
		fail_at = (int)rng_range(&g->r, 0, nfiles - 1);
	/* The exit is known at the end; children push it as they go. */
	make = spawn(g, C_MAKE, user, parent, start, start + 1, 0);
	if (depth == 0 && rng_chance(&g->r, 0.1))
		g->pool[make].nice = 10;
	for (k = 0; k < jobs; k++)
		slot[k] = start + 3000 + k * 500;
	for (i = 0; i < nfiles; i++) {
		for (k = 1, t = 0; k < jobs; k++)
			if (slot[k] < slot[t])
				t = k;
		k = (int)t;
		t = slot[k] + 500 + rng_range(&g->r, 0, 1500);
		if (depth < 2 && rng_chance(&g->r, 0.01)) {
			slot[k] = job_make(g, user, make, t, depth + 1,
			    &sub_failed);
			if (sub_failed)
				break;
		} else if (rng_chance(&g->r, 0.15)) {
			slot[k] = job_make_helper(g, user, make, t);
		} else {
			slot[k] = job_compile(g, user, make, t, i == fail_at,
			    cxx);
			if (i == fail_at)
				break;
		}
	}
	for (k = 0, end = start; k < jobs; k++)
		if (slot[k] > end)
			end = slot[k];
	if (fail_at < 0 && !sub_failed && depth == 0) {
		/* link: gcc -> collect2 -> ld */
		t = end + 200;
		e = end + 300 + life_of(g, C_LD);
		gcc = spawn(g, C_GCC, user, make, t, e + 900, 0);
		c2 = spawn(g, C_COLLECT2, user, gcc, t + 400, e + 600, 0);
		spawn(g, C_LD, user, c2, t + 800, e, 0);
		end = e + 1000;
	}
	*failed = fail_at >= 0 || sub_failed;
	end += 500 + rng_range(&g->r, 0, 3000);
	if (end > g->pool[make].exit_us)
		g->pool[make].exit_us = end;
	g->pool[make].status = *failed ? 2 << 8 : 0;
	return g->pool[make].exit_us;
}

/*
 * The user's login shell (sshd-session -> bash), started when needed.
 * A job that outlives it (nohup, tmux) has init as its parent at exit.
 */
static int32_t
session_for(struct gen *g, int hu, int64_t t, int64_t job_end)
{
	struct session	*s = &g->sess[hu];
	int64_t		 life;
	int32_t		 sshd;

	if (s->end <= t || (s->start < g->reboot_at && t >= g->reboot_at)) {
		life = (int64_t)rng_lognorm(&g->r, 3.0 * HOUR_US, 0.8);
		if (life > 14 * HOUR_US)
			life = 14 * HOUR_US;
		s->start = t - 2 * USEC;
		s->end = t + life;
		sshd = spawn(g, C_SSHD_SESSION, U_ROOT, -1, s->start - 300000,
		    s->end + 2000, 0);
		s->bash = spawn(g, C_BASH, U_HUMAN0 + hu, sshd, s->start,
		    s->end, rng_chance(&g->r, 0.1) ? 1 << 8 : 0);
	}
	return job_end < s->end ? s->bash : -1;
}

/* Build: a human in a shell, or the CI runner, runs make. */
static void
job_build(struct gen *g, int64_t t)
{
	int	 hu = (int)rng_range(&g->r, 0, NHUMANS - 1), failed;
	int	 ci = rng_chance(&g->r, 0.3);
	int32_t	 parent = -900;

	if (!ci)
		parent = session_for(g, hu, t, t);
	job_make(g, ci ? U_RUNNER : U_HUMAN0 + hu, parent, t, 0, &failed);
}

/* One interactive command, or a pipeline ending in head (SIGPIPE). */
static void
job_shell(struct gen *g, int64_t t)
{
	int		 hu = (int)rng_range(&g->r, 0, NHUMANS - 1);
	unsigned int	 c = misc_pick(g);
	int64_t		 e = t + life_of(g, c), he;
	int32_t		 parent = session_for(g, hu, t, e);

	if (rng_chance(&g->r, 0.1)) {
		he = t + life_of(g, C_HEAD) + 500;
		parent = session_for(g, hu, t, he + 300);
		spawn(g, C_GREP, U_HUMAN0 + hu, parent, t, he + 300, 13);
		spawn(g, C_HEAD, U_HUMAN0 + hu, parent, t + 100, he, 0);
		return;
	}
	spawn(g, c, U_HUMAN0 + hu, parent, t, e, status_pick(g, 0.05, 0.02));
}

/* git, sometimes with a fetch helper and a pager, pack work threaded. */
static void
job_git(struct gen *g, int64_t t)
{
	static const struct thread_set ts = TSET(thr_git);
	int	 hu = (int)rng_range(&g->r, 0, NHUMANS - 1), user = U_HUMAN0 + hu;
	int64_t	 e = t + life_of(g, C_GIT) + 2000;
	int32_t	 parent, git;

	if (rng_chance(&g->r, 0.2)) {
		e += life_of(g, C_GIT_REMOTE);
		parent = session_for(g, hu, t, e);
		git = spawn_threaded(g, C_GIT, &ts, user, parent, t, e,
		    (int)rng_range(&g->r, 2, 9), 0);
		spawn(g, C_GIT_REMOTE, user, git, t + 1500, e - 1000,
		    status_pick(g, 0.03, 0));
		return;
	}
	parent = session_for(g, hu, t, e);
	git = spawn(g, C_GIT, user, parent, t, e, status_pick(g, 0.05, 0.01));
	if (rng_chance(&g->r, 0.3))
		spawn(g, C_LESS, user, git, t + 800, e - 200, 0);
	else if (rng_chance(&g->r, 0.3))
		spawn(g, C_SSH, user, git, t + 800, e - 200, 0);
}

/* cron: sh -c with one command, now and then run-parts with many. */
static void
job_cron(struct gen *g, int64_t t)
{
	static const unsigned int cmds[] = { C_DATE, C_LOGROTATE, C_PYTHON3,
	    C_CURL, C_GZIP, C_TAR, C_SYSTEMCTL, C_AWK, C_GREP };
	int64_t		 e, u;
	int32_t		 cron, sh;
	unsigned int	 c;
	int		 i, n = rng_chance(&g->r, 0.05) ? (int)rng_range(&g->r,
			    5, 40) : 1;

	cron = spawn(g, C_CRON, U_ROOT, -700, t, t + 1, 0);
	sh = spawn(g, n > 1 ? C_RUN_PARTS : C_SH, U_ROOT, cron, t + 500,
	    t + 501, 0);
	for (i = 0, u = t + 1500; i < n; i++) {
		c = n > 1 ? cmds[rng_range(&g->r, 0, 8)] : cmds[rng_range(&g->r,
		    0, 8)];
		e = u + life_of(g, c);
		spawn(g, c, rng_chance(&g->r, 0.8) ? U_ROOT : U_WWW, sh, u, e,
		    status_pick(g, 0.03, 0.002));
		u = e + 600;
	}
	/* spawn() pushed the parents' exits past their children's */
	g->pool[cron].exit_us += 1500;
}

/* A postgres backend for one connection, forked by the postmaster. */
static void
job_postgres(struct gen *g, int64_t t)
{
	spawn(g, C_POSTGRES, U_POSTGRES, -800, t, t + life_of(g, C_POSTGRES),
	    status_pick(g, 0.01, 0.001));
}

/* A system helper started by systemd, or apt/dpkg now and then. */
static void
job_service(struct gen *g, int64_t t)
{
	static const unsigned int cmds[] = { C_TMPFILES, C_SYSTEMCTL, C_SH,
	    C_PYTHON3, C_TMPFILES, C_SYSTEMCTL, C_SH, C_PYTHON3, C_SH, C_APT };
	unsigned int	 c = cmds[rng_range(&g->r, 0, 9)];
	int64_t		 e = t + life_of(g, c);
	int32_t		 p;
	int		 i;

	p = spawn(g, c, U_ROOT, -1, t, e, status_pick(g, 0.02, 0.005));
	if (c == C_APT)
		for (i = 0; i < 5; i++)
			spawn(g, C_DPKG, U_ROOT, p, t + (e - t) * i / 6 + 1,
			    t + (e - t) * (i + 1) / 6, 0);
}

/* A multi-threaded program: JVM, node, browser, rustc, python, Go. */
static void
job_threaded(struct gen *g, int64_t t)
{
	static const struct thread_set sets[] = { TSET(thr_java),
	    TSET(thr_node), TSET(thr_firefox), TSET(thr_rust), TSET(thr_py),
	    TSET(thr_go), TSET(thr_gnome) };
	static const unsigned int comms[] = { C_JAVA, C_NODE, C_FIREFOX,
	    C_RUSTC, C_PYTHON3, C_CONTAINERD, C_GNOME };
	int	 k = (int)rng_range(&g->r, 0, 6);
	int	 hu = (int)rng_range(&g->r, 0, NHUMANS - 1);
	int	 nthr = (int)rng_lognorm(&g->r, 10, 0.9) + 2;
	int64_t	 e = t + life_of(g, comms[k]);
	int32_t	 parent;

	if (nthr > 400)
		nthr = 400;
	parent = k == 5 ? -1 : session_for(g, hu, t, e);
	spawn_threaded(g, comms[k], &sets[k], k == 5 ? U_ROOT : U_HUMAN0 + hu,
	    parent, t, e, nthr, status_pick(g, 0.02, 0.03));
}

/*
 * A fork storm: a shell loop forking short-lived children back to back
 * (subshells that never exec, date, expr, sed); PIDs wrap within seconds.
 * The recorder loses a slice of it half the time: a loss row with the
 * exact count.
 */
static void
job_storm(struct gen *g, int64_t t)
{
	static const unsigned int cmds[] = { C_BASH, C_DATE, C_EXPR, C_SED };
	int	 hu = (int)rng_range(&g->r, 0, NHUMANS - 1), user = U_HUMAN0 + hu;
	int	 n = (int)rng_lognorm(&g->r, 8000, 0.8), i;
	int64_t	 u = t + 1000, e;
	int32_t	 loop, child;
	unsigned int c;
	struct drop_window *d;

	if (n > 60000)
		n = 60000;
	loop = spawn(g, C_BASH, user, session_for(g, hu, t, t + n * 400LL),
	    t, t + 1, rng_chance(&g->r, 0.3) ? 2 : 0);	/* ^C ends a third */
	for (i = 0; i < n; i++) {
		c = cmds[rng_range(&g->r, 0, 3)];
		e = u + 150 + (int64_t)rng_lognorm(&g->r, 300, 0.5);
		child = spawn(g, c, user, loop, u, e, 0);
		if (c == C_BASH)
			g->pool[child].flags |= TS_AFORK;	/* a subshell */
		u += 60 + (int64_t)rng_exp(&g->r, 120);
	}
	g->pool[loop].exit_us += 2000;
	if (g->ndrops < MAX_DROPS && rng_chance(&g->r, 0.5)) {
		d = &g->drops[g->ndrops++];
		d->t0 = t + (u - t) * rng_range(&g->r, 10, 60) / 100;
		d->t1 = d->t0 + rng_range(&g->r, 20000, 300000);
		d->kind = "kernel_drop";
	}
}

/* ---- rows ---- */

/* Times the kernel samples by tick (250 Hz here): multiples of 4 ms. */
static int64_t
tick_round(struct rng *r, double us)
{
	int64_t	 ticks = (int64_t)(us / 4000.0);

	if (rng_unit(r) < us / 4000.0 - (double)ticks)
		ticks++;
	return ticks * 4000;
}

/* count, total, max, min of one delay category: consistent with each other. */
static void
delay_set(struct gen *g, struct rng *r, int f, int64_t count, double per_ns)
{
	int64_t	*v = g->vals;
	double	 total;

	if (count <= 0)
		return;
	total = count * rng_lognorm(r, per_ns, 0.8);
	v[fidx[f]] = count;
	v[fidx[f + 1]] = (int64_t)total;
	if (count == 1) {
		v[fidx[f + 2]] = v[fidx[f + 3]] = (int64_t)total;
		return;
	}
	v[fidx[f + 2]] = (int64_t)(total / count * (1.0 + rng_unit(r) *
	    (count > 8 ? 8 : count - 1)));
	v[fidx[f + 3]] = (int64_t)(total / count * (0.05 + 0.5 *
	    rng_unit(r)));
}

static const struct comm_def *
fill_common(struct gen *g, const struct proc *p, struct rng *r)
{
	const struct comm_def	*c = comm_of(g, p->comm);
	const struct user	*u = &users[p->user];
	int64_t			*v = g->vals;
	int64_t			 et = p->exit_us - p->start_us;
	double			 cpuf, cpu, sys, rss, io;
	int64_t			 cnt;

	v[fidx[F_VERSION]] = GEN_TS_VERSION;
	v[fidx[F_EXITCODE]] = p->tname != NULL ? 0 : p->status;
	v[fidx[F_FLAG]] = p->tname != NULL ? 0 : p->flags;
	v[fidx[F_NICE]] = p->nice;
	v[fidx[F_UID]] = u->uid;
	v[fidx[F_GID]] = u->gid;
	v[fidx[F_PID]] = p->pid;
	v[fidx[F_PPID]] = p->ppid;
	v[fidx[F_TGID]] = p->tgid;
	v[fidx[F_BTIME]] = v[fidx[F_BTIME64]] = p->start_us / USEC;
	v[fidx[F_ETIME]] = et;
	v[fidx[F_TGETIME]] = p->exit_us - p->gstart_us;
	v[fidx[F_EXE_DEV]] = p->comm >= C__BASE + MISC_N - 4 ? 64769 : 65024;
	v[fidx[F_EXE_INODE]] = 100000 + hash_str(c->name) % 4000000;

	cpuf = c->cpu * rng_lognorm(r, 1.0, 0.4) * (p->tname ? 0.5 : 1.0);
	if (cpuf > 1.0)
		cpuf = 1.0;
	cpu = et * cpuf;
	sys = cpu * c->sys;
	v[fidx[F_UTIME]] = v[fidx[F_USCALED]] = tick_round(r, cpu - sys);
	v[fidx[F_STIME]] = v[fidx[F_SSCALED]] = tick_round(r, sys);
	v[fidx[F_RUN_REAL]] = v[fidx[F_SCALED_REAL]] = (int64_t)(cpu * 1000) +
	    rng_range(r, 0, 999);
	v[fidx[F_RUN_VIRT]] = (int64_t)(cpu * 990);
	v[fidx[F_NVCSW]] = 1 + (int64_t)((et - cpu) / rng_lognorm(r, 4000,
	    1.0));
	v[fidx[F_NIVCSW]] = (int64_t)(cpu / rng_lognorm(r, 6000, 0.8));
	cnt = v[fidx[F_NVCSW]] + v[fidx[F_NIVCSW]] + 1;
	delay_set(g, r, F_CPU_COUNT, cnt, 25000);
	delay_set(g, r, F_IRQ_COUNT, cnt / 30, 3000);

	rss = c->rss_kib * rng_lognorm(r, 1.0, 0.4);
	v[fidx[F_HIRSS]] = (int64_t)rss;
	v[fidx[F_HIVM]] = (int64_t)(rss * (2.5 + 6 * rng_unit(r))) + 2200;
	v[fidx[F_MINFLT]] = (int64_t)(rss / 4 * (0.5 + 2 * rng_unit(r)));
	v[fidx[F_MAJFLT]] = rng_chance(r, 0.04) ? rng_range(r, 1, 60) : 0;
	if (cpu >= 4000) {
		v[fidx[F_COREMEM]] = (int64_t)(rss / 1024 * cpu);
		v[fidx[F_VIRTMEM]] = (int64_t)(v[fidx[F_HIVM]] / 1024.0 * cpu);
	}

	io = c->io_kib * 1024.0 * rng_lognorm(r, 1.0, 1.2);
	v[fidx[F_RCHAR]] = 832 + (int64_t)(io * 0.7);
	v[fidx[F_WCHAR]] = rng_chance(r, 0.7) ? (int64_t)(io * 0.3) : 0;
	v[fidx[F_RSYSC]] = 3 + (int64_t)(v[fidx[F_RCHAR]] /
	    rng_lognorm(r, 8192, 1.0));
	v[fidx[F_WSYSC]] = v[fidx[F_WCHAR]] ? 1 + (int64_t)(v[fidx[F_WCHAR]] /
	    rng_lognorm(r, 4096, 1.0)) : 0;
	if (rng_chance(r, 0.12))
		v[fidx[F_RBYTES]] = (v[fidx[F_RCHAR]] * rng_range(r, 1, 100) /
		    100 + 4095) / 4096 * 4096;
	if (v[fidx[F_WCHAR]] && rng_chance(r, 0.3))
		v[fidx[F_WBYTES]] = (v[fidx[F_WCHAR]] + 4095) / 4096 * 4096;
	if (v[fidx[F_WBYTES]] && rng_chance(r, 0.03))
		v[fidx[F_CWBYTES]] = v[fidx[F_WBYTES]] / 2 / 4096 * 4096;
	delay_set(g, r, F_BLKIO_COUNT, v[fidx[F_MAJFLT]] +
	    (v[fidx[F_RBYTES]] ? v[fidx[F_RBYTES]] / 131072 + 1 : 0), 300000);
	if (rss > 100000 && rng_chance(r, 0.01))
		delay_set(g, r, F_FREE_COUNT, rng_range(r, 1, 30), 200000);
	if (rng_chance(r, 0.0005))
		delay_set(g, r, F_COMPACT_COUNT, rng_range(r, 1, 3), 2000000);
	if (c->forks || rng_chance(r, 0.5))
		delay_set(g, r, F_WPCOPY_COUNT, 1 + (int64_t)rng_lognorm(r,
		    c->forks ? 20 : 2, 1.0), 1500);
	return c;
}

static const int acc_sum[] = { F_CPU_COUNT, F_CPU_TOTAL, F_BLKIO_COUNT,
	F_BLKIO_TOTAL, F_RUN_REAL, F_RUN_VIRT, F_ETIME, F_UTIME, F_STIME,
	F_NVCSW, F_NIVCSW, F_SCALED_REAL, F_WPCOPY_COUNT, F_WPCOPY_TOTAL,
	F_IRQ_COUNT, F_IRQ_TOTAL };
static const int acc_mm[] = { F_CPU_MAX, F_BLKIO_MAX, F_WPCOPY_MAX,
	F_IRQ_MAX };

/* Add a thread's row to its group's running sums. */
static void
acc_add(struct gen *g, int32_t tgid)
{
	struct group_acc	*a = &g->acc[tgid];
	const int64_t		*v = g->vals;
	size_t			 i;
	int64_t			 mx, mn;

	for (i = 0; i < sizeof(acc_sum) / sizeof(acc_sum[0]); i++)
		a->v[i] += v[fidx[acc_sum[i]]];
	for (i = 0; i < sizeof(acc_mm) / sizeof(acc_mm[0]); i++) {
		mx = v[fidx[acc_mm[i]]];
		mn = v[fidx[acc_mm[i] + 1]];
		if (mx > a->dmax[i])
			a->dmax[i] = mx;
		if (mn > 0 && (a->dmin[i] == 0 || mn < a->dmin[i]))
			a->dmin[i] = mn;
	}
}

/* The group row: the kernel fills only sums; comm, ids, times are zero. */
static void
fill_group(struct gen *g, int32_t tgid)
{
	struct group_acc	*a = &g->acc[tgid];
	int64_t			*v = g->vals;
	size_t			 i;

	v[fidx[F_VERSION]] = GEN_TS_VERSION;
	for (i = 0; i < sizeof(acc_sum) / sizeof(acc_sum[0]); i++)
		v[fidx[acc_sum[i]]] = a->v[i];
	for (i = 0; i < sizeof(acc_mm) / sizeof(acc_mm[0]); i++) {
		v[fidx[acc_mm[i]]] = a->dmax[i];
		v[fidx[acc_mm[i] + 1]] = a->dmin[i];
	}
	memset(a, 0, sizeof(*a));
}

static int64_t	*base_vals;
static uint8_t	*base_null;

/* Every column zero, or NULL where a v16 record of 560 bytes has none. */
static void
row_base_init(struct gen *g)
{
	size_t	 i;

	g->ncols = NMETA + ts_nfields + 1;	/* + tail */
	base_vals = calloc(g->ncols, sizeof(*base_vals));
	base_null = calloc(g->ncols, 1);
	g->vals = calloc(g->ncols, sizeof(*g->vals));
	g->isnull = calloc(g->ncols, 1);
	if (!base_vals || !base_null || !g->vals || !g->isnull)
		err(1, NULL);
	for (i = 0; i < ts_nfields; i++)
		base_null[NMETA + i] = !ts_field_present(&ts_fields[i],
		    GEN_TS_VERSION, ts_version_size(GEN_TS_VERSION));
	base_null[M_LINK] = 1;
	base_null[g->ncols - 1] = 1;
	base_vals[M_LEN] = (int64_t)ts_version_size(GEN_TS_VERSION);
}

static void
row_reset(struct gen *g)
{
	memcpy(g->vals, base_vals, g->ncols * sizeof(*g->vals));
	memcpy(g->isnull, base_null, g->ncols);
}

/* ---- output ---- */

static void
db_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
}

/* The INSERT of src/store.c (src/sqlbuild.c): meta, fields, tail. */
static sqlite3_stmt *
db_prepare_insert(sqlite3 *db)
{
	sqlite3_stmt	*st;
	char		*sql;

	if ((sql = sql_task_insert()) == NULL)
		err(1, NULL);
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		errx(1, "prepare insert: %s", sqlite3_errmsg(db));
	free(sql);
	return st;
}

static size_t	 comm_col;

static void
row_bind(sqlite3_stmt *st, size_t ncols, const int64_t *v,
    const uint8_t *isnull, const char *comm)
{
	size_t	 i;

	for (i = 0; i < ncols; i++) {
		if (isnull[i])
			sqlite3_bind_null(st, (int)i + 1);
		else if (i == comm_col)
			sqlite3_bind_text(st, (int)i + 1, comm, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, (int)i + 1, v[i]);
	}
}

static void
row_insert(struct gen *g, const char *comm)
{
	sqlite3_stmt	*st = g->ins;

	if (g->mem != NULL) {
		memcpy(g->mem + g->nmem * g->ncols, g->vals,
		    g->ncols * sizeof(*g->vals));
		memcpy(g->memnull + g->nmem * g->ncols, g->isnull, g->ncols);
		snprintf(g->memcomm[g->nmem], TS_COMM_LEN, "%s", comm);
		g->nmem++;
		return;
	}
	row_bind(st, g->ncols, g->vals, g->isnull, comm);
	if (sqlite3_step(st) != SQLITE_DONE)
		errx(1, "insert: %s", sqlite3_errmsg(g->db));
	sqlite3_reset(st);
	if (++g->in_batch >= GEN_BATCH_ROWS) {
		db_exec(g->db, "COMMIT; BEGIN");
		g->in_batch = 0;
	}
}

static int64_t	 run_last[NRUNS];
static int64_t	 run_rows[NRUNS];

/* A proc has exited: store its row (and its group's), or lose it. */
static void
emit(struct gen *g, const struct proc *p)
{
	struct rng	 r;
	int64_t		 recv;
	int		 run, nrows = p->group ? 2 : 1;
	size_t		 i;
	const struct comm_def *c;

	recv = p->exit_us + 50 + (int64_t)(p->seq % 4000);
	if (recv < g->last_recv)
		recv = g->last_recv;
	run = run_at(g, recv);
	/* Killed by the reboot, or exited while nobody listened. */
	if (run < 0 || (p->start_us < g->reboot_at && recv >= g->reboot_at) ||
	    g->stored + nrows > g->want) {
		if (p->group)
			memset(&g->acc[p->tgid], 0, sizeof(g->acc[0]));
		return;
	}
	for (i = 0; i < g->ndrops; i++)
		if (recv >= g->drops[i].t0 && recv < g->drops[i].t1) {
			g->drops[i].count++;
			g->drops[i].run = run;
			if (p->group)
				memset(&g->acc[p->tgid], 0, sizeof(g->acc[0]));
			return;
		}
	g->last_recv = recv;
	g->stored += nrows;
	run_last[run] = recv;
	run_rows[run] += nrows;
	if (g->counting)
		return;

	rng_seed(&r, g->seed ^ (p->seq * 0xd1342543de82ef95ULL));
	row_reset(g);
	g->vals[M_RUN] = run + 1;
	g->vals[M_RECV] = recv;
	g->vals[M_KIND] = TASK_KIND_THREAD;
	g->vals[M_TASK] = p->pid;
	c = fill_common(g, p, &r);
	if (p->tname != NULL || p->group)
		acc_add(g, p->tgid);
	row_insert(g, p->tname != NULL ? p->tname : c->name);
	if (!p->group)
		return;
	g->last_thread_row = g->mem ? 0 : sqlite3_last_insert_rowid(g->db);
	row_reset(g);
	g->vals[M_RUN] = run + 1;
	g->vals[M_RECV] = recv;
	g->vals[M_KIND] = TASK_KIND_GROUP;
	g->vals[M_TASK] = p->tgid;
	if (g->mem == NULL) {
		g->vals[M_LINK] = g->last_thread_row;
		g->isnull[M_LINK] = 0;
	}
	fill_group(g, p->tgid);
	row_insert(g, "");
}

/* ---- the driver ---- */

enum { J_BUILD, J_SHELL, J_GIT, J_THREADED, J_STORM, J_CRON, J_POSTGRES,
	J_SERVICE, J__N };

static const struct {
	void	(*fn)(struct gen *, int64_t);
	double	 per_hour;	/* at full working-hours load */
	int	 human;		/* follows the working-hours rhythm */
} jobs[J__N] = {
	[J_BUILD] =	{ job_build, 6, 1 },
	[J_SHELL] =	{ job_shell, 300, 1 },
	[J_GIT] =	{ job_git, 30, 1 },
	[J_THREADED] =	{ job_threaded, 12, 1 },
	[J_STORM] =	{ job_storm, 0.012, 1 },
	[J_CRON] =	{ job_cron, 60, 0 },
	[J_POSTGRES] =	{ job_postgres, 300, 0 },
	[J_SERVICE] =	{ job_service, 40, 0 },
};

#define DIURNAL_MAX	1.5

static void
gen_reset(struct gen *g)
{
	rng_seed(&g->r, g->seed);
	memset(g->busy_until, 0, sizeof(g->busy_until));
	g->last_pid = 1200;	/* what boot-time processes have used */
	g->pid_rebooted = 0;
	g->npool = g->nfree = 0;
	g->starts.n = g->exits.n = 0;
	g->starts.by_exit = 0;
	g->exits.by_exit = 1;
	g->seq = 1;
	g->stored = 0;
	g->last_recv = 0;
	g->ndrops = 0;
	memset(g->sess, 0, sizeof(g->sess));
	memset(g->acc, 0, GEN_PID_MAX * sizeof(*g->acc));
	memset(run_last, 0, sizeof(run_last));
	memset(run_rows, 0, sizeof(run_rows));
}

/* Starts and exits up to time t, in time order (a start first on a tie). */
static void
gen_advance(struct gen *g, int64_t t)
{
	int64_t		 ks, ke;
	uint32_t	 i;

	while (g->stored < g->want) {
		ks = g->starts.n ? heap_key(g, &g->starts) : INT64_MAX;
		ke = g->exits.n ? heap_key(g, &g->exits) : INT64_MAX;
		if (ks > t && ke > t)
			break;
		if (ks <= ke) {
			node_start(g, heap_pop(g, &g->starts));
			continue;
		}
		i = heap_pop(g, &g->exits);
		emit(g, &g->pool[i]);
		node_free(g, i);
	}
}

/*
 * Jobs arrive as Poisson processes (thinned by the day's rhythm); each
 * pushes its processes; exits up to the next arrival are stored in order.
 * Runs past t1 if the rows are not there yet, stops at exactly want.
 */
static void
gen_run(struct gen *g)
{
	double		 rate[J__N];
	int64_t		 next[J__N], t;
	int		 k, j;

	gen_reset(g);
	for (k = 0; k < J__N; k++) {
		rate[k] = jobs[k].per_hour * g->scale *
		    (jobs[k].human ? DIURNAL_MAX : 1.0) / HOUR_US;
		next[k] = g->t0 + (int64_t)rng_exp(&g->r, 1.0 / rate[k]);
	}
	while (g->stored < g->want) {
		for (k = 0, j = 1; j < J__N; j++)
			if (next[j] < next[k])
				k = j;
		t = next[k];
		if (g->counting && t >= g->t1)
			break;
		gen_advance(g, t);
		if (!jobs[k].human || rng_unit(&g->r) * DIURNAL_MAX <
		    diurnal(g, t))
			jobs[k].fn(g, t);
		next[k] = t + 1 + (int64_t)rng_exp(&g->r, 1.0 / rate[k]);
	}
}

/* How many rows the model makes at scale 1; scale to get want. */
static void
gen_calibrate(struct gen *g)
{
	int64_t	 want = g->want;

	g->counting = 1;
	g->scale = 1.0;
	g->want = INT64_MAX;
	gen_run(g);
	if (g->stored == 0)
		errx(1, "calibration produced no rows");
	g->scale = (double)want / (double)g->stored;
	g->want = want;
	g->counting = 0;
}

/* ---- database: create ---- */

/* The runs rows: a clean stop, a crash, a clean stop before a reboot. */
static void
db_put_runs(struct gen *g, int64_t run_id0)
{
	static const char *const boots[] = {
	    "5d0c5c1e-7a11-4c5e-9b4e-1f2a3b4c5d6e",
	    "8f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9" };
	sqlite3_stmt	*st;
	int		 i;

	if (sqlite3_prepare_v2(g->db, "INSERT INTO runs (id, boot_id, "
	    "start_time, stop_time, last_alive, clean, hostname, "
	    "kernel_release, ts_version, cpumask, rcvbuf, sockets, daemon_pid, "
	    "taskacct_version) VALUES (?, ?, ?, ?, ?, ?, 'buildhost', "
	    "'6.18.44', ?, '0-7', 67108864, 1, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		errx(1, "runs: %s", sqlite3_errmsg(g->db));
	for (i = 0; i < NRUNS; i++) {
		if (run_rows[i] == 0)
			continue;
		sqlite3_bind_int64(st, 1, run_id0 + i);
		sqlite3_bind_text(st, 2, boots[g->runs[i].boot], -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, g->runs[i].start);
		if (g->runs[i].clean) {
			sqlite3_bind_int64(st, 4, g->runs[i].stop);
			sqlite3_bind_int64(st, 5, g->runs[i].stop);
		} else {
			sqlite3_bind_null(st, 4);
			sqlite3_bind_int64(st, 5, run_last[i]);
		}
		sqlite3_bind_int(st, 6, g->runs[i].clean);
		sqlite3_bind_int(st, 7, GEN_TS_VERSION);
		sqlite3_bind_int(st, 8, 400 + 37 * i);
		sqlite3_bind_text(st, 9, TASKACCT_VERSION, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			errx(1, "runs: %s", sqlite3_errmsg(g->db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static void
db_put_losses(struct gen *g)
{
	sqlite3_stmt	*st;
	size_t		 i;

	if (sqlite3_prepare_v2(g->db, "INSERT INTO losses (run_id, time, "
	    "kind, records) VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		errx(1, "losses: %s", sqlite3_errmsg(g->db));
	for (i = 0; i < g->ndrops; i++) {
		if (g->drops[i].count == 0)
			continue;
		sqlite3_bind_int64(st, 1, g->drops[i].run + 1);
		sqlite3_bind_int64(st, 2, g->drops[i].t1);
		sqlite3_bind_text(st, 3, g->drops[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, g->drops[i].count);
		if (sqlite3_step(st) != SQLITE_DONE)
			errx(1, "losses: %s", sqlite3_errmsg(g->db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

#define MAX_INDEXES	32

static int64_t
db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		errx(1, "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
#define MAX_SQL		8192

/*
 * Fill the rollup tables the way taskacctd keeps them, from their one
 * definition: the sums of include/rollup_def.h over the view rollup_rows
 * (src/sqlbuild.c).  Nothing to do on a schema without them.
 */
static void
db_fill_rollups(sqlite3 *db)
{
	char	*sql, *errmsg = NULL;

	if (db_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('rollup_rows', 'minutes', 'minute_parents')") < 3)
		return;
	if ((sql = sql_rollup_fill()) == NULL)
		err(1, NULL);
	if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
		errx(1, "filling the rollups: %s", errmsg);
	free(sql);
}

/*
 * The hour and day levels of the rollups (schema 4), summed from the
 * minutes as the migration fills them; the daemon's are the same sums
 * (tests/levels.sh checks both).  Nothing to do on a schema without them.
 */
static void
db_fill_levels(sqlite3 *db)
{
	char	*sql, *errmsg = NULL;

	if (db_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('hours', 'days', 'hour_parents', 'day_parents')") < 4)
		return;
	if ((sql = sql_levels_fill()) == NULL)
		err(1, NULL);
	if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
		errx(1, "filling the rollup levels: %s", errmsg);
	free(sql);
}

/*
 * The per-hour top-K candidates (sql/schema.sql "ranked:") the way
 * taskacctd keeps them: its own code (src/ranked.c) folds the rows in,
 * GEN_RANKED_ROWS ids at a time, as commits of that many rows would.
 * Nothing to do on a schema without them.
 */
#define GEN_RANKED_ROWS		65536

static void
db_fill_ranked(sqlite3 *db)
{
	struct ranked	*rk;
	int64_t		 id, last;

	if (db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'ranked_exits'") == 0)
		return;
	if ((rk = ranked_new(db)) == NULL)
		errx(1, "ranked: %s", sqlite3_errmsg(db));
	last = db_int(db, "SELECT coalesce(max(id), 0) FROM tasks");
	for (id = 1; id <= last; id += GEN_RANKED_ROWS)
		if (ranked_fold(rk, id, id + GEN_RANKED_ROWS) == -1)
			errx(1, "ranked: %s", sqlite3_errmsg(db));
	ranked_free(rk);
}

/*
 * The per-process totals (schema 5) as the migration fills them: its
 * section between "-- ptotals: fill." and "-- ptotals: end.".  Nothing to
 * do on a schema without them.
 */
static void
db_fill_ptotals(sqlite3 *db)
{
	const char	*m, *a, *b;
	char		*sql, *errmsg = NULL;

	if (db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'proc_totals'") == 0)
		return;
	m = taskacct_migrations[5];
	if ((a = strstr(m, "-- ptotals: fill.")) == NULL ||
	    (b = strstr(a, "-- ptotals: end.")) == NULL)
		errx(1, "proc_totals: no fill in sql/migrate-5.sql");
	if ((sql = strndup(a, (size_t)(b - a))) == NULL)
		err(1, NULL);
	if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
		errx(1, "filling proc_totals: %s", errmsg);
	free(sql);
}

/* --no-ptotals: append without the per-process totals' upkeep. */
static int	append_no_ptotals;

/* --no-ranked: append without (the cost of the candidates, by difference). */
static int	append_no_ranked;

/* The candidates of an appended batch, as at the recorder's commit. */
static struct ranked *
append_ranked(sqlite3 *db, int off)
{
	struct ranked	*rk;

	if (off || db_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "name = 'ranked_exits'") == 0)
		return NULL;
	if ((rk = ranked_new(db)) == NULL)
		errx(1, "ranked: %s", sqlite3_errmsg(db));
	return rk;
}

/*
 * The schema's indexes on tasks, dropped while rows go in and built at
 * the end (one sort instead of 10M random inserts), from the schema's own
 * CREATE INDEX text, so the file ends up exactly as the schema says.
 */
static size_t
db_take_indexes(sqlite3 *db, char **sqls)
{
	sqlite3_stmt	*st;
	char		 drop[256];
	char		*names[MAX_INDEXES];
	size_t		 n = 0, i;

	if (sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master "
	    "WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL",
	    -1, &st, NULL) != SQLITE_OK)
		errx(1, "indexes: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW && n < MAX_INDEXES) {
		names[n] = strdup((const char *)sqlite3_column_text(st, 0));
		sqls[n] = strdup((const char *)sqlite3_column_text(st, 1));
		if (names[n] == NULL || sqls[n] == NULL)
			err(1, NULL);
		n++;
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++) {
		snprintf(drop, sizeof(drop), "DROP INDEX \"%s\"", names[i]);
		db_exec(db, drop);
		free(names[i]);
	}
	return n;
}

static void
gen_create(struct gen *g, const char *path)
{
	char	 tmp[PATH_MAX], *idx[MAX_INDEXES];
	size_t	 nidx, i;
	int64_t	 t_start, t_rows, t_idx;
	struct stat sb;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		errx(1, "%s: path too long", path);
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &g->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		errx(1, "%s: %s", tmp, sqlite3_errmsg(g->db));
	/* Scratch file: no journal, no syncs; WAL is set at the end. */
	db_exec(g->db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
	    "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; "
	    "PRAGMA threads = 2");
	db_exec(g->db, "BEGIN");
	db_exec(g->db, taskacct_schema_sql);
	nidx = db_take_indexes(g->db, idx);
	db_exec(g->db, "COMMIT");

	t_start = now_us();
	gen_calibrate(g);
	g->ins = db_prepare_insert(g->db);
	db_exec(g->db, "BEGIN");
	gen_run(g);
	db_put_runs(g, 1);
	db_put_losses(g);
	/* The per-minute rollups the recorder keeps with the rows. */
	db_fill_rollups(g->db);
	db_fill_levels(g->db);
	db_fill_ranked(g->db);
	db_fill_ptotals(g->db);
	db_exec(g->db, "COMMIT");
	sqlite3_finalize(g->ins);
	t_rows = now_us();
	for (i = 0; i < nidx; i++) {
		db_exec(g->db, idx[i]);
		free(idx[i]);
	}
	t_idx = now_us();
	db_exec(g->db, "PRAGMA journal_mode = WAL");
	if (sqlite3_close(g->db) != SQLITE_OK)
		errx(1, "%s: close: %s", tmp, sqlite3_errmsg(g->db));
	if (rename(tmp, path) == -1)
		err(1, "rename %s", tmp);
	if (stat(path, &sb) == -1)
		err(1, "%s", path);
	fprintf(stderr, "gendb: %lld rows (scale %.2f) in %.1f s, indexes "
	    "%.1f s, total %.1f s; %lld bytes, %.0f bytes/row\n",
	    (long long)g->stored, g->scale, (t_rows - t_start) / 1e6,
	    (t_idx - t_rows) / 1e6, (t_idx - t_start) / 1e6, (long long)sb.st_size,
	    g->stored ? (double)sb.st_size / g->stored : 0.0);
}

/* ---- database: append like the recorder, timed ---- */

static double
cpu_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The row just inserted, to the per-process totals (store.c's hook). */
static int
append_ptot(struct ptot *pt, const int64_t *v, const uint8_t *nul,
    int64_t run_id, int64_t link, int64_t rowid)
{
	struct pt_row	 r;

	if (v[M_KIND] != TASK_KIND_THREAD)
		return ptot_group(pt, link);
	ptot_row_cols(&r, v + NMETA, nul + NMETA, rowid, run_id, v[M_RECV]);
	return ptot_thread(pt, &r);
}

/*
 * The writer's loop: BEGIN IMMEDIATE, batch rows through the prepared
 * INSERT (a group row linked to the thread row before it), the run's
 * heartbeat UPDATE, COMMIT.
 */
static void
gen_append(struct gen *g, const char *path, int batch, const char *per_batch,
    int64_t cache_kib)
{
	char		 pragma[64];
	sqlite3_stmt	*alive, *pb[GEN_PER_BATCH_MAX];
	struct ranked	*rk;
	struct ptot	*pt = NULL;
	const char	*tail = per_batch;
	size_t		 npb = 0, j;
	int64_t		 first;
	int64_t		 run_id, i, k, last_row = 0, w0, w1, b0, bmax = 0;
	double		 c0, c1;

	if (sqlite3_open_v2(path, &g->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(g->db));
	if (db_int(g->db, "PRAGMA application_id") != TASKACCT_APPLICATION_ID)
		errx(1, "%s is not a taskacct database", path);
	db_exec(g->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = "
	    "NORMAL");
	if (cache_kib > 0) {
		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%lld",
		    (long long)cache_kib);
		db_exec(g->db, pragma);
	}
	g->t0 = db_int(g->db, "SELECT max(recv_time) FROM tasks") + USEC;
	if (g->t0 <= USEC)
		g->t0 = GEN_END_DEFAULT * USEC;
	g->t1 = g->t0 + DAY_US;
	g->runs[0] = (struct run_def){ g->t0, INT64_MAX, 0, 1 };
	for (i = 1; i < NRUNS; i++)
		g->runs[i] = (struct run_def){ INT64_MAX, INT64_MAX, 0, 1 };
	g->reboot_at = INT64_MAX;

	gen_calibrate(g);
	g->mem = calloc((size_t)g->want, g->ncols * sizeof(*g->mem));
	g->memnull = calloc((size_t)g->want, g->ncols);
	g->memcomm = calloc((size_t)g->want, sizeof(*g->memcomm));
	if (!g->mem || !g->memnull || !g->memcomm)
		err(1, NULL);
	gen_run(g);

	run_id = db_int(g->db, "SELECT coalesce(max(id), 0) FROM runs") + 1;
	db_exec(g->db, "BEGIN");
	db_put_runs(g, run_id);
	db_exec(g->db, "COMMIT");
	g->ins = db_prepare_insert(g->db);
	if (sqlite3_prepare_v2(g->db, "UPDATE runs SET last_alive = ? WHERE "
	    "id = ?", -1, &alive, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(g->db));
	while (tail != NULL && *tail != '\0') {
		if (npb == GEN_PER_BATCH_MAX)
			errx(1, "--per-batch: more than %d statements",
			    GEN_PER_BATCH_MAX);
		if (sqlite3_prepare_v2(g->db, tail, -1, &pb[npb], &tail) !=
		    SQLITE_OK)
			errx(1, "--per-batch: %s", sqlite3_errmsg(g->db));
		if (pb[npb] != NULL)
			npb++;
	}

	rk = append_ranked(g->db, append_no_ranked);
	if (!append_no_ptotals && db_int(g->db, "SELECT count(*) FROM "
	    "sqlite_master WHERE name = 'proc_totals'") > 0 &&
	    (pt = ptot_new(g->db, 0)) == NULL)
		errx(1, "proc_totals: %s", sqlite3_errmsg(g->db));
	w0 = now_us();
	c0 = cpu_seconds();
	for (i = 0; i < g->nmem; i += batch) {
		b0 = now_us();
		db_exec(g->db, "BEGIN IMMEDIATE");
		if (rk != NULL && ranked_begin(rk) == -1)
			errx(1, "ranked: %s", sqlite3_errmsg(g->db));
		first = 0;
		for (k = i; k < i + batch && k < g->nmem; k++) {
			int64_t	*v = g->mem + k * g->ncols;
			uint8_t	*nul = g->memnull + k * g->ncols;

			v[M_RUN] = run_id;
			if (v[M_KIND] == TASK_KIND_GROUP) {
				v[M_LINK] = last_row;
				nul[M_LINK] = 0;
			}
			row_bind(g->ins, g->ncols, v, nul, g->memcomm[k]);
			if (sqlite3_step(g->ins) != SQLITE_DONE)
				errx(1, "insert: %s", sqlite3_errmsg(g->db));
			sqlite3_reset(g->ins);
			sqlite3_clear_bindings(g->ins);
			if (pt != NULL && append_ptot(pt, v, nul, run_id,
			    v[M_KIND] == TASK_KIND_GROUP ? last_row : 0,
			    sqlite3_last_insert_rowid(g->db)) == -1)
				errx(1, "proc_totals: %s", sqlite3_errmsg(g->db));
			last_row = sqlite3_last_insert_rowid(g->db);
			if (first == 0)
				first = last_row;
			if (rk != NULL && ranked_add_cols(rk, (int)v[M_KIND],
			    v[M_RECV], last_row, v + NMETA, nul + NMETA) == -1)
				errx(1, "ranked: %s", sqlite3_errmsg(g->db));
		}
		/* e.g. fold the batch into a summary table: ?1..?2 its ids */
		for (j = 0; j < npb; j++) {
			sqlite3_bind_int64(pb[j], 1, first);
			sqlite3_bind_int64(pb[j], 2, last_row);
			if (sqlite3_step(pb[j]) != SQLITE_DONE)
				errx(1, "--per-batch: %s", sqlite3_errmsg(g->db));
			sqlite3_reset(pb[j]);
		}
		if (rk != NULL && ranked_commit(rk) == -1)
			errx(1, "ranked: %s", sqlite3_errmsg(g->db));
		sqlite3_bind_int64(alive, 1, g->mem[(k - 1) * g->ncols + M_RECV]);
		sqlite3_bind_int64(alive, 2, run_id);
		if (sqlite3_step(alive) != SQLITE_DONE)
			errx(1, "update: %s", sqlite3_errmsg(g->db));
		sqlite3_reset(alive);
		db_exec(g->db, "COMMIT");
		if (now_us() - b0 > bmax)
			bmax = now_us() - b0;
	}
	w1 = now_us();
	c1 = cpu_seconds();
	sqlite3_finalize(alive);
	ranked_free(rk);
	ptot_free(pt);
	for (j = 0; j < npb; j++)
		sqlite3_finalize(pb[j]);
	sqlite3_finalize(g->ins);
	sqlite3_close(g->db);
	printf("append rows=%lld batch=%d wall_s=%.3f rows_per_s=%.0f "
	    "cpu_us_per_row=%.2f wall_us_per_row=%.2f max_batch_ms=%.1f\n",
	    (long long)g->nmem, batch, (w1 - w0) / 1e6,
	    g->nmem / ((w1 - w0) / 1e6), (c1 - c0) * 1e6 / g->nmem,
	    (double)(w1 - w0) / g->nmem, bmax / 1e3);
}

/* ---- main ---- */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: gendb [-n ROWS] [--days D] [--seed S] "
	    "[--end EPOCH_S] -o PATH\n"
	    "       gendb --append ROWS [--batch N] [--per-batch SQL] "
	    "[--cache-kib N] [--no-ranked] [--no-ptotals] [--seed S] -o PATH\n");
	exit(2);
}

static int64_t
num_arg(const char *s, int64_t lo, int64_t hi, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		errx(2, "%s: %s: not a number in %lld..%lld", what, s,
		    (long long)lo, (long long)hi);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "append", required_argument, NULL, 'a' },
		{ "batch", required_argument, NULL, 'b' },
		{ "cache-kib", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'd' },
		{ "end", required_argument, NULL, 'e' },
		{ "no-ptotals", no_argument, NULL, 'P' },
		{ "no-ranked", no_argument, NULL, 'R' },
		{ "per-batch", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen	*g;
	const char	*path = NULL, *per_batch = NULL;
	int64_t		 rows = GEN_ROWS_DEFAULT, append = 0, end = GEN_END_DEFAULT;
	int64_t		 seed = 1, cache_kib = 0;
	double		 days = GEN_DAYS_DEFAULT;
	int		 ch, batch = GEN_APPEND_BATCH;
	char		*ep;

	while ((ch = getopt_long(argc, argv, "n:o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			rows = num_arg(optarg, 1, 1000000000, "-n");
			break;
		case 'o':
			path = optarg;
			break;
		case 'a':
			append = num_arg(optarg, 1, 100000000, "--append");
			break;
		case 'b':
			batch = (int)num_arg(optarg, 1, 1000000, "--batch");
			break;
		case 'c':
			cache_kib = num_arg(optarg, 1, 64 << 20, "--cache-kib");
			break;
		case 'd':
			days = strtod(optarg, &ep);
			if (*ep != '\0' || !(days >= 0.01 && days <= 3650))
				errx(2, "--days: %s: not in 0.01..3650", optarg);
			break;
		case 'e':
			end = num_arg(optarg, 86400LL * 3650, 4000000000LL,
			    "--end");
			break;
		case 'p':
			per_batch = optarg;
			break;
		case 'P':
			append_no_ptotals = 1;
			break;
		case 'R':
			append_no_ranked = 1;
			break;
		case 's':
			seed = num_arg(optarg, 0, INT64_MAX, "--seed");
			break;
		default:
			usage();
		}
	}
	if (path == NULL || optind != argc)
		usage();
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->acc = calloc(GEN_PID_MAX, sizeof(*g->acc))) == NULL)
		err(1, NULL);
	fields_resolve();
	misc_init(g);
	row_base_init(g);
	comm_col = fidx[F_COMM];
	g->seed = (uint64_t)seed;
	if (append > 0) {
		g->want = append;
		gen_append(g, path, batch, per_batch, cache_kib);
		return 0;
	}
	g->want = rows;
	g->t1 = end * USEC;
	g->t0 = g->t1 - (int64_t)(days * DAY_US);
	runs_init(g);
	gen_create(g, path);
	return 0;
}
