#!/usr/bin/env python3
"""check_tcp_ooo.py - out-of-order TCP reassembly: exact bytes, bounded cost, honest caps.

usage: check_tcp_ooo.py ZERTSENSOR SOURCE_DIR [-n N]

Issue 10 point 3. pcaps/make-tcp-ooo-tiny.py writes (to a temporary directory) one connection
whose first data segment is lost, followed by N 10-byte segments: shuffled with a fixed seed,
in descending order, and, as the yardstick, the same segments in order with the first one.

1. With caps large enough to hold the whole flow (--memcap / --flow-memcap 512M), the client
   stream that --dump-streams writes is exactly what the generator says (one 10-byte gap, then
   segments 1..N in order), for the shuffled and the descending order, and --stats says one
   gap of 10 bytes and no cap reached.
2. Cost: each out-of-order run takes less than RATIO times the CPU time of the in-order run of
   the same segments (a complexity check, not a wall-clock threshold: with a search per segment
   linear in the segments held, N = 200 000 took more than 5 minutes; a run that does not end
   within a generous multiple of the in-order run is stopped and fails).
3. With the default caps the flow cannot hold 200 000 tiny segments (each takes a chunk): the
   flow cap is reached (tcp_flow_cap_hit > 0, before the global memcap: tcp_memcap_hit = 0),
   and no byte is lost silently: every 10-byte slot of the stream is either its segment or part
   of a gap, and the gap bytes are what --stats counts.
"""
import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

RATIO = 5.0  # out-of-order CPU time / in-order CPU time
BIG = ["--memcap", "512M", "--flow-memcap", "512M"]
SEG = 10

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def cpu_children():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(sensor, capture, outdir, opts, timeout):
    """Run the sensor with --dump-streams; (cpu seconds, wall seconds, stats, c2s bytes)."""
    os.makedirs(outdir)
    cmd = [sensor, "-r", capture, "-q", "--stats", "--dump-streams", outdir, *opts]
    c0, w0 = cpu_children(), time.monotonic()
    try:
        p = subprocess.run(cmd, stderr=subprocess.PIPE, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    cpu, wall = cpu_children() - c0, time.monotonic() - w0
    if p.returncode != 0:
        sys.exit("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.decode()[-2000:]))
    err = p.stderr.decode()
    stats = json.loads(err[err.index("{"):err.rindex("}") + 1])
    c2s = glob.glob(os.path.join(outdir, "*.c2s"))
    data = open(c2s[0], "rb").read() if len(c2s) == 1 else None
    return cpu, wall, stats, data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sensor")
    ap.add_argument("source")
    ap.add_argument("-n", type=int, default=200000)
    a = ap.parse_args()
    gen = os.path.join(a.source, "pcaps", "make-tcp-ooo-tiny.py")
    with tempfile.TemporaryDirectory() as tmp:
        caps = {}
        for name, args in (("inorder", ["--order", "inorder", "--with-first"]),
                           ("shuffled", ["--order", "shuffled"]),
                           ("descending", ["--order", "descending"])):
            pcap, exp = os.path.join(tmp, name + ".pcap"), os.path.join(tmp, name + ".stream")
            subprocess.run([sys.executable, gen, "--out", pcap, "-n", str(a.n), "--expect", exp,
                            *args], check=True)
            caps[name] = (pcap, open(exp, "rb").read())
        runs = 0

        def timed(name, opts, timeout):
            nonlocal runs
            runs += 1
            return run(a.sensor, caps[name][0], os.path.join(tmp, "out%d" % runs), opts, timeout)

        # the yardstick: the best of two in-order runs
        base = [timed("inorder", BIG, 600) for _ in range(2)]
        if not check(all(base), "the in-order run did not end within 600 s"):
            return
        base_cpu = min(b[0] for b in base)
        base_wall = min(b[1] for b in base)
        _, _, st, data = base[0]
        check(data == caps["inorder"][1], "in order: the client stream differs from the segments")
        check(st["tcp_gaps"] == 0 and st["tcp_ooo_segments"] == 0,
              "in order: gaps %d, out-of-order segments %d" % (st["tcp_gaps"],
                                                                st["tcp_ooo_segments"]))
        # generous enough for a slow, shared machine; the linear search needed minutes
        timeout = 30 + 20 * base_wall
        print("in order: %.2f s CPU (%.2f s wall), %d segments" % (base_cpu, base_wall, a.n + 1))

        for name in ("shuffled", "descending"):
            r = timed(name, BIG, timeout)
            if not check(r is not None, "%s: no result within %.0f s (in order: %.2f s)" %
                         (name, timeout, base_wall)):
                continue
            cpu, wall, st, data = r
            if cpu >= RATIO * base_cpu:  # once more, in case the machine was busy
                r2 = timed(name, BIG, timeout)
                if r2 is not None:
                    cpu = min(cpu, r2[0])
            print("%s: %.2f s CPU (%.2f s wall), %.1f x in order" % (name, cpu, wall,
                                                                    cpu / base_cpu))
            check(cpu < RATIO * base_cpu, "%s: %.2f s CPU, %.1f x the in-order run (limit %.0f x)"
                  % (name, cpu, cpu / base_cpu, RATIO))
            check(data is not None and len(data) == len(caps[name][1]),
                  "%s: client stream of %s bytes, want %d" %
                  (name, None if data is None else len(data), len(caps[name][1])))
            check(data == caps[name][1], "%s: the client stream differs from the segments" % name)
            want = {"tcp_ooo_segments": a.n, "tcp_gaps": 1, "tcp_gap_bytes": SEG,
                    "tcp_flow_cap_hit": 0, "tcp_memcap_hit": 0, "tcp_overlap_inconsistent": 0}
            got = {k: st[k] for k in want}
            check(got == want, "%s: --stats %s, want %s" % (name, got, want))

        # default caps: the flow cap is reached, and every byte is accounted for
        r = timed("shuffled", [], timeout)
        if check(r is not None, "default caps: no result within %.0f s" % timeout):
            _, _, st, data = r
            print("default caps: tcp_flow_cap_hit %d, tcp_memcap_hit %d, %d gaps of %d bytes" %
                  (st["tcp_flow_cap_hit"], st["tcp_memcap_hit"], st["tcp_gaps"],
                   st["tcp_gap_bytes"]))
            check(st["tcp_flow_cap_hit"] > 0, "default caps: the flow cap was never reached")
            check(st["tcp_memcap_hit"] == 0, "default caps: the global memcap was reached "
                  "(%d) before the flow cap" % st["tcp_memcap_hit"])
            want = caps["shuffled"][1]
            if check(data is not None and len(data) == len(want),
                     "default caps: client stream of %s bytes, want %d" %
                     (None if data is None else len(data), len(want))):
                lost = wrong = 0
                for k in range(0, len(want), SEG):
                    got = data[k:k + SEG]
                    if got == bytes(SEG):
                        lost += SEG
                    elif got != want[k:k + SEG]:
                        wrong += 1
                check(wrong == 0, "default caps: %d segments misplaced" % wrong)
                check(lost == st["tcp_gap_bytes"], "default caps: %d bytes missing from the "
                      "stream, --stats counts %d gap bytes" % (lost, st["tcp_gap_bytes"]))
                check(st["tcp_gaps"] > 1, "default caps: only %d gap" % st["tcp_gaps"])
    if failures:
        sys.exit("%d failure(s)" % len(failures))
    print("ok")


if __name__ == "__main__":
    main()
