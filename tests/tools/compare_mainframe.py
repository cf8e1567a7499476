#!/usr/bin/env python3
"""compare_mainframe.py - zertsensor --compare against "mainframe" dumps with known differences.

usage: compare_mainframe.py ZERTSENSOR ZERTDUMP SOURCE_DIR CORPUS WORKDIR CASE

The "mainframe" dumps are the sensor's own zert.smf of a capture made of corpus captures
(bench/pcapcat.py puts them one after another), edited by smfedit.py at the offsets of
smf119-zert.md, and written as an RDW stream and as VBS blocks. CASE:

  self     the unedited dump, RDW and VBS: exit 0, no finding
  planted  records removed, a cipher changed, TLS marked clear, STARTTLS as zERT reports it,
           a mainframe-only connection, a clear record of a connection whose protection the
           wire could not show, a summary removed and one with other counts, every time
           shifted by 317.37 s: exactly those findings, offset within 1 s (RDW and VBS)
  codes    every provisional code replaced by another value: learned-codes.txt has exactly
           those values, no attribute_mismatch; --codes makes the sensor write the same dump
           and zertdump read it back as the unedited one
  damaged  truncated and corrupt dumps: exit 2, the byte offset, the report of what was read
  files    outputs are 0640 and a link planted under an output name is not followed
  blindspots  early termination, renegotiation and TLS 1.3's encrypted certificate on the
           project's captures of them: each one zert_blind_spot, named
  align    with --clock-offset the sensor's summary intervals end where the mainframe's do
           (on whole intervals of its clock), and their counts are compared
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smfedit  # noqa: E402

SENSOR, ZERTDUMP, SRC, CORPUS, WORK, CASE = sys.argv[1:7]
CAPTURES = [
    "suricata-verify/tls/tls-subjectaltname/input.pcap",  # 77 connections, TLS 1.2 and clear
    "arkime/smtp-starttls.pcap",                          # STARTTLS
    "zeek/ssh/sshguess.pcap",                             # SSH
    "arkime/IKEv2.pcap",                                  # an IPsec peer pair
    "zeek/ssh/ssh_kex_curve25519.pcap",                   # SSH with provisional codes
    "zeek/tls/tls13-ech.pcap",                            # TLS 1.3
]
OFFSET = 317.37
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(args, expect=None):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if expect is not None and p.returncode != expect:
        fail("%s: exit %d, want %d\n%s%s" % (" ".join(args), p.returncode, expect,
                                            p.stdout[-3000:], p.stderr[-2000:]))
    return p


def setup():
    os.makedirs(WORK, exist_ok=True)
    mix = os.path.join(WORK, "mix.pcap")
    conf = os.path.join(WORK, "mix.conf")
    base = os.path.join(WORK, "base")
    smf = os.path.join(base, "zert.smf")
    # made again whenever the sensor was built after it: a dump of another build's records
    # is not the sensor's own
    if not os.path.exists(smf) or os.path.getmtime(smf) < os.path.getmtime(SENSOR):
        subprocess.run([sys.executable, os.path.join(SRC, "bench", "pcapcat.py"), mix] +
                       [os.path.join(CORPUS, c) for c in CAPTURES], check=True,
                       stdout=subprocess.DEVNULL)
        with open(conf, "w") as f:
            f.write("interval = 60\n")
        shutil.rmtree(base, ignore_errors=True)
        run([SENSOR, "-r", mix, "-q", "-c", conf, "-o", base], expect=0)
    return mix, conf, base


def compare(mix, conf, dump, out, extra=(), expect=None):
    shutil.rmtree(out, ignore_errors=True)
    p = run([SENSOR, "-r", mix, "-q", "-c", conf, "--compare", dump, "-o", out] + list(extra),
            expect=expect)
    findings = []
    path = os.path.join(out, "compare.jsonl")
    if os.path.exists(path):
        findings = [json.loads(l) for l in open(path)]
    return p, findings


def iso(text):
    """A time of records.jsonl as a datetime (UTC)."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def case_self(mix, conf, base):
    recs = smfedit.read(os.path.join(base, "zert.smf"))
    for fmt in ("rdw", "vbs"):
        dump = os.path.join(WORK, "self." + fmt)
        smfedit.write(dump, recs, fmt, 4096)
        p, findings = compare(mix, conf, dump, os.path.join(WORK, "self-" + fmt), expect=0)
        if findings:
            fail("self %s: findings %s" % (fmt, findings[:3]))
        if "findings        0" not in p.stdout:
            fail("self %s: report\n%s" % (fmt, p.stdout))


def plant(base):
    """The edited dump and the findings it must give."""
    recs = smfedit.read(os.path.join(base, "zert.smf"))
    groups = smfedit.conn_groups(recs)
    used, drop, expected = set(), set(), set()

    tuples = {}
    for key in groups:
        tuples[key[:3]] = tuples.get(key[:3], 0) + 1
    # connections the capture saw only in part (picked up mid-stream, cut by its end) are not
    # what these plants are about
    cut = set()
    for line in open(os.path.join(base, "records.jsonl")):
        r = json.loads(line)
        if r["record"] != "detail" or r["event"] not in ("init", "term", "short_term"):
            continue
        t = ({"tcp": 6, "udp": 17}.get(r["ip_proto"], 0),
             (r["local"]["ip"], r["local"]["port"]), (r["remote"]["ip"], r["remote"]["port"]))
        if r["observation"]["midstream"]:
            tuples[t] = 99
        if r.get("end_reason") == "end_of_capture":
            cut.add(t)

    def pick(pred, what, whole=True):
        # one connection per plant, on an address pair no other connection of the dump uses
        for key, idx in groups.items():
            if key not in used and tuples[key[:3]] == 1 and not (whole and key[:3] in cut) and \
                    pred(key, [recs[i] for i in idx]):
                used.add(key)
                return key, idx
        raise SystemExit("no connection for the plant: " + what)

    def conn_id(key, cls):
        return (cls, "connection", key[1][0], key[1][1], key[2][0], key[2][1])

    events = lambda rs: sorted(r.event for r in rs)
    # without local_networks the mainframe's addresses are those its records show as local:
    # a removed connection's local address must be in other records of the dump
    locals_n = {}
    for key in groups:
        locals_n[key[1][0]] = locals_n.get(key[1][0], 0) + 1
    shared = lambda k: locals_n[k[1][0]] > 1
    # 1. a clear connection removed
    clear = lambda k, rs: all(r.prot == 0 for r in rs) and k[0] == 6 and 2 not in events(rs)
    k, idx = pick(lambda k, rs: clear(k, rs) and shared(k), "a clear connection removed")
    drop.update(idx)
    expected.add(conn_id(k, "missing_on_mainframe"))
    # 2. a TLS connection removed
    k, idx = pick(lambda k, rs: events(rs) == [4] and rs[0].prot == 0x80 and shared(k), "a TLS connection removed")
    drop.update(idx)
    expected.add(conn_id(k, "missing_on_mainframe"))
    # 3. the term record of a long protected connection removed
    k, idx = pick(lambda k, rs: events(rs) == [1, 3] and rs[0].prot != 0, "a term removed")
    drop.update(i for i in idx if recs[i].event == 3)
    expected.add(conn_id(k, "missing_on_mainframe"))
    # 4. a cipher changed: ECDHE_ECDSA AES-128-GCM (C02B) -> AES-256-GCM (C02C), codes to match
    k, idx = pick(lambda k, rs: all(r.neg_cipher() == 0xC02B for r in rs), "a cipher changed", whole=False)
    for i in idx:
        recs[i].set_neg_cipher(0xC02C)
        recs[i].remap("enc", {0x8003: 0x8004})
    expected.add(conn_id(k, "attribute_mismatch"))
    # 5. a TLS connection reported clear
    k, idx = pick(lambda k, rs: events(rs) == [4] and rs[0].prot == 0x80, "TLS reported clear", whole=False)
    for i in idx:
        recs[i].put(smfedit.ST11_S1, 1, 1, 0)
        recs[i].drop_section(smfedit.ST11_TLS)
    expected.add(conn_id(k, "protection_mismatch"))
    # 6. STARTTLS as zERT's stream observation reports it: clear from start to end
    k, idx = pick(lambda k, rs: 2 in events(rs), "STARTTLS", whole=False)
    for i in idx:
        if recs[i].event == 2:
            drop.add(i)
        recs[i].put(smfedit.ST11_S1, 1, 1, 0)
        recs[i].drop_section(smfedit.ST11_TLS)
    expected.add(conn_id(k, "zert_blind_spot"))
    # 7. a connection only the mainframe has: a clear one again, with another remote port
    k, idx = pick(clear, "mainframe only")
    port = (k[2][1] + 7) % 65536
    if any(g[1] == k[1] and g[2][0] == k[2][0] and g[2][1] == port for g in groups):
        raise SystemExit("the mainframe-only port is in use")
    for i in idx:
        extra = smfedit.Rec(recs[i].raw)
        extra.put(smfedit.ST11_S1, 80, 2, port)
        extra.put(smfedit.ST11_S1, 84, 4, 999999)
        recs.append(extra)
    expected.add(("missing_on_wire", "connection", k[1][0], k[1][1], k[2][0], port))
    # 7b. a connection the wire picked up mid-stream (protection null, JSON records only) that
    # zERT reports as clear: protection_unknown, never a protection_mismatch
    unknown = None
    for line in open(os.path.join(base, "records.jsonl")):
        r = json.loads(line)
        if r["record"] == "detail" and r["event"] == "term" and r["ip_proto"] == "tcp" and \
                r["protection"] is None and ":" not in r["local"]["ip"]:
            unknown = r
    if not unknown:
        raise SystemExit("no connection of unknown protection in the capture")
    tmpl = next(r for r in recs if r.subtype == 11 and r.event == 4 and r.prot == 0 and not r.v6)
    mf = smfedit.Rec(tmpl.raw)
    start = iso(unknown["start"]) - datetime.timedelta(milliseconds=100)
    end = start + datetime.timedelta(milliseconds=200)
    for off, ip in ((48, unknown["remote"]["ip"]), (64, unknown["local"]["ip"])):
        mf.raw[mf.triplet(smfedit.ST11_S1)[0] + off:][:16] = bytes(16)
        b = mf.triplet(smfedit.ST11_S1)[0] + off
        mf.raw[b:b + 4] = bytes(int(x) for x in ip.split("."))
    mf.put(smfedit.ST11_S1, 80, 2, unknown["remote"]["port"])
    mf.put(smfedit.ST11_S1, 82, 2, unknown["local"]["port"])
    mf.put(smfedit.ST11_S1, 84, 4, 999998)
    for (doff, toff, base_sec), t in (((36, 32, smfedit.ST11_S1), start),
                                      ((44, 40, smfedit.ST11_S1), end), ((10, 6, None), end)):
        d, h = smfedit.split_time(t)
        if base_sec is None:
            mf.raw[doff:doff + 4], mf.raw[toff:toff + 4] = d.to_bytes(4, "big"), h.to_bytes(4, "big")
        else:
            mf.put(base_sec, doff, 4, d)
            mf.put(base_sec, toff, 4, h)
    recs.append(mf)
    expected.add(("protection_unknown", "connection", unknown["local"]["ip"],
                  unknown["local"]["port"], unknown["remote"]["ip"], unknown["remote"]["port"]))
    # 8. and 9. summaries of an interval the capture saw whole: one removed, one counted more
    sums = [i for i, r in enumerate(recs) if r.subtype == 12 and r.event == 1 and i not in drop]
    times = sorted({recs[i].header_time() for i in sums})
    inner = [i for i in sums if recs[i].header_time() == times[2]]
    clear = [i for i in inner if recs[i].prot == 0x80 and recs[i].get(smfedit.ST12_S1, 160, 4) ==
             recs[i].get(smfedit.ST12_S1, 112, 4)]  # no partial connections in it
    rm, more = clear[0], clear[1]
    drop.add(rm)
    r = recs[rm]
    expected.add(("missing_on_mainframe", "summary", r.server[0], r.server[1], r.client, None))
    r = recs[more]
    r.put(smfedit.ST12_S1, 156, 4, r.get(smfedit.ST12_S1, 156, 4) + 1)
    expected.add(("count_mismatch", "summary", r.server[0], r.server[1], r.client, None))
    out = [r for i, r in enumerate(recs) if i not in drop]
    # as IFASMFDP writes it: a dump header before the first record, a trailer after the last
    times = [r.header_time() for r in out]
    out.insert(0, smfedit.other_record(2, min(times) - datetime.timedelta(seconds=120)))
    out.append(smfedit.other_record(3, max(times) + datetime.timedelta(seconds=60)))
    for r in out:
        r.shift(OFFSET)
    return out, expected


def case_planted(mix, conf, base):
    recs, expected = plant(base)
    for fmt in ("rdw", "vbs"):
        dump = os.path.join(WORK, "planted." + fmt)
        smfedit.write(dump, recs, fmt, 27998 if fmt == "vbs" else 0)
        p, findings = compare(mix, conf, dump, os.path.join(WORK, "planted-" + fmt), expect=1)
        got = {smfedit.finding_ident(f) for f in findings}
        if got != expected or len(findings) != len(expected):
            fail("planted %s: findings differ\n  missing: %s\n  unexpected: %s\n%s" %
                 (fmt, sorted(expected - got, key=str), sorted(got - expected, key=str),
                  p.stdout))
        for f in findings:
            if f["class"] == "zert_blind_spot" and f["why"] != "starttls":
                fail("planted %s: blind spot named %s" % (fmt, f["why"]))
            if f["class"] == "attribute_mismatch":
                names = sorted(x["field"] for x in f["fields"])
                if names != ["tls.cipher_suite", "tls.enc"]:
                    fail("planted %s: mismatch fields %s" % (fmt, names))
            if f["class"] == "count_mismatch" and \
                    [x["field"] for x in f["fields"]] != ["conns"]:
                fail("planted %s: count fields %s" % (fmt, f["fields"]))
        m = re.search(r"clock offset +mainframe = capture ([-+][0-9.]+) s", p.stdout)
        if not m or abs(float(m.group(1)) - OFFSET) > 1.0:
            fail("planted %s: offset %s, want %.2f within 1 s" %
                 (fmt, m.group(1) if m else None, OFFSET))
        # the report lists the most serious class first
        order = [l.split(" (")[0] for l in p.stdout.splitlines() if re.match(r"^[a-z_]+ \(\d+\)$", l)]
        if order and order[0] != "attribute_mismatch":
            fail("planted %s: report order %s" % (fmt, order))
        csv = open(os.path.join(WORK, "planted-" + fmt, "compare.csv")).read().splitlines()
        if len(csv) != len(expected) + 1 or not csv[0].startswith("class,kind,why"):
            fail("planted %s: compare.csv has %d lines" % (fmt, len(csv)))


def case_codes(mix, conf, base):
    recs = smfedit.read(os.path.join(base, "zert.smf"))
    mapping, want, nxt = {}, set(), 0x40
    for space in smfedit.CODE_FIELDS:
        seen = sorted({v for r in recs for v in r.codes(space) if v >= 0x8000})
        mapping[space] = {}
        for v in seen:
            mapping[space][v] = nxt
            want.add((space, nxt, v))
            nxt += 1
    for r in recs:
        for space, m in mapping.items():
            r.remap(space, m)
    if len(want) < 8:
        fail("codes: only %d provisional codes in the capture" % len(want))
    for fmt in ("rdw", "vbs"):
        dump = os.path.join(WORK, "codes." + fmt)
        smfedit.write(dump, recs, fmt, 8192)
        out = os.path.join(WORK, "codes-" + fmt)
        p, findings = compare(mix, conf, dump, out, expect=0)
        if findings:
            fail("codes %s: findings %s" % (fmt, findings[:3]))
        got = set()
        for line in open(os.path.join(out, "learned-codes.txt")):
            m = re.match(r"^(\w+)\s+0x([0-9A-F]{4})\s.*provisional X'([0-9A-F]{4})'", line)
            if m:
                got.add((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
            elif line.strip() and not line.startswith("#"):
                fail("codes %s: line %r" % (fmt, line))
        if got != want:
            fail("codes %s: learned %s, want %s" % (fmt, sorted(got), sorted(want)))
    # fed back: the sensor writes the learned codes, zertdump reads them as the names
    table = os.path.join(WORK, "codes-rdw", "learned-codes.txt")
    again = os.path.join(WORK, "codes-again")
    shutil.rmtree(again, ignore_errors=True)
    run([SENSOR, "-r", mix, "-q", "-c", conf, "--codes", table, "-o", again], expect=0)
    if open(os.path.join(again, "zert.smf"), "rb").read() != \
            open(os.path.join(WORK, "codes.rdw"), "rb").read():
        fail("codes: the sensor's zert.smf with --codes is not the dump with the learned codes")
    plain = run([ZERTDUMP, os.path.join(base, "zert.smf")], expect=0).stdout
    learned = run([ZERTDUMP, "--codes", table, os.path.join(WORK, "codes.rdw")], expect=0).stdout
    if plain != learned:
        fail("codes: zertdump --codes does not read the learned codes back as the names")
    # with the table loaded, a dump with IBM's codes and one with the provisional ones both agree,
    # and the table written again is the whole table
    for dump in (os.path.join(WORK, "codes.rdw"), os.path.join(base, "zert.smf")):
        out = os.path.join(WORK, "codes-loaded")
        p, findings = compare(mix, conf, dump, out, ["--codes", table], expect=0)
        again_table = {l.split("#")[0].strip() for l in open(os.path.join(out, "learned-codes.txt"))
                       if not l.startswith("#")}
        first_table = {l.split("#")[0].strip() for l in open(table) if not l.startswith("#")}
        if findings or again_table != first_table:
            fail("codes: with --codes against %s: %s\n%s" % (dump, findings[:2], p.stdout))
    # the configuration key does the same as --codes
    cf = os.path.join(WORK, "codes.conf")
    with open(cf, "w") as f:
        f.write("interval = 60\ncodes_file = %s\n" % table)
    shutil.rmtree(again, ignore_errors=True)
    run([SENSOR, "-r", mix, "-q", "-c", cf, "-o", again], expect=0)
    if open(os.path.join(again, "zert.smf"), "rb").read() != \
            open(os.path.join(WORK, "codes.rdw"), "rb").read():
        fail("codes: codes_file in the configuration is not applied")


def case_damaged(mix, conf, base):
    data = open(os.path.join(base, "zert.smf"), "rb").read()
    recs = smfedit.read(os.path.join(base, "zert.smf"))
    cut = recs[len(recs) // 2].off + 30
    truncated = os.path.join(WORK, "truncated.smf")
    open(truncated, "wb").write(data[:cut])
    p, found = compare(mix, conf, truncated, os.path.join(WORK, "damaged-rdw"), expect=2)
    # the cut fell among the summaries of one interval end: those read are compared, those cut
    # off are outside the dump's span, not missing (the detail records the sensor wrote late in
    # its file, the init of connections that stayed idle, are missing from the cut dump indeed)
    if [f for f in found if f["kind"] == "summary"]:
        fail("damaged rdw: summaries past the damage reported: %s" %
             [f["text"] for f in found if f["kind"] == "summary"][:3])
    if not re.search(r"offset %d: record of \d+ bytes is truncated" % recs[len(recs) // 2].off,
                     p.stdout + p.stderr):
        fail("damaged rdw: no offset in the message:\n%s%s" % (p.stdout, p.stderr))
    if "DUMP DAMAGED" not in p.stdout or "matched" not in p.stdout:
        fail("damaged rdw: no report of what was read:\n%s" % p.stdout)
    m = re.search(r"(\d+) matched, (\d+) of them agree", p.stdout)
    if not m or int(m.group(1)) < 20:
        fail("damaged rdw: the records before the damage were not compared:\n%s" % p.stdout)
    vbs = os.path.join(WORK, "corrupt.vbs")
    smfedit.write(vbs, recs, "vbs", 4096)
    raw = bytearray(open(vbs, "rb").read())
    # a segment that starts a record, past the first block, made "last": a last segment
    # without a first
    blk, sdw = 0, None
    while blk < len(raw) and sdw is None:
        pos, end = blk + 4, blk + int.from_bytes(raw[blk:blk + 2], "big")
        while pos < end and sdw is None:
            if blk and raw[pos + 2] & 3 in (0, 1):
                sdw = pos
            pos += int.from_bytes(raw[pos:pos + 2], "big")
        blk = end
    if sdw is None:
        raise SystemExit("damaged vbs: no segment starts a record past the first block")
    raw[sdw + 2] = 0x02
    open(vbs, "wb").write(raw)
    p, _ = compare(mix, conf, vbs, os.path.join(WORK, "damaged-vbs"), expect=2)
    if not re.search(r"offset %d: last segment without a first segment" % sdw,
                     p.stdout + p.stderr):
        fail("damaged vbs: message:\n%s%s" % (p.stdout, p.stderr))
    p = run([SENSOR, "-r", mix, "-q", "--compare", os.path.join(WORK, "nonexistent.smf")],
            expect=2)


def case_files(mix, conf, base):
    out = os.path.join(WORK, "files")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    victim = os.path.join(WORK, "victim.txt")
    open(victim, "w").write("keep\n")
    os.symlink(victim, os.path.join(out, "compare.jsonl"))
    old = os.umask(0)
    try:
        run([SENSOR, "-r", mix, "-q", "-c", conf, "--compare", os.path.join(base, "zert.smf"),
             "-o", out], expect=0)
    finally:
        os.umask(old)
    if open(victim).read() != "keep\n":
        fail("files: the link planted as compare.jsonl was followed")
    for name in ("compare.jsonl", "compare.csv", "learned-codes.txt"):
        st = os.lstat(os.path.join(out, name))
        if (st.st_mode & 0o7777) != 0o640 or not os.path.isfile(os.path.join(out, name)) or \
                os.path.islink(os.path.join(out, name)):
            fail("files: %s mode %o" % (name, st.st_mode))
    if [n for n in os.listdir(out) if n.startswith(".")]:
        fail("files: temporary files left: %s" % os.listdir(out))


def case_align(mix, conf, base):
    """--clock-offset puts the sensor's summary boundaries where the mainframe's fall."""
    first = os.path.join(WORK, "align-first")
    compare(mix, conf, os.path.join(base, "zert.smf"), first, ["--clock-offset", str(OFFSET)])
    # that run's zert.smf, shifted, is a dump whose intervals end on whole minutes of its clock
    dump = os.path.join(WORK, "align.smf")
    recs = smfedit.read(os.path.join(first, "zert.smf"))
    for r in recs:
        r.shift(OFFSET)
    smfedit.write(dump, recs, "rdw")
    ends = {r.header_time().second + r.header_time().microsecond / 1e6 for r in recs
            if r.subtype == 12 and r.event == 1}  # intervals, not the aggregation events
    if len(ends) != 2 or 0 not in ends:  # whole minutes, and the capture's last packet
        fail("align: the mainframe's intervals do not end on whole minutes: %s" % sorted(ends))
    p, findings = compare(mix, conf, dump, os.path.join(WORK, "align-fixed"),
                          ["--clock-offset", str(OFFSET)], expect=0)
    m = re.search(r"counts compared for (\d+) \((\d+) intervals not aligned", p.stdout)
    if findings or not m or int(m.group(1)) < 50 or int(m.group(2)) != 0 or \
            "given with --clock-offset" not in p.stdout:
        fail("align: with --clock-offset\n%s" % p.stdout)
    p, _ = compare(mix, conf, dump, os.path.join(WORK, "align-estimated"))
    m = re.search(r"counts compared for (\d+) \((\d+) intervals not aligned", p.stdout)
    if not m or int(m.group(2)) < 50:
        fail("align: without --clock-offset the intervals should not line up\n%s" % p.stdout)


def unwrap_as_zert(recs):
    """TLS ended (close_notify) and TCP went on in clear: stream observation reports TLS
    to the end, with no change record."""
    for r in recs:
        if r.subtype == 11 and r.event == 3:
            r.put(smfedit.ST11_S1, 1, 1, 0x80)
    return [r for r in recs if not (r.subtype == 11 and r.event == 2)]


def renegotiated_by_provider(recs):
    """A second handshake negotiated another suite, and zERT's provider reports that one."""
    for r in recs:
        if r.subtype == 11:
            r.set_neg_cipher(0xC02F)
            r.remap("enc", {0x8004: 0x8003})
    return recs


def tls13_cert_by_provider(recs):
    """TLS 1.3 encrypts the certificate; a provider reports its RSA 2048 key."""
    for r in recs:
        if r.subtype == 11:
            for off, v in ((72, 7), (74, 2), (76, 6), (116, 2), (118, 2048)):
                r.put(smfedit.ST11_TLS, off, 2, v)
    return recs


def case_blindspots(mix, conf, base):
    """The other named blind spots, on the project's own captures of them."""
    for name, why, edit in (("tls-unwrap.pcap", "early_termination", unwrap_as_zert),
                            ("tls-renegotiation.pcap", "renegotiation", renegotiated_by_provider),
                            ("tls13-keyupdate.pcap", "tls13_encrypted_certificate",
                             tls13_cert_by_provider)):
        pcap = os.path.join(SRC, "pcaps", name)
        b = os.path.join(WORK, "blind-base-" + name)
        shutil.rmtree(b, ignore_errors=True)
        run([SENSOR, "-r", pcap, "-q", "-o", b], expect=0)
        recs = edit(smfedit.read(os.path.join(b, "zert.smf")))
        dump = os.path.join(WORK, "blind-" + name + ".smf")
        smfedit.write(dump, recs, "rdw")
        p, findings = compare(pcap, os.devnull, dump, os.path.join(WORK, "blind-" + name),
                              expect=1)
        got = [(f["class"], f["why"]) for f in findings]
        if got != [("zert_blind_spot", why)]:
            fail("blind spot %s: findings %s\n%s" % (name, got, p.stdout))


mix, conf, base = setup()
{"self": case_self, "planted": case_planted, "codes": case_codes, "damaged": case_damaged,
 "files": case_files, "align": case_align,
 "blindspots": case_blindspots}[CASE](mix, conf, base)
if failures:
    sys.exit(1)
print("ok: %s" % CASE)
