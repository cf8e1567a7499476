#!/usr/bin/env python3
"""compare_ssh.py - the SSH dissector against Zeek's ssh.log baselines and tshark's KEXINITs.

(a) Zeek: for every corpus capture with a Zeek ssh.log baseline, each connection Zeek
    logged (mapped by id.orig_h/id.orig_p/id.resp_h/id.resp_p, in order) must agree with
    the sensor's "ssh" object: kex_alg, host_key_alg, cipher_alg, mac_alg,
    compression_alg, host_key_fingerprint, client and server banners.
(b) tshark: for every corpus SSH capture, the sensor's negotiated algorithms must equal
    RFC 4253 section 7.1 negotiation computed here, independently, from the KEXINIT
    name-lists tshark decodes (ssh.kex_algorithms, ...), with -d tcp.port==N,ssh for
    the ports where a stream starts with "SSH-".
(c) arkime: the host key blob arkime stores (ssh.key, base64) must hash to the sensor's
    SHA-256 fingerprint.

A difference is allowed only when it falls in a category named in ALLOWED (with its
reason, checked against evidence); anything else fails.

Usage: compare_ssh.py --sensor BIN --corpus DIR [-v] [capture ...]
Exit status: 0 all agree or differences explained, 1 unexplained differences, 2 tool error.
"""
import argparse
import base64
import collections
import hashlib
import json
import os
import subprocess
import sys

ALLOWED = {
    "aead-implicit-mac": "the cipher is an AEAD (chacha20-poly1305@openssh.com, "
    "aes*-gcm@openssh.com) whose MAC is implicit: OpenSSH does not negotiate a MAC and the "
    "sensor reports null; Zeek's find_alg still reports the first common MAC name",
    "zeek-fingerprint-cut": "Zeek's baseline holds the SHA256 fingerprint cut to its first 32 "
    "base64 characters: it must be a prefix of the sensor's full fingerprint",
    "zeek-one-sided": "the capture holds one direction only (Zeek's half-duplex tests): Zeek "
    "logs no host key; the sensor takes K_S from the server's reply when the blob parses as a "
    "known key type",
    "zeek-no-tuple": "the baseline has no id.* columns (websocket tests: SSH inside WebSocket "
    "frames), so rows cannot be mapped; the sensor must then report no SSH on the capture",
    "ssh1": "SSH-1 has no KEXINIT: the sensor reports the cipher the client chose in "
    "SSH_CMSG_SESSION_KEY and the RSA host key of SSH_SMSG_PUBLIC_KEY, which neither tshark's "
    "KEXINIT fields nor Zeek's log show",
    "tshark-pre-banner": "the server sent lines before its identification string (RFC 4253 "
    "section 4.2): tshark's SSH dissector loses the framing and decodes no server KEXINIT, so "
    "there is nothing to negotiate from; Zeek's baseline covers this connection in (a)",
    "list-cut": "the first KEXINIT's name-lists exceed the sensor's bounded copy (2304 bytes, "
    "512 names per list): the sensor reports null (unknown) rather than a guess",
}

PSEUDO_KEX = {"ext-info-c", "ext-info-s", "kex-strict-c-v00@openssh.com",
              "kex-strict-s-v00@openssh.com"}
AEAD = {"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}
POOL_MAX = 2304
NAMES_MAX = 512

CATS = [  # sensor key, tshark field
    ("kex", "ssh.kex_algorithms"),
    ("hostkey", "ssh.server_host_key_algorithms"),
    ("enc_c2s", "ssh.encryption_algorithms_client_to_server"),
    ("enc_s2c", "ssh.encryption_algorithms_server_to_client"),
    ("mac_c2s", "ssh.mac_algorithms_client_to_server"),
    ("mac_s2c", "ssh.mac_algorithms_server_to_client"),
    ("comp_c2s", "ssh.compression_algorithms_client_to_server"),
    ("comp_s2c", "ssh.compression_algorithms_server_to_client"),
]


def die(msg):
    print("compare_ssh: " + msg, file=sys.stderr)
    sys.exit(2)


class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.checked = collections.Counter()
        self.agreed = collections.Counter()
        self.allowed = collections.Counter()
        self.failures = []
        self.conns = collections.Counter()

    def same(self, part):
        self.checked[part] += 1
        self.agreed[part] += 1

    def allow(self, part, cat, what):
        assert cat in ALLOWED, cat
        self.checked[part] += 1
        self.allowed[(part, cat)] += 1
        if self.verbose:
            print("  allowed [%s] %s" % (cat, what))

    def fail(self, part, what):
        self.checked[part] += 1
        self.failures.append("%s: %s" % (part, what))
        print("  DIFF %s" % what)


# ---------------------------------------------------------------- sensor

def run_sensor(binary, cap):
    r = subprocess.run([binary, "-r", cap, "-q", "--observations", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode not in (0, 1):
        die("%s: zertsensor exit %d: %s" % (cap, r.returncode, r.stderr.decode(errors="replace")))
    recs = []
    for line in r.stdout.decode().splitlines():
        if line.strip():
            recs.append(json.loads(line))
    return recs


def sensor_by_tuple(recs):
    by = collections.defaultdict(list)
    for o in recs:
        if o.get("ip_proto") != "tcp":
            continue
        k = (o["client"]["ip"], o["client"]["port"], o["server"]["ip"], o["server"]["port"])
        by[k].append(o)
    return by


# ---------------------------------------------------------------- RFC 4253 7.1

def names(s):
    return [n for n in (s or "").split(",") if n]


def negotiate(client, server, kex=False):
    """First name on the client's list that the server also lists (pseudo-names skipped)."""
    sset = set(names(server))
    for n in names(client):
        if kex and n in PSEUDO_KEX:
            continue
        if n in sset:
            return n
    return None


def expected_algs(ckex, skex):
    """ckex/skex: {tshark field: name-list} of the SSH client's and server's KEXINITs."""
    out = {}
    for key, field in CATS:
        out[key] = negotiate(ckex.get(field), skex.get(field), kex=(key == "kex"))
    for d in ("c2s", "s2c"):
        if out["enc_" + d] in AEAD:
            out["mac_" + d] = None  # implicit
    return out


def list_cut(first):
    """Would the sensor's bounded copy of this KEXINIT's lists be cut?"""
    total = sum(len(first.get(f) or "") for _, f in CATS)
    many = any(len(names(first.get(f))) > NAMES_MAX for _, f in CATS)
    return total > POOL_MAX or many


# ---------------------------------------------------------------- tshark

def tshark_json(cap, args):
    r = subprocess.run(["tshark", "-r", cap, "-n"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        die("%s: tshark exit %d: %s" % (cap, r.returncode, r.stderr.decode(errors="replace")))
    out = r.stdout.decode(errors="replace").strip()
    return json.loads(out) if out else []


def layer(pkt):
    return pkt["_source"]["layers"]


def one(lay, f):
    v = lay.get(f)
    return v[0] if v else None


def ssh_ports(cap):
    """Server ports of streams whose payload starts with "SSH-" (tshark's own view)."""
    pk = tshark_json(cap, ["-Y", "tcp.payload[0:4] == 53:53:48:2d", "-T", "json",
                           "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport"])
    syn = tshark_json(cap, ["-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-T", "json",
                            "-e", "tcp.stream", "-e", "tcp.dstport"])
    server_port = {one(layer(p), "tcp.stream"): one(layer(p), "tcp.dstport") for p in syn}
    ports = set()
    for p in pk:
        lay = layer(p)
        st = one(lay, "tcp.stream")
        if st in server_port:
            ports.add(int(server_port[st]))
        else:
            ports.add(int(one(lay, "tcp.srcport")))
            ports.add(int(one(lay, "tcp.dstport")))
    ports.discard(22)
    return sorted(ports)


def first_payloads(cap):
    """Per TCP stream, in order: (sender, first 4 payload bytes, hex) of each side's first data."""
    out = collections.defaultdict(list)
    for p in tshark_json(cap, ["-Y", "tcp.len > 0", "-T", "json", "-e", "tcp.stream",
                               "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                               "-e", "tcp.payload"]):
        lay = layer(p)
        src = (one(lay, "ip.src") or one(lay, "ipv6.src"), int(one(lay, "tcp.srcport")))
        st = one(lay, "tcp.stream")
        if all(s != src for s, _ in out[st]):
            out[st].append((src, (one(lay, "tcp.payload") or "").replace(":", "")[:8]))
    return out


def tshark_conns(cap):
    """Per TCP stream: endpoints, SYN sender, first KEXINIT per direction, kex message order."""
    dargs = []
    for p in ssh_ports(cap):
        dargs += ["-d", "tcp.port==%d,ssh" % p]
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
              "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "ssh.message_code",
              "ssh.protocol"] + [f for _, f in CATS]
    args = dargs + ["-Y", "ssh || (tcp.flags.syn == 1)", "-T", "json"]
    for f in fields:
        args += ["-e", f]
    conns = collections.OrderedDict()
    for p in tshark_json(cap, args):
        lay = layer(p)
        st = one(lay, "tcp.stream")
        src = (one(lay, "ip.src") or one(lay, "ipv6.src"), int(one(lay, "tcp.srcport")))
        dst = (one(lay, "ip.dst") or one(lay, "ipv6.dst"), int(one(lay, "tcp.dstport")))
        c = conns.setdefault(st, {"ends": {src, dst}, "client": None, "kexinit": {},
                                  "codes": [], "banner": {}})
        syn = one(lay, "tcp.flags.syn") in ("1", "True")
        if syn and one(lay, "tcp.flags.ack") in ("0", "False"):
            c["client"] = c["client"] or src
        for b in lay.get("ssh.protocol", []):
            c["banner"].setdefault(src, b)
        codes = [int(x) for x in lay.get("ssh.message_code", [])]
        for code in codes:
            c["codes"].append((src, code))
        if 20 in codes and src not in c["kexinit"] and one(lay, "ssh.kex_algorithms") is not None:
            c["kexinit"][src] = {f: one(lay, f) for _, f in CATS}
    return conns


def ssh_roles(conn, tcp_client, tcp_server):
    """(SSH client endpoint, SSH server endpoint), from kex pseudo-names or kex messages."""
    def marks(ep, suffix):
        k = names((conn["kexinit"].get(ep) or {}).get("ssh.kex_algorithms"))
        return ("ext-info-" + suffix) in k or ("kex-strict-%s-v00@openssh.com" % suffix) in k
    if marks(tcp_server, "c") or marks(tcp_client, "s"):
        return tcp_server, tcp_client
    if marks(tcp_client, "c") or marks(tcp_server, "s"):
        return tcp_client, tcp_server
    for ep, code in conn["codes"]:
        if code in (30, 32, 34):
            return (ep, tcp_server if ep == tcp_client else tcp_client)
        if code in (31, 33):
            return (tcp_server if ep == tcp_client else tcp_client, ep)
    return tcp_client, tcp_server


def compare_tshark(cap, recs, rep):
    by = sensor_by_tuple(recs)
    used = collections.Counter()
    firsts = first_payloads(cap)
    magic = "5353482d"  # "SSH-"
    for st, c in tshark_conns(cap).items():
        if not c["banner"] and not c["kexinit"]:
            continue  # no SSH in this stream
        ends = sorted(c["ends"])
        if len(ends) != 2:
            continue
        # find the sensor record of this stream (either orientation), in order
        cand = None
        for a, b in ((ends[0], ends[1]), (ends[1], ends[0])):
            k = (a[0], a[1], b[0], b[1])
            if k in by and used[k] < len(by[k]):
                cand = (k, by[k][used[k]])
                used[k] += 1
                break
        if not cand:
            rep.fail("tshark", "%s stream %s: no sensor record for %s" % (cap, st, ends))
            continue
        k, o = cand
        tcp_client, tcp_server = (k[0], k[1]), (k[2], k[3])
        s = o.get("ssh")
        fp = firsts.get(st, [])
        if s is None:
            what = "%s %s: tshark shows SSH, the sensor has no ssh object" % (cap, k)
            rep.fail("tshark", what)
            continue
        rep.conns["tshark"] += 1
        sc, ss = ssh_roles(c, tcp_client, tcp_server)
        ck, sk = c["kexinit"].get(sc), c["kexinit"].get(ss)
        if ck is None or sk is None:
            exp = {key: None for key, _ in CATS}
        else:
            exp = expected_algs(ck, sk)
        first = None
        if ck is not None and sk is not None:
            # the KEXINIT the sensor saw first is the one it copied
            order = [ep for ep, code in c["codes"] if code == 20]
            first = ck if order and order[0] == sc else sk
        for key, _ in CATS:
            got, want = s.get(key), exp[key]
            what = "%s %s %s: sensor %r, 7.1 on tshark's KEXINITs %r" % (cap, k, key, got, want)
            server_first = dict(fp).get(ss)
            if got == want:
                rep.same("tshark")
            elif (ck is None and sk is None and (s.get("version") or "").startswith("1.")
                  and "v1" in s and key.startswith("enc_") and got == s["v1"]["cipher"]):
                rep.allow("tshark", "ssh1", what)
            elif (sk is None and ck is not None and server_first is not None
                  and server_first != magic):
                rep.allow("tshark", "tshark-pre-banner", what)
            elif got is None and first is not None and list_cut(first):
                rep.allow("tshark", "list-cut", what)
            else:
                rep.fail("tshark", what)
        if ck is not None and sk is not None:
            want_rev = sc == tcp_server
            if bool(s.get("roles_reversed")) != want_rev:
                rep.fail("tshark", "%s %s roles_reversed: sensor %r, tshark %r" %
                         (cap, k, s.get("roles_reversed"), want_rev))
            else:
                rep.same("tshark")


# ---------------------------------------------------------------- Zeek

def zeek_logs(corpus):
    out = collections.defaultdict(list)
    for root, _, files in os.walk(os.path.join(corpus, "zeek")):
        for f in files:
            if f.endswith(".ssh.log") and ".pcap" in f:
                cap = f[:f.index(".zeek-")]
                out[os.path.relpath(os.path.join(root, cap), corpus)].append(os.path.join(root, f))
    return out


def read_zeek(path):
    fields, rows = None, []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
            elif line.startswith("#") or not line:
                continue
            elif fields is None:
                fields = line.split("\t")  # btest header without '#fields'
            else:
                rows.append(dict(zip(fields, line.split("\t"))))
    return fields or [], rows


def zeek_bidir(s, c2s, s2c):
    a, b = s.get(c2s), s.get(s2c)
    return a if a == b else "To server: %s, to client: %s" % (a, b)


def compare_zeek(cap, logs, recs, rep):
    by = sensor_by_tuple(recs)
    for log in logs:
        fields, rows = read_zeek(log)
        name = os.path.basename(log)
        if "id.orig_h" not in fields:
            ssh = [o for o in recs if o.get("ssh")]
            what = "%s: %d rows without a 4-tuple" % (name, len(rows))
            if ssh:
                rep.fail("zeek", what + ", but the sensor reports SSH on %d connections" % len(ssh))
            else:
                rep.allow("zeek", "zeek-no-tuple", what)
            continue
        used = collections.Counter()
        for row in rows:
            k = (row["id.orig_h"], int(row["id.orig_p"]), row["id.resp_h"], int(row["id.resp_p"]))
            if used[k] >= len(by.get(k, [])):
                rep.fail("zeek", "%s %s: no sensor record" % (name, k))
                continue
            o = by[k][used[k]]
            used[k] += 1
            rep.conns["zeek"] += 1
            s = o.get("ssh") or {}
            why = o["observation"].get("incomplete_why") or ""
            one_sided = why in ("client side not seen", "server side not seen")
            pairs = [
                ("client", s.get("client_banner")),
                ("server", s.get("server_banner")),
                ("kex_alg", s.get("kex")),
                ("host_key_alg", s.get("hostkey")),
                ("cipher_alg", zeek_bidir(s, "enc_c2s", "enc_s2c")),
                ("mac_alg", zeek_bidir(s, "mac_c2s", "mac_s2c")),
                ("compression_alg", zeek_bidir(s, "comp_c2s", "comp_s2c")),
                ("host_key_fingerprint", s.get("hostkey_fingerprint_sha256")),
            ]
            for zf, got in pairs:
                if zf not in row:
                    continue
                want = row[zf]
                want = None if want == "-" else want
                if got == "To server: None, to client: None":
                    got = None
                what = "%s %s %s: sensor %r, zeek %r" % (name, k, zf, got, want)
                if got == want:
                    rep.same("zeek")
                elif (zf == "host_key_fingerprint" and want and got and got.startswith(want)
                      and len(want) >= len("SHA256:") + 32):
                    rep.allow("zeek", "zeek-fingerprint-cut", what)
                elif (zf == "mac_alg" and got is None and want
                      and s.get("mac_implicit_c2s") and s.get("mac_implicit_s2c")):
                    rep.allow("zeek", "aead-implicit-mac", what)
                elif (want is None and "v1" in s and zf in ("cipher_alg", "host_key_fingerprint")
                      and (s.get("hostkey_type") == "rsa1" or got == s["v1"]["cipher"]
                           or got == "To server: %s, to client: %s" % (None, None))):
                    rep.allow("zeek", "ssh1", what)
                elif want is None and one_sided and zf in ("host_key_fingerprint",):
                    rep.allow("zeek", "zeek-one-sided", what)
                else:
                    rep.fail("zeek", what)


# ---------------------------------------------------------------- arkime

def compare_arkime(cap, corpus, recs, rep):
    test = os.path.join(corpus, os.path.splitext(cap)[0] + ".test")
    if not os.path.exists(test):
        return
    with open(test) as f:
        d = json.load(f)
    fps = collections.Counter(o["ssh"].get("hostkey_fingerprint_sha256")
                              for o in recs if o.get("ssh"))
    for sess in d.get("sessions3", []):
        for key in sess["body"].get("ssh", {}).get("key", []):
            fp = "SHA256:" + base64.b64encode(
                hashlib.sha256(base64.b64decode(key)).digest()).decode().rstrip("=")
            rep.conns["arkime"] += 1
            if fps[fp]:
                rep.same("arkime")
            else:
                rep.fail("arkime", "%s: arkime's ssh.key hashes to %s, not among the sensor's %s"
                         % (cap, fp, sorted(x for x in fps if x)))


# ---------------------------------------------------------------- main

def ssh_captures(corpus):
    caps = []
    with open(os.path.join(corpus, "INDEX.tsv")) as f:
        hdr = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(hdr, line.rstrip("\n").split("\t")))
            tags = row.get("tags", "").split(",")
            if any(t == "SSH" or t == "SSHv1" or t.startswith("SSH-kex:") for t in tags):
                caps.append(row["path"])
    return caps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    zlogs = zeek_logs(a.corpus)
    caps = a.captures or sorted(set(ssh_captures(a.corpus)) | set(zlogs))
    rep = Report(a.verbose)
    for cap in caps:
        path = os.path.join(a.corpus, cap)
        if not os.path.exists(path):
            die("missing capture " + path)
        print(cap)
        recs = run_sensor(a.sensor, path)
        if cap in zlogs:
            compare_zeek(cap, zlogs[cap], recs, rep)
        compare_tshark(path, recs, rep)
        compare_arkime(cap, a.corpus, recs, rep)
    print("\nsummary:")
    for part in sorted(rep.checked):
        print("  %-7s %4d connections, %5d checks, %5d equal, %d allowed, %d failed" % (
            part, rep.conns[part], rep.checked[part], rep.agreed[part],
            sum(v for (p, _), v in rep.allowed.items() if p == part),
            sum(1 for f in rep.failures if f.startswith(part + ":"))))
    for (part, cat), n in sorted(rep.allowed.items()):
        print("  allowed %-7s %-22s %4d  (%s)" % (part, cat, n, ALLOWED[cat]))
    if rep.failures:
        print("\n%d unexplained differences" % len(rep.failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
