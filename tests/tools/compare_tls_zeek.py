#!/usr/bin/env python3
"""compare_tls_zeek.py - zertsensor --observations against the corpus's Zeek ssl.log/x509.log.

For every corpus capture with a Zeek ssl.log baseline (<pcap>.zeek-<test>.ssl.log), each
TCP connection Zeek logged is found in the sensor's output by 4-tuple (id.orig_h/p,
id.resp_h/p; baselines mask timestamps and uids) and compared field by field:
version, cipher, curve/group, resumed, and the leaf certificate's key type and key
length (the leaf is the first of cert_chain_fps, looked up by fingerprint in the
x509.log of the same test; the sensor reports the SHA-256 of the leaf DER too).

Differences allowed, each for a stated reason, are in ALLOWED (by capture, client
port and field); anything else fails.

Usage: compare_tls_zeek.py --sensor BIN --corpus DIR [-v]
Exit status: 0 pass, 1 unexplained differences, 2 tool error.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
from collections import defaultdict

ZEEK_VERSIONS = {"SSLv2": 0x0002, "SSLv3": 0x0300, "TLSv10": 0x0301, "TLSv11": 0x0302,
                 "TLSv12": 0x0303, "TLSv13": 0x0304}
ZEEK_KEY_TYPES = {"rsa": "RSA", "ecdsa": "EC", "dsa": "DSA"}

# (capture, client port, field) -> why the sensor and Zeek differ there.
ALLOWED = {
}


def die(msg):
    print("compare_tls_zeek: " + msg, file=sys.stderr)
    sys.exit(2)


def read_zeek_log(path):
    fields = None
    rows = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
            elif line.startswith("#") or not line:
                continue
            elif fields:
                rows.append(dict(zip(fields, line.split("\t"))))
    return rows


def zeek_version(v):
    if v in ZEEK_VERSIONS:
        return ZEEK_VERSIONS[v]
    if v.startswith("TLSv13-draft"):
        return 0x7f00 + int(v[len("TLSv13-draft"):])
    return None


def sensor_observations(sensor, path):
    p = subprocess.run([sensor, "-r", path, "-q", "--observations", "-"],
                       capture_output=True, text=True)
    if p.returncode < 0:
        die("%s crashed on %s" % (sensor, path))
    return [json.loads(x) for x in p.stdout.splitlines() if x.strip()]


def tuple_in_capture(path, key):
    """Does the capture hold any packet of this 4-tuple? (tshark, not the sensor, decides)."""
    ip = "ipv6" if ":" in key[0] else "ip"
    flt = "%s.addr==%s && %s.addr==%s && tcp.port==%d && tcp.port==%d" % (
        ip, key[0], ip, key[2], key[1], key[3])
    p = subprocess.run(["tshark", "-r", path, "-n", "-Y", flt, "-c", "1"],
                       capture_output=True, text=True)
    return bool(p.stdout.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    logs = sorted(glob.glob(os.path.join(a.corpus, "**", "*.zeek-*.ssl.log"), recursive=True))
    if not logs:
        die("no Zeek ssl.log baselines under " + a.corpus)
    counts = defaultdict(lambda: [0, 0])  # field -> [compared, agree]
    conns = 0
    unexplained, explained, foreign = [], [], []
    cache = {}
    for log in logs:
        cap_path = log.split(".zeek-")[0]
        cap = os.path.relpath(cap_path, a.corpus)
        x509 = {r.get("fingerprint"): r for r in
                read_zeek_log(log[:-len("ssl.log")] + "x509.log")} \
            if os.path.exists(log[:-len("ssl.log")] + "x509.log") else {}
        if cap_path not in cache:
            cache[cap_path] = sensor_observations(a.sensor, cap_path)
        by_tuple = defaultdict(list)
        for o in cache[cap_path]:
            by_tuple[(o["client"]["ip"], o["client"]["port"], o["server"]["ip"],
                      o["server"]["port"])].append(o)
        for z in read_zeek_log(log):
            if z.get("version", "").startswith("DTLS"):
                continue  # DTLS is UDP: not this dissector
            key = (z["id.orig_h"], int(z["id.orig_p"]), z["id.resp_h"], int(z["id.resp_p"]))
            cands = [o for o in by_tuple.get(key, []) if o.get("tls")]
            t = cands[0]["tls"] if cands else {}
            if not by_tuple.get(key) and not tuple_in_capture(cap_path, key):
                # A Zeek btest may read several traces and the corpus kept only some: the
                # validate-ocsp ssl.log and the mysql tls-13 ssl.log describe traces that are
                # not in the corpus. tshark confirms the connection is absent.
                foreign.append("%s %s:%d -> %s:%d" % ((cap,) + key))
                continue
            conns += 1
            checks = []
            zv = z.get("version", "-")
            if zv != "-":
                checks.append(("version", zeek_version(zv), t.get("version_code")))
            if z.get("cipher", "-") != "-":
                checks.append(("cipher", z["cipher"], t.get("cipher_name")))
            if z.get("curve", "-") != "-":
                checks.append(("curve", z["curve"], t.get("group_name")))
            if z.get("resumed", "-") != "-" and zv != "-":
                checks.append(("resumed", z["resumed"] == "T", t.get("handshake") == "resumed"))
            fps = z.get("cert_chain_fps", "-")
            if fps not in ("-", "(empty)"):
                leaf = x509.get(fps.split(",")[0])
                cert = t.get("server_cert") or {}
                if leaf:
                    kt = leaf.get("certificate.key_type", "-")
                    checks.append(("cert_key_type", ZEEK_KEY_TYPES.get(kt, kt), cert.get("key_type")))
                    kl = leaf.get("certificate.key_length", "-")
                    checks.append(("cert_key_bits", int(kl) if kl != "-" else None,
                                   cert.get("key_bits")))
                    checks.append(("cert_sha256", fps.split(",")[0], cert.get("sha256")))
            for field, want, got in checks:
                counts[field][0] += 1
                if want == got:
                    counts[field][1] += 1
                    continue
                reason = ALLOWED.get((cap, key[1], field))
                line = "%s %s:%d -> %s:%d %s: zeek %r, sensor %r" % (
                    cap, key[0], key[1], key[2], key[3], field, want, got)
                (explained if reason else unexplained).append(
                    line + (" (%s)" % reason if reason else ""))
    print("compare_tls_zeek: %d ssl.log baselines, %d TLS connections logged by Zeek"
          % (len(logs), conns))
    for field in sorted(counts):
        n, ok = counts[field]
        print("  %-14s %3d/%3d agree" % (field, ok, n))
    for line in foreign:
        print("  not in this capture (baseline of another trace of the same Zeek test): " + line)
    for line in explained:
        print("  allowed: " + line)
    for line in unexplained:
        print("  UNEXPLAINED: " + line)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
