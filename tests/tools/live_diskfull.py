#!/usr/bin/env python3
"""live_diskfull.py - the daemon's output on a full disk (issue 13): -o on a small tmpfs that
fills up while clear TCP connections are captured on the loopback of a network namespace.
Checks: one log line per file for the episode, no crash, records held and retried, an exact
count of what could not be written (written + not written = cut), and files that hold only
valid records (JSON lines, SMF records zertdump reads) once space has come back. Beside it, a
record socket reader that never reads is dropped with a logged reason while capture goes on.

usage: live_diskfull.py ZERTSENSOR      (exit 77: skipped, with the reason)
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from livelib import failures, skip, check  # noqa: E402

BIN = sys.argv[1]
NS = f"zs-df{os.getpid() % 100000}"


if os.geteuid() != 0:
    skip("needs root (tmpfs mount, network namespace, capture)")
if subprocess.run(["ip", "netns", "add", NS], stderr=subprocess.DEVNULL).returncode != 0:
    skip("ip netns is unavailable here")
work = tempfile.mkdtemp(prefix="zs-df-")
mnt = f"{work}/small"
os.mkdir(mnt)
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160k,mode=0750", "tmpfs", mnt],
                         stderr=subprocess.DEVNULL).returncode == 0
sensor = None
try:
    if not mounted:
        skip("cannot mount a tmpfs here")
    subprocess.run(["ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"], check=True)
    conf = f"{work}/zs.conf"
    with open(conf, "w") as f:
        f.write("output_queue = 20\nstats_interval = 0\nrotate_interval = 0\nclosed_timeout = 1\n"
                f"summary = off\nsocket_path = {work}/sock\nsocket_queue = 4096\n")
    log = open(f"{work}/sensor.log", "w+")
    sensor = subprocess.Popen(["ip", "netns", "exec", NS, BIN, "-i", "lo", "-c", conf, "-o", mnt,
                               "--allow-root", "--stats", "tcp port 8080"], stderr=log)
    time.sleep(1.5)
    # a reader that asks for everything and never reads
    import socket
    slow = socket.socket(socket.AF_UNIX)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(f"{work}/sock")
    slow.sendall(b"both\n")

    # Connections 4 ms apart: unpaced, 250 of them on lo outran the ASan build's capture on
    # this VM (kernel drops 1 338-2 466 of about 3 600 packets, the code of the last four green
    # runs included); the flows never seen ending were then ended at SIGTERM and filled the
    # disk again. This test is about the full disk: the capture must see every packet (checked).
    def conns(n):
        subprocess.run(["ip", "netns", "exec", NS, "python3", "-c", f"""
import socket, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 8080)); s.listen(64)
def serve():
    for _ in range({n}):
        c, _ = s.accept(); c.sendall(c.recv(100)); c.close()
t = threading.Thread(target=serve); t.start()
for _ in range({n}):
    c = socket.create_connection(('127.0.0.1', 8080)); c.sendall(b'x' * 50); c.recv(100); c.close()
    time.sleep(0.004)
t.join()
"""], check=True)

    # fill the disk: ballast, then records until writes fail
    ballast = f"{mnt}/ballast"
    with open(ballast, "wb") as f:
        try:
            f.write(b"\0" * 120 * 1024)
        except OSError:
            pass
    conns(250)
    time.sleep(3.5)  # closed_timeout, then the records are cut and written (or not)
    failed_lines = [l for l in open(log.name).read().splitlines() if "cannot write" in l]
    check(1 <= len(failed_lines) <= 2, f"the failure logged once per file: {failed_lines}")
    check(sensor.poll() is None, "the sensor runs on")

    # space comes back: what was held is written, new records too
    os.unlink(ballast)
    time.sleep(1.5)
    conns(5)
    time.sleep(3.5)
    text = open(log.name).read()
    check("writing again" in text, "the end of the episode logged")
    sensor.send_signal(signal.SIGTERM)
    rc = sensor.wait(timeout=10)
    log.seek(0)
    text = log.read()
    stats = json.loads([l for l in text.splitlines() if l.startswith("{")][-1])
    check(rc == 1, f"exit status 1: records were lost and said so (got {rc})")
    check(stats["capture_kernel_drops"] == 0,
          f"the capture saw every packet (kernel drops {stats['capture_kernel_drops']})")
    print("\n".join(l for l in text.splitlines() if "cannot" in l or "again" in l))
    check(len([l for l in text.splitlines() if "cannot write" in l]) == len(failed_lines),
          "no further failure line")
    lines = [l for f in glob.glob(f"{mnt}/records-*.jsonl") for l in open(f).read().splitlines()]
    ok = True
    for l in lines:
        try:
            json.loads(l)
        except ValueError:
            ok = False
    check(ok, f"every line in the JSON file is a valid record ({len(lines)})")
    w, nw, cut = (stats["records_jsonl_written"], stats["records_jsonl_not_written"],
                  stats["records_json"])
    check(len(lines) == w, f"lines in the file {len(lines)} = records_jsonl_written {w}")
    check(nw > 0 and w + nw == cut, f"written {w} + not written {nw} = cut {cut}")
    zd = os.path.join(os.path.dirname(BIN), "zertdump")
    smf = glob.glob(f"{mnt}/zert-*.smf")
    got = subprocess.run([zd, *smf], capture_output=True, text=True)
    n = len(got.stdout.splitlines())
    check(got.returncode == 0 and n == stats["records_smf_written"],
          f"the SMF file reads back whole: {n} records = records_smf_written "
          f"{stats['records_smf_written']} (not written {stats['records_smf_not_written']})")
    check(stats["records_smf_written"] + stats["records_smf_not_written"] == stats["records_smf"],
          "SMF: written + not written = cut")
    check(stats["output_write_failures"] >= 1, "the episode counted in output_write_failures")
    slow_lines = [l for l in text.splitlines() if "dropped: too slow" in l]
    check(len(slow_lines) == 1 and stats["socket_readers_dropped"] == 1,
          f"the reader that does not read is dropped, with its reason: {slow_lines}")
    slow.close()
    # the records written after space came back: the last connections' are in the file
    last = [json.loads(l) for l in lines[-3:]]
    check(all(r["record"] == "detail" for r in last), "records after the episode are in the file")
finally:
    if sensor and sensor.poll() is None:
        sensor.kill()
        sensor.wait()
    if mounted:
        subprocess.run(["umount", mnt])
    subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
