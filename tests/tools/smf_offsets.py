#!/usr/bin/env python3
"""smf_offsets.py - golden binary test of the SMF 119 zERT records (subtypes 11 and 12).

usage: smf_offsets.py ZERTSENSOR SOURCE_DIR CORPUS_DIR

For one TLS 1.2, one TLS 1.3, one SSH, one IKEv2 and one EE (UDP) connection, and for one
subtype 12 summary of each, the sensor is run with -o into a temporary directory and the
written DIR/zert.smf is decoded HERE, byte by byte, at the offsets of
/work/shared/spec/smf119-zert.md (header §1.1, self-defining section §1.2, identification
section §2, subtype 11 S1/S3/S4/S5/S6 §3.1-§3.7, subtype 12 S1-S5 §4.1-§4.5). Nothing of the
project (zertdump, smf_reader.c, emit code) is used to decode.

Expected values come only from
  * the spec (codes of §3.8, fixed fields such as Comp = STACK, Reason X'08'/X'80'),
  * docs/smf-mapping.md and docs/smf-provisional-codes.md (how the project fills a field, and
    the provisional codes >= X'8000' for algorithms whose IBM code is cut in the spec),
  * the capture itself: facts known about it (ports, cipher suite, algorithms) that are
    cross-checked with tshark when tshark is installed,
  * the JSON record of the same run (records.jsonl: times, byte/segment counters, conn_id).
Standard library only. Prints one line per field group, then "N passed, N failed".
"""
import codecs
import datetime
import hashlib
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

if len(sys.argv) != 4:
    sys.exit(__doc__)
SENSOR, SRC, CORPUS = sys.argv[1:4]

CAP_QUICK = os.path.join(SRC, "pcaps", "quickstart.pcap")
CAP_EE = os.path.join(SRC, "pcaps", "ee-sample.pcap")
CAP_SSH = os.path.join(CORPUS, "zeek", "ssh", "ssh.pcap")
CAP_IKE = os.path.join(CORPUS, "arkime", "IKEv2.pcap")
CAP_AH = os.path.join(SRC, "pcaps", "ah-tls12.pcap")

TSHARK = shutil.which("tshark")

# ---- results ------------------------------------------------------------------------------

PASSED = 0
FAILED = 0


def group(name, checks):
    """checks: list of (field, got, expected). One output line per group."""
    global PASSED, FAILED
    bad = [(f, g, e) for f, g, e in checks if g != e]
    PASSED += len(checks) - len(bad)
    FAILED += len(bad)
    if not bad:
        print(f"ok   {name}: {len(checks)} fields ({', '.join(f for f, _, _ in checks)})")
    else:
        print(f"FAIL {name}: {len(bad)} of {len(checks)} fields wrong")
        for f, g, e in bad:
            print(f"       {f}: got {fmt(g)}, expected {fmt(e)}")
    sys.stdout.flush()


def fmt(v):
    if isinstance(v, (bytes, bytearray)):
        return "X'" + v.hex().upper() + "'"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v} (X'{v:X}')"
    return repr(v)


def fatal_group(name, msg):
    global FAILED
    FAILED += 1
    print(f"FAIL {name}: {msg}")


# ---- EBCDIC code page 1047 (own table for the characters these records use) ---------------
# Letters, digits, blank and the punctuation of names and session keys. Each entry is checked
# against the standard library's EBCDIC codec below.
E1047 = {" ": 0x40, ".": 0x4B, "(": 0x4D, "+": 0x4E, "|": 0x4F, "&": 0x50, "*": 0x5C,
         ")": 0x5D, ";": 0x5E, "-": 0x60, "/": 0x61, ",": 0x6B, "%": 0x6C, "_": 0x6D,
         ">": 0x6E, "?": 0x6F, ":": 0x7A, "#": 0x7B, "@": 0x7C, "'": 0x7D, "=": 0x7E,
         '"': 0x7F}
for _i, _c in enumerate("ABCDEFGHI"):
    E1047[_c] = 0xC1 + _i
for _i, _c in enumerate("JKLMNOPQR"):
    E1047[_c] = 0xD1 + _i
for _i, _c in enumerate("STUVWXYZ"):
    E1047[_c] = 0xE2 + _i
for _i, _c in enumerate("abcdefghi"):
    E1047[_c] = 0x81 + _i
for _i, _c in enumerate("jklmnopqr"):
    E1047[_c] = 0x91 + _i
for _i, _c in enumerate("stuvwxyz"):
    E1047[_c] = 0xA2 + _i
for _i in range(10):
    E1047[str(_i)] = 0xF0 + _i


def ebc(s, width=None):
    """Text -> EBCDIC 1047 bytes, blank-padded to width."""
    b = bytes(E1047[c] for c in s)
    if width is not None:
        assert len(b) <= width, s
        b = b + b"\x40" * (width - len(b))
    return b


# Python has no cp1047 codec; cp037 agrees with 1047 on every character of this table (they
# differ on [ ] ^ and a few others not used here; spec §7.4).
try:
    _REF = "cp1047"
    codecs.lookup(_REF)
except LookupError:
    _REF = "cp037"
_tab_ok = all(codecs.encode(c, _REF) == bytes([v]) for c, v in E1047.items())
group(f"ebcdic.table (own 1047 table vs Python {_REF})",
      [("all %d characters" % len(E1047), _tab_ok, True)])

# ---- byte helpers -------------------------------------------------------------------------


def be(b, off, n):
    return int.from_bytes(b[off:off + n], "big")


def ip16(text):
    """Expected 16-byte address field: IPv4 in the first 4 bytes, the rest X'00' (spec §3.1:
    not the ::ffff: mapped form); IPv6 as all 16 bytes."""
    a = ipaddress.ip_address(text)
    return a.packed + b"\0" * 12 if a.version == 4 else a.packed


def parse_time(t):
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def hundredths(dt):
    """1/100 s since midnight (§1.1 SMF119TME; §3.1 SASTime)."""
    return (dt.hour * 3600 + dt.minute * 60 + dt.second) * 100 + dt.microsecond // 10000


def packed_date(dt):
    """0cyydddF (§1.1): c century (0 = 19xx, 1 = 20xx), yy, ddd day of year, sign F."""
    c = dt.year // 100 - 19
    return int(f"0{c}{dt.year % 100:02d}{dt.timetuple().tm_yday:03d}F", 16)


def epoch_dt(e):
    s = float(e)
    return datetime.datetime.fromtimestamp(int(s), datetime.timezone.utc).replace(
        microsecond=int(round((s - int(s)) * 1e6)))


# the spec's own example: 2025-02-01 is X'0125032F'
group("spec.packed-date example (§1.1: 2025-02-01 = X'0125032F')",
      [("0cyydddF", packed_date(datetime.datetime(2025, 2, 1)), 0x0125032F)])

# ---- tshark (cross-checks of the capture facts) -------------------------------------------


def tshark(cap, flt, fields):
    if not TSHARK:
        return None
    cmd = [TSHARK, "-r", cap, "-n", "-Y", flt, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"tshark failed on {cap}: {r.stderr.strip()}")
    return [ln.split("\t") for ln in r.stdout.splitlines() if ln.strip()]


def flow_stats(cap, flt, src_field, local_value):
    """(first frame, last frame, frames/bytes to local, frames/bytes from local) via tshark."""
    rows = tshark(cap, flt, ["frame.time_epoch", src_field, "tcp.len"])
    if rows is None:
        return None
    first, last = rows[0][0], rows[-1][0]
    nin = nout = bin_ = bout = 0
    for t, src, ln in rows:
        n = int(ln or 0)
        if src == str(local_value):
            nout += 1
            bout += n
        else:
            nin += 1
            bin_ += n
    return first, last, nin, bin_, nout, bout


def tshark_group(name, checks):
    if TSHARK is not None:
        group(name, checks)


# ---- sensor run and RDW stream -------------------------------------------------------------

TMP = tempfile.mkdtemp(prefix="smf_offsets.")
ALL_JSON = {}  # tag -> every JSON record of the run, JSON-only ones included


def run(cap, tag):
    out = os.path.join(TMP, tag)
    os.makedirs(out)
    r = subprocess.run([SENSOR, "-r", cap, "-q", "-o", out], stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit(f"zertsensor failed on {cap}: {r.stderr}")
    with open(os.path.join(out, "zert.smf"), "rb") as f:
        data = f.read()
    with open(os.path.join(out, "records.jsonl")) as f:
        ALL_JSON[tag] = [json.loads(ln) for ln in f if ln.strip()]
    # records marked "in_smf": false (protection unknown, IPsec peer pairs) are JSON-only
    recs = [j for j in ALL_JSON[tag] if j.get("in_smf", True)]
    smf = []
    off = 0
    ok = True
    while off < len(data):
        if off + 4 > len(data):
            ok = False
            break
        ln = be(data, off, 2)
        seg = be(data, off + 2, 2)
        if ln < 28 or off + ln > len(data) or seg != 0:
            ok = False
            break
        smf.append(data[off:off + ln])
        off += ln
    group(f"{tag}.rdw-stream ({len(smf)} records, {len(data)} bytes)",
          [("RDW walk ends exactly at end of file", ok and off == len(data), True),
           ("records == JSON lines", len(smf), len(recs)),
           ("subtypes in JSON order (11 detail, 12 summary)",
            [be(r, 22, 2) for r in smf], [11 if j["record"] == "detail" else 12 for j in recs]),
           # IBM defines SAIPProto for TCP and UDP (EE) only: IPsec by itself is JSON-only
           ("SAIPProto of every connection and session record is 6 or 17",
            sorted({sap_ip_proto(r) for r in smf} - {None}),
            sorted({sap_ip_proto(r) for r in smf} - {None} & {6, 17}))])
    return smf, recs


def sap_ip_proto(rec):
    """SAIPProto of a subtype 11 or 12 record; None for coverage events (no S1)."""
    if be(rec, 22, 2) == 11:
        s = section(rec, 1)
        return s[4] if s is not None and s[0] in (1, 2, 3, 4) else None
    s = section(rec, 1)
    return s[27] if s is not None and s[8] == 1 else None


# ---- generic record frame ------------------------------------------------------------------

ST11_NAMES = ["ID", "S1 common", "S2 IP filter", "S3 TLS", "S4 SSH", "S5 IPsec", "S6 DNs"]
ST12_NAMES = ["ID", "S1 common", "S2 TLS", "S3 SSH", "S4 IPsec", "S5 DNs"]


def triplets(rec):
    n = be(rec, 24, 2)
    return [(be(rec, 28 + 8 * i, 4), be(rec, 32 + 8 * i, 2), be(rec, 34 + 8 * i, 2))
            for i in range(n)]


def section(rec, idx):
    off, ln, num = triplets(rec)[idx]
    return rec[off:off + ln] if num else None


def check_frame(name, rec, j, subtype, present, dns):
    """Header (§1.1), self-defining section (§1.2), ID section (§2).

    present: {triplet index: section length} for the fixed-length sections expected;
    dns: list of (type, text) expected in the DN section (last triplet)."""
    t = parse_time(j["time"])
    system = j["sensor"]["system"]
    group(f"{name}.header (§1.1)", [
        ("RDW length [0] == record length", be(rec, 0, 2), len(rec)),
        ("SEG [2]", be(rec, 2, 2), 0),
        ("FLG [4] X'5E' (§1.1 writer guidance)", rec[4], 0x5E),
        ("RTY [5] 119", rec[5], 119),
        ("TME [6] 1/100 s local (UTC) of JSON time", be(rec, 6, 4), hundredths(t)),
        ("DTE [10] 0cyydddF of JSON time", be(rec, 10, 4), packed_date(t)),
        ("SID [14] EBCDIC first 4 of system", rec[14:18], ebc(system[:4], 4)),
        ("SSI [18] blanks (smf-mapping default)", rec[18:22], ebc("", 4)),
        ("STY [22]", be(rec, 22, 2), subtype),
    ])
    trn_exp = 7 if subtype == 11 else 6
    names = ST11_NAMES if subtype == 11 else ST12_NAMES
    trn = be(rec, 24, 2)
    checks = [("TRN [24]", trn, trn_exp), ("reserved [26]", be(rec, 26, 2), 0)]
    if trn != trn_exp:
        group(f"{name}.self-defining (§1.2)", checks)
        return
    trips = triplets(rec)
    sd_end = 28 + 8 * trn
    checks.append(("ID Off [28] right after the triplets (§8)", trips[0][0], sd_end))
    spans = []
    dn_idx = trn - 1
    for i, (off, ln, num) in enumerate(trips):
        if i == dn_idx:
            if dns:
                total = sum(4 + len(ebc(txt)) for _, txt in dns)
                checks.append((f"{names[i]} Len (total)/Num", (ln, num), (total, len(dns))))
                spans.append((off, off + ln, names[i]))
            else:
                checks.append((f"{names[i]} absent (Off/Len/Num 0)", (off, ln, num), (0, 0, 0)))
            continue
        if i in present:
            checks.append((f"{names[i]} Len/Num", (ln, num), (present[i], 1)))
            spans.append((off, off + ln * num, names[i]))
        else:
            checks.append((f"{names[i]} absent (Off/Len/Num 0)", (off, ln, num), (0, 0, 0)))
    spans.sort()
    inside = all(sd_end <= a and b <= len(rec) for a, b, _ in spans)
    disjoint = all(spans[k][1] <= spans[k + 1][0] for k in range(len(spans) - 1))
    checks.append(("every section inside the record", inside, True))
    checks.append(("sections do not overlap", disjoint, True))
    checks.append(("last section ends at RDW length", spans[-1][1] if spans else 0, len(rec)))
    checks.append(("S1 Off == ID Off + 64", trips[1][0], trips[0][0] + 64))
    group(f"{name}.self-defining (§1.2: {trn} triplets, "
          + ", ".join(f"{n}@{a}" for a, _, n in spans) + ")", checks)

    ids = section(rec, 0)
    stack = j["sensor"]["stack"]
    group(f"{name}.identification (§2)", [
        ("SYSName [0]", ids[0:8], ebc(system, 8)),
        ("SysplexName [8]", ids[8:16], ebc(j["sensor"]["sysplex"], 8)),
        ("Stack [16]", ids[16:24], ebc(stack, 8)),
        ("ReleaseID [24] ZS010000 (smf-mapping)", ids[24:32], ebc("ZS010000", 8)),
        ("Comp [32] STACK", ids[32:40], ebc("STACK", 8)),
        ("ASName [40] = stack", ids[40:48], ebc(stack, 8)),
        ("UserID [48] blanks (default)", ids[48:56], ebc("", 8)),
        ("reserved [56]", ids[56:58], b"\0\0"),
        ("Reason [60]", ids[60], 0x08 if subtype == 11 or j["event"] != "interval" else 0x80),
        ("reserved [61..63]", ids[61:64], b"\0\0\0"),
    ])

    if dns:
        d = section(rec, dn_idx)
        if d is None:
            fatal_group(f"{name}.DNs (§3.7)", "DN section absent")
            return
        checks = []
        pos = 0
        for k, (typ, txt) in enumerate(dns):
            want = ebc(txt)
            checks.append((f"DN{k} Len [+0] (incl. 4-byte header)", be(d, pos, 2), 4 + len(want)))
            checks.append((f"DN{k} Type [+2]", be(d, pos + 2, 2), typ))
            checks.append((f"DN{k} text [+4] EBCDIC", d[pos + 4:pos + 4 + len(want)], want))
            pos += be(d, pos, 2) or 1
        checks.append(("entries fill the section", pos, len(d)))
        group(f"{name}.DNs (§3.7)", checks)


# ---- subtype 11 common section -------------------------------------------------------------

EVENT11 = {"init": 1, "change": 2, "term": 3, "short_term": 4}
PROT = {"tls": 0x80, "ssh": 0x40, "ipsec": 0x20}


def check_s1_detail(name, rec, j, ip_proto, local, remote, ipv6=False):
    """§3.1. local/remote: (ip text, port) from the capture facts."""
    s = section(rec, 1)
    start = parse_time(j["start"])
    ev = EVENT11[j["event"]]
    if ev in (3, 4):
        end = parse_time(j["end"])
        etime, edate = hundredths(end), packed_date(end)
    else:
        etime = edate = 0  # §3.1: SAEDate set only for event types 3 and 4; SAETime likewise
    protos = 0
    for p in j["protection"]:
        protos |= PROT[p]
    group(f"{name}.S1 common (§3.1)", [
        ("SAEvent_Type [0]", s[0], ev),
        ("SASecProtos [1]", s[1], protos),
        ("SAFlags [2] (X'80' IPv6)", s[2], 0x80 if ipv6 else 0),
        ("SASecFlags [3]", s[3], 0),
        ("SAIPProto [4]", s[4], ip_proto),
        ("reserved [5..7]", s[5:8], b"\0\0\0"),
        ("SAJobname [8] blanks", s[8:16], ebc("", 8)),
        ("SAJobID [16] blanks", s[16:24], ebc("", 8)),
        ("SAUserID [24] blanks", s[24:32], ebc("", 8)),
        ("SASTime [32] UTC 1/100 s of JSON start", be(s, 32, 4), hundredths(start)),
        ("SASDate [36]", be(s, 36, 4), packed_date(start)),
        ("SAETime [40]", be(s, 40, 4), etime),
        ("SAEDate [44]", be(s, 44, 4), edate),
        ("SARIP [48] 16 bytes", s[48:64], ip16(remote[0])),
        ("SALIP [64] 16 bytes", s[64:80], ip16(local[0])),
        ("SARPort [80]", be(s, 80, 2), remote[1]),
        ("SALPort [82]", be(s, 82, 2), local[1]),
        ("SAConnID [84] = JSON conn_id", be(s, 84, 4), j["conn_id"]),
        ("SAInBytes [88] = JSON bytes_in", be(s, 88, 8), j["bytes_in"]),
        ("SAOutBytes [96] = JSON bytes_out", be(s, 96, 8), j["bytes_out"]),
        ("SAInSegDG [104] = JSON segs_in", be(s, 104, 8), j["segs_in"]),
        ("SAOutSegDG [112] = JSON segs_out", be(s, 112, 8), j["segs_out"]),
        ("reserved [120..127]", s[120:128], b"\0" * 8),
    ])
    return s


def find_detail(smf, recs, local_port, event, remote_ip=None):
    """The subtype 11 record whose S1 SALPort [82] and event [0] match (own parse)."""
    got = None
    for rec, j in zip(smf, recs):
        if be(rec, 22, 2) != 11 or j["record"] != "detail":
            continue
        s = section(rec, 1)
        if s is None or be(s, 82, 2) != local_port or s[0] != EVENT11[event]:
            continue
        if remote_ip and s[48:64] != ip16(remote_ip):
            continue
        got = (rec, j)
        break
    return got


def find_summary(smf, recs, srv_port, srv_ip, clt_ip):
    for rec, j in zip(smf, recs):
        if be(rec, 22, 2) != 12 or j["record"] != "summary":
            continue
        s = section(rec, 1)
        if s is None or be(s, 60, 2) != srv_port or s[28:44] != ip16(srv_ip) \
                or s[44:60] != ip16(clt_ip):
            continue
        return rec, j
    return None


def check_s1_summary(name, rec, j, ip_proto, protocol, flags, srv, clt, port_end, letter):
    """§4.1 summary common section."""
    s = section(rec, 1)
    i0 = parse_time(j["interval_start"])
    i1 = parse_time(j["interval_end"])
    exact = int((i1 - i0).total_seconds() * 1_000_000 + 0.5)
    # docs/smf-mapping.md: interval_end - interval_start; emit_smf.c measures it from the end
    # cut to the header's 1/100 s: either is within the header time's resolution.
    cut = exact - i1.microsecond % 10000
    dur_tod = be(s, 0, 8)
    key = j["session_key"]
    if len(key) <= 42:
        sid = key
    else:  # docs/smf-mapping.md: <T|S|I|N>-<FNV-1a 64 hex> of the key
        h = 0xcbf29ce484222325
        for ch in key.encode():
            h = ((h ^ ch) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        sid = f"{letter}-{h:016x}"

    def counters(off, which):
        return [
            (f"{which}LifeConnCnt [{off}]", be(s, off, 4), j["conns"][which2(which)]),
            (f"{which}LifePartialConnCnt [{off + 4}]", be(s, off + 4, 4),
             j["partial_conns"][which2(which)]),
            (f"{which}LifeShortConnCnt [{off + 8}]", be(s, off + 8, 4),
             j["short_conns"][which2(which)]),
            (f"{which}ActiveConnCnt [{off + 12}]", be(s, off + 12, 4),
             j["active_conns"][which2(which)]),
            (f"{which}LifeInBytes [{off + 16}]", be(s, off + 16, 8), j["bytes_in"][which2(which)]),
            (f"{which}LifeOutBytes [{off + 24}]", be(s, off + 24, 8),
             j["bytes_out"][which2(which)]),
            (f"{which}LifeInSegDG [{off + 32}]", be(s, off + 32, 8), j["segs_in"][which2(which)]),
            (f"{which}LifeOutSegDG [{off + 40}]", be(s, off + 40, 8),
             j["segs_out"][which2(which)]),
        ]
    group(f"{name}.S1 summary common (§4.1)", [
        ("SAIntervalDuration [0] TOD: low 12 bits 0", dur_tod & 0xFFF, 0),
        ("SAIntervalDuration [0] >> 12 = interval µs (±1/100 s cut)",
         (dur_tod >> 12) in (exact, cut), True),
        ("SAEvent_Type [8] interval", s[8], 1),
        ("SAFlags [9]", s[9], flags),
        ("SASecProtos [10]", s[10], protocol),
        ("SAJobname [11] blanks", s[11:19], ebc("", 8)),
        ("SAUserID [19] blanks", s[19:27], ebc("", 8)),
        ("SAIPProto [27]", s[27], ip_proto),
        ("SASrvIP [28]", s[28:44], ip16(srv[0])),
        ("SACltIP [44]", s[44:60], ip16(clt)),
        ("SASrvPortStart [60]", be(s, 60, 2), srv[1]),
        ("SASrvPortEnd [62]", be(s, 62, 2), port_end),
        ("SASessionID [64] EBCDIC", s[64:106], ebc(sid, 42)),
        ("reserved [106]", s[106:108], b"\0\0"),
    ] + counters(108, "Init") + counters(156, "End"))
    return s, dur_tod >> 12, exact


def which2(w):
    return "start" if w == "Init" else "end"


# ---- IBM codes used below (spec §3.8 unless marked P = docs/smf-provisional-codes.md) -------
ENC_AES128_GCM = 0x8003   # P TLS_CS_Enc_Alg AES-128-GCM
ENC_AES256_GCM = 0x8004   # P TLS_CS_Enc_Alg AES-256-GCM
ENC_AES128_CTR = 0x800A   # P SSH_Enc_Alg aes128-ctr (same code space as TLS_CS_Enc_Alg)
MAC_AEAD = 0x0001         # §3.8 Msg auth: 1 None, or an AEAD cipher such as AES-GCM
MAC_HMAC_MD5 = 0x0003     # §3.8 Msg auth: 3 HMAC-MD5
KEX_ECDHE = 0x800F        # P TLS_CS_Kex_Alg ECDHE: TLS 1.3, the kex of the group's kind
KEX_ECDHE_RSA = 0x8008    # P TLS_CS_Kex_Alg ECDHE_RSA: suite-style, as the IANA suite name
SIG_SHA256_RSA = 0x0007   # §3.8 Cert signature method 7: RSA with SHA-256
CERT_ENC_RSA = 0x0002     # §3.8 Cert encryption method 2: RSA
DIGEST_SHA256 = 0x0006    # §3.8 Cert digest 6: SHA-256
KEY_RSA = 0x0002          # §3.8 Cert key type 2: RSA
SSH_KEX_NISTP256 = 0x0006  # §3.8 SSH KEX 6: ecdh-sha2-nistp256
SSH_KEY_ECC = 0x0005      # §3.8 SSH raw key type 5: ECC
IKE_ENC_AES_CBC_256 = 0x8002  # P IKETunEncAlg AES-CBC/256
IKE_INTEG_SHA512_256 = 0x8002  # P IKETunAuthAlg HMAC-SHA2-512-256
IKE_PRF_SHA512 = 0x0004   # §3.8 PRF 4: HMAC-SHA2-512
DH_20 = 0x0014            # §3.8 DH group X'14': group 20

# capture facts -> IBM codes (IANA numbers as tshark shows them)
TLS_SUITES = {0xC02F: ("C02F", ENC_AES128_GCM, MAC_AEAD, KEX_ECDHE_RSA),   # ECDHE-RSA-AES128-GCM-SHA256
              0x1302: ("1302", ENC_AES256_GCM, MAC_AEAD, KEX_ECDHE)}   # AES_256_GCM_SHA384, x25519
IKE_ENCR = {(12, 256): IKE_ENC_AES_CBC_256}   # IANA ENCR_AES_CBC, key length 256
IKE_INTEG = {14: IKE_INTEG_SHA512_256}        # IANA AUTH_HMAC_SHA2_512_256
IKE_PRF = {7: IKE_PRF_SHA512}                 # IANA PRF_HMAC_SHA2_512
SSH_ENC = {"aes128-ctr": ENC_AES128_CTR}
SSH_MAC = {"hmac-md5": MAC_HMAC_MD5}
SSH_KEX = {"ecdh-sha2-nistp256": SSH_KEX_NISTP256}
SSH_HOSTKEY = {"ecdsa-sha2-nistp256": SSH_KEY_ECC}

# ---- TLS (quickstart.pcap) -------------------------------------------------------------------


def tls_case(smf, recs, label, port, version, suite, cert):
    name = label
    # capture facts, cross-checked with tshark
    client_port = None
    if TSHARK:
        sh = tshark(CAP_QUICK, f"tls.handshake.type==2 && tcp.srcport=={port}",
                    ["ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tls.handshake.version",
                     "tls.handshake.ciphersuite", "tls.handshake.extensions.supported_version",
                     "tls.handshake.session_id"])
        row = sh[0] + [""] * 8
        wire_ver = int(row[6] or row[4], 16)
        client_port = int(row[3])
        tshark_group(f"{name}.capture (tshark ServerHello)", [
            ("server port", int(row[2]), port),
            ("version (supported_versions or legacy)", wire_ver, version),
            ("cipher suite", int(row[5], 16), suite)])
        tsid = bytes.fromhex(row[7].replace(":", ""))
    found = None
    for rec, j in zip(smf, recs):
        if be(rec, 22, 2) == 11 and section(rec, 1) is not None and be(section(rec, 1), 82, 2) == port:
            found = (rec, j)
            break
    if not found:
        fatal_group(name, f"no subtype 11 record with SALPort [82] = {port}")
        return
    rec, j = found
    if client_port is None:
        client_port = j["remote"]["port"]
    cert_json = j["tls"].get("server_cert")
    dns = []
    if cert_json:
        dns = [(5, cert_json["subject"]), (6, cert_json["issuer"])]
    check_frame(name, rec, j, 11, {0: 64, 1: 128, 3: 168}, dns)
    check_s1_detail(name, rec, j, 6, ("127.0.0.1", port), ("127.0.0.1", client_port))
    if TSHARK:
        st = flow_stats(CAP_QUICK, f"tcp.port=={port}", "tcp.srcport", port)
        s = section(rec, 1)
        tshark_group(f"{name}.S1 vs capture (tshark)", [
            ("SASTime = first frame", be(s, 32, 4), hundredths(epoch_dt(st[0]))),
            ("SAETime = last frame", be(s, 40, 4), hundredths(epoch_dt(st[1]))),
            ("SAInSegDG = frames to server", be(s, 104, 8), st[2]),
            ("SAInBytes = TCP payload to server", be(s, 88, 8), st[3]),
            ("SAOutSegDG = frames from server", be(s, 112, 8), st[4]),
            ("SAOutBytes = TCP payload from server", be(s, 96, 8), st[5])])
    t = section(rec, 3)
    hexs, enc, mac, kex = TLS_SUITES[suite]
    sid = bytes.fromhex(j["tls"]["session_id"]) if j["tls"].get("session_id") else b""
    if TSHARK:
        tshark_group(f"{name}.session id (tshark ServerHello)", [("session_id", sid, tsid)])
    checks = [
        ("Prot_Ver [0]", be(t, 0, 2), version),
        ("Source [2] observation", t[2], 1),
        ("Handshake_Type [3] full", t[3], 1),
        ("Handshake_Role [4] server", t[4], 2),
        ("reserved [5..6]", t[5:7], b"\0\0"),
        ("Session_ID_Len [7]", t[7], len(sid)),
        ("Session_ID [8] left-justified, 0-padded", t[8:40], sid + b"\0" * (32 - len(sid))),
        ("Protocol_Provider [40] 'Observation'", t[40:56], ebc("Observation", 16)),
        ("Neg_Cipher [56] EBCDIC hex", t[56:62], ebc(hexs, 6)),
        ("CS_Enc_Alg [62]", be(t, 62, 2), enc),
        ("CS_Msg_Auth [64]", be(t, 64, 2), mac),
        ("CS_Kex_Alg [66]", be(t, 66, 2), kex),
        ("FIPS_Mode [68]", t[68], 0),
        ("CryptoFlags [69]", t[69], 0),
        ("reserved [70..71]", t[70:72], b"\0\0"),
    ]
    if cert:
        not_after = parse_time(cert_json["not_after"].replace("Z", ".000000Z"))
        serial = bytes.fromhex(cert_json["serial"])
        checks += [
            ("SCert_Signature_Method [72] sha256WithRSA", be(t, 72, 2), SIG_SHA256_RSA),
            ("SCert_Enc_Method [74] RSA", be(t, 74, 2), CERT_ENC_RSA),
            ("SCert_Digest_Alg [76] SHA-256", be(t, 76, 2), DIGEST_SHA256),
            ("reserved [78]", t[78], 0),
            ("SCert_Serial_Len [79]", t[79], cert["serial_len"]),
            ("SCert_Serial [80]", t[80:100], serial + b"\0" * (20 - len(serial))),
            ("SCert_Time_Type [100] UTCTime", t[100], 1),
            ("SCert_Time [101] YYMMDDhhmmssZ (EBCDIC digits, smf-mapping)", t[101:114],
             ebc(not_after.strftime("%y%m%d%H%M%S") + "Z")),
            ("SCert_Time [114..115] unused", t[114:116], b"\0\0"),
            ("SCert_Key_Type [116] RSA", be(t, 116, 2), KEY_RSA),
            ("SCert_Key_Len [118] bits", be(t, 118, 2), cert["bits"]),
        ]
    else:
        checks.append(("SCert block [72..119] all zero (cert not visible)", t[72:120], b"\0" * 48))
    checks.append(("CCert block [120..167] all zero (no client cert)", t[120:168], b"\0" * 48))
    group(f"{name}.S3 TLS (§3.3)", checks)
    return rec, j


def tls_summary(smf, recs, port):
    name = f"tls12.summary (subtype 12, server port {port})"
    got = find_summary(smf, recs, port, "127.0.0.1", "127.0.0.1")
    if not got:
        fatal_group(name, "no subtype 12 record with SASrvPortStart [60] = %d" % port)
        return
    rec, j = got
    c = j["tls"]["server_cert"]
    check_frame(name, rec, j, 12, {0: 64, 1: 204, 2: 36},
                [(5, c["subject"]), (6, c["issuer"])])
    _, dur, exact = check_s1_summary(name, rec, j, 6, 0x80, 0x40, ("127.0.0.1", port),
                                     "127.0.0.1", port, "T")
    print(f"     (interval duration {dur} µs written, JSON interval {exact} µs)")
    t = section(rec, 2)
    group(f"{name}.S2 TLS summary (§4.2)", [
        ("Source [0]", t[0], 1),
        ("CryptoFlags [1]", t[1], 0),
        ("Prot_Ver [2]", be(t, 2, 2), 0x0303),
        ("Neg_Cipher [4]", t[4:10], ebc("C02F", 6)),
        ("CS_Enc_Alg [10]", be(t, 10, 2), ENC_AES128_GCM),
        ("CS_Msg_Auth [12]", be(t, 12, 2), MAC_AEAD),
        ("CS_Kex_Alg [14]", be(t, 14, 2), KEX_ECDHE_RSA),
        ("SCert_Signature_Method [16]", be(t, 16, 2), SIG_SHA256_RSA),
        ("SCert_Enc_Method [18]", be(t, 18, 2), CERT_ENC_RSA),
        ("SCert_Digest_Alg [20]", be(t, 20, 2), DIGEST_SHA256),
        ("SCert_Key_Type [22]", be(t, 22, 2), KEY_RSA),
        ("SCert_Key_Len [24]", be(t, 24, 2), 2048),
        ("CCert [26..35] zero", t[26:36], b"\0" * 10),
    ])


def rsa_bits_from_tshark():
    rows = tshark(CAP_QUICK, "tls.handshake.type==11 && tcp.srcport==44312",
                  ["pkcs1.modulus", "x509af.serialNumber", "x509af.algorithm.id"])
    mod = int(rows[0][0].replace(":", ""), 16)
    serial = rows[0][1].replace(":", "")
    return mod.bit_length(), serial, rows[0][2].split(",")[0]


def tls_all():
    smf, recs = run(CAP_QUICK, "quickstart")
    cert = {"bits": 2048, "serial_len": 20}
    if TSHARK:
        bits, serial, sigoid = rsa_bits_from_tshark()
        j = next(r for r in recs if r["record"] == "detail" and r.get("local", {}).get("port") == 44312)
        tshark_group("tls12.server certificate (tshark)", [
            ("RSA modulus bits", bits, 2048),
            ("signature OID sha256WithRSAEncryption", sigoid, "1.2.840.113549.1.1.11"),
            ("serial = JSON serial", serial, j["tls"]["server_cert"]["serial"]),
        ])
        cert = {"bits": bits, "serial_len": len(serial) // 2}
    tls_case(smf, recs, "tls12 (quickstart :44312)", 44312, 0x0303, 0xC02F, cert)
    tls_case(smf, recs, "tls13 (quickstart :44313)", 44313, 0x0304, 0x1302, None)
    tls_summary(smf, recs, 44312)


# ---- SSH (zeek/ssh/ssh.pcap, first connection: 192.168.1.79:51880 -> 131.159.21.1:22) -------

SSH_SERVER = ("131.159.21.1", 22)
SSH_CLIENT = ("192.168.1.79", 51880)


def ssh_negotiated():
    """RFC 4253 §7.1: the first client algorithm the server also offers (from tshark)."""
    facts = {"kex": "ecdh-sha2-nistp256", "hostkey": "ecdsa-sha2-nistp256", "enc": "aes128-ctr",
             "mac": "hmac-md5", "bits": 256, "fp": None, "proto": "SSH-2.0"}
    if not TSHARK:
        return facts
    rows = tshark(CAP_SSH, f"tcp.port=={SSH_CLIENT[1]} && ssh.message_code==20",
                  ["ip.src", "ssh.kex_algorithms", "ssh.server_host_key_algorithms",
                   "ssh.encryption_algorithms_client_to_server",
                   "ssh.mac_algorithms_client_to_server"])
    cli = next(r for r in rows if r[0] == SSH_CLIENT[0])
    srv = next(r for r in rows if r[0] == SSH_SERVER[0])

    def pick(k):
        s = srv[k].split(",")
        return next(a for a in cli[k].split(",") if a in s)
    hk = tshark(CAP_SSH, f"tcp.port=={SSH_CLIENT[1]} && ssh.host_key.type",
                ["ssh.host_key.type", "ssh.host_key.ecdsa.id", "ssh.host_key.ecdsa.q"])[0]
    q = bytes.fromhex(hk[2].replace(":", ""))

    def sstr(b):
        return struct.pack(">I", len(b)) + b
    blob = sstr(hk[0].encode()) + sstr(hk[1].encode()) + sstr(q)
    proto = tshark(CAP_SSH, f"tcp.srcport=={SSH_SERVER[1]} && tcp.dstport=={SSH_CLIENT[1]} "
                   "&& ssh.protocol", ["ssh.protocol"])[0][0]
    got = {"kex": pick(1), "hostkey": hk[0], "enc": pick(3), "mac": pick(4),
           "bits": (len(q) - 1) // 2 * 8,  # uncompressed EC point 04||X||Y
           "fp": hashlib.sha256(blob).digest(), "proto": proto[:7]}
    tshark_group("ssh.capture (tshark KEXINITs, KEX reply)", [
        ("negotiated kex", got["kex"], facts["kex"]),
        ("host key type", got["hostkey"], facts["hostkey"]),
        ("cipher c2s", got["enc"], facts["enc"]),
        ("mac c2s", got["mac"], facts["mac"]),
        ("host key bits (nistp256 point)", got["bits"], facts["bits"]),
        ("server banner protocol", got["proto"], facts["proto"])])
    return got


def ssh_all():
    smf, recs = run(CAP_SSH, "ssh")
    nego = ssh_negotiated()
    name = "ssh (zeek/ssh :22 <- :51880)"
    found = None
    for rec, j in zip(smf, recs):
        s = section(rec, 1) if be(rec, 22, 2) == 11 else None
        if s is not None and be(s, 82, 2) == 22 and be(s, 80, 2) == SSH_CLIENT[1] \
                and s[64:80] == ip16(SSH_SERVER[0]) and j["event"] in ("term", "short_term"):
            found = (rec, j)
            break
    if not found:
        fatal_group(name, "no subtype 11 record with SALPort 22 / SARPort 51880")
        return
    rec, j = found
    check_frame(name, rec, j, 11, {0: 64, 1: 128, 4: 284}, [])
    check_s1_detail(name, rec, j, 6, SSH_SERVER, SSH_CLIENT)
    if TSHARK:
        st = flow_stats(CAP_SSH, f"tcp.port=={SSH_CLIENT[1]}", "tcp.srcport", 22)
        s = section(rec, 1)
        tshark_group(f"{name}.S1 vs capture (tshark)", [
            ("SASTime = first frame", be(s, 32, 4), hundredths(epoch_dt(st[0]))),
            ("SAETime = last frame", be(s, 40, 4), hundredths(epoch_dt(st[1]))),
            ("SAInSegDG = frames to server", be(s, 104, 8), st[2]),
            ("SAInBytes = TCP payload to server", be(s, 88, 8), st[3]),
            ("SAOutSegDG = frames from server", be(s, 112, 8), st[4]),
            ("SAOutBytes = TCP payload from server", be(s, 96, 8), st[5])])
    h = section(rec, 4)
    fp = nego["fp"] if nego["fp"] is not None else bytes.fromhex(j["ssh"]["hostkey_fp"])
    group(f"{name}.S4 SSH (§3.4)", [
        ("Prot_Ver [0] SSHv2", h[0], 2 if nego["proto"] == "SSH-2.0" else 1),
        ("Source [1] observation", h[1], 1),
        ("FIPS_Mode [2]", h[2], 0),
        ("CryptoFlags [3] (no -etm MAC)", h[3], 0),
        ("reserved [4..7]", h[4:8], b"\0" * 4),
        ("Comp [8] SSHD (local server)", h[8:16], ebc("SSHD", 8)),
        ("Protocol_Provider [16] 'Observation'", h[16:32], ebc("Observation", 16)),
        ("Auth_Method [32] unknown", be(h, 32, 2), 0),
        ("Auth_Method2 [34]", be(h, 34, 2), 0),
        ("In_Enc_Alg [36] aes128-ctr", be(h, 36, 2), SSH_ENC[nego["enc"]]),
        ("In_Msg_Auth [38] hmac-md5", be(h, 38, 2), SSH_MAC[nego["mac"]]),
        ("Kex_Method [40] ecdh-sha2-nistp256", be(h, 40, 2), SSH_KEX[nego["kex"]]),
        ("Out_Enc_Alg [42]", be(h, 42, 2), SSH_ENC[nego["enc"]]),
        ("Out_Msg_Auth [44]", be(h, 44, 2), SSH_MAC[nego["mac"]]),
        ("reserved [46]", h[46:48], b"\0\0"),
        ("SKey_Type [48] ECC", be(h, 48, 2), SSH_HOSTKEY[nego["hostkey"]]),
        ("SKey_Len [50] bits", be(h, 50, 2), nego["bits"]),
        ("CKey_Type/Len [52..55]", h[52:56], b"\0" * 4),
        ("SKey_FPLen [56]", be(h, 56, 2), len(fp)),
        ("CKey_FPLen [58]", be(h, 58, 2), 0),
        ("SKey_FP [60] SHA-256 of the host key blob", h[60:124], fp + b"\0" * (64 - len(fp))),
        ("CKey_FP [124]", h[124:188], b"\0" * 64),
        ("certificate blocks [188..283] zero", h[188:284], b"\0" * 96),
    ])
    # summary
    name = "ssh.summary (subtype 12, server :22, client 192.168.1.79)"
    got = find_summary(smf, recs, 22, SSH_SERVER[0], SSH_CLIENT[0])
    if not got:
        fatal_group(name, "no subtype 12 record for the SSH session")
        return
    rec, j = got
    check_frame(name, rec, j, 12, {0: 64, 1: 204, 3: 46}, [])
    check_s1_summary(name, rec, j, 6, 0x40, 0x40, SSH_SERVER, SSH_CLIENT[0], 22, "S")
    h = section(rec, 3)
    group(f"{name}.S3 SSH summary (§4.3)", [
        ("Source [0]", h[0], 1),
        ("unused [1]", h[1], 0),
        ("Prot_Ver [2]", h[2], 2),
        ("CryptoFlags [3]", h[3], 0),
        ("Auth_Method/2 [4..7]", h[4:8], b"\0" * 4),
        ("In_Enc_Alg [8]", be(h, 8, 2), SSH_ENC[nego["enc"]]),
        ("In_Msg_Auth [10]", be(h, 10, 2), SSH_MAC[nego["mac"]]),
        ("Kex_Method [12]", be(h, 12, 2), SSH_KEX[nego["kex"]]),
        ("Out_Enc_Alg [14]", be(h, 14, 2), SSH_ENC[nego["enc"]]),
        ("Out_Msg_Auth [16]", be(h, 16, 2), SSH_MAC[nego["mac"]]),
        ("SKey_Type [18]", be(h, 18, 2), SSH_HOSTKEY[nego["hostkey"]]),
        ("SKey_Len [20]", be(h, 20, 2), nego["bits"]),
        ("CKey/certificates [22..45] zero", h[22:46], b"\0" * 24),
    ])


# ---- IKEv2 (arkime/IKEv2.pcap): IPsec peer pair, ip_proto 50 --------------------------------


def ike_all():
    """An IPsec peer pair by itself is a JSON-only connection (IBM defines SAIPProto for TCP
    and UDP only, docs/zert-model.md): its init and term records are in records.jsonl with the
    IKE facts tshark decodes, marked "in_smf": false, and zert.smf holds none of them."""
    smf, recs = run(CAP_IKE, "ikev2")
    peers = {"2003:51:6012::2", "2003:51:6012::4"}
    facts = {"ver": "2.0", "encr": 12, "keylen": 256, "prf": 7, "integ": 14, "dh": 20}
    names = {"encr": {12: "AES-CBC"}, "prf": {7: "HMAC-SHA2-512"}, "integ": {14: "HMAC-SHA2-512-256"}}
    esp = []
    if TSHARK:
        rows = tshark(CAP_IKE, "isakmp.tf.id.encr", ["frame.time_epoch", "ipv6.src", "ipv6.dst",
                                                     "isakmp.version", "isakmp.tf.id.encr",
                                                     "isakmp.ike2.attr.key_length",
                                                     "isakmp.tf.id.prf", "isakmp.tf.id.integ",
                                                     "isakmp.tf.id.dh"])
        r = rows[0]
        esp = tshark(CAP_IKE, "esp", ["frame.time_epoch", "ipv6.src"])
        tshark_group("ikev2.capture (tshark IKE_SA_INIT)", [
            ("IKE peers", {r[1], r[2]}, peers),
            ("version", int(r[3], 16), 0x20),
            ("ENCR", int(r[4]), facts["encr"]),
            ("key length", int(r[5]), facts["keylen"]),
            ("PRF", int(r[6]), facts["prf"]),
            ("INTEG", int(r[7]), facts["integ"]),
            ("D-H", int(r[8]), facts["dh"]),
            ("ESP seen", bool(esp), True)])
    pair = [j for j in ALL_JSON["ikev2"] if j["record"] == "detail" and j.get("ip_proto") == "esp"]
    group("ikev2 (arkime/IKEv2 ESP peer pair): JSON-only connection", [
        ("events", [j["event"] for j in pair], ["init", "term"]),
        ("in_smf", [j.get("in_smf") for j in pair], [False, False]),
        ("{local, remote}", [{j["local"]["ip"], j["remote"]["ip"]} for j in pair], [peers, peers]),
        ("no subtype 11 record in zert.smf for the pair",
         [j for j in recs if j["record"] == "detail" and j.get("ip_proto") == "esp"], [])])
    if len(pair) == 2:
        t = pair[1]
        ip = t["ipsec"]
        checks = [
            ("ike_version", ip["ike_version"], facts["ver"]),
            ("encr", ip["encr"], names["encr"][facts["encr"]]),
            ("key_bits", ip["key_bits"], facts["keylen"]),
            ("prf", ip["prf"], names["prf"][facts["prf"]]),
            ("integ", ip["integ"], names["integ"][facts["integ"]]),
            ("dh_group", ip["dh_group"], facts["dh"])]
        if esp:
            local = t["local"]["ip"]
            checks += [
                ("segs_in = ESP packets to local", t["segs_in"], sum(1 for e in esp if e[1] != local)),
                ("segs_out = ESP packets from local", t["segs_out"],
                 sum(1 for e in esp if e[1] == local))]
        tshark_group("ikev2 term (JSON) vs capture (tshark)", checks)
    sums = [j for j in ALL_JSON["ikev2"] if j["record"] == "summary" and j.get("ip_proto") == "esp"]
    group("ikev2 summary: JSON-only session", [
        ("protocol", [j["protocol"] for j in sums], ["ipsec"]),
        ("in_smf", [j.get("in_smf") for j in sums], [False])])


# ---- AH (pcaps/ah-tls12.pcap): a TLS 1.2 connection under AH, ip_proto 6 --------------------

AH_SERVER = ("192.0.2.20", 44302)
AH_CLIENT = ("192.0.2.10", 35214)


def ah_all():
    """A TCP connection protected by TLS and by AH: one subtype 11 record with the TLS and
    the IPsec sections, and a TLS and an IPsec subtype 12 session for it."""
    smf, recs = run(CAP_AH, "ah")
    name = "ah (ah-tls12 :44302 <- :35214)"
    got = find_detail(smf, recs, AH_SERVER[1], "short_term", AH_CLIENT[0])
    if not got:
        fatal_group(name, "no subtype 11 short_term record with SALPort 44302")
        return
    rec, j = got
    cert = j["tls"]["server_cert"]
    check_frame(name, rec, j, 11, {0: 64, 1: 128, 3: 168, 5: 236},
                [(5, cert["subject"]), (6, cert["issuer"])])
    s = check_s1_detail(name, rec, j, 6, AH_SERVER, AH_CLIENT)
    group(f"{name}.S1 protection", [
        ("SASecProtos [1] TLS | IPsec", s[1], 0x80 | 0x20),
        ("JSON protection", j["protection"], ["tls", "ipsec"])])
    p = section(rec, 5)
    group(f"{name}.S5 IPsec (§3.5): AH seen, no IKE seen", [
        ("IKETunID [0]", be(p, 0, 4), 0),
        ("IKEMajVer/MinVer [4..5] unknown", p[4:6], b"\0\0"),
        ("IKETunKeyExchRule [8] blanks", p[8:56], ebc("", 48)),
        ("IKE endpoints, methods, algorithms [56..111] unknown", p[56:112], b"\0" * 56),
        ("certificate blocks [112..207]", p[112:208], b"\0" * 96),
        ("TunID [208]", be(p, 208, 4), 0),
        ("TunFlags [212] IPv4", p[212], 0),
        ("TunType [213] unknown (no IKE seen)", p[213], 0),
        ("AuthProto [217] AH", p[217], 51),
        ("AuthAlg/EncAlg/PFSGroup [218..223] unknown", p[218:224], b"\0" * 6)])
    got = None
    for rec, j in zip(smf, recs):
        if be(rec, 22, 2) == 12 and j["record"] == "summary" and j.get("protocol") == "ipsec":
            got = (rec, j)
    name = "ah.summary (subtype 12, IPsec session of the TCP connection)"
    if not got:
        fatal_group(name, "no subtype 12 IPsec record")
        return
    rec, j = got
    check_frame(name, rec, j, 12, {0: 64, 1: 204, 4: 74}, [])
    check_s1_summary(name, rec, j, 6, 0x20, 0x40, AH_SERVER, AH_CLIENT[0], AH_SERVER[1], "I")
    p = section(rec, 4)
    group(f"{name}.S4 IPsec summary (§4.4)", [
        ("IKE fields [0..65] unknown", p[0:66], b"\0" * 66),
        ("PFSGroup [66]", be(p, 66, 2), 0),
        ("EncapMode [68]", p[68], 0),
        ("AuthProto [69] AH", p[69], 51),
        ("AuthAlg/EncAlg [70..73]", p[70:74], b"\0" * 4)])


# ---- the z/OS 2.5 form (smf_zos25 = yes): subtype 11 with 8 triplets, the 8th zeroed --------


def zos25_form():
    conf = os.path.join(TMP, "zos25.conf")
    with open(conf, "w") as f:
        f.write("smf_zos25 = yes\n")
    out = os.path.join(TMP, "zos25")
    os.makedirs(out)
    subprocess.run([SENSOR, "-r", CAP_QUICK, "-q", "-c", conf, "-o", out], check=True)
    with open(os.path.join(out, "zert.smf"), "rb") as f:
        data = f.read()
    with open(os.path.join(TMP, "quickstart", "zert.smf"), "rb") as f:
        seven = f.read()
    recs, off = [], 0
    while off + 4 <= len(data):
        ln = be(data, off, 2)
        recs.append(data[off:off + ln])
        off += ln
    st11 = [r for r in recs if be(r, 22, 2) == 11]
    st12 = [r for r in recs if be(r, 22, 2) == 12]
    s7 = [r[84:92] for r in st11]  # SMF119S7Off/Len/Num after seven 8-byte triplets (§1.2)
    group("zos25 (quickstart, smf_zos25 = yes)", [
        ("subtype 11 TRN [24] 8", {be(r, 24, 2) for r in st11}, {8}),
        ("S7 triplet [84] zeroed", set(s7), {b"\0" * 8}),
        ("ID section right after the 8 triplets", {be(r, 28, 4) for r in st11}, {92}),
        ("subtype 12 TRN [24] stays 6", {be(r, 24, 2) for r in st12}, {6}),
        ("each subtype 11 record 8 bytes longer than the 7-triplet run",
         len(data) - len(seven), 8 * len(st11))])


# ---- EE (pcaps/ee-sample.pcap): UDP 12000-12004 ---------------------------------------------


def ee_all():
    smf, recs = run(CAP_EE, "ee")
    local, remote = ("10.1.1.2", 12000), ("10.1.1.1", 12000)
    first = None
    if TSHARK:
        rows = tshark(CAP_EE, "udp.port==12000 && ip.addr==10.1.1.1 && ip.addr==10.1.1.2",
                      ["frame.time_epoch", "ip.src", "ip.dst", "ip.proto", "udp.srcport",
                       "udp.dstport"])
        ports = tshark(CAP_EE, "udp", ["udp.dstport"])
        tshark_group("ee.capture (tshark)", [
            ("IP protocol", int(rows[0][3]), 17),
            ("addresses", {rows[0][1], rows[0][2]}, {local[0], remote[0]}),
            ("ports", (int(rows[0][4]), int(rows[0][5])), (12000, 12000)),
            ("EE port range", (min(int(p[0]) for p in ports), max(int(p[0]) for p in ports)),
             (12000, 12004))])
        first = rows[0][0]
    # The capture ends while both EE connections are active: their term records are cut by
    # the end of the capture, JSON-only (docs/zert-model.md); zert.smf has their init records.
    cut = [j for j in ALL_JSON["ee"] if j["record"] == "detail" and j["event"] == "term"]
    group("ee term (cut by the end of the capture)", [
        ("terms", len(cut), 2),
        ("end_reason", {j.get("end_reason") for j in cut}, {"end_of_capture"}),
        ("in_smf", {j.get("in_smf") for j in cut}, {False})])
    if TSHARK:
        # an EE connection is the IP pair, all its EE port flows (docs/ee.md)
        t = [j for j in cut if j["local"]["ip"] == local[0] and j["remote"]["ip"] == remote[0]]
        dg = tshark(CAP_EE, f"udp && ip.addr=={local[0]} && ip.addr=={remote[0]}",
                    ["frame.time_epoch", "ip.src", "udp.length"])
        to_local = [int(r[2]) - 8 for r in dg if r[1] == remote[0]]
        from_local = [int(r[2]) - 8 for r in dg if r[1] == local[0]]
        t = t[0] if t else {}
        tshark_group("ee term (JSON, 10.1.1.2 <- 10.1.1.1) vs capture (tshark)", [
            ("end = last datagram", t.get("end", "")[:22],
             datetime.datetime.fromtimestamp(float(dg[-1][0]), datetime.timezone.utc)
             .strftime("%Y-%m-%dT%H:%M:%S.%f")[:22]),
            ("segs_in = datagrams to local", t.get("segs_in"), len(to_local)),
            ("bytes_in = UDP payload to local", t.get("bytes_in"), sum(to_local)),
            ("segs_out = datagrams from local", t.get("segs_out"), len(from_local)),
            ("bytes_out = UDP payload from local", t.get("bytes_out"), sum(from_local))])
    for event in ("init",):
        name = f"ee {event} (ee-sample UDP 12000, 10.1.1.2 <- 10.1.1.1)"
        got = find_detail(smf, recs, 12000, event, remote[0])
        if not got:
            fatal_group(name, f"no subtype 11 record with SALPort 12000, event {event}")
            continue
        rec, j = got
        check_frame(name, rec, j, 11, {0: 64, 1: 128}, [])
        s = check_s1_detail(name, rec, j, 17, local, remote)
        if first:
            checks = [("SASTime = first datagram", be(s, 32, 4), hundredths(epoch_dt(first)))]
            if event == "term":
                # an EE connection is the IP pair, all its EE port flows (docs/ee.md)
                dg = tshark(CAP_EE, f"udp && ip.addr=={local[0]} && ip.addr=={remote[0]}",
                            ["frame.time_epoch", "ip.src", "udp.length"])
                to_local = [int(r[2]) - 8 for r in dg if r[1] == remote[0]]
                from_local = [int(r[2]) - 8 for r in dg if r[1] == local[0]]
                checks += [
                    ("SAETime = last datagram", be(s, 40, 4), hundredths(epoch_dt(dg[-1][0]))),
                    ("SAInSegDG = datagrams to local", be(s, 104, 8), len(to_local)),
                    ("SAInBytes = UDP payload to local", be(s, 88, 8), sum(to_local)),
                    ("SAOutSegDG = datagrams from local", be(s, 112, 8), len(from_local)),
                    ("SAOutBytes = UDP payload from local", be(s, 96, 8), sum(from_local))]
            tshark_group(f"{name}.S1 vs capture (tshark)", checks)
    name = "ee.summary (subtype 12, 10.1.1.2 UDP 12000-12004)"
    got = find_summary(smf, recs, 12000, local[0], remote[0])
    if not got:
        fatal_group(name, "no subtype 12 record for the EE session")
        return
    rec, j = got
    check_frame(name, rec, j, 12, {0: 64, 1: 204}, [])
    # EE: local z/OS peer view (neither server nor client flag), no protection, port range
    check_s1_summary(name, rec, j, 17, 0x00, 0x00, local, remote[0], 12004, "N")


def main():
    for cap in (CAP_QUICK, CAP_EE, CAP_SSH, CAP_IKE, CAP_AH):
        if not os.path.exists(cap):
            raise SystemExit(f"missing capture {cap}")
    if TSHARK is None:
        # the project's rule (tests/cmake/tls.cmake): a missing oracle fails the test. The
        # offset checks still run, with the capture facts as documented in this file.
        fatal_group("tshark", "not installed (conf/install-deps.sh --test): no capture "
                    "cross-checks")
    try:
        for case in (tls_all, ssh_all, ike_all, ah_all, ee_all, zos25_form):
            try:
                case()
            except Exception as e:  # a missing section or field: a failure, not a crash
                import traceback
                traceback.print_exc()
                fatal_group(case.__name__, f"aborted: {e!r}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
