#!/usr/bin/env python3
"""capture_inputs.py - the capture layer on captures made by pcaps/make-capture-inputs.py and on
corpus captures, against independent tools (tshark, capinfos, mergecap, tcpdump).

usage: capture_inputs.py --sensor BIN --source DIR --corpus DIR GROUP
GROUP: times | pcapng | damage | streams | merge | filter | tunnels
Prints one line per failed check and "N passed, N failed"; exit status 1 on any failure.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ARGS = None
TMP = None
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)
    return ok


def sensor(*args, stdin=None):
    """Run the sensor; returns (exit status, stdout bytes, stderr text, stats dict)."""
    cmd = [ARGS.sensor] + list(args)
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    stats = {}
    for line in err.splitlines():
        if line.startswith("{"):
            stats = json.loads(line)
    msgs = [line for line in err.splitlines() if not line.startswith("{")]
    return p.returncode, p.stdout, msgs, stats


def flows(*args, stdin=None):
    rc, out, msgs, stats = sensor("-q", "--stats", "--flows", "-", *args, stdin=stdin)
    return rc, [json.loads(x) for x in out.splitlines()], msgs, stats


def tshark_count(path):
    """Packets Wireshark's reader finds (up to damage): capinfos -c (tshark also lists custom
    blocks as frames)."""
    p = subprocess.run(["capinfos", "-c", "-M", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    m = re.search(r"error occurred after reading (\d+) packets", p.stderr.decode())
    if m:
        return int(m.group(1))
    m = re.search(r"^Number of packets:\s*(\d+)", p.stdout.decode(), re.M)
    return int(m.group(1)) if m else -1


def tmp(name):
    return os.path.join(TMP, name)


def make_inputs():
    out = tmp("made")
    if not os.path.isdir(out):
        subprocess.run([sys.executable, os.path.join(ARGS.source, "pcaps/make-capture-inputs.py"),
                        out, os.path.join(ARGS.source, "pcaps/tls-plain12.pcap")], check=True)
    return out


def records(*args):
    """The exit status, records.jsonl and zert.smf bytes, and messages of one run with -o."""
    d = tempfile.mkdtemp(dir=TMP)
    rc, out, msgs, stats = sensor("-q", "--seed", "0", "-o", d, *args)
    out = []
    for name in ("records.jsonl", "zert.smf"):
        path = os.path.join(d, name)
        out.append(open(path, "rb").read() if os.path.exists(path) else b"")
    return rc, out[0], out[1], msgs


# ---- times: unsigned pcap seconds, pcapng resolutions and offsets, saturation ----


def group_times():
    made = make_inputs()
    want = [("2040-02-29T12:34:56.515625Z", "2040-02-29T12:34:56.656250Z"),
            ("2100-12-31T23:59:50.123456Z", "2100-12-31T23:59:50.132456Z")]
    for name in ("time-2038.pcap", "time-2038-nsec-be.pcap", "time-2038.pcapng"):
        rc, fl, msgs, st = flows("-r", os.path.join(made, name))
        got = [(f["start"], f["end"]) for f in fl]
        check(rc == 0 and got == want, "%s: flows %s, want %s (exit %d)" % (name, got, want, rc))
        check(st.get("pkts_read") == 20 and st.get("capture_ts_saturated") == 0,
              "%s: %s packets read" % (name, st.get("pkts_read")))
        check(all(f["pkts"]["c2s"] == 6 and f["pkts"]["s2c"] == 4 for f in fl),
              "%s: one connection per time, not split" % name)
    rc, fl, msgs, st = flows("-r", os.path.join(made, "time-saturate.pcapng"))
    got = sorted(f["start"] for f in fl)
    check(got == ["1970-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z"],
          "time-saturate: starts %s" % got)
    check(st.get("capture_ts_saturated") == 2, "time-saturate: %s saturated" % st.get("capture_ts_saturated"))


# ---- pcapng: interfaces of different link types and snaplens, byte orders, sections ----


def group_pcapng():
    made = make_inputs()
    names = ("ng-multi-le.pcapng", "ng-multi-be.pcapng", "ng-sections.pcapng", "time-2038.pcapng")
    for name in names:
        path = os.path.join(made, name)
        rc, fl, msgs, st = flows("-r", path)
        check(rc == 0 and st.get("pkts_read") == tshark_count(path),
              "%s: read %s packets, tshark %d (exit %d %s)" % (name, st.get("pkts_read"), tshark_count(path), rc, msgs))
        check(st.get("pkts_unsupported_linktype") == 0 and st.get("pkts_non_ip") == 0,
              "%s: every frame decoded with its interface's link type" % name)
    le = flows("-r", os.path.join(made, "ng-multi-le.pcapng"))[1]
    be = flows("-r", os.path.join(made, "ng-multi-be.pcapng"))[1]
    check(le == be and len(le) == 4, "ng-multi: little- and big-endian files give the same 4 flows")
    # the raw-IP interface has a snapshot length of 128: its frames are cut, and say so
    raw = [f for f in le if f["client"]["port"] == 40002]
    check(len(raw) == 1 and raw[0]["payload_bytes"] == {"c2s": 100, "s2c": 200} and
          raw[0]["gap_bytes"] == {"c2s": 140 - 128, "s2c": 240 - 128},
          "ng-multi: the raw-IP frames cut at 128 bytes: payload and gaps %s" % raw)
    # tshark's conversations: frame counts both ways equal, byte differences only link layers
    p = subprocess.run([sys.executable, os.path.join(ARGS.source, "tests/tools/compare_tshark_conv.py"),
                        "--sensor", ARGS.sensor, "--corpus", made] + [os.path.join(made, n) for n in names],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(p.returncode == 0, "compare_tshark_conv on the made pcapng files:\n" + p.stdout.decode())
    # the corpus file with two interfaces (the golden pcapng-multi-if), against tshark too
    path = os.path.join(ARGS.corpus, "zeek/pcapng-multi-interface.pcapng")
    p = subprocess.run([sys.executable, os.path.join(ARGS.source, "tests/tools/compare_tshark_conv.py"),
                        "--sensor", ARGS.sensor, "--corpus", ARGS.corpus, "--protos", "tcp,udp", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check(p.returncode == 0, "compare_tshark_conv pcapng-multi-interface:\n" + p.stdout.decode())


# ---- damage: truncated and corrupt pcapng, exit 2 after what was read, offset named ----


def blocks(data, be=False):
    o = ">" if be else "<"
    off, out = 0, []
    while off < len(data):
        t, n = struct.unpack(o + "II", data[off:off + 8])
        out.append((off, t, n))
        off += n
    return out


def damaged_run(name, data, bad_at, packets_before, tshark_agrees=True):
    path = tmp(name)
    with open(path, "wb") as f:
        f.write(data)
    rc, fl, msgs, st = flows("-r", path)
    check(rc == 1, "%s: exit %d, want 1 (%s)" % (name, rc, msgs))
    check(len(msgs) == 1 and path in msgs[-1] and ("block at byte %d:" % bad_at) in msgs[-1],
          "%s: want one message naming the file and block %d: %s" % (name, bad_at, msgs))
    check(st.get("pkts_read") == packets_before,
          "%s: read %s packets, want the %d before the damage" % (name, st.get("pkts_read"), packets_before))
    if tshark_agrees:  # (damage before the first packet: capinfos opens nothing, -1)
        check(max(tshark_count(path), 0) == packets_before,
              "%s: tshark reads %d packets, the sensor %s" % (name, tshark_count(path), st.get("pkts_read")))


def group_damage():
    made = make_inputs()
    data = open(os.path.join(made, "ng-multi-le.pcapng"), "rb").read()
    bl = blocks(data)
    packet_types = (2, 3, 6)

    def before(off):
        return sum(1 for b in bl if b[0] < off and b[1] in packet_types)

    # cut inside every block after the section header: exit 2, the cut block named
    for off, t, n in bl[1:]:
        for cut in (off + 4, off + n - 2):
            damaged_run("cut-%d.pcapng" % cut, data[:cut], off, before(off))
    # cut exactly between blocks: a clean end
    for off, t, n in bl[1:]:
        path = tmp("cut-at-%d.pcapng" % off)
        with open(path, "wb") as f:
            f.write(data[:off])
        rc, fl, msgs, st = flows("-r", path)
        check(rc == 0 and st.get("pkts_read") == before(off) == tshark_count(path),
              "cut at block boundary %d: exit %d, %s packets" % (off, rc, st.get("pkts_read")))
    epbs = [b for b in bl if b[1] == 6]
    off, t, n = epbs[3]

    def patch(at, value):
        return data[:at] + struct.pack("<I", value) + data[at + 4:]

    damaged_run("len-not-4.pcapng", patch(off + 4, n + 2), off, before(off))
    damaged_run("len-short.pcapng", patch(off + 4, 8), off, before(off))
    damaged_run("trailer.pcapng", patch(off + n - 4, n + 4), off, before(off), tshark_agrees=False)
    damaged_run("ifid.pcapng", patch(off + 8, 7), off, before(off))
    damaged_run("caplen.pcapng", patch(off + 20, n), off, before(off))
    # a second section header with a bad byte-order magic
    sec = open(os.path.join(made, "ng-sections.pcapng"), "rb").read()
    second = blocks(sec)[12][0]  # SHB, IDB, 10 EPBs, then the second SHB
    bad = sec[:second + 8] + b"\x01\x02\x03\x04" + sec[second + 12:]
    damaged_run("bad-bom.pcapng", bad, second, 10)
    # an option of an interface description that runs past its block
    idb = bl[3][0]  # its first option (if_name) after type, length, link type and snaplen
    bad = data[:idb + 16] + struct.pack("<HH", 2, 400) + data[idb + 20:]
    damaged_run("idb-option.pcapng", bad, idb, 0)
    # not a capture, and a file cut inside the first section header: exit 2, one line
    for name, content in (("garbage.pcapng", b"\x0a\x0d\x0d\x0a" + b"\xff" * 40), ("short.pcapng", data[:10])):
        path = tmp(name)
        with open(path, "wb") as f:
            f.write(content)
        rc, fl, msgs, st = flows("-r", path)
        check(rc == 2 and len(msgs) == 1 and path in msgs[0], "%s: exit %d %s" % (name, rc, msgs))


# ---- streams: compression by magic, stdin, concatenated captures ----


def group_streams():
    made = make_inputs()
    plain = os.path.join(made, "ng-multi-le.pcapng")
    want = flows("-r", plain)[1]
    for tool, args in (("gzip", ["-c"]), ("xz", ["-c"]), ("zstd", ["-q", "-c"])):
        comp = subprocess.run([tool] + args + [plain], stdout=subprocess.PIPE, check=True).stdout
        path = tmp("compressed-by-%s.pcap" % tool)  # a misleading suffix: the magic decides
        with open(path, "wb") as f:
            f.write(comp)
        rc, fl, msgs, st = flows("-r", path)
        check(rc == 0 and fl == want, "%s file: exit %d, %d flows of %d" % (tool, rc, len(fl), len(want)))
        rc, fl, msgs, st = flows("-r", "-", stdin=comp)
        check(rc == 0 and fl == want, "%s on stdin: exit %d" % (tool, rc))
    # a corpus capture compressed with xz gives what the original gives
    corp = os.path.join(ARGS.corpus, "zeek/tls/tls-fragmented-handshake.pcap.gz")
    raw = subprocess.run(["gzip", "-dc", corp], stdout=subprocess.PIPE, check=True).stdout
    xz = subprocess.run(["xz", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
    path = tmp("fragmented.pcap.xz")
    with open(path, "wb") as f:
        f.write(xz)
    check(flows("-r", path)[1] == flows("-r", corp)[1] != [], "corpus capture as .xz and as .gz")
    # cut short (several compressed blocks: what came before the cut is read)
    for tool, args in (("gzip", ["-c"]), ("xz", ["-c", "--block-size=65536"]), ("zstd", ["-q", "-c"])):
        comp = subprocess.run([tool] + args, input=raw, stdout=subprocess.PIPE, check=True).stdout
        rc, fl, msgs, st = flows("-r", "-", stdin=comp[:len(comp) * 2 // 3])
        check(rc == 1 and len(msgs) == 1 and "damaged after" in msgs[0] and tool in msgs[0] and
              st.get("pkts_read", 0) > 0, "%s cut short: exit %d %s" % (tool, rc, msgs))
    # several gzip members one after the other (gzip -c a b)
    two = subprocess.run(["gzip", "-c", plain], stdout=subprocess.PIPE).stdout
    two += subprocess.run(["gzip", "-c", os.path.join(made, "concat-b.pcap")], stdout=subprocess.PIPE).stdout
    rc, fl, msgs, st = flows("-r", "-", stdin=two)
    check(rc == 0 and st.get("pkts_read") == 22 + 10, "two gzip members: exit %d, %s packets" % (rc, st.get("pkts_read")))
    # cat a.pcap b.pcap: each file header starts a section (link type, byte order, resolution)
    a, b = os.path.join(made, "concat-a.pcap"), os.path.join(made, "concat-b.pcap")
    appended = tmp("appended.pcapng")
    subprocess.run(["mergecap", "-a", "-w", appended, a, b], check=True)
    cat = open(a, "rb").read() + open(b, "rb").read()
    rc, fl, msgs, st = flows("-r", "-", stdin=cat)
    check(rc == 0 and fl == flows("-r", appended)[1] and len(fl) == 2,
          "cat a.pcap b.pcap: exit %d, %d flows (%s)" % (rc, len(fl), msgs))
    # a big-endian pcapng between them; mergecap -a keeps one section but gives the SPB's frame
    # (which has no time) the time 0, where the sensor takes the time before it: that flow aside,
    # the flows are the same
    ng = os.path.join(made, "ng-multi-be.pcapng")
    mixed = open(a, "rb").read() + open(ng, "rb").read() + open(b, "rb").read()
    appended = tmp("appended3.pcapng")
    subprocess.run(["mergecap", "-a", "-w", appended, a, ng, b], check=True)

    def key(fl):
        out = []
        for f in fl:
            if f["client"]["port"] != 5353:
                f = dict(f)
                del f["flow_id"]
                out.append(json.dumps(f, sort_keys=True))
        return sorted(out)

    rc, fl, msgs, st = flows("-r", "-", stdin=mixed)
    check(rc == 0 and key(fl) == key(flows("-r", appended)[1]) and st.get("pkts_read") == 42,
          "cat a.pcap b.pcapng c.pcap: exit %d, %s packets" % (rc, st.get("pkts_read")))


# ---- merge: several -r and -r DIR in time order, as mergecap ----


def split_by_filters(src, filters, dest):
    out = []
    for i, flt in enumerate(filters):
        path = os.path.join(dest, "part%d.pcap" % i)
        subprocess.run(["tcpdump", "-r", src, "-w", path, flt], stderr=subprocess.DEVNULL, check=True)
        out.append(path)
    return out


def group_merge():
    made = make_inputs()
    # ties: three captures whose packets share their times
    ties = [os.path.join(made, "ties-%s.pcap" % x) for x in "ab"] + [tmp("ties-c.pcap")]
    subprocess.run([sys.executable, "-c", TIES_C, ties[2]], check=True)
    merged = tmp("ties-merged.pcapng")
    for order in (ties, ties[::-1], [ties[1], ties[2], ties[0]]):
        subprocess.run(["mergecap", "-w", merged] + order, check=True)
        args = sum((["-r", p] for p in order), [])
        check(flows(*args)[1] == flows("-r", merged)[1], "equal times merged as mergecap: %s" % order)
    # a corpus capture with interleaved connections, split by connection and merged back
    src = os.path.join(ARGS.corpus, "ndpi/tls_certificate_too_long.pcap")
    d = tmp("split")
    os.makedirs(d)
    parts = split_by_filters(src, ["tcp port 443", "udp", "not tcp port 443 and not udp"], d)
    # the same packets in other containers: pcapng with editcap, gzip
    subprocess.run(["editcap", "-F", "pcapng", parts[1], parts[1] + "ng"], check=True)
    os.unlink(parts[1])
    subprocess.run(["gzip", parts[2]], check=True)
    parts = [parts[0], parts[1] + "ng", parts[2] + ".gz"]
    with open(os.path.join(d, "README"), "w") as f:
        f.write("not a capture: skipped by -r DIR\n")
    merged = tmp("merged.pcapng")
    subprocess.run(["mergecap", "-w", merged] + parts, check=True)
    want = flows("-r", merged)[1]
    want_rec = records("-r", merged)
    args = sum((["-r", p] for p in parts), [])
    rc, fl, msgs, st = flows(*args)
    check(rc == 0 and fl == want and len(fl) == 33, "-r x3: exit %d, %d flows of %d" % (rc, len(fl), len(want)))
    check(records(*args)[:3] == want_rec[:3] and want_rec[1], "-r x3: records.jsonl and zert.smf as mergecap's")
    rc, fl, msgs, st = flows("-r", d)
    check(rc == 0 and fl == want, "-r DIR: exit %d, %d flows of %d" % (rc, len(fl), len(want)))
    check(records("-r", d)[:3] == want_rec[:3], "-r DIR: records as mergecap's")
    check(st.get("pkts_read") == tshark_count(src), "-r DIR: every packet of the original")
    # the original capture itself gives the same flows (its packets were in time order)
    check(flows("-r", src)[1] == want, "merged parts give the original's flows")
    # a damaged input ends alone: the others are read whole, exit 2
    data = open(parts[0], "rb").read()
    cut = tmp("part0-cut.pcap")
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 2 + 3])
    rc, fl, msgs, st = flows("-r", cut, "-r", parts[1], "-r", parts[2])
    udp = [f for f in fl if f["proto"] == "udp"]
    check(rc == 1 and len(udp) == len([f for f in want if f["proto"] == "udp"]) and
          any(cut in m and "damaged" in m for m in msgs), "damaged input in a merge: exit %d %s" % (rc, msgs))
    # nothing to read in a directory, and stdin twice
    empty = tmp("empty-dir")
    os.makedirs(empty)
    rc, fl, msgs, st = flows("-r", empty)
    check(rc == 2 and len(msgs) == 1 and empty in msgs[0], "empty dir: exit %d %s" % (rc, msgs))
    rc, fl, msgs, st = flows("-r", "-", "-r", "-", stdin=b"")
    check(rc == 2 and len(msgs) == 1, "stdin twice: exit %d %s" % (rc, msgs))


TIES_C = r"""
import importlib.util, sys, os
spec = importlib.util.spec_from_file_location("m", os.path.join(%r, "pcaps/make-capture-inputs.py"))
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
t0 = m.epoch_us(2022, 3, 3, 3, 3, 3)
conv = m.conversation([10, 9, 9, 9], [10, 8, 8, 8], 44003, 443, t0, 1000)
m.write_pcap(sys.argv[1], [(t, m.eth(p)) for t, p in conv])
"""


# ---- filter: a BPF expression after the options ----


def group_filter():
    src = os.path.join(ARGS.corpus, "ndpi/tls_certificate_too_long.pcap")
    ref = tmp("tcpdump-443.pcap")
    subprocess.run(["tcpdump", "-r", src, "-w", ref, "tcp port 443"], stderr=subprocess.DEVNULL, check=True)
    all_flows = flows("-r", src)[1]
    rc, fl, msgs, st = flows("-r", src, "tcp port 443")
    check(rc == 0 and 0 < len(fl) < len(all_flows), "filter: %d of %d flows" % (len(fl), len(all_flows)))
    check(all(f["proto"] == "tcp" and 443 in (f["client"]["port"], f["server"]["port"]) for f in fl),
          "filter: only tcp port 443 flows")
    check(fl == flows("-r", ref)[1], "filter: the flows of tcpdump's filtered capture")
    check(st.get("pkts_filtered", 0) + st.get("pkts_read", 0) == tshark_count(src),
          "filter: read + filtered = every packet (%s)" % st)
    check(flows("-r", src, "tcp", "port", "443")[1] == fl, "filter split over argv words")
    check(flows("tcp", "port", "443", "-r", src)[1] == fl, "filter words before -r (getopt permutes)")
    rec = records("-r", src, "tcp port 443")
    check(rec[:3] == records("-r", ref)[:3] and rec[1], "filter: records.jsonl and zert.smf of tcpdump's capture")
    # on a pcapng with Ethernet and raw-IP interfaces: compiled per link type
    made = make_inputs()
    rc, fl, msgs, st = flows("-r", os.path.join(made, "ng-multi-le.pcapng"), "host 192.0.2.7")
    check(rc == 0 and len(fl) == 2 and all("192.0.2.7" in (f["client"]["ip"], f["server"]["ip"]) for f in fl),
          "filter on two link types: %d flows %s" % (len(fl), msgs))
    for bad in (["tcp port"], ["bogus"], ["port", "99999"]):
        rc, fl, msgs, st = flows("-r", src, *bad)
        expr = " ".join(bad)
        check(rc == 2 and len(msgs) == 1 and ("'%s'" % expr) in msgs[0], "bad filter %s: exit %d %s" % (bad, rc, msgs))


# ---- tunnels: GTP-U and GENEVE carry the same connection ----


def group_tunnels():
    made = make_inputs()
    plain = os.path.join(ARGS.source, "pcaps/tls-plain12.pcap")
    want = flows("-r", plain)
    want_rec = records("-r", plain)
    check(want[0] == 0 and len(want[1]) == 1 and want_rec[1], "the plain capture has one TLS connection")
    for name in ("tls-gtpu.pcap", "tls-geneve-eth.pcap", "tls-geneve-ip.pcap"):
        path = os.path.join(made, name)
        rc, fl, msgs, st = flows("-r", path)
        check(rc == 0 and fl == want[1], "%s: flows differ from the unwrapped run: %s" % (name, fl))
        check(st.get("pkts_tunnel_decap") == 21 and st.get("gtpu_bad_header") == 0 and
              st.get("geneve_bad_header") == 0, "%s: 21 packets decapsulated (%s)" % (name, st.get("pkts_tunnel_decap")))
        check(records("-r", path)[:3] == want_rec[:3], "%s: records differ from the unwrapped run" % name)
        # tshark sees the same inner conversation
        p = subprocess.run(["tshark", "-r", path, "-q", "-z", "conv,tcp"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        inner = "%s:%d" % (want[1][0]["client"]["ip"], want[1][0]["client"]["port"])
        check(inner in p.stdout.decode(), "%s: tshark decodes the inner connection %s" % (name, inner))
    # damaged tunnel headers are counted and the datagram stays plain UDP
    src = open(os.path.join(made, "tls-gtpu.pcap"), "rb").read()
    rc, fl, msgs, st = flows("-r", "-", stdin=mangle_first(src, 42, 0x50))  # GTP version 2
    check(rc == 0 and st.get("gtpu_bad_header") == 1 and any(f["proto"] == "udp" for f in fl),
          "bad GTP-U header: counted, kept as UDP (%s)" % st.get("gtpu_bad_header"))
    src = open(os.path.join(made, "tls-geneve-eth.pcap"), "rb").read()
    rc, fl, msgs, st = flows("-r", "-", stdin=mangle_first(src, 42, 0x3F))  # options past the end
    check(rc == 0 and st.get("geneve_bad_header") == 1 and any(f["proto"] == "udp" for f in fl),
          "bad GENEVE header: counted, kept as UDP (%s)" % st.get("geneve_bad_header"))


def mangle_first(pcap, offset, value):
    """Set byte `offset` of the first frame (its UDP payload's first byte at 42) to `value`."""
    at = 24 + 16 + offset
    return pcap[:at] + bytes([value]) + pcap[at + 1:]


GROUPS = {
    "times": group_times,
    "pcapng": group_pcapng,
    "damage": group_damage,
    "streams": group_streams,
    "merge": group_merge,
    "filter": group_filter,
    "tunnels": group_tunnels,
}


def main():
    global ARGS, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("group", choices=sorted(GROUPS))
    ARGS = ap.parse_args()
    ARGS.sensor = os.path.abspath(ARGS.sensor)
    ARGS.source = os.path.abspath(ARGS.source)
    ARGS.corpus = os.path.abspath(ARGS.corpus)
    TIES = ARGS.source
    global TIES_C
    TIES_C = TIES_C % TIES
    TMP = tempfile.mkdtemp(prefix="capture-inputs-")
    try:
        GROUPS[ARGS.group]()
    finally:
        shutil.rmtree(TMP)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
