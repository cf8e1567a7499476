#!/usr/bin/env python3
"""check_tls_cases.py - exact TLS observations on named captures: STARTTLS, PQ groups, limits.

Each case names a capture (corpus/... from the shared corpus, pcaps/... from this
repository), a server port, and the exact values the sensor must report for every
connection to that port: STARTTLS protocol, version, cipher suite, group, and the
observation limits. Negative cases (STARTTLS refused, SSL disabled) must yield no
"tls" object at all.

Usage: check_tls_cases.py --sensor BIN --corpus DIR --source DIR
"""
import argparse
import json
import os
import subprocess
import sys

# capture, server port, expected ("tls": None means: no TLS observation on that port)
CASES = [
    # STARTTLS in every corpus capture tagged STARTTLS-ctx (and the RDP ones by reading)
    ("corpus/arkime/smtp-starttls.pcap", 25, {"starttls": "smtp", "version": 0x0301, "suite": 0x0005}),
    ("corpus/ndpi/smtp-starttls.pcap", 25, {"starttls": "smtp", "versions": {0x0301, 0x0303}}),
    ("corpus/zeek/tls/smtp-starttls.pcap", 25, {"starttls": "smtp", "version": 0x0303, "suite": 0xc02f}),
    ("corpus/suricata-verify/smtp-startssl/input.pcap", 25, {"starttls": "smtp", "version": 0x0304, "suite": 0x1302}),
    ("corpus/ndpi/imap-starttls.pcap", 143, {"starttls": "imap", "version": 0x0303, "suite": 0xc030}),
    ("corpus/zeek/tls/imap-starttls.pcap", 143, {"starttls": "imap", "version": 0x0303, "suite": 0xc030}),
    ("corpus/ndpi/pop3_stls.pcap", 110, {"starttls": "pop3", "version": 0x0301, "suite": 0x0005}),
    ("corpus/zeek/tls/pop3-starttls.pcap", 110, {"starttls": "pop3", "version": 0x0303, "suite": 0x009f}),
    ("corpus/ndpi/ftp-start-tls.pcap", 21, {"starttls": "ftp", "version": 0x0301, "suite": 0x000a}),
    ("corpus/zeek/ftp/ftp-auth-tls.pcap", 21, {"starttls": "ftp", "version": 0x0304, "suite": 0x1302}),
    ("corpus/arkime/ldap-ssl.pcap", 389, {"starttls": "ldap", "version": 0x0303, "suite": 0x002f}),
    ("corpus/suricata-verify/ldap-starttls/input.pcap", 389, {"starttls": "ldap", "version": 0x0303, "suite": 0x002f}),
    ("corpus/zeek/ldap/ldap-starttls.pcap", 389, {"starttls": "ldap", "version": 0x0304, "suite": 0x1302}),
    ("corpus/suricata-verify/pgsql/pgsql-upgrade-tls/input.pcap", 5432, {"starttls": "postgres", "version": 0x0303, "suite": 0x009f, "some": True}),
    ("corpus/zeek/postgresql/psql-aws-ssl-require.pcap", 5432, {"starttls": "postgres", "version": 0x0303, "suite": 0xc030}),
    ("corpus/zeek/postgresql/psql-aws-ssl-require-15432.pcap", 15432, {"starttls": "postgres", "version": 0x0303, "suite": 0xc030}),
    ("corpus/zeek/postgresql/psql-aws-ssl-preferred.pcap", 5432, {"starttls": "postgres", "version": 0x0303, "suite": 0xc030}),
    ("corpus/arkime/mysql-tls.pcap", 3306, {"starttls": "mysql", "version": 0x0302, "suite": 0x0035}),
    ("corpus/zeek/mysql/encrypted.pcap", 3306, {"starttls": "mysql", "version": 0x0302, "suite": 0x0039}),
    ("corpus/zeek/mysql/tls-12-amazon-rds.pcap", 3306, {"starttls": "mysql", "version": 0x0303, "suite": 0xc030}),
    ("corpus/zeek/tls/xmpp-starttls.pcap", 5222, {"starttls": "xmpp", "version": 0x0303, "suite": 0xc030}),
    ("corpus/zeek/tls/xmpp-dialback-starttls.pcap", 5269, {"starttls": "xmpp", "version": 0x0303, "suite": 0xc030}),
    ("corpus/ndpi/rdp_over_tls.pcap", 3389, {"starttls": "rdp", "version": 0x0303, "suite": 0xc030}),
    ("corpus/zeek/rdp/rdp-to-ssl.pcap", 3389, {"starttls": "rdp", "version": 0x0301, "suite": 0x002f}),
    # IRC STARTTLS (no corpus capture has one): made by pcaps/make-irc-starttls.sh, where the
    # second connection's STARTTLS is refused (numeric 691) and stays clear text
    ("pcaps/irc-starttls.pcap", 46667, {"starttls": "irc", "version": 0x0303, "suite": 0xc030}),
    ("pcaps/irc-starttls.pcap", 46668, {"tls": None}),
    # negative cases: SSL disabled / never requested, RDP with its own (non-TLS) security
    ("corpus/zeek/postgresql/psql-aws-ssl-disable.pcap", 5432, {"tls": None}),
    ("corpus/zeek/postgresql/psql-aws-ssl-disable-15432.pcap", 15432, {"tls": None}),
    ("corpus/arkime/postgres-no-sslrequest.pcap", 5432, {"tls": None}),
    ("corpus/zeek/rdp/rdp-x509.pcap", 3389, {"tls": None}),
    # TLS first, on its usual and unusual ports: no STARTTLS
    ("corpus/zeek/tls/telesec.pcap", 993, {"starttls": None, "version": 0x0303}),
    # post-quantum key exchange, by number and name
    ("corpus/zeek/tls/chrome-1250-tls-x25519-kyber.pcap", 443, {"group": 25497, "group_name": "X25519Kyber768Draft00"}),
    ("corpus/arkime/tls-split-client-hello.pcap", 443, {"group": 4588, "group_name": "X25519MLKEM768"}),
    # here X25519MLKEM768 is only offered (key share sent); the server picked x25519 (tshark: 29)
    ("corpus/suricata-verify/tls/tls-fin-close-data-01/debug-s13.pcap", None, {"group": 29, "group_name": "x25519", "ks_offered": 4588}),
    # limits: renegotiation seen as protected handshake records; plain sessions not
    ("pcaps/tls-renegotiation.pcap", 44301, {"version": 0x0303, "rehandshake": True, "established": True}),
    ("pcaps/tls-plain12.pcap", 44302, {"version": 0x0303, "rehandshake": False, "established": True}),
    ("pcaps/tls13-keyupdate.pcap", 44303, {"version": 0x0304, "rehandshake": False, "established": True}),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    fails = 0
    for cap, port, want in CASES:
        path = os.path.join(a.corpus, cap[len("corpus/"):]) if cap.startswith("corpus/") \
            else os.path.join(a.source, cap)
        p = subprocess.run([a.sensor, "-r", path, "-q", "--observations", "-"],
                           capture_output=True, text=True)
        obs = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
        obs = [o for o in obs if port is None or o["server"]["port"] == port]
        errs = []
        with_tls = [o for o in obs if o.get("tls")]
        if "tls" in want:
            if with_tls:
                errs.append("TLS observed where none is expected")
        elif not with_tls:
            errs.append("no TLS observation")
        versions = set()
        for o in with_tls:
            t, ob = o["tls"], o["observation"]
            versions.add(t["version_code"])
            if "starttls" in want and ob["starttls"] != want["starttls"]:
                errs.append("starttls %r, want %r" % (ob["starttls"], want["starttls"]))
            if "starttls" in want and ob["handshake_first"] != (want["starttls"] is None):
                errs.append("handshake_first %r" % ob["handshake_first"])
            if "version" in want and t["version_code"] != want["version"]:
                errs.append("version %r, want %r" % (t["version_code"], want["version"]))
            if "suite" in want and t["cipher_suite"] != want["suite"]:
                errs.append("suite %r, want %r" % (t["cipher_suite"], want["suite"]))
            for k in ("group", "group_name"):
                if k in want and t[k] != want[k]:
                    errs.append("%s %r, want %r" % (k, t[k], want[k]))
            if "ks_offered" in want and want["ks_offered"] not in t["key_share_groups"]:
                errs.append("key share %r not offered" % want["ks_offered"])
            if "rehandshake" in want and ob["rehandshake_suspected"] != want["rehandshake"]:
                errs.append("rehandshake_suspected %r" % ob["rehandshake_suspected"])
            if "established" in want and ob["established"] != want["established"]:
                errs.append("established %r" % ob["established"])
        if "versions" in want and versions != want["versions"]:
            errs.append("versions %r, want %r" % (sorted(versions), sorted(want["versions"])))
        status = "ok" if not errs else "FAIL: " + "; ".join(sorted(set(errs)))
        print("%-70s %s" % (cap, status))
        fails += bool(errs)
    print("check_tls_cases: %d cases, %d failed" % (len(CASES), fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
