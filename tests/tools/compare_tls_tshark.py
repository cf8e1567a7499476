#!/usr/bin/env python3
"""compare_tls_tshark.py - zertsensor --observations against tshark on the corpus TLS captures.

For every TLS connection whose ServerHello tshark decodes, the negotiated version
(supported_versions wins), the cipher suite and, for TLS 1.3, the key-share group
must match the sensor's "tls" object. Connections are keyed by 4-tuple (client,
server) and, when a 4-tuple repeats, by order. At least 99% must agree, and every
disagreement must be listed in KNOWN below with its reason.

Usage: compare_tls_tshark.py --sensor BIN --corpus DIR [-v] [capture ...]
Exit status: 0 pass, 1 disagreement, 2 tool error.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

TLS_TAGS = ("TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "TLS1.3-draft", "SSL3", "HRR",
            "PQ:X25519MLKEM768", "PQ:X25519Kyber768Draft00", "STARTTLS-ctx",
            "TLS1.3-PSK-resumption", "0-RTT(early_data offered)", "multiple-ClientHello")
STANDARD_PORTS = {443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 3389, 5061, 8443}

# capture -> {(client_port, field): reason}: disagreements explained one by one.
KNOWN = {
    "suricata-verify/tls/tls13-draft14/tls13_draft14.pcap": {
        (54049, "cipher_suite"): "draft-14 ServerHello (version 0x0304) has no session id or "
        "compression (version, random, suite, extensions); tshark 4.0 parses it in the RFC 8446 "
        "layout, reads a session id length of 192 (> 32, invalid) and takes random key-share "
        "bytes 0xacad as the suite; the sensor tries both layouts and keeps the one whose lengths "
        "add up: 0xc02b TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    },
}


def die(msg):
    print("compare_tls_tshark: " + msg, file=sys.stderr)
    sys.exit(2)


def select_captures(corpus):
    out = []
    with open(os.path.join(corpus, "INDEX.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        ti = header.index("tags")
        for line in f:
            row = line.rstrip("\n").split("\t")
            tags = row[ti].split(",") if len(row) > ti else []
            if any(t in TLS_TAGS for t in tags):
                out.append(row[0])
    return sorted(out)


def sensor_observations(sensor, path):
    p = subprocess.run([sensor, "-r", path, "-q", "--observations", "-"],
                       capture_output=True, text=True)
    if p.returncode < 0:
        die("%s crashed on %s: %s" % (sensor, path, p.stderr.strip()))
    # a damaged capture ends the run early with an error: what was read still counts
    obs = []
    for line in p.stdout.splitlines():
        if line.strip():
            obs.append(json.loads(line))
    return obs


def hexint(s):
    s = s.strip()
    if not s:
        return None
    return int(s, 16) if s.lower().startswith("0x") else int(s)


def tshark_server_hellos(path, extra_ports):
    args = ["tshark", "-r", path, "-n", "-o", "tls.desegment_ssl_records:TRUE",
            "-o", "tcp.desegment_tcp_streams:TRUE"]
    for port in sorted(extra_ports):
        args += ["-d", "tcp.port==%d,tls" % port]
    args += ["-Y", "tls.handshake.type == 2", "-T", "fields", "-E", "separator=\t",
             "-E", "occurrence=a", "-E", "aggregator=,"]
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
              "tcp.dstport", "tls.handshake.type", "tls.handshake.version",
              "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite",
              "tls.handshake.extensions_key_share_group",
              "tls.handshake.extensions_key_share_selected_group"]
    for fld in fields:
        args += ["-e", fld]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0 and not p.stdout:
        return []  # damaged capture (bug-1450-*): tshark reads nothing either
    per_stream = {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        f += [""] * (len(fields) - len(f))
        if not f[0] or not f[3]:
            continue  # not TCP (DTLS)
        # tunnels: the inner (last) header is the connection's
        stream = int(f[0].split(",")[-1])
        src = (f[2] or f[1]).split(",")[-1]
        dst = (f[5] or f[4]).split(",")[-1]
        f[3] = f[3].split(",")[-1]
        f[6] = f[6].split(",")[-1]
        types = f[7].split(",")
        vers = f[8].split(",")
        svers = [x for x in f[9].split(",") if x]
        suites = f[10].split(",")
        # a frame may hold several handshake messages; the ServerHello's are the type-2 entries
        if "2" not in types:
            continue
        sh_index = types.index("2")
        version = hexint(svers[-1]) if svers else hexint(vers[min(sh_index, len(vers) - 1)])
        suite = hexint(suites[-1]) if suites and suites[-1] else None
        group = hexint(f[11].split(",")[-1]) if f[11] else None
        hrr = bool(f[12]) and not f[11]
        entry = per_stream.setdefault(stream, {"client": (dst, int(f[6])),
                                               "server": (src, int(f[3]))})
        if hrr:
            entry["hrr"] = True
            continue
        # the last ServerHello of a stream is the one that counts (after an HRR)
        entry.update(version=version, suite=suite, group=group)
    return [e for e in per_stream.values() if "version" in e]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    captures = a.captures or select_captures(a.corpus)
    total = agree = 0
    unexplained = []
    explained = []
    for cap in captures:
        path = os.path.join(a.corpus, cap)
        obs = sensor_observations(a.sensor, path)
        by_tuple = defaultdict(list)
        ports = set()
        for o in obs:
            key = (o["client"]["ip"], o["client"]["port"], o["server"]["ip"], o["server"]["port"])
            by_tuple[key].append(o)
            t = o.get("tls")
            ob = o.get("observation", {})
            if t and ob.get("handshake_first") and o["server"]["port"] not in STANDARD_PORTS:
                ports.add(o["server"]["port"])
        used = defaultdict(int)
        for sh in tshark_server_hellos(path, ports):
            key = sh["client"] + sh["server"]
            cands = by_tuple.get(key, [])
            i = used[key]
            used[key] += 1
            o = cands[i] if i < len(cands) else (cands[-1] if cands else None)
            t = (o or {}).get("tls") or {}
            problems = []
            if t.get("version_code") != sh["version"]:
                problems.append(("version", sh["version"], t.get("version_code")))
            if t.get("cipher_suite") != sh["suite"]:
                problems.append(("cipher_suite", sh["suite"], t.get("cipher_suite")))
            if sh["version"] is not None and (sh["version"] == 0x0304 or sh["version"] >> 8 in (0x7f, 0x7e)):
                if sh["group"] is not None and t.get("group") != sh["group"]:
                    problems.append(("group", sh["group"], t.get("group")))
            total += 1
            if not problems:
                agree += 1
                continue
            for field, want, got in problems:
                reason = KNOWN.get(cap, {}).get((sh["client"][1], field))
                line = "%s %s:%d -> %s:%d %s: tshark %s, sensor %s" % (
                    cap, sh["client"][0], sh["client"][1], sh["server"][0], sh["server"][1],
                    field, want, got)
                (explained if reason else unexplained).append(line + (" (%s)" % reason if reason else ""))
        if a.verbose:
            print("%s: %d ServerHellos so far" % (cap, total))
    pct = 100.0 * agree / total if total else 100.0
    print("compare_tls_tshark: %d captures, %d ServerHellos seen by tshark, %d agree (%.2f%%)"
          % (len(captures), total, agree, pct))
    for line in explained:
        print("  known: " + line)
    for line in unexplained:
        print("  UNEXPLAINED: " + line)
    if pct < 99.0 or unexplained:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
