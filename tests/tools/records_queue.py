#!/usr/bin/env python3
"""records_queue.py - the records path past its queue, and a capture file that shrinks under it.

usage: records_queue.py ZERTSENSOR GEN_IDLE_PY WORKDIR

1. The writer thread's ring (sensor/records.c, 512 records) driven past its size: 3 000
   connections (bench/gen_idle.py) give 9 004 records (init, term at the end of the input and
   one summary each, and the four coverage records); `-o -` into a pipe nobody reads for
   1.5 s stops the writer once the pipe and its buffer are full, so the ring fills and the
   capture thread must wait. Asserted: the waits are counted (records_queue_waits > 0 in
   --stats), nothing is lost (the lines read equal records_json, 9 004) and the records are
   byte for byte those of a run into a file.
2. A plain capture file is mapped, not read (sensor/capture_stream.c). Truncated while the
   sensor holds it (stopped with SIGSTOP after it has opened the file, so the truncation lands
   before the end it would otherwise reach), the run ends with exit 1 and the damage message
   that names the new size, and the packets before the cut are read: --stats pkts_read is
   that of a run on the truncated file afterwards (whose last frame is cut in two).
"""
import json
import os
import signal
import subprocess
import sys
import time

failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def stats_of(stderr_text):
    for line in stderr_text.splitlines():
        line = line.strip()
        if line.startswith("{") and "pkts_read" in line:
            return json.loads(line)
    return None


def main():
    zs, gen, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    cap = os.path.join(work, "idle-3000.pcap")
    subprocess.run([sys.executable, gen, cap, "3000"], check=True)

    # --- 1. the ring past its size
    ref_dir = os.path.join(work, "ref")
    r = subprocess.run([zs, "-r", cap, "-q", "-o", ref_dir, "--stats"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "run into a directory: exit 0 (got %d)" % r.returncode)
    with open(os.path.join(ref_dir, "records.jsonl"), "rb") as f:
        ref = f.read()
    p = subprocess.Popen([zs, "-r", cap, "-q", "-o", "-", "--stats"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # the pipe fills, then the writer's buffer, then the ring
    out = p.stdout.read()
    err = p.stderr.read().decode()
    rc = p.wait()
    st = stats_of(err)
    check(rc == 0, "run into a pipe read late: exit 0 (got %d)" % rc)
    check(st is not None, "--stats printed")
    if st is None:
        return
    lines = out.count(b"\n")
    check(st["records_queue_waits"] > 0,
          "the ring filled: records_queue_waits %d > 0" % st["records_queue_waits"])
    check(lines == st["records_json"] == 9004,
          "nothing lost: %d lines read, records_json %d, expected 9004" % (lines, st["records_json"]))
    check(out == ref, "the records are byte for byte those of the run into a file")

    # --- 2. a mapped file that shrinks while it is read
    big = os.path.join(work, "idle-200000.pcap")
    subprocess.run([sys.executable, gen, big, "200000"], check=True)
    size = os.path.getsize(big)
    cut = size // 3
    p = subprocess.Popen([zs, "-r", big, "--stats"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    # stop it as soon as it has the file open (its first line on stderr says so)
    first = p.stderr.readline().decode()
    os.kill(p.pid, signal.SIGSTOP)
    with open(big, "r+b") as f:
        f.truncate(cut)
    os.kill(p.pid, signal.SIGCONT)
    err = first + p.stderr.read().decode()
    rc = p.wait()
    st = stats_of(err)
    check(rc == 1, "shrunk file: exit 1 (got %d)" % rc)
    check(("the file shrank to %d bytes while it was read" % cut) in err,
          "the damage message names the new size %d" % cut)
    # the same bytes as a file of their own (read whole, its last frame cut in two)
    r = subprocess.run([zs, "-r", big, "--stats"], capture_output=True, text=True)
    st_cut = stats_of(r.stderr)
    if st and st_cut:
        check(st["pkts_read"] == st_cut["pkts_read"] and st["pkts_read"] > 0,
              "every frame before the cut read: %d packets, %d in the truncated file"
              % (st["pkts_read"], st_cut["pkts_read"]))
    else:
        check(False, "--stats of both runs")


if __name__ == "__main__":
    main()
    sys.exit(1 if failures else 0)
