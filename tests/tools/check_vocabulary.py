#!/usr/bin/env python3
"""check_vocabulary.py - records.jsonl over the whole corpus: `why` values and zertdump agreement.

(a) Every detail record without protection (protection [] or null) says why, and every
    observation.why is one of emit/zert_why.h's values, each documented in
    docs/records-extensions.md and in exactly one of its two kinds (clear, unknown).
(b) zertdump's JSON of zert.smf equals records.jsonl field for field, record by record, for the
    records SMF holds ("in_smf": true), except the keys SMF has no field for: those are listed
    once, in the "Keys SMF cannot hold" table of docs/records-extensions.md, which this test
    reads. Differences are printed per key with a count.

Usage: check_vocabulary.py --sensor BIN --dump ZERTDUMP --corpus DIR --source DIR
Exit status: 0 all agree, 1 a difference.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile


# Keys where zertdump and records.jsonl still disagree although SMF holds (or could hold) the
# value (docs/records-extensions.md). They are reported, not failed; any other key that
# differs fails. None is open now.
OPEN = set()


def role_held(rec):
    """Subtype 11 keeps the local role only in its TLS and SSH sections (and UDP and IPsec
    traffic is peer to peer): a TCP detail record with neither section has no SMF field for it
    (docs/records-extensions.md)."""
    return (rec.get("record") != "detail" or rec.get("ip_proto") != "tcp"
            or bool(rec.get("tls")) or bool(rec.get("ssh")))


# The keys that name algorithms: each value must be a name of the shared table
# (emit/smf_codes.c, emit/tls_tables.c).
ALG = re.compile(r"tls\.(enc|mac|kex|auth|cipher_name|group_name)|ssh\.(kex|hostkey|hostkey_type|"
                 r"(enc|mac)_(c2s|s2c))|ipsec\.(encr|prf|integ|auth)|"
                 r"tls\.(server|client)_cert\.(key_type|sig_alg|digest)")


def flat(o, prefix=""):
    out = {}
    if isinstance(o, dict):
        for k, v in o.items():
            out.update(flat(v, prefix + k + "."))
        if not o:
            out[prefix[:-1]] = {}
    else:
        out[prefix[:-1]] = o
    return out


def main():
    ap = argparse.ArgumentParser()
    for k in ("sensor", "dump", "corpus", "source"):
        ap.add_argument("--" + k, required=True)
    a = ap.parse_args()
    hdr = open(os.path.join(a.source, "emit/zert_why.h")).read()
    whys = set(re.findall(r'#define ZERT_WHY_\w+\s+"([a-z_]+)"', hdr))
    # each value in exactly one of the two kinds (readers such as --compare go by the kind)
    kinds = {}
    for kind in ("CLEAR", "UNKNOWN"):
        m = re.search(r"#define ZERT_WHY_%s_LIST((?:.*\\\n)*.*)" % kind, hdr)
        kinds[kind] = re.findall(r"ZERT_WHY_\w+", m.group(1)) if m else []
    unsorted = [n for n in re.findall(r'#define (ZERT_WHY_\w+)\s+"', hdr)
                if kinds["CLEAR"].count(n) + kinds["UNKNOWN"].count(n) != 1]
    doc = open(os.path.join(a.source, "docs/records-extensions.md")).read()
    undocumented = [w for w in whys if "`%s`" % w not in doc]
    m = re.search(r"## Keys SMF cannot hold\n(.*?)\n## ", doc, re.S)
    absent = []
    for cell in re.findall(r"^\| (`[^|]+`) \|", m.group(1), re.M):
        absent += re.findall(r"`([^`]+)`", cell)
    names = set()
    for f in ("emit/smf_codes.c", "emit/tls_tables.c"):
        names |= set(re.findall(r'"([^"%\n]+)"', open(os.path.join(a.source, f)).read()))
    unknown = collections.Counter()
    bad = 0
    if unsorted or not kinds["CLEAR"] or not kinds["UNKNOWN"]:
        bad += 1
        print("why values not in exactly one of ZERT_WHY_CLEAR_LIST, ZERT_WHY_UNKNOWN_LIST:",
              unsorted)
    if undocumented:
        bad += 1
        print("why values not in docs/records-extensions.md:", undocumented)
    rows = [l.split("\t") for l in open(os.path.join(a.corpus, "INDEX.tsv"))][1:]
    diffs = collections.Counter()
    example = {}
    n = collections.Counter()
    for r in rows:
        cap = os.path.join(a.corpus, r[0])
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "o")
            p = subprocess.run([a.sensor, "-r", cap, "-q", "-o", out], capture_output=True,
                               check=False)
            if p.returncode not in (0, 1) or not os.path.exists(out + "/records.jsonl"):
                continue
            recs = [json.loads(l) for l in open(out + "/records.jsonl")]
            d = subprocess.run([a.dump, out + "/zert.smf"], capture_output=True, text=True,
                               check=False)
            smf = [json.loads(l) for l in d.stdout.splitlines()]
        for rec in recs:
            if rec["record"] != "detail" or "local" not in rec:
                continue
            n["detail"] += 1
            why = (rec.get("observation") or {}).get("why")
            if not rec["protection"] and not why:
                bad += 1
                print("%s conn %s: no protection and no why" % (r[0], rec["conn_id"]))
            if why and why not in whys:
                bad += 1
                print("%s conn %s: why %r is not in emit/zert_why.h" % (r[0], rec["conn_id"],
                                                                       why))
        for rec in recs:
            for k, v in flat(rec).items():
                # OpenSSH's encrypt-then-MAC forms are the table's MAC plus a flag
                # (smf_codes_ssh_mac_find)
                base = v[:-len("-etm@openssh.com")] if str(v).endswith("-etm@openssh.com") else v
                if v and ALG.fullmatch(k) and v not in names and base not in names:
                    unknown[(k.split(".")[-1], v)] += 1
        held = [x for x in recs if x.get("in_smf", True)]
        if len(held) != len(smf):
            bad += 1
            print("%s: %d records in SMF, zertdump read %d" % (r[0], len(held), len(smf)))
            continue
        for x, y in zip(held, smf):
            n["compared"] += 1
            fx, fy = flat(x), flat(y)
            for k in sorted(set(fx) | set(fy)):
                if k == "role" and not role_held(x):
                    continue
                if any(k == p or k.startswith(p + ".") or re.fullmatch(p.replace("*", "[^.]+"), k)
                       for p in absent):
                    continue
                if fx.get(k, "<absent>") != fy.get(k, "<absent>"):
                    diffs[k] += 1
                    example.setdefault(k, (r[0], fx.get(k, "<absent>"), fy.get(k, "<absent>")))
    for k, c in diffs.most_common():
        print("%s: zertdump differs on %s in %d records, e.g. %s: records %r, zertdump %r" %
              (("open" if k in OPEN else "FAIL", k, c) + example[k]))
    bad += len([k for k in diffs if k not in OPEN])
    for (k, v), c in sorted(unknown.items()):
        print("FAIL: %s %r (%d records) is not a name of the shared table" % (k, v, c))
    bad += len(unknown)
    print("vocabulary: %d detail records, %d records compared with zertdump, %d keys differ, "
          "%d problems" % (n["detail"], n["compared"], len(diffs), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
