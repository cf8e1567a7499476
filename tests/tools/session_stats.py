#!/usr/bin/env python3
"""session_stats.py - the security sessions by protection in --stats (issue 13: "sessions by
protocol"), on one run over captures of every kind: TLS, SSH, IPsec, Enterprise Extender, clear
text (STARTTLS before its upgrade) and connections whose protection the wire could not show.

Each counter is checked twice: against its exact value on these captures, and against what the
records themselves say, derived independently of the counters:
- sessions created, by protection: summary `interval` records whose `conns.start` is 0 (a
  session counts the connection that made it, so only its first record starts at 0), by
  `protocol`; Enterprise Extender ones have `:ee|` in their session key;
- alive at the end (the gauges): the sessions whose last record still has active connections
  (the final interval frees the others);
- unknown connections still active at the end: `term` records ended by `end_of_capture` whose
  `protection` is null.

usage: session_stats.py ZERTSENSOR SOURCE_DIR CORPUS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

BIN, SRC, CORPUS = sys.argv[1:4]
# capture: the exact values of its run (each also derived from the records), in the order
# created tls, ssh, ipsec, clear, ee; live tls, ssh, ipsec, clear, ee; unknown, live unknown
CASES = {
    f"{SRC}/pcaps/quickstart.pcap": (2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),  # TLS and clear
    f"{SRC}/pcaps/ee-sample.pcap": (0, 0, 0, 2, 2, 0, 0, 0, 2, 2, 0, 0),  # Enterprise Extender
    f"{CORPUS}/zeek/ssh/ssh_kex_curve25519.pcap": (0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    # IPsec pairs; one pair carried IKE only: a clear session
    f"{CORPUS}/ndpi/ipsec_isakmp_esp.pcap": (0, 0, 20, 1, 0, 0, 0, 9, 0, 0, 0, 0),
    f"{CORPUS}/ndpi/ftp-start-tls.pcap": (1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0),  # clear, STARTTLS
    f"{CORPUS}/zeek/ssh/ssh.server-side-half-duplex.pcap": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 3),
    f"{CORPUS}/ndpi/tls_client_certificate_with_missing_server_one.pcapng":
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2),
}
NAMES = ["zert_sessions_tls", "zert_sessions_ssh", "zert_sessions_ipsec", "zert_sessions_clear",
         "zert_sessions_ee", "zert_sessions_live_tls", "zert_sessions_live_ssh",
         "zert_sessions_live_ipsec", "zert_sessions_live_clear", "zert_sessions_live_ee",
         "zert_conns_unknown", "zert_conns_live_unknown"]
KINDS = {"tls": "tls", "ssh": "ssh", "ipsec": "ipsec", "none": "clear"}
BY = ("tls", "ssh", "ipsec", "clear")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def derive(recs):
    """The counters as the records show them."""
    d = {k: 0 for k in NAMES + ["zert_sessions_created", "zert_sessions_live"]}
    last = {}  # session key -> its last interval record (keys are unique among living sessions)
    for r in recs:
        if r["record"] == "summary" and r["event"] == "interval":
            kind = KINDS[r["protocol"]]
            ee = ":ee|" in r["session_key"]
            if r["conns"]["start"] == 0:
                d["zert_sessions_created"] += 1
                d[f"zert_sessions_{kind}"] += 1
                d["zert_sessions_ee"] += ee
            last[r["session_key"]] = (kind, ee, r["active_conns"]["end"])
        elif (r["record"] == "detail" and r.get("protection", []) is None and
              r["event"] in ("term", "short_term")):
            d["zert_conns_unknown"] += 1
            d["zert_conns_live_unknown"] += r["end_reason"] == "end_of_capture"
    for kind, ee, active in last.values():
        if active:
            d["zert_sessions_live"] += 1
            d[f"zert_sessions_live_{kind}"] += 1
            d["zert_sessions_live_ee"] += ee
    return d


for capture, want in CASES.items():
    if not os.path.exists(capture):
        print(f"SKIP: {capture} is missing (the corpus is ../shared/corpus)")
        sys.exit(77)
    name = os.path.basename(capture)
    with tempfile.TemporaryDirectory() as work:
        p = subprocess.run([BIN, "-r", capture, "-q", "--seed", "0", "-o", work, "--stats"],
                           capture_output=True, text=True)
        if p.returncode not in (0, 1):
            check(False, f"{name}: zertsensor exit status {p.returncode}: {p.stderr[-400:]}")
            continue
        stats = json.loads(p.stderr.strip().splitlines()[-1])
        recs = [json.loads(l) for l in open(f"{work}/records.jsonl")]
    d = derive(recs)
    got = tuple(stats[k] for k in NAMES)
    check(got == want, f"{name}: --stats {got}, expected {want}")
    diff = [f"{k} {stats[k]} != {d[k]}" for k in d if stats[k] != d[k]]
    check(not diff, f"{name}: the records show the same counts ({', '.join(diff) or 'all equal'})")
    check(sum(stats[f"zert_sessions_{k}"] for k in BY) == stats["zert_sessions_created"] and
          sum(stats[f"zert_sessions_live_{k}"] for k in BY) == stats["zert_sessions_live"] ==
          stats["zert_sessions_created"] - stats["zert_sessions_freed"],
          f"{name}: by protection they add up to created ({stats['zert_sessions_created']}) "
          f"and live ({stats['zert_sessions_live']} = created - freed)")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
