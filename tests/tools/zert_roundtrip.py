#!/usr/bin/env python3
"""zert_roundtrip.py - every corpus capture: zertdump DIR/zert.smf reproduces DIR/records.jsonl.

usage: zert_roundtrip.py ZERTSENSOR ZERTDUMP CORPUS_DIR [SOURCE_DIR]

Field for field, apart from what the SMF 119 layout cannot hold; those fields are named
below (and in docs/smf-mapping.md), each with why. On every capture, also the invariants of
issue 11 (docs/zert-model.md): SMF holds only SAIPProto 6 or 17; UDP in SMF is EE only;
partial <= total; no protocol section on a record its protection does not name; a connection
whose protection is unknown is JSON-only and never counted in a clear-text session. Also: a VBS-blocked zert.smf (the
sensor's smf_format = vbs) reads back equal to the RDW stream of the same run.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

sensor, zertdump, corpus = sys.argv[1:4]

# Fields the binary form has no place for (docs/smf-mapping.md, "What the SMF form cannot hold").
NOT_HELD_TLS = ["cipher_name", "group", "group_name", "hello_retry", "sni", "alpn", "ja4", "ja4s"]
NOT_HELD_CERT = ["curve", "not_before", "sha256"]
NOT_HELD_SSH = ["client_banner", "server_banner", "hostkey", "comp_c2s", "comp_s2c", "hassh",
                "hassh_server"]
NOT_HELD_IPSEC = ["exchange", "spi_i", "spi_r", "esp_spis", "ah_spis", "nat_t", "child_sa", "auth"]
NOT_HELD_SUMMARY_TLS = ["cipher_name", "group", "group_name"]
# Keys of the JSON form only (docs/zert-model.md): marks about the sensor's knowledge that
# no SMF 119 field carries. Records marked "in_smf": false are not in zert.smf at all.
NOT_HELD_RECORD = ["local_guessed", "in_smf", "early_flush"]
# One IBM code, several spellings: the reader gives back the code's first name in
# emit/smf_codes.c. IKEv1 and IKEv2 spell 3DES differently; SSLv2 cipher kinds use OpenSSL's name.
SAME_CODE = {"3DES-CBC": "3DES", "DES-192-EDE3-CBC": "3DES-EDE-CBC", "DES-64-CBC": "DES-CBC",
             "RC4-128": "RC4_128", "RC2-128-CBC": "RC2-CBC-128",
             # SSH: vendor-suffixed names of the same algorithm, and SSHv1 cipher names
             "curve25519-sha256@libssh.org": "curve25519-sha256",
             "sntrup761x25519-sha512@openssh.com": "sntrup761x25519-sha512",
             "3des": "3des-cbc", "des": "des-cbc", "blowfish": "blowfish-cbc"}
# Versions whose text the reader does not derive from the code (experiments, not drafts).
STANDARD_VERSIONS = ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")


def centi(t):
    """SMF keeps 1/100 s: cut the microseconds to hundredths."""
    if not isinstance(t, str) or len(t) < 27:
        return t
    return t[:22] + "0000Z"


def project(r, key_hashed):
    r = copy.deepcopy(r)
    for k in ("time", "start", "end", "interval_start", "interval_end"):
        if k in r:
            r[k] = centi(r[k])
    r.pop("truncated", None)
    for k in NOT_HELD_RECORD:
        r.pop(k, None)
    r.pop("end_reason", None)              # why a connection ended: no SMF field
    r.pop("ee", None)                      # no EE section exists in SMF 119
    obs = r.pop("observation", None)       # only its source byte is kept, and only with a
    has_sec = any(r.get(k) for k in ("tls", "ssh", "ipsec"))  # protocol section
    if r["record"] == "detail":
        if not any(r.get(k) for k in ("tls", "ssh")):
            r.pop("role", None)            # no role field: recovered from TLS/SSH sections only
        if r.get("event") not in ("term", "short_term"):
            r["end"] = None
    for cert in ("server_cert", "client_cert"):
        c = (r.get("tls") or {}).get(cert)
        if c:
            for k in NOT_HELD_CERT:
                c.pop(k, None)
    if r.get("tls"):
        v = r["tls"].get("version")
        if v and not v.startswith(STANDARD_VERSIONS):
            r["tls"]["version"] = None  # the code is kept (version_code); its text is not
        elif v and v.startswith("TLSv1.3-") and not v.startswith("TLSv1.3-draft"):
            r["tls"]["version"] = None
        for k in ("enc", "mac", "kex"):
            if r["tls"].get(k) in SAME_CODE:
                r["tls"][k] = SAME_CODE[r["tls"][k]]
        for k in (NOT_HELD_TLS if r["record"] == "detail" else NOT_HELD_SUMMARY_TLS):
            r["tls"].pop(k, None)
        if r["tls"].get("session_id") == "":
            r["tls"]["session_id"] = None
    if r.get("ssh"):
        for k in ("kex", "enc_c2s", "enc_s2c"):
            if r["ssh"].get(k) in SAME_CODE:
                r["ssh"][k] = SAME_CODE[r["ssh"][k]]
        for k in NOT_HELD_SSH:
            r["ssh"].pop(k, None)
        if r["ssh"].get("version") == "1.99":
            r["ssh"]["version"] = "2.0"   # one version byte: 1.99 is SSH 2 capable
    if r.get("ipsec"):
        if r["ipsec"].get("encr") in SAME_CODE:
            r["ipsec"]["encr"] = SAME_CODE[r["ipsec"]["encr"]]
        for k in NOT_HELD_IPSEC:
            r["ipsec"].pop(k, None)
    if r["record"] == "summary":
        r.get("client", {}).pop("port", None)
        if key_hashed:
            r.pop("session_key", None)     # hashed to fit SASessionID's 42 characters
    return r


def invariants(all_recs, smf_recs):
    """Issue 11's corpus-wide acceptance points; a list of what is wrong."""
    bad = []
    for r in smf_recs:
        if r.get("ip_proto") not in (None, "tcp", "udp"):
            bad.append(f"SMF record with ip_proto {r.get('ip_proto')}")
    clear_conns = set()
    for r in all_recs:
        ev = r.get("event")
        if r["record"] == "detail" and "local" in r:
            prot = r.get("protection")
            if prot is None and r.get("in_smf", True):
                bad.append(f"conn {r['conn_id']} {ev}: protection unknown but in SMF")
            if r.get("ip_proto") == "udp" and r.get("in_smf", True) and not r.get("ee"):
                bad.append(f"conn {r['conn_id']} {ev}: UDP in SMF without EE")
            seen = (r.get("observation") or {}).get("seen")
            for k in ("tls", "ssh", "ipsec"):
                # an unknown protection keeps the section of what its bytes showed (JSON-only)
                if r.get(k) and k not in (prot or []) and not (prot is None and seen == k):
                    bad.append(f"conn {r['conn_id']} {ev}: {k} section, protection {prot}")
            if prot == []:
                clear_conns.add((r["local"]["ip"], r["remote"]["ip"], r["conn_id"]))
        elif r["record"] == "summary" and ev == "interval":
            for c in ("start", "end"):
                if r["partial_conns"][c] > r["conns"][c]:
                    bad.append(f"session {r['session_key']}: partial {r['partial_conns']} > "
                               f"conns {r['conns']}")
            proto = r.get("protocol")
            for k in ("tls", "ssh", "ipsec"):
                if r.get(k) and k != proto:
                    bad.append(f"session {r['session_key']}: {k} section in a {proto} session")
            lo, hi = r["server"]["port"], r["server"].get("port_end") or r["server"]["port"]
            if r.get("in_smf", True) and lo <= 12004 and hi >= 12000 and r.get("ip_proto") == "udp" \
                    and hi != lo + 4:
                bad.append(f"session {r['session_key']}: EE ports for a non-EE session")
    # clear-text sessions count only connections seen in clear (never unknown ones)
    added = {}
    for r in all_recs:
        if r["record"] == "summary" and r.get("event") == "interval" and r.get("protocol") == "none":
            key = (r["server"]["ip"], r["client"]["ip"])
            added[key] = added.get(key, 0) + r["conns"]["end"] - r["conns"]["start"]
    for (srv, clt), n in added.items():
        seen = sum(1 for (a, b, _) in clear_conns if {a, b} == {srv, clt})
        if n > seen:
            bad.append(f"clear sessions {srv} / {clt} count {n} connections, {seen} seen in clear")
    return bad


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def diff(a, b, path=""):
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            out += diff(a.get(k), b.get(k), f"{path}.{k}")
    elif a != b:
        out.append(f"{path}: sensor {a!r} / zertdump {b!r}")
    return out


captures = []
with open(os.path.join(corpus, "INDEX.tsv")) as f:
    for line in f:
        p = line.split("\t")[0]
        if p != "path":
            captures.append(p)

fail = 0
records = 0
with tempfile.TemporaryDirectory() as tmp:
    for i, cap in enumerate(captures):
        out = os.path.join(tmp, str(i))
        r = subprocess.run([sensor, "-r", os.path.join(corpus, cap), "-q", "-o", out],
                           stderr=subprocess.DEVNULL)
        if r.returncode not in (0, 1):
            continue  # the corpus sweep owns exit codes; no records to compare
        all_recs = read_jsonl(os.path.join(out, "records.jsonl"))
        want = [w for w in all_recs if w.get("in_smf", True)]
        d = subprocess.run([zertdump, os.path.join(out, "zert.smf")], capture_output=True,
                           text=True)
        if d.returncode != 0:
            print(f"FAIL {cap}: zertdump exit {d.returncode}: {d.stderr.strip()[:200]}")
            fail += 1
            continue
        got = [json.loads(line) for line in d.stdout.splitlines() if line.strip()]
        inv = invariants(all_recs, got)
        if inv:
            print(f"FAIL {cap}: {len(inv)} zERT invariants broken")
            for x in inv[:3]:
                print("   ", x)
            fail += 1
        if len(got) != len(want):
            print(f"FAIL {cap}: {len(want)} records written, {len(got)} read back")
            fail += 1
            continue
        bad = []
        for n, (a, b) in enumerate(zip(want, got)):
            hashed = len(a.get("session_key") or "") > 42
            dd = diff(project(a, hashed), project(b, hashed))
            if dd:
                bad.append(f"record {n + 1} ({a['record']} {a.get('event')}): " + "; ".join(dd[:4]))
        records += len(want)
        if bad:
            print(f"FAIL {cap}: {len(bad)} records differ")
            for x in bad[:3]:
                print("   ", x)
            fail += 1

    # VBS blocks with spanned records read back as the RDW stream does
    conf = os.path.join(tmp, "vbs.conf")
    with open(conf, "w") as f:
        f.write("smf_format = vbs\nvbs_block_size = 512\n")
    cap = os.path.join(corpus, "zeek/tls/tls-fragmented-handshake.pcap.gz")
    subprocess.run([sensor, "-r", cap, "-q", "-o", os.path.join(tmp, "rdw")], check=True)
    subprocess.run([sensor, "-r", cap, "-q", "-c", conf, "-o", os.path.join(tmp, "vbs")], check=True)
    a = subprocess.run([zertdump, os.path.join(tmp, "rdw", "zert.smf")], capture_output=True, text=True)
    b = subprocess.run([zertdump, os.path.join(tmp, "vbs", "zert.smf")], capture_output=True, text=True)
    if a.returncode or b.returncode or a.stdout != b.stdout or not a.stdout:
        print("FAIL: the VBS-blocked records do not read back as the RDW stream")
        fail += 1

print(f"zert round trip: {len(captures)} captures, {records} records; {len(captures) + 1 - fail} passed, {fail} failed")
sys.exit(1 if fail else 0)
