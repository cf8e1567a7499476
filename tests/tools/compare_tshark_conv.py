#!/usr/bin/env python3
"""compare_tshark_conv.py - zertsensor's flows against `tshark -q -z conv,tcp` (and conv,udp).

For each capture, the sensor's --flows records are summed per 5-tuple (a 5-tuple can hold
several flows: port reuse, late packets after --closed-timeout) and so are tshark's
conversation rows (tshark splits a 5-tuple by tcp.stream too). The two sets must hold the
same conversations, with the same frame count in each direction. Bytes are compared where
the two tools count the same thing: tshark counts frame bytes, the sensor IP bytes, so the
difference per frame must be a link-layer overhead (0 to LINK_MAX bytes: Ethernet, SLL,
VLAN/QinQ tags, MPLS labels, padding, FCS) and never negative.

Any other difference fails, unless it is one of the named categories below, each checked
against evidence. Usage: compare_tshark_conv.py --sensor BIN --corpus DIR [--list FILE]
[capture ...]. Exit status: 0 ok, 1 unexplained differences, 2 tool error.
"""
import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

# Largest link-layer overhead per frame we accept: Ethernet 14 + 4 VLAN tags 16 + 4 MPLS
# labels 16 + a pseudowire control word and inner Ethernet 18 + padding to 60 bytes (at most
# 46 - 20 - 20 = 6 for TCP, 18 for UDP) + FCS 4 = 86; SLL2 is 20.
LINK_MAX = 90

CATEGORIES = {
    "link-bytes": "tshark counts frame bytes, the sensor IP bytes: per direction the difference "
    "is a link-layer overhead of 0..%d bytes per frame" % LINK_MAX,
    "flows-summed": "a 5-tuple held several sensor flows (port reuse, late packets after the "
    "closed timeout) or several tshark rows (tcp.stream): both are summed per 5-tuple",
}


def die(msg):
    print("compare_tshark_conv: " + msg, file=sys.stderr)
    sys.exit(2)


def read_list(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


def endpoint(s):
    host, port = s.rsplit(":", 1)
    return str(ipaddress.ip_address(host)), int(port)


UNITS = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}
ROW = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+([\d,]+)\s+(\w+)\s+(\d+)\s+([\d,]+)\s+(\w+)")


def tshark_conv(cap, proto):
    """{(proto, A, B): [frames A->B, bytes A->B, frames B->A, bytes B->A, rows, exact]}."""
    r = subprocess.run(["tshark", "-n", "-q", "-z", "conv," + proto, "-r", cap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        die("%s: tshark exit %d: %s" % (cap, r.returncode, r.stderr.decode(errors="replace")))
    out = {}
    for line in r.stdout.decode().splitlines():
        m = ROW.match(line)
        if not m:
            continue
        a, b = endpoint(m.group(1)), endpoint(m.group(2))
        # columns: "<-" is B to A, "->" is A to B
        ba_f, ba_b = int(m.group(3)), int(m.group(4).replace(",", "")) * UNITS[m.group(5)]
        ab_f, ab_b = int(m.group(6)), int(m.group(7).replace(",", "")) * UNITS[m.group(8)]
        exact = m.group(5) == "bytes" and m.group(8) == "bytes"
        if (a, b) > (b, a):
            a, b, ab_f, ab_b, ba_f, ba_b = b, a, ba_f, ba_b, ab_f, ab_b
        k = (proto, a, b)
        v = out.setdefault(k, [0, 0, 0, 0, 0, True])
        v[0] += ab_f
        v[1] += ab_b
        v[2] += ba_f
        v[3] += ba_b
        v[4] += 1
        v[5] = v[5] and exact
    return out


def sensor_conv(binary, cap, protos):
    with tempfile.TemporaryDirectory(prefix="zs-conv-") as wd:
        flows = os.path.join(wd, "flows.jsonl")
        r = subprocess.run([binary, "-r", cap, "-q", "--flows", flows],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode not in (0, 1):
            die("%s: zertsensor exit %d: %s" % (cap, r.returncode,
                                                r.stderr.decode(errors="replace")))
        out = {}
        with open(flows) as f:
            for line in f:
                fl = json.loads(line)
                if fl.get("proto") not in protos:
                    continue
                c = (str(ipaddress.ip_address(fl["client"]["ip"])), fl["client"]["port"])
                s = (str(ipaddress.ip_address(fl["server"]["ip"])), fl["server"]["port"])
                cs = (fl["pkts"]["c2s"], fl["bytes"]["c2s"])
                sc = (fl["pkts"]["s2c"], fl["bytes"]["s2c"])
                a, b, ab, ba = (c, s, cs, sc) if c <= s else (s, c, sc, cs)
                v = out.setdefault((fl["proto"], a, b), [0, 0, 0, 0, 0])
                v[0] += ab[0]
                v[1] += ab[1]
                v[2] += ba[0]
                v[3] += ba[1]
                v[4] += 1
        return out, r.returncode


class Result:
    def __init__(self):
        self.captures = 0
        self.convs = 0
        self.frames = 0
        self.identical_frames = 0
        self.allowed = defaultdict(int)
        self.unexplained = []
        self.notes = []


def compare(cap, label, args, res):
    protos = args.protos.split(",")
    sens, rc = sensor_conv(args.sensor, cap, protos)
    tsh = {}
    for p in protos:
        tsh.update(tshark_conv(cap, p))
    res.captures += 1
    if rc == 1:
        res.notes.append("%s: sensor exit 1 (input damaged part-way)" % label)
    for k in sorted(set(sens) | set(tsh)):
        name = "%s %s %s:%d <-> %s:%d" % ((label, k[0]) + k[1] + k[2])
        res.convs += 1
        s, t = sens.get(k), tsh.get(k)
        if s is None or t is None:
            res.unexplained.append("%s: only %s has it" % (name, "tshark" if s is None else
                                                            "the sensor"))
            continue
        res.frames += t[0] + t[2]
        if s[4] > 1 or t[4] > 1:
            res.allowed["flows-summed"] += 1
        if (s[0], s[2]) != (t[0], t[2]):
            res.unexplained.append("%s: frames A->B sensor %d tshark %d, B->A sensor %d "
                                   "tshark %d" % (name, s[0], t[0], s[2], t[2]))
            continue
        res.identical_frames += 1
        for d, (sf, sb, tb) in (("A->B", (s[0], s[1], t[1])), ("B->A", (s[2], s[3], t[3]))):
            over = tb - sb
            if not t[5]:
                # tshark rounded to kB/MB: allow the rounding as well
                if not (-sf * 0 - 1000 * 1000 <= over <= sf * LINK_MAX + 1000 * 1000):
                    res.unexplained.append("%s: %s bytes sensor %d tshark ~%d" % (name, d, sb, tb))
                continue
            if over < 0 or over > sf * LINK_MAX:
                res.unexplained.append("%s: %s bytes: sensor %d (IP) tshark %d (frames), "
                                       "%d frames" % (name, d, sb, tb, sf))
        res.allowed["link-bytes"] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--list", help="file of capture paths relative to the corpus")
    ap.add_argument("--protos", default="tcp,udp")
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
        compare(path, c, args, res)
    print("captures: %d" % res.captures)
    print("conversations compared: %d" % res.convs)
    print("frames compared: %d" % res.frames)
    print("conversations with identical frame counts both ways: %d" % res.identical_frames)
    print("allowed differences (conversations):")
    for c in CATEGORIES:
        if res.allowed.get(c):
            print("  %-14s %4d  %s" % (c, res.allowed[c], CATEGORIES[c]))
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
