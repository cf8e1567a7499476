#!/usr/bin/env python3
"""compare_corpus.py - every corpus capture compared with its own zert.smf: no finding.

usage: compare_corpus.py ZERTSENSOR CORPUS WORKDIR

For each capture of CORPUS/INDEX.tsv the sensor writes its records (-o), then runs again with
--compare against its own zert.smf: every connection and summary must be matched and agree
(exit 0, "findings 0"). This checks the matching, the clock offset at zero and the SMF round
trip of every attribute compared, on everything the corpus holds. Captures the sensor reports
as damaged (exit 2) are compared too, and must give exit 2 with no finding.
"""
import os
import re
import shutil
import subprocess
import sys

sensor, corpus, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
failed, compared, conns = [], 0, 0
for line in open(os.path.join(corpus, "INDEX.tsv")).read().splitlines()[1:]:
    path = line.split("\t")[0]
    d = os.path.join(work, path.replace("/", "_"))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    base = subprocess.run([sensor, "-r", os.path.join(corpus, path), "-q", "-o",
                           os.path.join(d, "base")], capture_output=True)
    smf = os.path.join(d, "base", "zert.smf")
    if base.returncode not in (0, 2) or not os.path.exists(smf) or not os.path.getsize(smf):
        shutil.rmtree(d)
        continue
    p = subprocess.run([sensor, "-r", os.path.join(corpus, path), "-q", "--compare", smf],
                       capture_output=True, text=True)
    compared += 1
    m = re.search(r"connections +(\d+) on the wire", p.stdout)
    conns += int(m.group(1)) if m else 0
    if p.returncode != base.returncode or "findings        0\n" not in p.stdout:
        failed.append("%s: exit %d (the capture: %d)\n%s%s" % (path, p.returncode,
                                                              base.returncode, p.stdout,
                                                              p.stderr[-500:]))
    else:
        shutil.rmtree(d)
for f in failed:
    print("FAIL: " + f)
print("%d captures compared with their own records (%d connections), %d failed" %
      (compared, conns, len(failed)))
sys.exit(1 if failed or compared < 100 else 0)
