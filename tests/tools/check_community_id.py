#!/usr/bin/env python3
"""check_community_id.py - Community ID v1 on --flows and detail records against other tools.

(a) arkime: every TCP/UDP session of a corpus capture's arkime .test file carries
    network.community_id (Arkime's own implementation); the sensor's --flows line for the
    same 5-tuple must carry the same value.
(b) Zeek: the community-id-logging baseline of zeek/tcp/handshake-reorder.pcap.
(c) tshark: Wireshark's communityid post-dissector on every TCP/UDP flow of a few captures
    (IPv4 and IPv6).
(d) records: every detail record's community_id equals the --flows value of its 5-tuple, and
    `zertdump` (from zert.smf) writes the same value for every record SMF holds.
(e) text: every readable flow line (no -q) ends with its flow's community_id as --flows gives
    it, and a flow without one (ICMP) has none.
The seed is 0 everywhere (Suricata's suricata-verify value, seed 7, is in test_community_id.c).

Usage: check_community_id.py --sensor BIN --dump ZERTDUMP --corpus DIR
Exit status: 0 all agree, 1 a difference, 2 tool error.
"""
import argparse
import glob
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

TSHARK_CAPTURES = [
    "suricata-verify/community-id-ipv6/input.pcap",
    "zeek/tls/chrome-1250-tls-x25519-kyber.pcap",
    "arkime/ssh2.pcap",
    "arkime/IKEv1.pcap",
    "arkime/tls-alpn-h2.pcap",
    "zeek/tcp/handshake-reorder.pcap",
]


def norm(ip):
    return ipaddress.ip_address(ip).compressed


def key(proto, a, pa, b, pb):
    x, y = (norm(a), int(pa)), (norm(b), int(pb))
    return (proto,) + tuple(sorted([x, y]))


def flows(sensor, cap):
    out = subprocess.run([sensor, "-r", cap, "-q", "--flows", "-"], capture_output=True,
                         text=True, check=False)
    if out.returncode not in (0, 1):
        sys.exit("zertsensor failed on %s: %s" % (cap, out.stderr))
    got = {}
    for line in out.stdout.splitlines():
        f = json.loads(line)
        k = key(f["proto"], f["client"]["ip"], f["client"].get("port", 0), f["server"]["ip"],
                f["server"].get("port", 0))
        got[k] = f["community_id"]
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    bad = 0
    checked = {"arkime": 0, "zeek": 0, "tshark": 0, "records": 0, "zertdump": 0, "text": 0}

    def compare(src, cap, k, want, got):
        nonlocal bad
        checked[src] += 1
        if got.get(k) != want:
            bad += 1
            print("%s %s %s: want %s, sensor %s" % (src, cap, k, want, got.get(k)))

    # (a) arkime
    for test in sorted(glob.glob(os.path.join(a.corpus, "arkime", "*.test"))):
        cap = test[:-5] + ".pcap"
        if not os.path.exists(cap):
            continue
        try:
            sessions = json.load(open(test)).get("sessions3", [])
        except ValueError:
            continue
        want = {}
        for s in sessions:
            b = s.get("body", s)
            cid = b.get("network", {}).get("community_id")
            proto = {6: "tcp", 17: "udp"}.get(b.get("ipProtocol"))
            if not cid or not proto:
                continue
            want[key(proto, b["source"]["ip"], b["source"]["port"], b["destination"]["ip"],
                     b["destination"]["port"])] = cid
        if not want:
            continue
        got = flows(a.sensor, cap)
        for k, v in want.items():
            if k in got:  # arkime splits sessions differently at times; the tuple decides
                compare("arkime", os.path.basename(cap), k, v, got)
    # (b) Zeek
    cap = os.path.join(a.corpus, "zeek/tcp/handshake-reorder.pcap")
    base = glob.glob(cap + ".zeek-*community-id*.conn.log.cut")
    got = flows(a.sensor, cap)
    for line in open(base[0]):
        if line.startswith("#"):
            continue
        c = line.rstrip("\n").split("\t")
        compare("zeek", "handshake-reorder.pcap", key(c[4], c[0], c[1], c[2], c[3]), c[6], got)
    # (c) tshark
    for rel in TSHARK_CAPTURES:
        cap = os.path.join(a.corpus, rel)
        out = subprocess.run(
            ["tshark", "-r", cap, "--enable-protocol", "communityid", "-T", "fields", "-E",
             "separator=/t", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst",
             "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport",
             "-e", "communityid"], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            sys.exit("tshark failed on %s: %s" % (rel, out.stderr))
        got = flows(a.sensor, cap)
        want = {}
        for line in out.stdout.splitlines():
            s4, s6, d4, d6, ts, td, us, ud, cid = (line.split("\t") + [""] * 9)[:9]
            if not cid or "," in s4 + d4 + s6 + d6:  # tunnels: the inner flow is not ours
                continue
            proto, sp, dp = ("tcp", ts, td) if ts else ("udp", us, ud)
            if not sp:
                continue
            want[key(proto, s4 or s6, sp, d4 or d6, dp)] = cid
        for k, v in want.items():
            compare("tshark", os.path.basename(cap), k, v, got)
    # (d) records.jsonl and zertdump
    for rel in TSHARK_CAPTURES:
        cap = os.path.join(a.corpus, rel)
        got = flows(a.sensor, cap)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "o")
            subprocess.run([a.sensor, "-r", cap, "-q", "-o", out], capture_output=True,
                           check=False)
            recs = [json.loads(l) for l in open(os.path.join(out, "records.jsonl"))]
            dump = subprocess.run([a.dump, os.path.join(out, "zert.smf")], capture_output=True,
                                  text=True, check=False)
            if dump.returncode != 0:
                sys.exit("zertdump failed: %s" % dump.stderr)
            smf = [json.loads(l) for l in dump.stdout.splitlines()]
        det = [r for r in recs if r["record"] == "detail" and "local" in r]
        for r in det:
            ports = r["ip_proto"] in ("tcp", "udp")  # an IPsec pair's record has no ports
            k = key(r["ip_proto"], r["local"]["ip"], r["local"]["port"] if ports else 0,
                    r["remote"]["ip"], r["remote"]["port"] if ports else 0)
            compare("records", os.path.basename(cap), k, r["community_id"], got)
        in_smf = [r for r in det if r.get("in_smf", True)]
        smf_det = [r for r in smf if r["record"] == "detail" and "local" in r]
        if len(in_smf) != len(smf_det):
            bad += 1
            print("zertdump %s: %d detail records, records.jsonl %d in SMF" %
                  (rel, len(smf_det), len(in_smf)))
        for r, d in zip(in_smf, smf_det):
            checked["zertdump"] += 1
            if r["community_id"] != d["community_id"]:
                bad += 1
                print("zertdump %s conn %s: %s != %s" % (rel, r["conn_id"], d["community_id"],
                                                          r["community_id"]))
    # (e) the readable flow lines
    for rel in TSHARK_CAPTURES:
        cap = os.path.join(a.corpus, rel)
        got = flows(a.sensor, cap)
        out = subprocess.run([a.sensor, "-r", cap], capture_output=True, text=True, check=False)
        lines = out.stdout.splitlines()
        n_json = len(subprocess.run([a.sensor, "-r", cap, "-q", "--flows", "-"],
                                    capture_output=True, text=True).stdout.splitlines())
        if len(lines) != n_json:
            bad += 1
            print("text %s: %d flow lines, --flows %d" % (rel, len(lines), n_json))
        for line in lines:
            w = line.split()
            proto = w[0]
            if w[2] != "->":
                continue
            if w[4] == "spi":  # esp/ah: addresses, no ports
                k = key(proto, w[1], 0, w[3], 0)
            else:
                (ca, cp), (sa, sp) = (x.rsplit(":", 1) for x in (w[1], w[3]))
                k = key(proto, ca.strip("[]"), cp, sa.strip("[]"), sp)
            cid = w[-1] if w[-1].startswith("1:") else None
            compare("text", os.path.basename(cap), k, cid, got)
    print("community_id: %s compared, %d differ" %
          (", ".join("%s %d" % kv for kv in checked.items()), bad))
    if min(checked.values()) == 0:
        print("a source compared nothing")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
