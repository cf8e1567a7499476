#!/usr/bin/env python3
"""check_ndpi.py - the nDPI second opinion in --observations ("ndpi", "ndpi_agrees").

1. Exact expected values on a few corpus captures (TLS and SSH on non-standard ports).
2. Every TLS/SSH corpus capture: each TCP observation line against `ndpiReader -d -v 2`
   (Debian's libndpi-bin 4.2, the same library), flow by flow on the 5-tuple. The sensor
   shows nDPI at most 16 packets per flow (sensor/ndpi_opinion.h) while ndpiReader goes on
   longer, so a flow may differ only in these named ways:
     - sensor null, ndpiReader a name: nDPI needed more than 16 packets;
     - "TLS" vs "TLS.<service>" (either way): the service came from a packet past 16, or
       from ndpiReader's host/address caches shared across flows;
   anything else is a failure. Flows ndpiReader does not list (tunnels it does not open,
   fragments) are skipped.
3. TLS/SSH flows on non-standard ports that our dissector established: most must carry a
   name (nDPI looks at bytes, not ports), and the count is printed.
"""
import argparse
import json
import re
import subprocess
import sys

# capture -> {(server_port, client_port or None): (ndpi, ndpi_agrees)}
EXPECT = {
    "zeek/rdp/rdp-to-ssl.pcap": {(3389, 49206): ("RDP", True), (3389, 49207): ("RDP", True)},
    "ndpi/tls_port_80.pcapng": {(80, None): ("TLS", True)},
    "zeek/ldap/ldap-starttls.pcap": {(389, None): ("MQTT", False)},  # nDPI 4.2 misnames LDAP
    "zeek/ssh/ssh1-ssh2-fingerprints.pcap": {(2222, None): ("SSH", True)},
    "zeek/postgresql/psql-aws-ssl-require-15432.pcap": {(15432, None): ("PostgreSQL", True)},
    "ndpi/ftp-start-tls.pcap": {(21, None): ("FTP_CONTROL", True)},  # AUTH TLS; 4.2 has no FTPS
    "zeek/tls/telesec.pcap": {(993, None): ("IMAPS", True)},
    "zeek/ssh/ssh.pcap": {(2200, None): ("SSH", True), (41644, None): ("SSH", True)},
    "zeek/ssh/ssh_kex_mlkem.pcap": {(2299, None): ("SSH", True)},
}

LINE = re.compile(r"^\s*\d+\s+TCP\s+(\S+)\s+<->\s+(\S+)\s+\[proto:\s*[\d.]+/([^\]]+)\]")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def endpoint(s):
    ip, port = s.rsplit(":", 1)
    return ip.strip("[]"), int(port)


def observations(sensor, path):
    r = subprocess.run([sensor, "-r", path, "-q", "--observations", "-"],
                       capture_output=True, text=True, timeout=300)
    if "ERROR: AddressSanitizer" in r.stderr or "runtime error" in r.stderr:
        fail(f"{path}: sanitizer report\n{r.stderr[-2000:]}")
    out = []
    for line in r.stdout.splitlines():
        o = json.loads(line)
        if o.get("ip_proto") == "tcp":
            out.append(o)
    return out


def ndpi_reader(reader, path):
    r = subprocess.run([reader, "-d", "-v", "2", "-i", path],
                       capture_output=True, text=True, timeout=300)
    flows = {}
    for line in r.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        a, b = endpoint(m.group(1)), endpoint(m.group(2))
        name = m.group(3)
        key = frozenset([a, b])
        flows.setdefault(key, []).append(None if name == "Unknown" else name)
    return flows


def allowed(ours, theirs):
    if ours == theirs:
        return True
    if ours is None:
        return True  # nDPI needed more than 16 packets
    if theirs is None:
        return False
    return ours.split(".")[0] == theirs.split(".")[0] and "." in (ours + theirs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--reader", default="ndpiReader")
    args = ap.parse_args()

    for cap, want in EXPECT.items():
        before = len(failures)
        obs = observations(args.sensor, f"{args.corpus}/{cap}")
        for (sport, cport), (name, agrees) in want.items():
            hits = [o for o in obs if o["server"]["port"] == sport and
                    (cport is None or o["client"]["port"] == cport)]
            if not hits:
                fail(f"{cap}: no TCP observation for server port {sport}")
            for o in hits:
                got = (o.get("ndpi"), o.get("ndpi_agrees"))
                if got != (name, agrees):
                    fail(f"{cap} :{sport}: got {got}, expected {(name, agrees)}")
        if len(failures) == before:
            print(f"ok   {cap}: exact values")

    caps = []
    with open(f"{args.corpus}/INDEX.tsv") as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if re.search(r"TLS|SSH|SSL|STARTTLS", row.get("tags", "")):
                caps.append(row["path"])
    compared = same = differ = skipped = 0
    odd_port = odd_named = 0
    for cap in caps:
        path = f"{args.corpus}/{cap}"
        obs = observations(args.sensor, path)
        if not obs:
            continue
        theirs = ndpi_reader(args.reader, path)
        for o in obs:
            if "ndpi" not in o or "ndpi_agrees" not in o:
                fail(f"{cap}: observation line without ndpi fields")
                continue
            c, s = o["client"], o["server"]
            ours = o["ndpi"]
            if (o["dissector"] in ("tls", "ssh") and o["observation"].get("established")
                    and s["port"] not in (443, 22)):
                odd_port += 1
                odd_named += ours is not None
            names = theirs.get(frozenset([(c["ip"], c["port"]), (s["ip"], s["port"])]))
            if not names or len(names) != 1:
                skipped += 1  # not listed, or port reuse: not a 1:1 match
                continue
            compared += 1
            if ours == names[0]:
                same += 1
            elif allowed(ours, names[0]):
                differ += 1
            else:
                fail(f"{cap} {c['ip']}:{c['port']} -> {s['ip']}:{s['port']}: "
                     f"sensor {ours!r}, ndpiReader {names[0]!r}")
    print(f"ndpiReader: {compared} flows compared, {same} same, {differ} allowed differences, "
          f"{skipped} not matched 1:1")
    print(f"non-standard ports: {odd_named}/{odd_port} established TLS/SSH flows named by nDPI")
    if compared < 100:
        fail(f"only {compared} flows compared with ndpiReader")
    if odd_port == 0 or odd_named * 2 < odd_port:
        fail("fewer than half the non-standard-port TLS/SSH flows carry an nDPI name")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
