#!/usr/bin/env python3
"""live_syslog.py - the daemon's logging to syslog (issue 13), with -D: it detaches, writes its
pid file and logs through syslog(3), which always writes to /dev/log. The test runs the daemon
in its own mount namespace where /dev is a directory of the test's (the null, zero and urandom
devices bound into it, and the test's UNIX datagram socket as /dev/log), and in its own network
namespace, capturing on the loopback as user nobody. Checks: the start-up lines, the periodic
statistics line (stats_interval = 1) and the USR1 one with the sessions by protection after one
clear connection, a HUP that changes a key needing a restart (a warning) and one with a broken
configuration (an error), TERM: the stopping line,
the interface's pcap_stats and the final counts; every line with facility daemon, the right
severity and the daemon's pid; nothing on standard error; the pid file removed at exit.

usage: live_syslog.py ZERTSENSOR      (needs root: exit 77, skipped, without it)
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from livelib import failures, skip, check  # noqa: E402

BIN = sys.argv[1]
LOG_DAEMON, LOG_ERR, LOG_WARNING, LOG_INFO = 3 << 3, 3, 4, 6


if os.geteuid() != 0:
    skip("needs root (mount and network namespaces, capture)")
for tool in ("unshare", "nsenter", "ip", "mount"):
    if not shutil.which(tool):
        skip(f"{tool} is not installed")

work = tempfile.mkdtemp(prefix="zs-syslog-")
os.chmod(work, 0o755)
dev, run, out = f"{work}/dev", f"{work}/run", f"{work}/out"
for d in (dev, run, out):
    os.mkdir(d)
os.chmod(dev, 0o755)
shutil.chown(run, "nobody")  # the pid file goes where the user may remove it
conf = f"{work}/zs.conf"
with open(conf, "w") as f:
    f.write("stats_interval = 1\nrotate_interval = 0\nclosed_timeout = 1\n")

lsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
lsock.bind(f"{dev}/log")
os.chmod(f"{dev}/log", 0o666)
lsock.settimeout(0.2)
lines = []  # (priority, pid, message)


def receive(until, seconds=10.0):
    """Take datagrams until one whose message contains `until` (or the time is up)."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            d = lsock.recv(4096).decode()
        except socket.timeout:
            continue
        # <PRI>Mmm dd hh:mm:ss zertsensor[PID]: message
        m = re.match(r"<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d zertsensor\[(\d+)\]: (.*)$", d)
        if not m:
            check(False, f"a syslog line in the format of syslog(3): {d!r}")
            continue
        lines.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        if until in m.group(3):
            return True
    return False


def find(text):
    return [l for l in lines if text in l[2]]


pid = None
try:
    devs = " ".join(f"&& touch {dev}/{n} && mount --bind /dev/{n} {dev}/{n}"
                    for n in ("null", "zero", "urandom"))
    script = (f"mount --make-rprivate / {devs} && mount --rbind {dev} /dev && "
              f"ip link set lo up && exec {BIN} -i lo -D --pid-file {run}/pid -u nobody "
              f"-o {out} -c {conf}")
    p = subprocess.run(["unshare", "-m", "-n", "sh", "-c", script], capture_output=True,
                       text=True, timeout=30)
    check(p.returncode == 0, f"zertsensor -D returned 0 at once (got {p.returncode})")
    check(p.stderr == "" and p.stdout == "",
          f"nothing on standard output or error: {(p.stdout + p.stderr)[:300]!r}")
    if not receive("running as nobody"):
        raise SystemExit(f"FAIL: no start-up line on the syslog socket: {lines}")
    pid = int(open(f"{run}/pid").read())
    # what comes before -D's fork carries the parent's pid; from the drop of privileges on, the
    # daemon's
    check(find("listening on lo, link-type EN10MB") and find("running as nobody (uid 65534)"),
          "the start-up lines: listening on lo, running as nobody")
    check(all(l[0] == LOG_DAEMON | LOG_INFO for l in lines), "start-up lines: daemon.info")

    # one clear connection on the loopback of the daemon's network namespace
    subprocess.run(["nsenter", "-t", str(pid), "-n", "python3", "-c",
                    "import socket,threading\ns=socket.socket();s.bind(('127.0.0.1',8181));"
                    "s.listen()\nt=threading.Thread(target=lambda:(lambda c:(c[0].sendall("
                    "c[0].recv(5)),c[0].close()))(s.accept()));t.start()\n"
                    "c=socket.create_connection(('127.0.0.1',8181));c.sendall(b'hello');"
                    "c.recv(5);c.close();t.join()"], check=True, timeout=10)
    time.sleep(2.5)  # closed_timeout 1 s, the 1 s clock behind the packets
    # the periodic line (stats_interval = 1) has come; USR1 writes one at once
    receive("(nothing: what has come)", 0.5)
    n_before = len(find("stats: "))
    check(n_before >= 1, f"the periodic statistics line arrives every second ({n_before} so far)")
    os.kill(pid, signal.SIGUSR1)
    receive("stats: ", 3)
    st = find("stats: ")
    check(len(st) > n_before and "sessions 1 live (tls 0, ssh 0, ipsec 0, clear 1; ee 0 of them)"
          in st[-1][2] and "kernel drops 0" in st[-1][2] and st[-1][0] == LOG_DAEMON | LOG_INFO,
          f"USR1: a statistics line with the clear session: {st[-1][2] if st else None}")

    # HUP with a key that takes effect at the next start: a warning, then the reload
    with open(conf, "w") as f:
        f.write("stats_interval = 1\nrotate_interval = 0\nclosed_timeout = 2\n")
    os.kill(pid, signal.SIGHUP)
    receive("configuration reloaded", 3)
    w = find("take effect at the next start")
    check(len(w) == 1 and w[0][0] == LOG_DAEMON | LOG_WARNING and
          w[0][2].startswith("warning: SIGHUP: ") and find("SIGHUP: configuration reloaded"),
          f"a HUP that changes closed_timeout: daemon.warning, then the reload: {w}")
    # HUP with a configuration the daemon refuses: an error, the old configuration kept
    with open(conf, "a") as f:
        f.write("no_such_key = 1\n")
    os.kill(pid, signal.SIGHUP)
    receive("SIGHUP", 3)
    e = find("unknown key")
    check(len(e) == 1 and "the configuration is unchanged" in e[0][2] and
          e[0][0] == LOG_DAEMON | LOG_ERR and e[0][2].startswith("error: "),
          f"a HUP with a broken configuration: daemon.err {e}")

    os.kill(pid, signal.SIGTERM)
    receive(" records", 5)
    for _ in range(50):
        if not os.path.exists(f"/proc/{pid}"):
            break
        time.sleep(0.1)
    check(not os.path.exists(f"/proc/{pid}"), "the daemon exited after TERM")
    check(find("signal 15: stopping"), "TERM: the stopping line")
    ps = find("lo: pcap_stats: ps_recv ")
    check(len(ps) == 1 and ", ps_drop 0, ps_ifdrop 0; " in ps[0][2],
          f"the loopback's pcap_stats at exit: {ps}")
    fin = [l for l in lines if re.fullmatch(r"\d+ packets, \d+ flows, \d+ records", l[2])]
    # the coverage events (enabled and disabled: a detail and a summary each), the connection's
    # short_term and its session's summary
    check(len(fin) == 1 and fin[0][2].endswith(" 1 flows, 6 records"),
          f"the final line: one flow, six records: {fin}")
    start = next(i for i, l in enumerate(lines) if "running as" in l[2])
    check(all(l[1] == pid for l in lines[start:]) and lines[0][1] != pid,
          f"the lines carry the daemon's pid {pid} from the drop of privileges on (before the "
          f"fork: {lines[0][1]})")
    check(not os.path.exists(f"{run}/pid"), "the pid file is removed at exit")
finally:
    if pid and os.path.exists(f"/proc/{pid}"):
        os.kill(pid, signal.SIGKILL)
    lsock.close()
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
