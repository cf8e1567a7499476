#!/usr/bin/env python3
"""compare_tcpflow.py - zertsensor --dump-streams against tcpflow, byte for byte.

For each capture, both tools reassemble every TCP direction into a file (in
temporary directories). Streams are paired by directional 4-tuple and by
connection instance (time order), then compared byte for byte. A difference is
allowed only when it falls in one of the named categories below, each checked
against evidence (the sensor's --flows record, the bytes themselves, or the
packets read back with tshark); anything else fails the test.

Usage: compare_tcpflow.py --sensor BIN --corpus DIR [--list FILE] [capture ...]
Exit status: 0 all differences explained, 1 unexplained differences, 2 tool error.
See docs/reassembly-differences.md for the reasoning behind each category.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))

# Allowed categories: name -> reason (printed in the summary and documented).
CATEGORIES = {
    "overlap-last-wins": "inconsistent overlapping retransmission: the sensor keeps the first "
    "data (HACKING.md policy), tcpflow writes every segment at its offset so the last one wins",
    "trailing-gap": "bytes the peer acknowledged or a FIN announced but the capture never held: "
    "the sensor's file is extended with a hole of zeros, tcpflow's file ends at the last byte seen",
    "leading-gap": "the first bytes after the handshake were never captured: the sensor starts "
    "at the SYN (or at the SYN-ACK's acknowledgement) and leaves a hole, tcpflow starts its file "
    "at the first data segment it sees",
    "syn-data": "data carried on a SYN or SYN-ACK: the sensor delivers it (offset 0 = ISN+1), "
    "tcpflow drops it as a protocol violation",
    "rst-data": "payload on a RST segment is diagnostic text, not stream content: the sensor "
    "drops it, tcpflow writes it",
    "tcpflow-split": "tcpflow starts a new file for the same 4-tuple (data after a RST or FIN, "
    "a sequence jump beyond -m, or a retransmission after it closed the first): the sensor "
    "keeps one connection; the tcpflow pieces concatenated at their sequence offsets match",
    "sensor-split": "the sensor ended the connection (closed timeout, new SYN on a closed "
    "5-tuple) and opened a new flow; tcpflow kept one file",
    "tcpflow-eth-padding": "tcpflow 1.6.1 takes a segment's payload to run to the end of the "
    "captured frame, so the Ethernet padding or trailer of a short frame (pure ACK, RST, FIN) "
    "becomes stream bytes; the sensor ends the payload at the IP length",
    "midstream-start": "no SYN seen: the sensor's stream starts at the first segment seen and "
    "data with lower sequence numbers seen later is counted as retransmitted (HACKING.md); "
    "tcpflow inserts it before the start of its file",
    "late-retransmission": "a retransmission seen after the connection closed (past "
    "--closed-timeout) opens a new sensor flow holding bytes already in the first one; tcpflow "
    "drops it because it matches the saved file",
    "not-decoded-by-tcpflow": "a link or network layer tcpflow does not decode (IPv4 fragments, "
    "IPv6 extension headers, tunnels, MPLS): only the sensor has the stream",
}


def die(msg):
    print("compare_tcpflow: " + msg, file=sys.stderr)
    sys.exit(2)


def parse_ts(s):
    """ISO 8601 (with or without fraction, 'Z') -> microseconds since the epoch."""
    s = s.rstrip("Z")
    frac = 0
    if "." in s:
        s, f = s.split(".", 1)
        frac = int((f + "000000")[:6])
    dt = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1000000 + frac


def norm_ip(ip):
    """tcpflow pads IPv4 octets with zeros in file names; DFXML has the plain form."""
    import ipaddress

    return str(ipaddress.ip_address(ip))


def read_list(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


class Stream:
    """One direction of one connection instance, as one tool wrote it."""

    def __init__(self, tool, key, start, path, data, info=None):
        self.tool = tool
        self.key = key  # (src, sport, dst, dport)
        self.start = start
        self.path = path
        self.data = data
        self.info = info or {}


def run_sensor(binary, cap, workdir):
    sdir = os.path.join(workdir, "sensor")
    flows = os.path.join(workdir, "flows.jsonl")
    r = subprocess.run([binary, "-r", cap, "-q", "--flows", flows, "--dump-streams", sdir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode not in (0, 1):
        die("%s: zertsensor exit %d: %s" % (cap, r.returncode, r.stderr.decode(errors="replace")))
    files = {}
    if os.path.isdir(sdir):
        for name in os.listdir(sdir):
            fid = int(name.split("-", 1)[0])
            files[(fid, name.rsplit(".", 1)[1])] = os.path.join(sdir, name)
    streams = []
    flows_by_id = {}
    with open(flows) as f:
        for line in f:
            fl = json.loads(line)
            if fl.get("proto") != "tcp":
                continue
            flows_by_id[fl["flow_id"]] = fl
            c, s = fl["client"], fl["server"]
            for d, src, dst in (("c2s", c, s), ("s2c", s, c)):
                path = files.get((fl["flow_id"], d))
                data = b""
                if path:
                    with open(path, "rb") as fh:
                        data = fh.read()
                key = (norm_ip(src["ip"]), src["port"], norm_ip(dst["ip"]), dst["port"])
                st = Stream("sensor", key, parse_ts(fl["start"]), path, data,
                            {"flow": fl, "dir": d, "end": parse_ts(fl["end"])})
                streams.append(st)
    return streams, r.returncode


TCPFLOW_NAME = re.compile(r"-T(\d+)(?:c\d+)?$")


def run_tcpflow(cap, workdir):
    tdir = os.path.join(workdir, "tcpflow")
    os.mkdir(tdir)
    report = os.path.join(tdir, "report.xml")
    r = subprocess.run(["tcpflow", "-r", cap, "-o", tdir, "-X", report, "-T", "%A.%a-%B.%b-T%#"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        return None, "tcpflow exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")[-300:])
    streams = []
    root = ET.parse(report).getroot()
    for fo in root.iter("fileobject"):
        fn = fo.find("filename")
        tf = fo.find("tcpflow")
        if fn is None or tf is None:
            continue  # a direction without data
        path = fn.text
        if not os.path.isabs(path):
            path = os.path.join(os.getcwd(), path)
        m = TCPFLOW_NAME.search(os.path.basename(path))
        conn = int(m.group(1)) if m else 0
        a = tf.attrib
        key = (norm_ip(a["src_ipn"]), int(a["srcport"]), norm_ip(a["dst_ipn"]), int(a["dstport"]))
        with open(path, "rb") as fh:
            data = fh.read()
        streams.append(Stream("tcpflow", key, parse_ts(a["startime"]), path, data,
                              {"conn": conn, "end": parse_ts(a["endtime"]),
                               "packets": int(a.get("packets", 0))}))
    return streams, None


TUNNEL_MARKERS = ("ip:ip", "ip:ipv6", "ipv6:ip", "ipv6:ipv6", "gre", "mpls", "vxlan", "teredo",
                  "gtp", "geneve", "ipv6.fragment", "ipv6.hopopts", "ipv6.routing", "ipv6.dstopts",
                  "ah")


class Segments:
    """What the packets say, read back with tshark: the evidence behind every allowed difference.

    Per directional 4-tuple: the segments in capture order (raw sequence number, flags, payload,
    Ethernet padding/trailer), and whether any of them came through a layer tcpflow does not
    decode (tunnels, MPLS, IPv6 extension headers, fragments)."""

    def __init__(self, cap):
        r = subprocess.run(["tshark", "-n", "-r", cap, "-Y", "tcp", "-T", "fields",
                            "-E", "occurrence=l", "-e", "ip.src", "-e", "ipv6.src",
                            "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e",
                            "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.flags", "-e",
                            "tcp.len", "-e", "tcp.payload", "-e", "eth.padding", "-e",
                            "eth.trailer", "-e", "frame.protocols", "-e", "ip.flags.mf",
                            "-e", "ip.frag_offset", "-e", "tcp.ack_raw"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.segs = defaultdict(list)
        self.tunnelled = defaultdict(bool)
        for line in r.stdout.decode().splitlines():
            f = line.split("\t")
            if len(f) < 15 or not f[2] or not f[6] or not f[7]:
                continue
            protos = f[12]
            v6 = protos.rfind("ipv6") > protos.rfind(":ip:")
            src, dst = (f[1], f[4]) if (v6 and f[1]) or not f[0] else (f[0], f[3])
            key = (norm_ip(src), int(f[2]), norm_ip(dst), int(f[5]))
            flags = int(f[7], 16)
            payload = bytes.fromhex(f[9].replace(":", "")) if f[9] else b""
            trailer = bytes.fromhex((f[10] or f[11]).replace(":", ""))
            ack = int(f[15]) if len(f) > 15 and f[15] else 0
            self.segs[key].append((int(f[6]), flags, payload, trailer, ack))
            if any(m in protos for m in TUNNEL_MARKERS) or f[13] in ("1", "True") or \
                    (f[14] not in ("", "0")):
                self.tunnelled[key] = True

    def syn_seq(self, key):
        for seq, fl, _, _, _ in self.segs.get(key, []):
            if fl & 0x02:
                return seq
        return None

    def first_wins(self, key):
        """Stream bytes by sequence number, the first segment to carry a byte wins (the
        sensor's policy); no RST payload; SYN payload at ISN+1."""
        m = {}
        for seq, fl, pl, _, _ in self.segs.get(key, []):
            if fl & 0x04:
                continue
            base = seq + 1 if fl & 0x02 else seq
            for i, b in enumerate(pl):
                m.setdefault((base + i) & 0xffffffff, b)
        return m

    def last_wins(self, key):
        """The same, written the way tcpflow 1.6.1 does: every segment at its offset (last wins),
        RST payload included, SYN payload dropped, and the bytes after the IP datagram in a short
        Ethernet frame (padding, trailer) taken as payload. Values: (byte, origin)."""
        m = {}
        for seq, fl, pl, tr, _ in self.segs.get(key, []):
            if fl & 0x02:
                continue
            origin = "rst" if fl & 0x04 else "data"
            for i, b in enumerate(pl):
                m[(seq + i) & 0xffffffff] = (b, origin)
            for i, b in enumerate(tr):
                m[(seq + len(pl) + i) & 0xffffffff] = (b, "padding")
        return m

    def syn_payload(self, key):
        return sum(len(pl) for _, fl, pl, _, _ in self.segs.get(key, []) if fl & 0x02)


def zeros(b):
    return b.count(0) == len(b)


class Result:
    def __init__(self):
        self.captures = 0
        self.streams = 0
        self.bytes = 0
        self.identical = 0
        self.allowed = defaultdict(int)     # category -> streams
        self.allowed_bytes = defaultdict(int)
        self.unexplained = []
        self.notes = []


def half(st):
    """The sensor flow record's numbers for this stream's direction."""
    fl, d = st.info["flow"], st.info["dir"]
    return {k: fl[k][d] for k in ("stream_bytes", "gap_bytes", "gaps", "retransmits",
                                  "overlaps_inconsistent", "payload_bytes")}


MASK = 0xffffffff
NONZERO = re.compile(rb"[^\x00]+")


def signed(x):
    x &= MASK
    return x - (1 << 32) if x >= (1 << 31) else x


def find_base(data, model, candidates, value=lambda v: v):
    """The sequence number of byte 0 of a stream file: the candidate under which most of the
    file's non-zero bytes agree with the model of the captured segments."""
    idx = [m.start() for m in NONZERO.finditer(data[:1 << 20])][:64]
    probe = []
    for m in NONZERO.finditer(data[:1 << 20]):
        probe.extend(range(m.start(), min(m.end(), m.start() + 64)))
        if len(probe) > 2048:
            break
    del idx
    best, best_score = None, -1
    for c in candidates:
        score = 0
        for i in probe:
            v = model.get((c + i) & MASK)
            if v is not None and value(v) == data[i]:
                score += 1
        if score > best_score:
            best, best_score = c, score
    return best


def base_candidates(segs, key):
    out = []
    syn = segs.syn_seq(key)
    if syn is not None:
        out.append((syn + 1) & MASK)
    peer = (key[2], key[3], key[0], key[1])
    for seq, fl, pl, tr, ack in segs.segs.get(peer, []):
        if fl & 0x12 == 0x12:
            out.append(ack)
    seen = set(out)
    for seq, fl, pl, tr, ack in segs.segs.get(key, []):
        b = (seq + 1) & MASK if fl & 0x02 else seq
        if (pl or tr) and b not in seen:
            seen.add(b)
            out.append(b)
            if len(out) > 400:
                break
    return out


def view(data, base, origin, attested):
    """Positions (relative to origin) holding data in a stream file: every non-zero byte, and
    zero bytes the model says were captured there. Zeros elsewhere are holes (gaps)."""
    off = signed(base - origin)
    v = {}
    for m in NONZERO.finditer(data):
        for i in range(m.start(), m.end()):
            v[off + i] = data[i]
    for seq in attested:
        i = (seq - base) & MASK
        if i < len(data) and data[i] == 0:
            v[off + i] = 0
    return v, off, off + len(data)


def explain_group(gs, gt, segs, earlier=()):
    """Why the sensor's streams gs and tcpflow's files gt (same direction, same connection)
    differ: ({category: bytes}, "") or (None, reason)."""
    key = (gs or gt)[0].key
    F = segs.first_wins(key)
    L = segs.last_wins(key)
    cands = base_candidates(segs, key)
    cats = defaultdict(int)
    if len(gs) > 1:
        cats["sensor-split"] += len(gs) - 1
    if len(gt) > 1:
        cats["tcpflow-split"] += len(gt) - 1
    if not gs or not gt:
        if segs.tunnelled.get(key):
            return {"not-decoded-by-tcpflow": sum(len(x.data) for x in gs + gt)}, ""
    if len(gs) == 1 and not gt and gs[0].info["flow"]["midstream"] and earlier:
        late = gs[0]
        b = find_base(late.data, F, cands)
        for e in earlier:
            be = find_base(e.data, F, cands)
            off = (b - be) & MASK
            if e.data[off:off + len(late.data)] == late.data:
                return {"late-retransmission": len(late.data)}, ""
    if not cands:
        return None, "tshark shows no TCP segments for this direction"
    vs, vt, s_rng, t_rng = {}, {}, [], []
    origin = None
    for s in gs:
        b = find_base(s.data, F, cands)
        if origin is None:
            origin = b
        v, lo, hi = view(s.data, b, origin, F.keys())
        vs.update(v)
        s_rng.append((lo, hi, s))
    for t in gt:
        b = find_base(t.data, L, cands, value=lambda x: x[0])
        if origin is None:
            origin = b
        v, lo, hi = view(t.data, b, origin, [k for k, x in L.items() if x[0] == 0])
        vt.update(v)
        t_rng.append((lo, hi))
    syn = segs.syn_seq(key)
    syn_end = (syn + 1 + segs.syn_payload(key)) & MASK if syn is not None else None
    bad = []
    for p in sorted(set(vs) | set(vt)):
        a, b = vs.get(p), vt.get(p)
        if a == b:
            continue
        seq = (origin + p) & MASK
        f, l = F.get(seq), L.get(seq)
        if b is not None and l is not None and l[0] == b and (a is None or f == a):
            if l[1] == "data" and a is None and s_rng and p < min(x[0] for x in s_rng) and \
                    all(x[2].info["flow"]["midstream"] for x in s_rng):
                cats["midstream-start"] += 1
            elif l[1] == "data" and a is None:
                bad.append((p, "tcpflow has captured data the sensor lacks"))
            elif l[1] == "data":
                cats["overlap-last-wins"] += 1
            else:
                cats["rst-data" if l[1] == "rst" else "tcpflow-eth-padding"] += 1
        elif a is not None and f == a and b is None and syn_end is not None and \
                0 < ((syn_end - seq) & MASK) <= segs.syn_payload(key):
            cats["syn-data"] += 1
        else:
            bad.append((p, "sensor %r tcpflow %r captured-first %r captured-last %r" % (
                a, b, f, l)))
    # file extents: sensor holes before or after tcpflow's data are gaps the sensor declared
    if s_rng and t_rng:
        gap = sum(half(x[2])["gap_bytes"] for x in s_rng)
        lead = max(0, min(x[0] for x in t_rng) - min(x[0] for x in s_rng))
        trail = max(0, max(x[1] for x in s_rng) - max(x[1] for x in t_rng))
        if lead:
            cats["leading-gap"] += lead
        if trail:
            cats["trailing-gap"] += trail
        if lead + trail > gap:
            bad.append((0, "sensor file extends %d bytes beyond tcpflow's but declared only %d "
                        "gap bytes" % (lead + trail, gap)))
    if bad:
        return None, "%d positions unexplained, first at stream offset %d: %s" % (
            len(bad), bad[0][0], bad[0][1])
    return dict(cats), ""


def overlaps(a0, a1, b0, b1, slack=1000):
    return a0 <= b1 + slack and b0 <= a1 + slack


def compare_capture(cap, args, res):
    with tempfile.TemporaryDirectory(prefix="zs-tcpflow-") as wd:
        sstreams, rc = run_sensor(args.sensor, cap, wd)
        tstreams, err = run_tcpflow(cap, wd)
        if err:
            die("%s: %s" % (cap, err))
        res.captures += 1
        if rc == 1:
            res.notes.append("%s: sensor exit 1 (input damaged part-way)" % cap)
        segs = None
        by_key = defaultdict(lambda: ([], []))
        for st in sstreams:
            if st.data:
                by_key[st.key][0].append(st)
        for st in tstreams:
            by_key[st.key][1].append(st)
        for key, (ss, ts) in sorted(by_key.items()):
            ss.sort(key=lambda x: x.start)
            ts.sort(key=lambda x: (x.info["conn"], x.start))
            # components of "overlap in time" between sensor flows and tcpflow files
            groups = []
            for s in ss:
                groups.append(([s], []))
            for t in ts:
                hits = [g for g in groups if any(overlaps(x.start, x.info["end"], t.start,
                                                          t.info["end"]) for x in g[0])]
                if not hits:
                    groups.append(([], [t]))
                    continue
                g0 = hits[0]
                g0[1].append(t)
                for g in hits[1:]:
                    g0[0].extend(g[0])
                    g0[1].extend(g[1])
                    groups.remove(g)
            for gs, gt in groups:
                label = "%s %s:%d > %s:%d" % ((os.path.relpath(cap, args.corpus),) + key)
                res.streams += 1
                res.bytes += max(sum(len(x.data) for x in gs), sum(len(x.data) for x in gt))
                if len(gs) == 1 and len(gt) == 1 and gs[0].data == gt[0].data:
                    res.identical += 1
                    continue
                if segs is None:
                    segs = Segments(cap)
                earlier = [x for x in ss if gs and x.start < gs[0].start]
                cats, why = explain_group(gs, gt, segs, earlier)
                if cats is None:
                    res.unexplained.append("%s: %s" % (label, why))
                    continue
                for c, n in cats.items():
                    res.allowed[c] += 1
                    res.allowed_bytes[c] += n
                if args.verbose:
                    print("  allowed %s: %s" % (label, ", ".join("%s(%d)" % kv for kv in
                                                                  cats.items())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--list", help="file of capture paths relative to the corpus")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("captures", nargs="*")
    args = ap.parse_args()
    caps = list(args.captures)
    if args.list:
        caps += read_list(args.list)
    if not caps:
        die("no captures")
    res = Result()
    for c in caps:
        path = c if os.path.isabs(c) else os.path.join(args.corpus, c)
        if not os.path.exists(path):
            die("%s: no such capture" % path)
        compare_capture(path, args, res)
    print("captures: %d" % res.captures)
    print("streams compared: %d" % res.streams)
    print("bytes compared: %d" % res.bytes)
    print("identical streams: %d" % res.identical)
    print("allowed differences (streams, bytes):")
    for c in CATEGORIES:
        if res.allowed.get(c):
            print("  %-22s %4d %9d  %s" % (c, res.allowed[c], res.allowed_bytes[c], CATEGORIES[c]))
    for n in res.notes:
        print("note: " + n)
    if res.unexplained:
        print("UNEXPLAINED differences: %d" % len(res.unexplained))
        for u in res.unexplained:
            print("  " + u)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
