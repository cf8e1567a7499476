#!/usr/bin/env python3
"""check_fingerprints.py - JA4, JA4S, HASSH and HASSHServer against independent values.

(a) JA4 and JA4S recomputed here from tshark's ClientHello/ServerHello fields (cipher suites,
    extension types, signature algorithms, supported_versions, ALPN, SNI) following FoxIO's
    published specification, for every corpus capture tagged TLS-ish on the TCP ports where
    the sensor saw TLS; JA4 also against the values other tools stored beside the corpus
    captures: Arkime's tls.ja4 (.test files) and Suricata's tls.ja4 (suricata-verify).
(b) HASSH and HASSHServer against tshark's own ssh.kex.hassh / ssh.kex.hasshserver on every
    corpus capture tagged SSH, and Arkime's ssh.hassh / ssh.hasshServer.
(c) records.jsonl carries the same values as the observation lines.
Captures or values outside TCP TLS/SSH (DTLS, QUIC) are not the sensor's and are skipped.

Usage: check_fingerprints.py --sensor BIN --corpus DIR [-v]
Exit status: 0 all agree, 1 a difference, 2 tool error.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


VERS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2"}


def h12(items):
    if not items:
        return "000000000000"
    return hashlib.sha256(",".join(items).encode()).hexdigest()[:12]


def alpn_chars(a):
    if not a:
        return "00"
    b = a.encode("latin-1", "replace")
    f, l = b[0], b[-1]
    if chr(f).isalnum() and chr(l).isalnum() and f < 128 and l < 128:
        return chr(f) + chr(l)
    return "%x%x" % (f >> 4, l & 15)


def ints(s):
    return [int(x, 16) if x.startswith("0x") else int(x) for x in s.split("|") if x]


def ja4(f):
    vers = [v for v in ints(f["sv"]) if not grease(v)]
    ver = max(vers) if vers else int(f["ver"], 16)
    suites = ["%04x" % v for v in ints(f["suites"]) if not grease(v)]
    exts = [v for v in ints(f["exts"]) if not grease(v)]
    sigs = ["%04x" % v for v in ints(f["sigs"]) if not grease(v)]
    alpn = f["alpn"].split("|")[0] if f["alpn"] else ""
    a = "t%s%s%02d%02d%s" % (VERS.get(ver, "00"), "d" if 0 in exts else "i",
                              min(len(suites), 99), min(len(exts), 99), alpn_chars(alpn))
    c_in = sorted("%04x" % v for v in exts if v not in (0, 16))
    c = h12(c_in) if not sigs or not c_in else hashlib.sha256(
        (",".join(c_in) + "_" + ",".join(sigs)).encode()).hexdigest()[:12]
    return "%s_%s_%s" % (a, h12(sorted(suites)), c)


def ja4s(f):
    vers = ints(f["sv"])
    ver = vers[0] if vers else int(f["ver"], 16)
    exts = ["%04x" % v for v in ints(f["exts"]) if not grease(v)]
    alpn = f["alpn"].split("|")[0] if f["alpn"] else ""
    return "t%s%02d%s_%04x_%s" % (VERS.get(ver, "00"), min(len(exts), 99), alpn_chars(alpn),
                                  ints(f["suites"])[0], h12(exts))


TLS_FIELDS = ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
              "tls.handshake.type", "tls.handshake.version",
              "tls.handshake.extensions.supported_version", "tls.handshake.extension.type",
              "tls.handshake.ciphersuite", "tls.handshake.sig_hash_alg",
              "tls.handshake.extensions_alpn_str", "tls.handshake.sig_hash_alg_len"]


def run_sensor(sensor, cap, tmp):
    out = os.path.join(tmp, "o")
    obs = os.path.join(tmp, "obs.jsonl")
    p = subprocess.run([sensor, "-r", cap, "-q", "-o", out, "--observations", obs],
                       capture_output=True, text=True, check=False)
    if p.returncode not in (0, 1):  # 1: damaged part-way (zertsensor(8))
        sys.exit("zertsensor failed on %s: %s" % (cap, p.stderr))
    o = [json.loads(l) for l in open(obs)]
    r = [json.loads(l) for l in open(os.path.join(out, "records.jsonl"))]
    subprocess.run(["rm", "-rf", out, obs], check=False)
    return o, r


def tuple_of(o):
    return (o["client"]["ip"], o["client"]["port"], o["server"]["ip"], o["server"]["port"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    bad = 0
    n = {"ja4-tshark": 0, "ja4s-tshark": 0, "ja4-arkime": 0, "ja4-suricata": 0,
         "hassh-tshark": 0, "hassh-arkime": 0, "records": 0}

    def diff(kind, cap, what, want, got):
        nonlocal bad
        n[kind] += 1
        if want != got:
            bad += 1
            print("%s %s %s: want %s, sensor %s" % (kind, os.path.basename(cap), what, want, got))
        elif a.v:
            print("%s %s %s: %s" % (kind, os.path.basename(cap), what, got))

    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(a.corpus, "INDEX.tsv"))][1:]
    tls_caps = [r[0] for r in rows if re.search(r"TLS|SSL", r[11]) and "DTLS" not in r[11]
                and "QUIC" not in r[11]]
    ssh_caps = [r[0] for r in rows if "SSH" in r[11]]
    tmp = tempfile.mkdtemp()
    for rel in tls_caps:
        cap = os.path.join(a.corpus, rel)
        obs, recs = run_sensor(a.sensor, cap, tmp)
        tls = {tuple_of(o): o["tls"] for o in obs if o.get("tls")}
        ports = sorted({t[3] for t in tls})
        if not ports:
            continue
        cmd = ["tshark", "-r", cap, "-Y", "tls.handshake.type==1 || tls.handshake.type==2",
               "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
        for p in ports:
            cmd += ["-d", "tcp.port==%d,tls" % p]
        for f in TLS_FIELDS:
            cmd += ["-e", f]
        p = subprocess.run(cmd, capture_output=True, text=True, check=False)
        for line in p.stdout.splitlines():
            v = line.split("\t")
            s4, s6, sp, d4, d6, dp, types = v[0], v[1], v[2], v[3], v[4], v[5], v[6]
            types = types.split("|")
            # one hello per packet alone: other messages in the packet would mix their fields
            if len(types) != 1 or types[0] not in ("1", "2") or "|" in sp or not sp or not dp:
                continue
            f = dict(ver=v[7].split("|")[0], sv=v[8], exts=v[9], suites=v[10], sigs=v[11],
                     alpn=v[12])
            # tshark lists signature_algorithms (13), delegated_credentials (34) and
            # signature_algorithms_cert (50) in one field, in extension order: JA4 takes 13's
            lens = [int(x) // 2 for x in v[13].split("|") if x]
            order = [e for e in ints(f["exts"]) if e in (13, 34, 50)]
            sig = ints(f["sigs"])
            if len(lens) == len(order) and 13 in order:
                i = order.index(13)
                start = sum(lens[:i])
                f["sigs"] = "|".join("%d" % x for x in sig[start:start + lens[i]])
            if types[0] == "1":
                t = (s4 or s6, int(sp), d4 or d6, int(dp))
                if t in tls and tls[t].get("ja4"):
                    # the sensor keeps the last ClientHello: one of those tshark saw
                    tls[t].setdefault("_ja4_tshark", []).append(ja4(f))
            else:
                t = (d4 or d6, int(dp), s4 or s6, int(sp))
                if t in tls and tls[t].get("ja4s"):
                    # the last ServerHello: after a HelloRetryRequest, the real one
                    tls[t].setdefault("_ja4s_tshark", []).append(ja4s(f))
        for t, o in tls.items():
            sh = o.get("_ja4s_tshark", [])
            # after a HelloRetryRequest the sensor's JA4S is the real ServerHello's: tshark must
            # have decoded both for a comparison
            if sh and (not o.get("hello_retry") or len(sh) > 1):
                diff("ja4s-tshark", cap, t, sh[-1], o["ja4s"])
            if "_ja4_tshark" in o:
                n["ja4-tshark"] += 1
                if o["ja4"] not in o["_ja4_tshark"]:
                    bad += 1
                    print("ja4-tshark %s %s: want %s, sensor %s" % (rel, t, o["_ja4_tshark"],
                                                                   o["ja4"]))
        byt = {(r["remote"]["ip"], r["remote"]["port"], r["local"]["ip"], r["local"]["port"]): r
               for r in recs if r["record"] == "detail" and r.get("tls")}
        byt.update({(r["local"]["ip"], r["local"]["port"], r["remote"]["ip"],
                     r["remote"]["port"]): r for r in recs
                    if r["record"] == "detail" and r.get("tls") and r["role"] == "client"})
        for t, o in tls.items():
            if t in byt:
                diff("records", cap, t, (o.get("ja4"), o.get("ja4s")),
                     (byt[t]["tls"].get("ja4"), byt[t]["tls"].get("ja4s")))
    # Arkime and Suricata JA4 values
    for test in sorted(glob.glob(os.path.join(a.corpus, "arkime", "*.test"))):
        cap = test[:-5] + ".pcap"
        try:
            sessions = json.load(open(test)).get("sessions3", [])
        except ValueError:
            continue
        want = {}
        hwant = {}
        for s in sessions:
            b = s.get("body", s)
            if b.get("ipProtocol") != 6:
                continue
            k = b["source"]["port"], b["destination"]["port"]
            if b.get("tls", {}).get("ja4"):
                want[k] = b["tls"]["ja4"]
            if b.get("ssh", {}).get("hassh"):
                hwant[k] = (b["ssh"]["hassh"], b["ssh"].get("hasshServer"))
        if not want and not hwant:
            continue
        obs, _ = run_sensor(a.sensor, cap, tmp)
        for o in obs:
            k = o["client"]["port"], o["server"]["port"]
            if k in want and o.get("tls"):
                diff("ja4-arkime", cap, k, o["tls"]["ja4"] in want[k], True)
            if k in hwant and o.get("ssh"):
                diff("hassh-arkime", cap, k, (hwant[k][0], (hwant[k][1] or [None])),
                     ([o["ssh"]["hassh"]], [o["ssh"]["hassh_server"]]))
    for test in sorted(glob.glob(os.path.join(a.corpus, "suricata-verify", "*", "test.yaml"))):
        text = open(test).read()
        want = set(re.findall(r"tls\.ja4: (t[0-9a-z_]+)", text))
        caps = glob.glob(os.path.join(os.path.dirname(test), "*.pcap"))
        if not want or len(caps) != 1:
            continue
        obs, _ = run_sensor(a.sensor, caps[0], tmp)
        got = {o["tls"]["ja4"] for o in obs if o.get("tls") and o["tls"].get("ja4")}
        for w in sorted(want):
            diff("ja4-suricata", test, "ja4", w, w if w in got else sorted(got))
    # HASSH against tshark
    for rel in ssh_caps:
        cap = os.path.join(a.corpus, rel)
        obs, recs = run_sensor(a.sensor, cap, tmp)
        ssh = {tuple_of(o): o["ssh"] for o in obs if o.get("ssh")}
        ports = sorted({t[3] for t in ssh} | {t[1] for t in ssh})
        if not ports:
            continue
        cmd = ["tshark", "-r", cap, "-Y", "ssh.kex.hassh || ssh.kex.hasshserver", "-T", "fields",
               "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e",
               "ipv6.dst", "-e", "tcp.dstport", "-e", "ssh.kex.hassh", "-e",
               "ssh.kex.hasshserver"]
        for p in ports:
            cmd += ["-d", "tcp.port==%d,ssh" % p]
        p = subprocess.run(cmd, capture_output=True, text=True, check=False)
        for line in p.stdout.splitlines():
            s4, s6, sp, d4, d6, dp, hc, hs = (line.split("\t") + [""] * 8)[:8]
            if "," in sp:
                continue
            src, dst = (s4 or s6, int(sp)), (d4 or d6, int(dp))
            for t in ((src + dst), (dst + src)):
                if t not in ssh:
                    continue
                if hc and (t[0], t[1]) == src:
                    diff("hassh-tshark", cap, t, hc, ssh[t]["hassh"])
                if hs and (t[2], t[3]) == src:
                    diff("hassh-tshark", cap, t, hs, ssh[t]["hassh_server"])
        for r in recs:
            if r["record"] == "detail" and r.get("ssh"):
                for t in ((r["remote"]["ip"], r["remote"]["port"], r["local"]["ip"],
                           r["local"]["port"]),
                          (r["local"]["ip"], r["local"]["port"], r["remote"]["ip"],
                           r["remote"]["port"])):
                    if t in ssh:
                        diff("records", cap, t, (ssh[t]["hassh"], ssh[t]["hassh_server"]),
                             (r["ssh"]["hassh"], r["ssh"]["hassh_server"]))
    os.rmdir(tmp)
    print("fingerprints: %s; %d differ" % (", ".join("%s %d" % kv for kv in n.items()), bad))
    if min(n.values()) == 0:
        print("a source compared nothing")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
