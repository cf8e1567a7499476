#!/usr/bin/env python3
"""report_check.py - zertdump --report on corpus captures, checked against independent counts.

usage: report_check.py MODE ZERTSENSOR ZERTDUMP CORPUS_DIR SOURCE_DIR

MODE csv:    the CSV views (tcp_server, tcp_client, peer, overview, sessions, connections, and
             the findings of the rules re-implemented below) equal what this script computes
             from records.jsonl on its own, per capture and for several inputs as one report.
MODE smf:    the report read from the sensor's zert.smf (RDW, and VBS) equals the report read
             from its records.jsonl, apart from the fields SMF cannot hold (SMF_LOST below,
             docs/report.md).
MODE html:   the HTML report rendered by headless Chromium: the tables have the CSV's rows, a
             URL fragment sorts and filters them, the chart has its bars, and the file asks for
             nothing from the network.
MODE output: -o: mode 0640, a planted symlink is replaced and not followed, no temporary file
             left; exit statuses for bad input, a bad policy, a missing directory.
"""
import csv
import fnmatch
import html.parser
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections import defaultdict

mode, sensor, zertdump, corpus, source = sys.argv[1:6]

# (name, capture, sensor configuration lines)
CAPTURES = [
    ("ftp-starttls", "corpus/ndpi/ftp-start-tls.pcap", ""),
    ("smtp-starttls", "corpus/zeek/tls/smtp-starttls.pcap", ""),
    ("quickstart", "pcaps/quickstart.pcap", ""),
    ("ee-sample", "pcaps/ee-sample.pcap", ""),
    ("ikev1-esp", "corpus/ndpi/ipsec_isakmp_esp.pcap", ""),
    ("isakmp-main", "corpus/tcpdump/ISAKMP_sa_setup.pcap", ""),
    # picked up mid-stream: every connection's protection is unknown, none is clear
    ("tls-appdata-60s", "corpus/ndpi/tls-appdata.pcap", "interval = 60\n"),
    # one SSH session over 10 one-minute intervals: counted once per connection
    ("ssh-zeek-60s", "corpus/zeek/ssh/ssh.pcap", "interval = 60\n"),
    # names with several spellings (SSLv2 3DES, IKEv1 3DES-CBC, SSH kex @libssh.org, SSH 1 3des)
    ("sslv2", "corpus/zeek/tls/ssl-v2.pcap", ""),
    ("ike-3des", "corpus/zeek-spicy-ipsec/traces/ipsec.cap", ""),
    ("ssh-libssh", "corpus/tcpdump/ssh.pcap", ""),
    ("ssh-zeek", "corpus/zeek/ssh/ssh.pcap", ""),
    ("merged", "MERGE", ""),
    # the same with the private networks local: their clients (TCP client traffic), and
    # connections between two local hosts reported from both sides
    ("merged-local", "MERGE", "local_networks = 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16\n"),
]
# merged with mergecap into one capture (all Ethernet pcap): TLS of every version and SSH
MERGE = ["arkime/openssl-ssl3.pcap", "arkime/openssl-tls1.pcap", "arkime/openssl-tls1_1.pcap",
         "arkime/openssl-tls1_2.pcap",
         "arkime/tls13.pcap", "arkime/ssh2.pcap", "zeek/ssh/ssh_kex_curve25519.pcap",
         "zeek/tls/tls13_wolfssl.pcap"]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(cmd, ok=(0,), **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode not in ok:
        raise SystemExit("%s: exit %d\n%s" % (" ".join(cmd), p.returncode, p.stderr))
    return p


def capture_dirs(work, only=None):
    """Run the sensor on every capture (or those named); returns [(name, dir)]."""
    out = []
    for name, cap, conf in CAPTURES:
        if only and name not in only:
            continue
        d = os.path.join(work, name)
        if cap == "MERGE" and os.path.exists(os.path.join(work, "merged.pcap")):
            path = os.path.join(work, "merged.pcap")
        elif cap == "MERGE":
            path = os.path.join(work, "merged.pcap")
            run(["mergecap", "-F", "pcap", "-w", path] + [os.path.join(corpus, m) for m in MERGE])
        elif cap.startswith("corpus/"):
            path = os.path.join(corpus, cap[len("corpus/"):])
        else:
            path = os.path.join(source, cap)
        cmd = [sensor, "-r", path, "-q", "--seed", "0", "-o", d]
        if conf:
            cf = os.path.join(work, name + ".conf")
            with open(cf, "w") as f:
                f.write(conf)
            cmd += ["-c", cf]
        run(cmd)
        out.append((name, d))
    return out


def report_csv(inputs, *opts):
    p = run([zertdump, "--report", "csv", "--max-conns", "0"] + list(opts) + list(inputs))
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    views = defaultdict(list)
    for r in rows:
        views[r["view"]].append(r)
    return views


def records(paths):
    for i, p in enumerate(paths):
        with open(p) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    r["_file"] = i
                    yield r


# ---------------------------------------------------------------- independent counts

def category(r):
    proto = r.get("protocol")
    if proto == "none":
        return "clear"
    if proto == "ssh":
        return "SSH"
    if proto == "ipsec":
        return "IPsec"
    code = (r.get("tls") or {}).get("version_code")
    names = {2: "SSLv2", 0x200: "SSLv2", 0x300: "SSLv3", 0x301: "TLSv1.0", 0x302: "TLSv1.1",
             0x303: "TLSv1.2", 0x304: "TLSv1.3"}
    if code in names:
        return names[code]
    if code is not None and (code & 0xFF00) == 0x7F00:
        return "TLSv1.3"
    return "TLS"


def d(r, k):
    s, e = r[k]["start"], r[k]["end"]
    return e - s if e >= s else e


def sec(t):
    return t[:19] + "Z" if t else ""


def view_of(r):
    if r["ip_proto"] == "tcp" and r["role"] == "server":
        return "tcp_server"
    if r["ip_proto"] == "tcp" and r["role"] == "client":
        return "tcp_client"
    return "peer"


def row_key(r):
    s, c = r["server"], r["client"]
    port, pe = s["port"], s.get("port_end", s["port"])
    v = view_of(r)
    if v == "tcp_server":
        return v, (s["ip"], port, pe, category(r))
    if v == "tcp_client":
        return v, (c["ip"], s["ip"], port, pe, category(r))
    return v, (r["ip_proto"], s["ip"], c["ip"], port, pe, category(r))


COUNTERS = ["conns", "partial_conns", "short_conns", "bytes_in", "bytes_out", "segs_in", "segs_out"]

# the built-in policy, re-implemented on the JSON spelling of records.jsonl
PATTERNS = {
    "tls.version": ["sslv2", "sslv3", "tlsv1.0", "tlsv1.1"],
    "tls.cipher": ["*null*", "*export*", "*rc4*", "*rc2*", "*des*", "*idea*"],
    "tls.kex": ["*anon*"],
    "tls.mac": ["*md5*"],
    "tls.group": ["sect163*", "sect193*", "secp160*", "secp192*"],
    "cert.sig": ["*md2*", "*md5*", "*sha1*"],
    "ssh.version": ["1.*"],
    "ssh.cipher": ["*-cbc", "*-cbc@*", "arcfour*", "3des*", "des*", "blowfish*", "cast128*", "none"],
    "ssh.mac": ["hmac-md5*", "hmac-sha1*", "none"],
    "ssh.kex": ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
                "diffie-hellman-group-exchange-sha1", "gss-group1-sha1-*", "gss-group14-sha1-*",
                "gss-gex-sha1-*", "rsa1024-sha1"],
    "ssh.hostkey": ["dsa", "dsa-cert", "rsa1"],
    "ike.encr": ["null*", "des*", "3des*", "idea*", "rc5*", "blowfish*", "cast*"],
    "ike.integ": ["*md5*", "des-mac*", "kpdk*"],
}
RULE_ORDER = ["no_protection", "tls.version", "tls.cipher", "tls.kex", "tls.mac", "tls.group",
              "cert.sig", "key.rsa_min_bits", "key.ec_min_bits", "ssh.version", "ssh.cipher",
              "ssh.mac", "ssh.kex", "ssh.hostkey", "ike.encr", "ike.integ", "ike.dh_group",
              "ike.aggressive"]


def m(rule, *values):
    return any(v and fnmatch.fnmatchcase(v.lower(), p) for v in values for p in PATTERNS[rule])


def predicted_rules(r):
    """The rules the built-in policy finds in one summary record."""
    hits = set()
    proto = r["protocol"]
    t, s, i = r.get("tls") or {}, r.get("ssh") or {}, r.get("ipsec") or {}
    if proto == "none":
        hits.add("no_protection")
    if proto == "tls":
        if m("tls.version", t.get("version")):
            hits.add("tls.version")
        if m("tls.cipher", t.get("cipher_name"), t.get("enc")):
            hits.add("tls.cipher")
        for rule, key in (("tls.kex", "kex"), ("tls.mac", "mac"), ("tls.group", "group_name")):
            if m(rule, t.get(key)):
                hits.add(rule)
        for c in (t.get("server_cert"), t.get("client_cert")):
            if not c:
                continue
            if m("cert.sig", c.get("sig_alg"), c.get("digest")):
                hits.add("cert.sig")
            bits = c.get("key_bits")
            if bits is not None and c.get("key_type") in ("RSA", "DSA", "DH") and bits < 2048:
                hits.add("key.rsa_min_bits")
            if bits is not None and c.get("key_type") == "EC" and bits < 224:
                hits.add("key.ec_min_bits")
    if proto == "ssh":
        if m("ssh.version", s.get("version")):
            hits.add("ssh.version")
        if m("ssh.cipher", s.get("enc_c2s"), s.get("enc_s2c")):
            hits.add("ssh.cipher")
        if m("ssh.mac", s.get("mac_c2s"), s.get("mac_s2c")):
            hits.add("ssh.mac")
        if m("ssh.kex", s.get("kex")):
            hits.add("ssh.kex")
        if m("ssh.hostkey", s.get("hostkey_type")):
            hits.add("ssh.hostkey")
        bits = s.get("hostkey_bits")
        if bits is not None and s.get("hostkey_type") in ("RSA", "DSA") and bits < 2048:
            hits.add("key.rsa_min_bits")
    if proto == "ipsec":
        if m("ike.encr", i.get("encr")):
            hits.add("ike.encr")
        if m("ike.integ", i.get("integ"), i.get("prf")):
            hits.add("ike.integ")
        if i.get("dh_group") in (1, 2, 5, 22, 23, 24):
            hits.add("ike.dh_group")
    return hits


def rules_text(hits):
    return ",".join(r for r in RULE_ORDER if r in hits)


def expected_views(paths):
    rows = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    sets = defaultdict(lambda: defaultdict(set))
    times = {}
    sessions = {}
    last_active = {}
    for r in records(paths):
        if r["record"] != "summary" or r["event"] != "interval":
            continue
        v, key = row_key(r)
        row = rows[v][key]
        for k in COUNTERS:
            row[k] += d(r, k)
        skey = (r["_file"], r["sensor"]["system"], r["sensor"]["stack"], r["session_key"])
        sets[v, key]["sessions"].add(skey)
        sets[v, key]["clients"].add(r["client"]["ip"] if v != "tcp_client" else r["server"]["ip"])
        sets[v, key]["rules"] |= predicted_rules(r)
        lo, hi = times.get((v, key), (r["interval_start"], r["interval_end"]))
        times[v, key] = (min(lo, r["interval_start"]), max(hi, r["interval_end"]))
        if skey not in last_active or r["interval_end"] >= last_active[skey][0]:
            last_active[skey] = (r["interval_end"], r["active_conns"]["end"], (v, key))
        s = sessions.setdefault(skey, defaultdict(int))
        s["id"] = (r["server"]["ip"], r["server"]["port"], r["client"]["ip"], category(r))
        for k in COUNTERS:
            s[k] += d(r, k)
        s["intervals"] += 1
        s["rules"] = rules_text(predicted_rules(r))
    for _, active, vk in last_active.values():
        rows[vk[0]][vk[1]]["active_conns"] += active
    # connections whose protection the wire could not show ("protection": null) are in no
    # session: counted from their latest detail record under "unknown", never as clear
    for r in unknown_conns(paths):
        v, key = unknown_key(r)
        row = rows[v][key]
        row["conns"] += 1
        row["partial_conns"] += 1 if (r.get("observation") or {}).get("midstream") else 0
        row["short_conns"] += 1 if r["event"] == "short_term" else 0
        for k in ("bytes_in", "bytes_out", "segs_in", "segs_out"):
            row[k] += r[k]
        row["sessions"] += 0
        row["active_conns"] += 0
        sets[v, key]["clients"].add(r["remote"]["ip"])
        lo, hi = times.get((v, key), (r["start"], r["end"] or r["time"]))
        times[v, key] = (min(lo, r["start"]), max(hi, r["end"] or r["time"]))
    for (v, key), st in sets.items():
        if st.get("sessions"):
            rows[v][key]["sessions"] = len(st["sessions"])
        if v == "tcp_server":
            rows[v][key]["clients"] = len(st["clients"])
        rows[v][key]["findings"] = rules_text(st["rules"])
        rows[v][key]["first"], rows[v][key]["last"] = map(sec, times[v, key])
    return rows, sessions


EVENT_RANK = {"init": 1, "change": 2}


def latest_details(paths):
    """Each connection's latest detail record, keyed as the report keys connections."""
    last = {}
    for r in records(paths):
        if r["record"] != "detail" or r["event"] not in ("init", "change", "term", "short_term"):
            continue
        k = (r["sensor"]["system"], r["sensor"]["stack"], r["ip_proto"], r["local"]["ip"],
             r["local"]["port"], r["remote"]["ip"], r["remote"]["port"], r["start"][:22])
        order = (r["time"][:22], EVENT_RANK.get(r["event"], 3))
        if k not in last or order >= last[k][0]:
            last[k] = (order, r)
    return [r for _, r in last.values()]


def unknown_conns(paths):
    """Connections of unknown protection: the latest of their records with protection null."""
    last = {}
    for r in records(paths):
        if (r["record"] != "detail" or "protection" not in r or r["protection"] is not None
                or r["event"] not in ("init", "change", "term", "short_term")):
            continue
        k = (r["sensor"]["system"], r["sensor"]["stack"], r["ip_proto"], r["local"]["ip"],
             r["local"]["port"], r["remote"]["ip"], r["remote"]["port"], r["start"][:22])
        order = (r["time"][:22], EVENT_RANK.get(r["event"], 3))
        if k not in last or order >= last[k][0]:
            last[k] = (order, r)
    return [r for _, r in last.values()]


def unknown_key(r):
    loc, rem = r["local"], r["remote"]
    if r["ip_proto"] == "tcp" and r["role"] == "server":
        return "tcp_server", (loc["ip"], loc["port"], loc["port"], "unknown")
    if r["ip_proto"] == "tcp" and r["role"] == "client":
        return "tcp_client", (loc["ip"], rem["ip"], rem["port"], rem["port"], "unknown")
    return "peer", (r["ip_proto"], loc["ip"], rem["ip"], loc["port"], loc["port"], "unknown")


KEYS = {
    "tcp_server": ["server_ip", "port", "port_end", "protection"],
    "tcp_client": ["client_ip", "server_ip", "port", "port_end", "protection"],
    "peer": ["ip_proto", "local_ip", "remote_ip", "port", "port_end", "protection"],
}


def check_views(label, paths, views):
    rows, sessions = expected_views(paths)
    total_conns = defaultdict(int)
    for v, keys in KEYS.items():
        got = {}
        for r in views.get(v, []):
            key = tuple(int(r[k]) if k in ("port", "port_end") else r[k] for k in keys)
            if key in got:
                fail("%s: %s: row %s twice" % (label, v, key))
            got[key] = r
        want = rows.get(v, {})
        if set(got) != set(want):
            fail("%s: %s: rows %s, expected %s" % (label, v, sorted(got), sorted(want)))
            continue
        for key, w in want.items():
            for col, val in w.items():
                if str(val) != got[key][col]:
                    fail("%s: %s %s: %s = %s, expected %s" % (label, v, key, col, got[key][col],
                                                            val))
            total_conns[v] += w["conns"]
    # the overview sums the rows per protection, with the shares
    want = defaultdict(lambda: defaultdict(int))
    for v in KEYS:
        for key, w in rows.get(v, {}).items():
            o = want[v, key[-1]]
            for k in ("sessions", "conns", "partial_conns", "short_conns", "bytes_in", "bytes_out"):
                o[k] += w[k]
    got = {(r["traffic"], r["protection"]): r for r in views.get("overview", [])}
    if set(got) != set(want):
        fail("%s: overview rows %s, expected %s" % (label, sorted(got), sorted(want)))
    for k, w in want.items():
        for col, val in w.items():
            if k in got and str(val) != got[k][col]:
                fail("%s: overview %s: %s = %s, expected %s" % (label, k, col, got[k][col], val))
        if k in got and total_conns[k[0]]:
            share = "%.1f" % (100.0 * w["conns"] / total_conns[k[0]])
            if got[k]["conns_share"] != share:
                fail("%s: overview %s: share %s, expected %s" % (label, k, got[k]["conns_share"],
                                                               share))
    # sessions: one row per session key, with its counters and findings
    want_s = sorted((s["id"], s["intervals"], s["conns"], s["bytes_in"], s["bytes_out"],
                     s["rules"]) for s in sessions.values())
    got_s = sorted(((r["server_ip"], int(r["port"]), r["client_ip"], r["protection"]),
                    int(r["intervals"]), int(r["conns"]), int(r["bytes_in"]), int(r["bytes_out"]),
                    r["findings"]) for r in views.get("sessions", []))
    if want_s != got_s:
        fail("%s: sessions\n  got      %s\n  expected %s" % (label, got_s, want_s))
    return rows


def check_connections(label, paths, views):
    last = {}
    for r in records(paths):
        if r["record"] != "detail" or r["event"] not in ("init", "change", "term", "short_term"):
            continue
        last[r["_file"], r["conn_id"]] = r
    want = sorted((r["local"]["ip"], r["local"]["port"], r["remote"]["ip"], r["remote"]["port"],
                   r["bytes_in"], r["bytes_out"]) for r in last.values())
    got = sorted((r["local_ip"], int(r["local_port"]), r["remote_ip"], int(r["remote_port"]),
                  int(r["bytes_in"]), int(r["bytes_out"])) for r in views.get("connections", []))
    if want != got:
        fail("%s: connections\n  got      %s\n  expected %s" % (label, got, want))
    # protection null is "unknown", [] is "clear"; why and seen are the latest observation's
    want = sorted((r["local"]["ip"], r["local"]["port"], r["remote"]["ip"], r["remote"]["port"],
                   sec(r["start"]),
                   "unknown" if r["protection"] is None else "clear" if not r["protection"]
                   else "protected",
                   (r.get("observation") or {}).get("why") or "",
                   (r.get("observation") or {}).get("seen") or "")
                  for r in latest_details(paths))
    got = sorted((r["local_ip"], int(r["local_port"]), r["remote_ip"], int(r["remote_port"]),
                  r["start"], r["protection"] if r["protection"] in ("unknown", "clear")
                  else "protected", r["why"], r["seen"])
                 for r in views.get("connections", []))
    if want != got:
        fail("%s: connections' protection and why\n  got      %s\n  expected %s" % (
            label, got, want))
    return len(last)


def check_findings(label, paths, views):
    """no_protection, tls.version and ike.dh_group rows in full; every rule's totals."""
    want = defaultdict(lambda: defaultdict(int))
    clients = defaultdict(set)
    for r in records(paths):
        if r["record"] != "summary" or r["event"] != "interval":
            continue
        hits = []
        if r["protocol"] == "none":
            hits.append(("no_protection", "clear"))
        t = r.get("tls") or {}
        if r["protocol"] == "tls" and m("tls.version", t.get("version")):
            hits.append(("tls.version", t["version"]))
        g = (r.get("ipsec") or {}).get("dh_group")
        if r["protocol"] == "ipsec" and g in (1, 2, 5, 22, 23, 24):
            hits.append(("ike.dh_group", "group %d" % g))
        s, c = r["server"], r["client"]
        if r["role"] == "server":
            local, remote = s["ip"], ""
        elif r["role"] == "client":
            local, remote = c["ip"], s["ip"]
        else:
            local, remote = s["ip"], c["ip"]
        for rule, value in hits:
            k = (rule, value, r["role"], r["ip_proto"], local, remote, s["port"],
                 s.get("port_end", s["port"]))
            w = want[k]
            w["conns"] += d(r, "conns")
            w["bytes_in"] += d(r, "bytes_in")
            w["bytes_out"] += d(r, "bytes_out")
            clients[k].add(c["ip"])
    got = {}
    for r in views.get("findings", []):
        if r["rule"] in ("no_protection", "tls.version", "ike.dh_group"):
            got[(r["rule"], r["value"], r["role"], r["ip_proto"], r["local_ip"], r["remote_ip"],
                 int(r["port"]), int(r["port_end"]))] = r
    if set(got) != set(want):
        fail("%s: findings rows %s, expected %s" % (label, sorted(got), sorted(want)))
        return
    for k, w in want.items():
        for col in ("conns", "bytes_in", "bytes_out"):
            if str(w[col]) != got[k][col]:
                fail("%s: finding %s: %s = %s, expected %s" % (label, k, col, got[k][col], w[col]))
        if str(len(clients[k])) != got[k]["clients"]:
            fail("%s: finding %s: clients %s, expected %d" % (label, k, got[k]["clients"],
                                                             len(clients[k])))


def mode_csv(work):
    dirs = capture_dirs(work)
    every = []
    for name, d in dirs:
        paths = [os.path.join(d, "records.jsonl")]
        # merged-local: the same summaries as "merged" (duplicates, counted once); ssh-zeek-60s:
        # ssh-zeek's traffic cut into other intervals, which no report can tell from new ones
        if name not in ("merged-local", "ssh-zeek-60s"):
            every += paths
        views = report_csv(paths)
        rows = check_views(name, paths, views)
        n = check_connections(name, paths, views)
        check_findings(name, paths, views)
        nrows = sum(len(v) for v in rows.values())
        print("%s: %d view rows, %d sessions, %d connections, %d findings rows" % (
            name, nrows, len(views.get("sessions", [])), n, len(views.get("findings", []))))
        if name == "tls-appdata-60s":
            # mid-stream TLS: protection unknown ("protection": null), never counted as clear
            unk = [r for v in KEYS for r in views.get(v, []) if r["protection"] == "unknown"]
            if sum(int(r["conns"]) for r in unk) != n or views.get("sessions"):
                fail("tls-appdata-60s: %d of %d connections unknown, %d sessions" % (
                    sum(int(r["conns"]) for r in unk), n, len(views.get("sessions", []))))
            if any(r["protection"] == "clear" for v in KEYS for r in views.get(v, [])):
                fail("tls-appdata-60s: a connection of unknown protection counted as clear")
            if {r["protection"] for r in views["connections"]} != {"unknown"}:
                fail("tls-appdata-60s: connections %s" % views["connections"])
        if name == "ssh-zeek-60s":
            # 10 intervals of one session: each connection counted once
            s = views["sessions"]
            known = n - len(unknown_conns(paths))
            if not any(int(r["intervals"]) >= 10 for r in s):
                fail("ssh-zeek-60s: no session over many intervals: %s" % s)
            if sum(int(r["conns"]) for r in s) != known:
                fail("ssh-zeek-60s: %d connections in the sessions, %d connections" % (
                    sum(int(r["conns"]) for r in s), known))
        if name == "merged":
            seen = {r["protection"] for r in views["tcp_server"]}
            for p in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSH"):
                if p not in seen:
                    fail("merged: no %s row in tcp_server (%s)" % (p, sorted(seen)))
        if name == "merged-local" and not views.get("tcp_client"):
            fail("merged-local: no TCP client traffic")
    # several inputs are one report
    views = report_csv(every)
    check_views("all inputs", every, views)
    check_connections("all inputs", every, views)
    check_findings("all inputs", every, views)
    print("all inputs: %d files, %d tcp_server rows, %d findings rows" % (
        len(every), len(views["tcp_server"]), len(views["findings"])))


# ---------------------------------------------------------------- SMF against JSON

# What SMF 119 cannot hold (docs/smf-mapping.md), so the report cannot show it from SMF:
SMF_LOST = {
    "sessions": ["group"],                        # TLS named group: no SMF field
    "connections": ["end_reason", "sni", "starttls",  # JSON-only fields of detail records
                    "why", "seen",
                    "role"],                      # no role field without a TLS/SSH section
    "inputs": ["file", "format"],
}
# rules that test JSON-only fields: their rows, counts and mentions are left out
SMF_LOST_RULES = ("tls.group", "ike.aggressive")


def project(views):
    out = {}
    for v, rows in views.items():
        keep = []
        for r in rows:
            r = dict(r)
            if v == "findings" and r["rule"] in SMF_LOST_RULES:
                continue
            if v == "policy" and r["rule"] in SMF_LOST_RULES:
                r["finding_rows"] = r["conns"] = ""
            if v == "inputs" and r["json_only"]:
                # records.jsonl read with --smf-scope: what it left out has no SMF twin
                r["records"] = str(int(r["records"]) - int(r["json_only"]))
                r["json_only"] = "0"
            for col in SMF_LOST.get(v, []):
                r[col] = ""
            if r.get("findings"):
                r["findings"] = ",".join(x for x in r["findings"].split(",")
                                         if x not in SMF_LOST_RULES)
            keep.append(r)
        out[v] = keep
    return out


def mode_smf(work):
    dirs = capture_dirs(work)
    for name, d in dirs:
        j = report_csv([os.path.join(d, "records.jsonl")], "--smf-scope")
        s = report_csv([os.path.join(d, "zert.smf")])
        if project(j) != project(s):
            for v in sorted(set(j) | set(s)):
                pj, ps = project(j).get(v, []), project(s).get(v, [])
                for a, b in zip(pj, ps):
                    if a != b:
                        fail("%s: %s differs:\n  json %s\n  smf  %s" % (name, v, a, b))
                if len(pj) != len(ps):
                    fail("%s: %s: %d rows from JSON, %d from SMF" % (name, v, len(pj), len(ps)))
        # the VBS form of the same records (zertsensor --smf-format vbs) reads the same
        vd = d + "-vbs"
        cap = [a for a in CAPTURES if a[0] == name][0]
        if cap[1] == "MERGE":
            path = os.path.join(work, "merged.pcap")
        elif cap[1].startswith("corpus/"):
            path = os.path.join(corpus, cap[1][len("corpus/"):])
        else:
            path = os.path.join(source, cap[1])
        cmd = [sensor, "-r", path, "-q", "--seed", "0", "-o", vd, "--smf-format", "vbs"]
        if cap[2]:
            cmd += ["-c", os.path.join(work, name + ".conf")]
        run(cmd)
        v = report_csv([os.path.join(vd, "zert.smf")])
        if project(v) != project(s):
            fail("%s: the VBS dump reads differently from the RDW one" % name)
        inputs = v["inputs"][0]
        if inputs["format"] != "vbs" or s["inputs"][0]["format"] != "rdw":
            fail("%s: formats %s and %s" % (name, inputs["format"], s["inputs"][0]["format"]))
        print("%s: JSON and SMF (RDW, VBS) give the same report: %d rows" % (
            name, sum(len(x) for x in project(s).values())))
        # one run given twice (JSON and SMF): its summaries are counted once
        # (without --smf-scope: the JSON-only records are in, the SMF adds nothing to them)
        both = report_csv([os.path.join(d, "records.jsonl"), os.path.join(d, "zert.smf")])
        alone = report_csv([os.path.join(d, "records.jsonl")])
        for v in sorted(set(both) | set(alone)):
            if v != "inputs" and both.get(v) != alone.get(v):
                fail("%s: JSON + SMF of one run: %s differs from JSON alone" % (name, v))
        dup = sum(int(r["duplicates"]) for r in both["inputs"])
        if dup != sum(int(r["summary"]) for r in j["inputs"]):
            fail("%s: %d duplicates, expected every summary" % (name, dup))


# ---------------------------------------------------------------- HTML in Chromium

class Dom(html.parser.HTMLParser):
    """Tables (rows of cell texts, hidden rows marked), bars of the chart, the body's marks."""

    def __init__(self):
        super().__init__()
        self.tables, self.th, self.bars, self.body = {}, {}, [], {}
        self.table = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "table" and a.get("id", "").startswith("t-"):
            self.table = a["id"][2:]
            self.tables[self.table] = []
            self.th[self.table] = []
        elif tag == "th" and self.table:
            self.th[self.table].append(a)
        elif tag == "tr" and self.table:
            self.row = {"hidden": "hidden" in a, "cells": [], "attrs": a}
        elif tag == "td" and self.row is not None:
            self.cell = ""
        elif tag == "g" and a.get("class") == "bar":
            self.bars.append(a.get("data-port"))

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row["cells"].append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row["cells"]:
                self.tables[self.table].append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def chromium(page, fragment=""):
    profile = tempfile.mkdtemp()
    try:
        p = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--user-data-dir=" + profile, "--dump-dom",
             "file://" + page + fragment],
            capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    dom = Dom()
    dom.feed(p.stdout)
    return dom


def mode_html(work):
    if not shutil.which("chromium"):
        raise SystemExit("chromium is not installed (conf/install-deps.sh --test)")
    dirs = capture_dirs(work)
    paths = [os.path.join(d, "records.jsonl") for _, d in dirs]
    page = os.path.join(work, "report.html")
    run([zertdump, "--report", "html", "-o", page, "--max-conns", "0"] + paths)
    views = report_csv(paths)
    text = open(page, encoding="utf-8").read()
    # one file, nothing to fetch
    if "Content-Security-Policy\" content=\"default-src 'none';" not in text:
        fail("html: no Content-Security-Policy default-src 'none'")
    for bad in ("://", "src=", "url(", "@import", "<link", "<img", "<iframe", "<object",
                "fetch(", "XMLHttpRequest", "WebSocket"):
        if bad in text:
            fail("html: the file contains %r" % bad)
    hrefs = re.findall(r'href="([^"]*)"', text)
    if any(not h.startswith("#") for h in hrefs):
        fail("html: a link leaves the page: %s" % [h for h in hrefs if not h.startswith("#")])

    dom = chromium(page)
    if dom.body.get("data-ready") != "1":
        fail("html: the script did not run (no data-ready on body)")
    for v, rows in views.items():
        got = dom.tables.get(v)
        if got is None:
            fail("html: no table %s" % v)
            continue
        if len(got) != len(rows):
            fail("html: %s has %d rows, the CSV %d" % (v, len(got), len(rows)))
        cols = [h["data-col"] for h in dom.th[v]]
        for i, (g, c) in enumerate(zip(got, rows)):
            cells = dict(zip(cols, g["cells"]))
            for col in cols:
                if cells[col] != c[col].lstrip("'"):
                    fail("html: %s row %d %s: %r, CSV %r" % (v, i, col, cells[col], c[col]))
                    break
    print("html: %s" % ", ".join("%s %d rows" % (v, len(dom.tables[v])) for v in dom.tables))
    # the chart: one bar per server port (at most 30), most connections first
    ports = defaultdict(int)
    for r in views["tcp_server"]:
        label = r["port"] if r["port"] == r["port_end"] else r["port"] + "-" + r["port_end"]
        ports[label] += int(r["conns"])
    want = [p for p, _ in sorted(ports.items(), key=lambda x: (-x[1], x[0]))][:30]
    if dom.bars != want:
        fail("html: chart bars %s, expected %s" % (dom.bars, want))

    # sorting, driven by the URL fragment the script reads
    dom = chromium(page, "#sort=tcp_server:bytes_out:desc")
    cols = [h["data-col"] for h in dom.th["tcp_server"]]
    i = cols.index("bytes_out")
    got = [int(r["cells"][i]) for r in dom.tables["tcp_server"]]
    if got != sorted((int(r["bytes_out"]) for r in views["tcp_server"]), reverse=True):
        fail("html: tcp_server by bytes_out descending: %s" % got)
    if dom.th["tcp_server"][i].get("aria-sort") != "descending":
        fail("html: the sorted column is not marked")
    dom = chromium(page, "#sort=sessions:server_ip:asc")
    i = [h["data-col"] for h in dom.th["sessions"]].index("server_ip")
    got = [r["cells"][i] for r in dom.tables["sessions"]]
    if got != sorted(got, key=str.lower):
        fail("html: sessions by server_ip: %s" % got)
    print("html: sorted by a fragment: tcp_server %d rows by bytes_out, sessions by server_ip"
          % len(dom.tables["tcp_server"]))

    # drill-down filter: the sessions of one server port
    top = max(views["tcp_server"], key=lambda r: int(r["sessions"]))
    frag = "#filter=sessions:server_ip=%s,port=%s" % (top["server_ip"], top["port"])
    dom = chromium(page, frag)
    shown = [r for r in dom.tables["sessions"] if not r["hidden"]]
    want = [r for r in views["sessions"]
            if r["server_ip"] == top["server_ip"] and r["port"] == top["port"]]
    if len(shown) != len(want) or len(dom.tables["sessions"]) != len(views["sessions"]):
        fail("html: filter %s shows %d rows, expected %d" % (frag, len(shown), len(want)))
    print("html: %s shows %d of %d sessions" % (frag, len(shown), len(views["sessions"])))


# ---------------------------------------------------------------- -o and exit statuses

def mode_output(work):
    dirs = capture_dirs(work, ["quickstart"])
    src = os.path.join(dict(dirs)["quickstart"], "records.jsonl")
    out = os.path.join(work, "out")
    os.mkdir(out)
    victim = os.path.join(work, "victim")
    with open(victim, "w") as f:
        f.write("keep me\n")
    target = os.path.join(out, "report.html")
    os.symlink(victim, target)
    old = os.umask(0o077)
    try:
        run([zertdump, "--report", "html", "-o", target, src])
    finally:
        os.umask(old)
    if open(victim).read() != "keep me\n":
        fail("output: the report was written through a symlink")
    st = os.lstat(target)
    if not stat.S_ISREG(st.st_mode) or stat.S_IMODE(st.st_mode) != 0o640:
        fail("output: %s is mode %o, not a regular file 0640" % (target, st.st_mode))
    if sorted(os.listdir(out)) != ["report.html"]:
        fail("output: files left: %s" % os.listdir(out))
    # the same report to stdout
    p = run([zertdump, "--report", "html", src])
    if p.stdout != open(target).read():
        fail("output: -o and stdout differ")
    # errors: a missing directory, a bad policy, no input, an unknown format
    for args, rc in ((["--report", "csv", "-o", os.path.join(work, "no/such/dir/r.csv"), src], 2),
                     (["--report", "csv", "--policy", src, src], 2),
                     (["--report", "csv"], 2),
                     (["--report", "pdf", src], 2),
                     (["--report", "csv", os.path.join(work, "missing.jsonl")], 2)):
        p = run([zertdump] + args, ok=(rc,))
        if not p.stderr.startswith("zertdump: "):
            fail("output: %s: stderr %r" % (args, p.stderr))
    # a malformed line: exit 1, the report still written, the line counted
    bad = os.path.join(work, "bad.jsonl")
    with open(bad, "w") as f:
        f.write(open(src).read() + "{\"record\": \"summary\", \"conns\": 7}\nnot json\n")
    p = run([zertdump, "--report", "csv", bad], ok=(1,))
    rows = [r for r in csv.DictReader(io.StringIO(p.stdout)) if r["view"] == "inputs"]
    if rows[0]["bad"] != "2" or "line" not in p.stderr:
        fail("output: malformed lines: %s %r" % (rows, p.stderr))
    # --max-conns: the connections view keeps the first N, and says how many it left out
    p = run([zertdump, "--report", "text", "--max-conns", "1", src])
    if "2 more connections not listed" not in p.stdout or "more connections" not in p.stderr:
        fail("output: --max-conns 1 on 3 connections: %r" % p.stderr)
    if not re.search(r"^Connections \(connections\): 1 row$", p.stdout, re.M):
        fail("output: --max-conns 1 lists more than one connection")
    # the printed policy is a policy file that prints the same
    pol = os.path.join(work, "policy.conf")
    p = run([zertdump, "--print-policy"])
    with open(pol, "w") as f:
        f.write(p.stdout)
    q = run([zertdump, "--print-policy", "--policy", pol])
    if q.stdout.split("\n", 4)[4] != p.stdout.split("\n", 4)[4]:
        fail("output: the printed policy does not load back to itself")
    print("output: symlink replaced, mode 0640, no temporary left, exit statuses 1 and 2")


work = tempfile.mkdtemp(prefix="zs-report-")
try:
    {"csv": mode_csv, "smf": mode_smf, "html": mode_html, "output": mode_output}[mode](work)
finally:
    shutil.rmtree(work, ignore_errors=True)
if failures:
    print("%d failures" % len(failures))
    sys.exit(1)
print("ok")
