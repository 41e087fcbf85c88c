#!/usr/bin/env python3
# upgrade_adopt.py: play the old image of an upgrade for tests/upgrade.sh.
#
# Takes the database's flock, opens an open runs row of this process, makes
# a generic netlink and a connector socket, names them in TASKACCT_UPGRADE
# and execs taskacctd (the PID stays, as in a real upgrade).  MODE makes
# the hand-over right ("good") or wrong in one way, to check that the new
# image validates what it adopts.  Usage: DB TASKACCTD MODE [ARGS...]
import fcntl
import os
import socket
import sqlite3
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
}[mode]
os.environ["TASKACCT_UPGRADE"] = env
os.execv(daemon, [daemon, "-f", "-d", db] + sys.argv[4:])
