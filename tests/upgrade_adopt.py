#!/usr/bin/env python3
# upgrade_adopt.py: play the old image of an upgrade for tests/upgrade.sh.
#
# Takes the database's flock, opens an open runs row of this process, makes
# a generic netlink and a connector socket, names them in TASKACCT_UPGRADE
# and execs taskacctd (the PID stays, as in a real upgrade).  MODE makes
# the hand-over right ("good") or wrong in one way, to check that the new
# image validates what it adopts.  The "sacct-*" modes also hand over a
# privileged sampler child (a stand-in that answers nothing) and a sampler
# table right or wrong in one way (tests/sample_upgrade.sh); run them with
# --sample-interval.  Usage: DB TASKACCTD MODE [ARGS...]
import fcntl
import os
import socket
import sqlite3
import struct
import sys
import time

NETLINK_GENERIC, NETLINK_CONNECTOR = 16, 11

db, daemon, mode = sys.argv[1:4]
lock = os.open(db, os.O_RDWR)
fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
now = int(time.time() * 1e6)
with open("/proc/sys/kernel/random/boot_id") as f:
    boot = f.read().strip()
con = sqlite3.connect(db)
run = con.execute("INSERT INTO runs (boot_id, start_time, last_alive, "
                  "daemon_pid, taskacct_version) VALUES (?, ?, ?, ?, 'old')",
                  (boot, now, now, os.getpid())).lastrowid
con.commit()
con.close()
tasks = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
conn = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
rd, wr = os.pipe()
for fd in (lock, tasks.fileno(), conn.fileno(), rd):
    os.set_inheritable(fd, True)
t, c = tasks.fileno(), conn.fileno()
env = {
    "good": f"v=1 run={run} start={now} lock={lock} tasks={t}:0 conn={c}:7",
    # a pipe where a netlink socket belongs
    "pipe": f"v=1 run={run} start={now} lock={lock} tasks={rd}:0",
    # the connector socket as the TASKSTATS one
    "proto": f"v=1 run={run} start={now} lock={lock} tasks={c}:0",
    # a descriptor that is not open
    "closed": f"v=1 run={run} start={now} lock={lock} tasks=900:0",
    # a socket as the database
    "lock": f"v=1 run={run} start={now} lock={c} tasks={t}:0",
    # a run that is not this process's
    "run": f"v=1 run={run + 1000} start={now} lock={lock} tasks={t}:0",
    # the same descriptor twice
    "twice": f"v=1 run={run} start={now} lock={lock} tasks={t}:0,{t}:0",
    "garbage": f"v=1 run={run} start={now} lock={lock} tasks={t}:0 x=\n\x01",
    "version": f"v=2 run={run} start={now} lock={lock} tasks={t}:0",
}.get(mode)
if mode.startswith("sacct-"):
    # The stand-in child: ours after the exec (the PID stays); it ends
    # when the daemon closes its end.
    mine, its = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    child = os.fork()
    if child == 0:
        os.closerange(0, its.fileno())
        os.closerange(its.fileno() + 1, 1024)
        while True:
            try:
                if not its.recv(65536):
                    os._exit(0)
            except OSError:
                os._exit(0)
    its.close()
    seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | \
        fcntl.F_SEAL_WRITE

    def table(nthreads):
        # A header as src/sampler_save.h lays it out, with no entry.
        return b"TASAMPLE" + struct.pack("=IIIIIIQQqqII", 1, 22, 96, 232,
                                         0, nthreads, 1, 1, now, now, 0, 0)
    data, sealed = {
        "sacct-good": (table(0), seals),
        "sacct-unsealed": (table(0), 0),
        "sacct-garbage": (b"\x01\n" * 100, seals),
        "sacct-huge": (table(0xffffffff), seals),
    }[mode]
    blob = os.memfd_create("taskacct-sampler", os.MFD_ALLOW_SEALING)
    os.write(blob, data)
    if sealed:
        fcntl.fcntl(blob, fcntl.F_ADD_SEALS, sealed)
    for fd in (mine.fileno(), blob):
        os.set_inheritable(fd, True)
    env = (f"v=1 run={run} start={now} lock={lock} tasks={t}:0 "
           f"priv={mine.fileno()}:{child}:30 sacct={blob}")
os.environ["TASKACCT_UPGRADE"] = env
os.execv(daemon, [daemon, "-f", "-d", db] + sys.argv[4:])
