#!/usr/bin/env python3
"""corpus_packet_count.py - every corpus capture that Wireshark's reader reads whole is read whole
by the sensor: --stats pkts_read equals `capinfos -c` for each; where capinfos stops on damage,
the sensor stops after the same number of packets and exits 2.

usage: corpus_packet_count.py BIN CORPUS_DIR
"""
import json
import os
import re
import subprocess
import sys


def capinfos(path):
    p = subprocess.run(["capinfos", "-c", "-M", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    m = re.search(r"error occurred after reading (\d+) packets", p.stderr.decode())
    if m:
        return int(m.group(1)), False
    m = re.search(r"^Number of packets:\s*(\d+)", p.stdout.decode(), re.M)
    return (int(m.group(1)), True) if m and p.returncode == 0 else (None, False)


def main():
    bin_, corpus = sys.argv[1], sys.argv[2]
    passed = failed = 0
    with open(os.path.join(corpus, "INDEX.tsv")) as f:
        paths = [line.split("\t")[0] for line in f][1:]
    for rel in paths:
        path = os.path.join(corpus, rel)
        want, whole = capinfos(path)
        p = subprocess.run([bin_, "-r", path, "-q", "--stats"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        stats = [json.loads(x) for x in p.stderr.decode().splitlines() if x.startswith("{")]
        got = stats[0]["pkts_read"] if stats else None
        ok = want is not None and got == want and p.returncode == (0 if whole else 1)
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s: sensor %s packets (exit %d), capinfos %s%s" %
                  (rel, got, p.returncode, want, "" if whole else " (damaged)"))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
