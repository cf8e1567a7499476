#!/usr/bin/env python3
"""compare_ee.py - the generated EE capture against its manifest, tshark and the sensor.

(0) the generator reproduces the committed capture and manifest byte for byte;
(a) tshark decodes EVERY frame as LLC (and UI/XID frames as SNA) with the field values the
    generator intended (pcaps/ee-sample.expected.json), field by field, with good IPv4/UDP
    checksums and no malformed-packet marks;
(b) zertsensor --observations yields, per UDP flow and per IP pair, the ports, SAP pairs, RTP
    pipes (TCIDs), XID/DISC, frame counts and BSN gaps the capture was made with: compared with
    the manifest and with the same facts computed independently from tshark's fields.

Usage: compare_ee.py --sensor BIN [--pcap P] [--manifest M] [--generator G] [--tshark T]
Exit status: 0 all agree, 1 a mismatch, 2 a tool error.
"""
import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

PRIO = {3: "network", 2: "high", 1: "medium", 0: "low"}

# tshark field -> (manifest key, how to read the tshark value)
FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "udp.srcport", "udp.dstport",
    "ip.checksum.status", "udp.checksum.status", "_ws.malformed", "_ws.col.Info",
    "llc.dsap", "llc.ssap", "llc.control",
    "sna.nlp.nhdr.sm", "sna.nlp.nhdr.tpf", "sna.nlp.nhdr.ft", "sna.nlp.frh",
    "sna.nlp.thdr.tcid", "sna.nlp.thdr.8", "sna.nlp.thdr.9",
    "sna.nlp.thdr.setupi", "sna.nlp.thdr.somi", "sna.nlp.thdr.eomi", "sna.nlp.thdr.sri",
    "sna.nlp.thdr.rasapi", "sna.nlp.thdr.retryi", "sna.nlp.thdr.lmi", "sna.nlp.thdr.cqfi",
    "sna.nlp.thdr.osi", "sna.nlp.thdr.offset", "sna.nlp.thdr.dlf", "sna.nlp.thdr.bsn",
    "sna.nlp.thdr.optional.type", "sna.nlp.thdr.optional.10.tcid",
    "sna.nlp.thdr.optional.0f.bits", "sna.nlp.thdr.optional.0e.stat",
    "sna.nlp.thdr.optional.22.type",
    "sna.xid.format", "sna.xid.type", "sna.gds.type", "sna.th.fid", "sna.th.sa",
]

FLAG8 = {"setupi": 0x40, "somi": 0x20, "eomi": 0x10, "sri": 0x08, "rasapi": 0x04, "retryi": 0x02}
FLAG9 = {"lmi": 0x80, "cqfi": 0x08, "osi": 0x04}


class Report:
    def __init__(self):
        self.fields = 0
        self.mismatches = []

    def eq(self, where, what, got, want):
        self.fields += 1
        if got != want:
            self.mismatches.append("%s: %s = %r, want %r" % (where, what, got, want))


def num(s):
    return int(s, 0) if s not in ("", None) else None


def boolean(s):
    if s in ("", None):
        return None
    return s in ("1", "True", "true")


def run_tshark(tshark, pcap):
    cmd = [tshark, "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o",
           "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True).stdout
    rows = []
    for line in out.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        rows.append(dict(zip(FIELDS, vals)))
    return rows


# --- (a) tshark against the manifest, frame by frame ----------------------------------------

def check_frames(rep, frames, rows):
    rep.eq("capture", "frame count", len(rows), len(frames))
    for m, t in zip(frames, rows):
        w = "frame %d" % m["frame"]
        rep.eq(w, "frame.number", num(t["frame.number"]), m["frame"])
        rep.eq(w, "ip.src", t["ip.src"], m["src"])
        rep.eq(w, "ip.dst", t["ip.dst"], m["dst"])
        rep.eq(w, "udp.srcport", num(t["udp.srcport"]), m["sport"])
        rep.eq(w, "udp.dstport", num(t["udp.dstport"]), m["dport"])
        rep.eq(w, "ip.checksum.status", t["ip.checksum.status"], "1")
        rep.eq(w, "udp.checksum.status", t["udp.checksum.status"], "1")
        rep.eq(w, "_ws.malformed", t["_ws.malformed"], "")
        protos = t["frame.protocols"].split(":")
        rep.eq(w, "llc in frame.protocols", "llc" in protos, True)
        sna = m["kind"] in ("nlp", "route_setup", "fragment")
        rep.eq(w, "sna in frame.protocols", "sna" in protos, sna)
        rep.eq(w, "sna_xid in frame.protocols", "sna_xid" in protos, m["kind"] == "xid")
        rep.eq(w, "llc.dsap", num(t["llc.dsap"]), m["dsap"])
        rep.eq(w, "llc.ssap", num(t["llc.ssap"]), m["ssap"])
        rep.eq(w, "llc.control", num(t["llc.control"]), m["control"])
        rep.eq(w, "sna.nlp.nhdr.sm", num(t["sna.nlp.nhdr.sm"]), m.get("sm"))
        rep.eq(w, "sna.nlp.nhdr.tpf", num(t["sna.nlp.nhdr.tpf"]), m.get("tpf"))
        rep.eq(w, "sna.nlp.nhdr.ft", num(t["sna.nlp.nhdr.ft"]), m.get("ft"))
        rep.eq(w, "sna.nlp.frh", num(t["sna.nlp.frh"]), m.get("frh"))
        rep.eq(w, "sna.nlp.thdr.tcid", t["sna.nlp.thdr.tcid"] or None, m.get("tcid"))
        rep.eq(w, "sna.nlp.thdr.8", num(t["sna.nlp.thdr.8"]), m.get("thdr8"))
        rep.eq(w, "sna.nlp.thdr.9", num(t["sna.nlp.thdr.9"]), m.get("thdr9"))
        for name, bit in FLAG8.items():
            want = None if "thdr8" not in m else bool(m["thdr8"] & bit)
            rep.eq(w, "sna.nlp.thdr." + name, boolean(t["sna.nlp.thdr." + name]), want)
        for name, bit in FLAG9.items():
            want = None if "thdr9" not in m else bool(m["thdr9"] & bit)
            rep.eq(w, "sna.nlp.thdr." + name, boolean(t["sna.nlp.thdr." + name]), want)
        rep.eq(w, "sna.nlp.thdr.offset", num(t["sna.nlp.thdr.offset"]), m.get("offset"))
        rep.eq(w, "sna.nlp.thdr.dlf", num(t["sna.nlp.thdr.dlf"]), m.get("dlf"))
        rep.eq(w, "sna.nlp.thdr.bsn", num(t["sna.nlp.thdr.bsn"]), m.get("bsn"))
        types = [num(x) for x in t["sna.nlp.thdr.optional.type"].split(",") if x]
        rep.eq(w, "sna.nlp.thdr.optional.type", types, m.get("opt_types", []))
        rep.eq(w, "sna.nlp.thdr.optional.10.tcid", t["sna.nlp.thdr.optional.10.tcid"] or None,
               m.get("peer_tcid"))
        rep.eq(w, "sna.nlp.thdr.optional.0f.bits", num(t["sna.nlp.thdr.optional.0f.bits"]),
               m.get("oob_bits"))
        rep.eq(w, "sna.nlp.thdr.optional.0e.stat", num(t["sna.nlp.thdr.optional.0e.stat"]),
               m.get("status_flags"))
        arb = [num(x) for x in t["sna.nlp.thdr.optional.22.type"].split(",") if x]
        rep.eq(w, "sna.nlp.thdr.optional.22.type", arb[-1] if arb else None, m.get("arb_type"))
        rep.eq(w, "sna.xid.format", num(t["sna.xid.format"]), m.get("xid_format"))
        rep.eq(w, "sna.xid.type", num(t["sna.xid.type"]), m.get("xid_type"))
        rep.eq(w, "sna.gds.type", num(t["sna.gds.type"]), m.get("gds_type"))
        rep.eq(w, "sna.th.fid", num(t["sna.th.fid"]), 5 if m.get("fid5") else None)
        rep.eq(w, "sna.th.sa", t["sna.th.sa"] or None, m.get("sa"))
        rep.eq(w, "HPR Fragment in Info", "HPR Fragment" in t["_ws.col.Info"],
               m["kind"] == "fragment")


# --- facts per flow, from tshark's fields (independent of the sensor) -----------------------

def tshark_flows(rows):
    """Per UDP flow: the same facts the manifest's summary holds, computed from tshark."""
    flows = {}
    for t in rows:
        a, b = t["ip.src"], t["ip.dst"]
        sp, dp = num(t["udp.srcport"]), num(t["udp.dstport"])
        key = (frozenset([(a, sp), (b, dp)]))
        flows.setdefault(key, []).append(t)
    out = {}
    for key, fr in flows.items():
        client = fr[0]["ip.src"]
        kinds = {}
        for t in fr:
            c = num(t["llc.control"]) & ~0x10
            k = {0x03: "ui", 0xAF: "xid", 0xE3: "test", 0x43: "disc", 0x0F: "dm"}.get(c, "other")
            kinds[k] = kinds.get(k, 0) + 1
        saps = set()
        for t in fr:
            ds, ss = num(t["llc.dsap"]), num(t["llc.ssap"]) & 0xFE
            saps.add("%02x-%02x" % ((ss, ds) if t["ip.src"] == client else (ds, ss)))
        nodes, links, nxt, gaps = [], [], {}, 0
        for t in fr:
            if not t["sna.nlp.thdr.tcid"] or t["sna.gds.type"]:
                continue
            d = "c2s" if t["ip.src"] == client else "s2c"
            n = (d, t["sna.nlp.thdr.tcid"])
            if n not in nodes:
                nodes.append(n)
            if t["sna.nlp.thdr.optional.10.tcid"]:
                links.append((n, ("s2c" if d == "c2s" else "c2s",
                                  t["sna.nlp.thdr.optional.10.tcid"])))
            bsn, dlf = num(t["sna.nlp.thdr.bsn"]), num(t["sna.nlp.thdr.dlf"])
            if n in nxt and bsn > nxt[n]:
                gaps += 1
            nxt[n] = max(nxt.get(n, 0), bsn + dlf)
        parent = {n: n for n in nodes}

        def find(n):
            while parent[n] != n:
                n = parent[n]
            return n
        for x, y in links:
            if y in parent:
                parent[find(x)] = find(y)
        groups = {}
        for n in nodes:
            groups.setdefault(find(n), set()).add("%s:%s" % n)
        ports = sorted({num(fr[0]["udp.srcport"]), num(fr[0]["udp.dstport"])})
        out[(frozenset([fr[0]["ip.src"], fr[0]["ip.dst"]]), tuple(ports))] = {
            "client": client, "ports": ports, "frames_by_type": kinds, "saps": sorted(saps),
            "nlp_count": sum(1 for t in fr if t["sna.nlp.nhdr.sm"]),
            "route_setups": sum(1 for t in fr if t["sna.gds.type"]),
            "pipes": sorted(sorted(g) for g in groups.values()), "bsn_gaps": gaps,
            "xid_seen": any(t["sna.xid.format"] or t["sna.nlp.frh"] for t in fr),
            "disc_seen": kinds.get("disc", 0) > 0,
        }
    return out


# --- (b) the sensor against the manifest and tshark -----------------------------------------

def flip_sap(s):
    a, b = s.split("-")
    return "%s-%s" % (b, a)


def sensor_flows(sensor, pcap):
    out = subprocess.run([sensor, "-r", pcap, "-q", "--observations", "-"], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    recs = [json.loads(x) for x in out.splitlines() if x.strip()]
    return [r for r in recs if r.get("dissector") == "ee"]


def orient(rec, a):
    """The sensor's per-flow facts with directions named from the connection's first sender."""
    ee = rec["ee"]
    same = rec["client"]["ip"] == a
    saps = sorted(s if same else flip_sap(s) for s in ee["saps"])
    pipes = []
    for p in ee["pipes"]:
        tc = []
        for x in p["tcids"]:
            d, tcid = x.split(":")
            d = ("a2b" if d == "c2s" else "b2a") if same else ("b2a" if d == "c2s" else "a2b")
            tc.append("%s:%s" % (d, tcid))
        pipes.append({"tcids": sorted(tc), "setup": p["setup"], "teardown": p["teardown"],
                      "nlps": p["nlps"], "dlf_bytes": p["dlf_bytes"]})
    pipes.sort(key=lambda p: p["tcids"])
    return saps, pipes


def check_sensor(rep, manifest, recs, tsh):
    seen = set()
    for conn in manifest["connections"]:
        a, b = conn["ip_pair"]
        pair = frozenset([a, b])
        mine = [r for r in recs if frozenset([r["client"]["ip"], r["server"]["ip"]]) == pair]
        agg = {"ports": set(), "saps": set(), "rtp_pipes": 0, "xid_seen": False,
               "disc_seen": False}
        for fl in conn["flows"]:
            w = "conn %d flow %s" % (conn["conn"], fl["ports"])
            rs = [r for r in mine if sorted({r["client"]["port"], r["server"]["port"]})
                  == fl["ports"]]
            rep.eq(w, "sensor flows", len(rs), 1)
            if len(rs) != 1:
                continue
            r = rs[0]
            seen.add(id(r))
            ee = r["ee"]
            saps, pipes = orient(r, a)
            rep.eq(w, "client", r["client"]["ip"], fl["client"])
            rep.eq(w, "ee.ports", ee["ports"], fl["ports"])
            rep.eq(w, "ee.saps", saps, fl["saps"])
            rep.eq(w, "ee.rtp_pipes", ee["rtp_pipes"], fl["rtp_pipes"])
            rep.eq(w, "ee.pipes", pipes, fl["pipes"])
            rep.eq(w, "ee.pipes_setup", ee["pipes_setup"], fl["pipes_setup"])
            rep.eq(w, "ee.pipes_teardown", ee["pipes_teardown"], fl["pipes_teardown"])
            rep.eq(w, "ee.xid_seen", ee["xid_seen"], fl["xid_seen"])
            rep.eq(w, "ee.disc_seen", ee["disc_seen"], fl["disc_seen"])
            frames = {k: v for k, v in ee["frames"].items() if v}
            rep.eq(w, "ee.frames", frames, fl["frames_by_type"])
            rep.eq(w, "ee.nlp_count", ee["nlp_count"], fl["nlp_count"])
            rep.eq(w, "ee.priorities", sorted(ee["priorities"]), fl["priorities"])
            got = {k: v["dlf_bytes"] for k, v in ee["by_priority"].items() if v["dlf_bytes"]}
            rep.eq(w, "ee.by_priority dlf_bytes", got, fl["dlf_bytes_by_priority"])
            rep.eq(w, "ee.route_setups", ee["route_setups"], fl["route_setups"])
            rep.eq(w, "ee.bsn_gaps", ee["bsn_gaps"], fl["bsn_gaps"])
            for k in ("malformed", "tpf_port_mismatch", "dlf_mismatch", "bsn_retransmits",
                      "ui_not_nlp"):
                rep.eq(w, "ee." + k, ee[k], 0)
            rep.eq(w, "ee.overflow", ee["overflow"], {"saps": 0, "tcids": 0, "sessions": 0})
            rep.eq(w, "ee.unprotected", ee["unprotected"], True)
            # the same facts from tshark's decode
            t = tsh.get((pair, tuple(fl["ports"])))
            rep.eq(w, "tshark flow found", t is not None, True)
            if t:
                rep.eq(w, "tshark: client", r["client"]["ip"], t["client"])
                rep.eq(w, "tshark: saps", sorted(ee["saps"]), t["saps"])
                rep.eq(w, "tshark: frames", frames, t["frames_by_type"])
                rep.eq(w, "tshark: nlp_count", ee["nlp_count"], t["nlp_count"])
                rep.eq(w, "tshark: route_setups", ee["route_setups"], t["route_setups"])
                rep.eq(w, "tshark: pipes", sorted(sorted(p["tcids"]) for p in ee["pipes"]),
                       t["pipes"])
                rep.eq(w, "tshark: rtp_pipes", ee["rtp_pipes"], len(t["pipes"]))
                rep.eq(w, "tshark: bsn_gaps", ee["bsn_gaps"], t["bsn_gaps"])
                rep.eq(w, "tshark: xid_seen", ee["xid_seen"], t["xid_seen"])
                rep.eq(w, "tshark: disc_seen", ee["disc_seen"], t["disc_seen"])
            agg["ports"] |= set(ee["ports"])
            agg["saps"] |= set(saps)
            agg["rtp_pipes"] += ee["rtp_pipes"]
            agg["xid_seen"] |= ee["xid_seen"]
            agg["disc_seen"] |= ee["disc_seen"]
        w = "conn %d (%s <-> %s)" % (conn["conn"], a, b)
        rep.eq(w, "flows", len(mine), len(conn["flows"]))
        rep.eq(w, "ports", sorted(agg["ports"]), conn["ports"])
        rep.eq(w, "saps", sorted(agg["saps"]), conn["saps"])
        rep.eq(w, "rtp_pipes", agg["rtp_pipes"], conn["rtp_pipes"])
        rep.eq(w, "xid_seen", agg["xid_seen"], conn["xid_seen"])
        rep.eq(w, "disc_seen", agg["disc_seen"], conn["disc_seen"])
    rep.eq("capture", "EE flows not in the manifest", len(recs) - len(seen), 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--pcap", default=os.path.join(ROOT, "pcaps", "ee-sample.pcap"))
    ap.add_argument("--manifest", default=os.path.join(ROOT, "pcaps", "ee-sample.expected.json"))
    ap.add_argument("--generator", default=os.path.join(ROOT, "pcaps", "make-ee.py"))
    ap.add_argument("--tshark", default="tshark")
    args = ap.parse_args()
    rep = Report()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            p, m = os.path.join(tmp, "ee.pcap"), os.path.join(tmp, "ee.json")
            subprocess.run([sys.executable, args.generator, "--out", p, "--manifest", m],
                           check=True)
            rep.eq("generator", "reproduces the pcap", filecmp.cmp(p, args.pcap, shallow=False),
                   True)
            rep.eq("generator", "reproduces the manifest",
                   filecmp.cmp(m, args.manifest, shallow=False), True)
        with open(args.manifest) as f:
            manifest = json.load(f)
        rows = run_tshark(args.tshark, args.pcap)
        check_frames(rep, manifest["frames"], rows)
        n_a = rep.fields
        recs = sensor_flows(args.sensor, args.pcap)
        if not recs:
            print("compare_ee: the sensor wrote no \"ee\" observation: is ee_dissector linked "
                  "into the binary? (registry.c references it weakly)")
        check_sensor(rep, manifest, recs, tshark_flows(rows))
    except (OSError, subprocess.CalledProcessError, ValueError, KeyError) as e:
        print("compare_ee: %s" % e)
        return 2
    for line in rep.mismatches[:200]:
        print("MISMATCH " + line)
    print("compare_ee: %d frames, %d fields compared with tshark, %d facts compared with the "
          "sensor; %d mismatches" % (len(rows), n_a, rep.fields - n_a, len(rep.mismatches)))
    return 1 if rep.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
