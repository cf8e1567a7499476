#!/usr/bin/env python3
"""compare_corpus.py - every corpus capture compared with its own zert.smf: no finding.

usage: compare_corpus.py ZERTSENSOR CORPUS WORKDIR

For each capture of CORPUS/INDEX.tsv the sensor writes its records (-o), then runs again with
--compare against its own zert.smf: every connection and summary must be matched and agree
(exit 0, "findings 0"). This checks the matching, the clock offset at zero and the SMF round
trip of every attribute compared, on everything the corpus holds. Captures the sensor reports
as damaged (exit 2) are compared too, and must give exit 2.

One finding is expected of a self-comparison and allowed: a connection whose start the wire saw
but whose protection it could not show has JSON records only (protection null, in_smf false),
so the sensor's own dump has no record of it, where zERT's would: missing_on_mainframe with the
wire's protection "unknown". Every other finding fails.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sensor, corpus, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
failed, compared, conns, allowed_unknown = [], 0, 0, 0
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
    out = os.path.join(d, "compare")
    p = subprocess.run([sensor, "-r", os.path.join(corpus, path), "-q", "--compare", smf,
                        "-o", out], capture_output=True, text=True)
    compared += 1
    m = re.search(r"connections +(\d+) on the wire", p.stdout)
    conns += int(m.group(1)) if m else 0
    findings = [json.loads(l) for l in open(os.path.join(out, "compare.jsonl"))] \
        if os.path.exists(os.path.join(out, "compare.jsonl")) else None
    unknown = [f for f in findings or [] if f["class"] == "missing_on_mainframe" and
               f["wire_protection"] == "unknown"]
    allowed_unknown += len(unknown)
    want_rc = base.returncode if base.returncode else (1 if unknown else 0)
    if findings is None or p.returncode != want_rc or len(unknown) != len(findings):
        failed.append("%s: exit %d (the capture: %d)\n%s%s" % (path, p.returncode,
                                                              base.returncode, p.stdout,
                                                              p.stderr[-500:]))
    else:
        shutil.rmtree(d)
for f in failed:
    print("FAIL: " + f)
print("%d captures compared with their own records (%d connections; %d of protection unknown, "
      "not in the sensor's own dump), %d failed" % (compared, conns, allowed_unknown, len(failed)))
sys.exit(1 if failed or compared < 100 else 0)
