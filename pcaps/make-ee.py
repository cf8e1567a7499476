#!/usr/bin/env python3
"""make-ee.py - synthesise Enterprise Extender (SNA HPR over UDP) traffic as a classic pcap.

No public EE capture exists (../shared/spec/ee-zert-ipsec.md A.6), so this script writes one
from the layouts in spec A.2 (the ones tshark 4.0.17 was checked against in A.2.6), and a JSON
manifest of what every frame was meant to carry, so tests can hold both tshark and the sensor to
the intent (tests/tools/compare_ee.py).

Traffic (Ethernet / IPv4 / UDP, correct IPv4 and UDP checksums, fixed timestamps):
  connection 1: 10.1.1.1 (z/OS, SAP 0x04) <-> 10.1.1.2 (SAP 0x08)
    12000  XID3 exchange, XID_DONE request/response (FR NLP, FT=1), LDLC TEST keepalives,
           DISC / DM at the end
    12001  Route Setup request/reply (GDS 0x12CE), a CP-CP RTP pipe (network priority)
    12002  RTP pipe: setup (SETUPI + 0x0D + 0x10 + ARB setup), FID5 data both ways, status
           (0x0E) + ARB (0x22) replies, teardown through 0x0F client out-of-band bits
    12003  RTP pipe: setup, a message split into two NLPs (an HPR continuation fragment)
    12004  RTP pipe set up by the partner, a lost NLP (BSN gap) and a gap-detected status,
           teardown by the partner
  connection 2: 10.1.1.3 (SAP 0x40) -> 10.1.1.1 (SAP 0x0C), initiated by the partner
    12000  XID3 (null-poll form 0xAF), XID_DONE, TEST 0xE3, DISC 0x43 / DM 0x0F
    12002  RTP pipe using the HPR SAP 0xC8, setup, data, teardown

Usage: make-ee.py [--out pcaps/ee-sample.pcap] [--manifest pcaps/ee-sample.expected.json]
Python 3 standard library only; the output is byte-for-byte reproducible.
"""
import argparse
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

BASE = 12000
PORT_XID, PORT_NET, PORT_HIGH, PORT_MED, PORT_LOW = range(BASE, BASE + 5)
TPF_BY_PORT = {PORT_NET: 3, PORT_HIGH: 2, PORT_MED: 1, PORT_LOW: 0}

# LLC U-frame control bytes (spec A.2.1)
UI, XID, XID_P, TEST, TEST_P, DISC, DISC_P, DM, DM_F = 0x03, 0xAF, 0xBF, 0xE3, 0xF3, 0x43, 0x53, \
    0x0F, 0x1F

# THDR byte 8 / byte 9 flags (spec A.2.2)
SETUPI, SOMI, EOMI, SRI, RASAPI, RETRYI = 0x40, 0x20, 0x10, 0x08, 0x04, 0x02
LMI, CQFI, OSI = 0x80, 0x08, 0x04

START_TS = 1700000000  # 2023-11-14T22:13:20Z, fixed so the file is reproducible


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_bytes(dotted):
    return bytes(int(x) for x in dotted.split("."))


def mac_of(dotted):
    return bytes([0x02, 0x00]) + ip_bytes(dotted)


class Capture:
    """Frames in time order, plus the manifest entry of each."""

    def __init__(self):
        self.frames = []  # (ts_us, bytes)
        self.manifest = []
        self.ts_us = START_TS * 1000000
        self.ip_id = 0x1000

    def udp(self, src, dst, sport, dport, payload, gap_ms=5):
        self.ts_us += gap_ms * 1000
        udp_len = 8 + len(payload)
        pseudo = ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, 17, udp_len)
        uh = struct.pack("!HHHH", sport, dport, udp_len, 0)
        uck = csum16(pseudo + uh + payload) or 0xFFFF
        uh = struct.pack("!HHHH", sport, dport, udp_len, uck)
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        # IP precedence by priority (spec A.1): signalling/network 110, high 100, medium 010,
        # low 001
        prec = {PORT_XID: 6, PORT_NET: 6, PORT_HIGH: 4, PORT_MED: 2, PORT_LOW: 1}.get(dport, 0)
        ih = struct.pack("!BBHHHBBH4s4s", 0x45, prec << 5, 20 + udp_len, self.ip_id, 0x4000, 64,
                         17, 0, ip_bytes(src), ip_bytes(dst))
        ih = ih[:10] + struct.pack("!H", csum16(ih)) + ih[12:]
        eth = mac_of(dst) + mac_of(src) + struct.pack("!H", 0x0800)
        frame = eth + ih + uh + payload
        self.frames.append((self.ts_us, frame))
        return len(self.frames)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, fr in self.frames:
                f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
                f.write(fr)


# --- SNA / HPR building blocks -------------------------------------------------------------

def ebcdic(text):
    return text.encode("cp037")


def xid3(idblk_num, tg, cp_name):
    """An XID format 3, type 2 (T2.1 node) with a CP name CV 0x0E and HPR capabilities CV 0x61."""
    fixed = bytes([0x00, 0x00,      # reserved
                   0x0B, 0x30,      # bind/ACTPU bits, network node, CP-CP sessions supported
                   0x00, 0x00, 0x00,
                   0x00, 0x00,      # reserved
                   0x00,            # byte 15
                   tg,              # TG number
                   0x10,            # DLC type
                   0x04, 0x80, 0x05, 0xDC])  # DLC-dependent section: length 4, max BTU 1500
    name = ebcdic(cp_name)
    cvs = bytes([0x0E, len(name) + 1, 0xF4]) + name + bytes([0x61, 0x02, 0xC0, 0x00])
    body = fixed + cvs
    return bytes([0x32, 6 + len(body)]) + struct.pack("!I", idblk_num) + body


def nhdr(sm, tpf, ft=0, labels=b"\x80\x01"):
    b0 = (sm << 5) | (tpf << 1)
    return bytes([b0, ft << 4]) + labels + b"\xff" + b"\x00"


def seg(typ, body):
    """An optional segment: [len in 4-byte words][type] body, padded to a word boundary."""
    raw = bytes([0, typ]) + body
    raw += b"\0" * (-len(raw) % 4)
    return bytes([len(raw) // 4]) + raw[1:]


def seg_setup(arb=True):
    return seg(0x0D, struct.pack("!H", 0x0101) + bytes([(0x10 if arb else 0) | 0x08, 0, 0, 0]))


def seg_tcid(tcid):
    return seg(0x10, b"\0\0" + tcid)


def seg_status(gap=False, idle=False, rseq=0, report=1, ack=1):
    stat = (0x80 if gap else 0) | (0x40 if idle else 0)
    return seg(0x0E, bytes([stat, 0]) + struct.pack("!HHI", report, ack, rseq) + b"\0" * 8)


def seg_oob(bits):
    return seg(0x0F, struct.pack("!H", bits))


def seg_arb(kind, rate=0x00012000):
    """ARB segment: kind 0 = setup (5 words), 1 = rate request, 2 = rate reply (3 words)."""
    b2 = (kind << 6) | 0x01
    if kind == 0:
        return seg(0x22, bytes([b2, 0x11]) + struct.pack("!IIII", rate, rate, 0, 0))
    return seg(0x22, bytes([b2, 0x11]) + struct.pack("!II", rate, 0))


def fid5(snf, sa, rh, ru):
    return bytes([0x5C, 0x00]) + struct.pack("!H", snf) + sa + rh + ru


def route_setup_gds(reply):
    body = bytes([0x08 if reply else 0x04, 0x2B, 0x00, 0x00]) + bytes(range(0x40, 0x4C))
    return struct.pack("!HH", 4 + len(body), 0x12CE) + body


# --- the scenario ---------------------------------------------------------------------------

class Builder:
    def __init__(self):
        self.cap = Capture()
        self.bsn = {}  # (src ip, tcid) -> next BSN

    def emit(self, conn, src, dst, port, llc, payload, info):
        n = self.cap.udp(src, dst, port, port, bytes(llc) + payload, info.pop("gap_ms", 5))
        entry = {"frame": n, "conn": conn, "src": src, "dst": dst, "sport": port, "dport": port,
                 "dsap": llc[0], "ssap": llc[1], "control": llc[2]}
        entry.update(info)
        self.cap.manifest.append(entry)
        return entry

    def llc_frame(self, conn, src, dst, port, dsap, ssap, ctl, kind, payload=b"", **extra):
        info = {"kind": kind}
        info.update(extra)
        return self.emit(conn, src, dst, port, (dsap, ssap, ctl), payload, info)

    def xid_done(self, conn, src, dst, dsap, ssap, frh):
        nh = nhdr(5, 3, ft=1, labels=b"\x12")
        info = {"kind": "nlp", "sm": 5, "tpf": 3, "ft": 1, "frh": frh}
        return self.emit(conn, src, dst, PORT_XID, (dsap, ssap, UI), nh + bytes([frh]), info)

    def nlp(self, conn, src, dst, port, saps, tcid, f8, f9=0, segs=(), data=b"", kind="nlp",
            lost=False, **extra):
        """One ANR NLP with a THDR; BSN runs per (sender, TCID)."""
        tpf = TPF_BY_PORT[port]
        opt = b"".join(s for _, s in segs)
        if opt:
            f9 |= OSI
        thdr_len = 20 + len(opt)
        assert thdr_len % 4 == 0
        key = (src, tcid)
        bsn = self.bsn.get(key, 0)
        self.bsn[key] = bsn + len(data)
        thdr = tcid + bytes([f8, f9]) + struct.pack("!HII", thdr_len // 4, len(data), bsn)
        if lost:  # the sender sent it, the capture never saw it: only the BSN moves on
            return None
        info = {"kind": kind, "sm": 6, "tpf": tpf, "ft": 0, "tcid": tcid.hex(), "thdr8": f8,
                "thdr9": f9, "offset": thdr_len // 4, "dlf": len(data), "bsn": bsn,
                "opt_types": [t for t, _ in segs]}
        for t, raw in segs:
            if t == 0x10:
                info["peer_tcid"] = raw[4:12].hex()
            elif t == 0x0F:
                info["oob_bits"] = struct.unpack("!H", raw[2:4])[0]
            elif t == 0x0E:
                info["status_flags"] = raw[2]
            elif t == 0x22:
                info["arb_type"] = raw[2] >> 6
        info.update(extra)
        return self.emit(conn, src, dst, port, (saps[0], saps[1], UI),
                         nhdr(6, tpf) + thdr + opt + data, info)


def build():
    b = Builder()
    zos, part, part2 = "10.1.1.1", "10.1.1.2", "10.1.1.3"

    # ---- connection 1: z/OS (SAP 04) <-> partner (SAP 08) ----
    c = 1
    # link activation on the signalling port: XID3 both ways, then XID_DONE
    b.llc_frame(c, zos, part, PORT_XID, 0x08, 0x04, XID_P, "xid",
                xid3(0x05D00001, 0x15, "NETA.ZOSA"),
                xid_format=3, xid_type=2)
    b.llc_frame(c, part, zos, PORT_XID, 0x04, 0x09, XID_P, "xid",
                xid3(0x05D00002, 0x15, "NETA.PARTB"),
                xid_format=3, xid_type=2)
    b.xid_done(c, zos, part, 0x08, 0x04, 0x03)
    b.xid_done(c, part, zos, 0x04, 0x08, 0x04)
    b.llc_frame(c, zos, part, PORT_XID, 0x08, 0x04, TEST_P, "test", b"LDLC")
    b.llc_frame(c, part, zos, PORT_XID, 0x04, 0x09, TEST_P, "test", b"LDLC")

    saps = (0x08, 0x04)      # z/OS -> partner
    rsaps = (0x04, 0x08)     # partner -> z/OS (UI frames are commands: C/R bit clear)
    sa1 = bytes.fromhex("0001000200030004")

    # network priority (12001): route setup, then the CP-CP sessions pipe
    rs_a, rs_b = bytes.fromhex("00000000000a0001"), bytes.fromhex("00000000000b0001")
    b.nlp(c, zos, part, PORT_NET, saps, rs_a, SOMI | EOMI, data=route_setup_gds(False),
          kind="route_setup", gds_type=0x12CE)
    b.nlp(c, part, zos, PORT_NET, rsaps, rs_b, SOMI | EOMI, data=route_setup_gds(True),
          kind="route_setup", gds_type=0x12CE)
    cp_a, cp_b = bytes.fromhex("0000000100a10001"), bytes.fromhex("0000000200b10001")
    bind = bytes([0x6B, 0x80, 0x00]) + b"\x31\x01\x03\x03\xB1\xB0\x30\x80"
    b.nlp(c, zos, part, PORT_NET, saps, cp_a, SETUPI | SOMI | EOMI,
          segs=[(0x0D, seg_setup(False)), (0x10, seg_tcid(cp_a))],
          data=fid5(1, sa1, bytes([0x6B, 0x80, 0x00]), bind[3:]), fid5=True, sa=sa1.hex())
    b.nlp(c, part, zos, PORT_NET, rsaps, cp_a, SOMI | EOMI, segs=[(0x10, seg_tcid(cp_b))],
          data=fid5(1, sa1, bytes([0xEB, 0x80, 0x00]), b"\x31"), fid5=True, sa=sa1.hex())
    b.nlp(c, zos, part, PORT_NET, saps, cp_b, SOMI | EOMI,
          data=fid5(2, sa1, bytes([0x03, 0x80, 0x00]), ebcdic("CP-CAPS")), fid5=True,
          sa=sa1.hex())

    # high priority (12002): the main pipe
    ta, tb = bytes.fromhex("0000000100a20001"), bytes.fromhex("0000000200b20001")
    sa2 = bytes.fromhex("0002000500060007")
    b.nlp(c, zos, part, PORT_HIGH, saps, ta, SETUPI | SOMI | EOMI,
          segs=[(0x0D, seg_setup()), (0x10, seg_tcid(ta)), (0x22, seg_arb(0))],
          data=fid5(1, sa2, bytes([0x6B, 0x80, 0x00]), bind[3:]), fid5=True, sa=sa2.hex())
    b.nlp(c, part, zos, PORT_HIGH, rsaps, ta, SOMI | EOMI,
          segs=[(0x10, seg_tcid(tb)), (0x22, seg_arb(0))],
          data=fid5(1, sa2, bytes([0xEB, 0x80, 0x00]), b"\x31"), fid5=True, sa=sa2.hex())
    for i in range(3):
        b.nlp(c, zos, part, PORT_HIGH, saps, tb, SOMI | EOMI,
              data=fid5(2 + i, sa2, bytes([0x03, 0x80, 0x00]), ebcdic("QUERY %03d " % i) * 4),
              fid5=True, sa=sa2.hex())
    b.nlp(c, part, zos, PORT_HIGH, rsaps, ta, SOMI | EOMI,
          data=fid5(2, sa2, bytes([0x03, 0x80, 0x00]), ebcdic("RESULT SET 1 " * 20)), fid5=True,
          sa=sa2.hex())
    b.nlp(c, part, zos, PORT_HIGH, rsaps, ta, SOMI | EOMI | SRI,
          segs=[(0x22, seg_arb(1))],
          data=fid5(3, sa2, bytes([0x03, 0x80, 0x00]), ebcdic("RESULT SET 2 " * 30)), fid5=True,
          sa=sa2.hex())
    # status + ARB rate reply: pure RTP control (offset 13, DLF 0: the SHARE filter in A.2.2)
    b.nlp(c, zos, part, PORT_HIGH, saps, tb, 0,
          segs=[(0x0E, seg_status(rseq=b.bsn.get((part, ta), 0))), (0x22, seg_arb(2))])
    b.llc_frame(c, zos, part, PORT_XID, 0x08, 0x04, TEST_P, "test", b"LDLC", gap_ms=500)
    b.llc_frame(c, part, zos, PORT_XID, 0x04, 0x09, TEST_P, "test", b"LDLC")
    b.nlp(c, part, zos, PORT_HIGH, rsaps, ta, 0, segs=[(0x0E, seg_status(idle=True, report=2,
                                                                         ack=2))])

    # medium priority (12003): a message in two NLPs (continuation fragment)
    tc, td = bytes.fromhex("0000000100a30001"), bytes.fromhex("0000000200b30001")
    sa3 = bytes.fromhex("0003000800090010")
    b.nlp(c, zos, part, PORT_MED, saps, tc, SETUPI | SOMI | EOMI,
          segs=[(0x0D, seg_setup()), (0x10, seg_tcid(tc))],
          data=fid5(1, sa3, bytes([0x6B, 0x80, 0x00]), bind[3:]), fid5=True, sa=sa3.hex())
    b.nlp(c, part, zos, PORT_MED, rsaps, tc, SOMI | EOMI, segs=[(0x10, seg_tcid(td))],
          data=fid5(1, sa3, bytes([0xEB, 0x80, 0x00]), b"\x31"), fid5=True, sa=sa3.hex())
    b.nlp(c, zos, part, PORT_MED, saps, td, SOMI,
          data=fid5(2, sa3, bytes([0x03, 0x80, 0x00]), ebcdic("FILE PART A " * 40)), fid5=True,
          sa=sa3.hex())
    b.nlp(c, zos, part, PORT_MED, saps, td, EOMI, data=ebcdic("FILE PART B " * 25),
          kind="fragment")
    b.nlp(c, part, zos, PORT_MED, rsaps, tc, SOMI | EOMI,
          data=fid5(2, sa3, bytes([0x83, 0x00, 0x00]), b""), fid5=True, sa=sa3.hex())

    # low priority (12004): set up by the partner, one NLP lost, gap reported, partner tears down
    te, tf = bytes.fromhex("0000000200b40001"), bytes.fromhex("0000000100a40001")
    sa4 = bytes.fromhex("0004001100120013")
    b.nlp(c, part, zos, PORT_LOW, rsaps, te, SETUPI | SOMI | EOMI,
          segs=[(0x0D, seg_setup()), (0x10, seg_tcid(te))],
          data=fid5(1, sa4, bytes([0x6B, 0x80, 0x00]), bind[3:]), fid5=True, sa=sa4.hex())
    b.nlp(c, zos, part, PORT_LOW, saps, te, SOMI | EOMI, segs=[(0x10, seg_tcid(tf))],
          data=fid5(1, sa4, bytes([0xEB, 0x80, 0x00]), b"\x31"), fid5=True, sa=sa4.hex())
    for i in range(4):
        b.nlp(c, part, zos, PORT_LOW, rsaps, tf, SOMI | EOMI,
              data=fid5(2 + i, sa4, bytes([0x03, 0x80, 0x00]), ebcdic("BATCH REC %02d " % i) * 8),
              fid5=True, sa=sa4.hex(), lost=(i == 1))
    b.nlp(c, zos, part, PORT_LOW, saps, te, SOMI | EOMI | SRI,
          segs=[(0x0E, seg_status(gap=True, rseq=115))])
    b.nlp(c, part, zos, PORT_LOW, rsaps, tf, 0, f9=LMI, segs=[(0x0F, seg_oob(0x0001))])
    b.nlp(c, zos, part, PORT_LOW, saps, te, 0, f9=LMI, segs=[(0x0F, seg_oob(0x8000))])

    # teardown of the high-priority pipe by z/OS, then the CP-CP pipe stays up until DISC
    b.nlp(c, zos, part, PORT_HIGH, saps, tb, 0, f9=LMI, segs=[(0x0F, seg_oob(0x0001))])
    b.nlp(c, part, zos, PORT_HIGH, rsaps, ta, 0, f9=LMI, segs=[(0x0F, seg_oob(0x8000))])

    # ---- connection 2: partner 10.1.1.3 (SAP 40) initiates to z/OS (SAP 0C) ----
    c = 2
    b.llc_frame(c, part2, zos, PORT_XID, 0x0C, 0x40, XID, "xid",
                xid3(0x05D00003, 0x02, "NETB.PARTC"),
                xid_format=3, xid_type=2)
    b.llc_frame(c, zos, part2, PORT_XID, 0x40, 0x0D, XID, "xid",
                xid3(0x05D00001, 0x02, "NETA.ZOSA"),
                xid_format=3, xid_type=2)
    b.xid_done(c, part2, zos, 0x0C, 0x40, 0x03)
    b.xid_done(c, zos, part2, 0x40, 0x0C, 0x04)
    b.llc_frame(c, part2, zos, PORT_XID, 0x0C, 0x40, TEST, "test", b"")
    b.llc_frame(c, zos, part2, PORT_XID, 0x40, 0x0D, TEST, "test", b"")
    hpr = (0xC8, 0xC8)
    tg, th = bytes.fromhex("0000000300c20001"), bytes.fromhex("0000000100a20002")
    sa5 = bytes.fromhex("0005002100220023")
    b.nlp(c, part2, zos, PORT_HIGH, hpr, tg, SETUPI | SOMI | EOMI,
          segs=[(0x0D, seg_setup(False)), (0x10, seg_tcid(tg))],
          data=fid5(1, sa5, bytes([0x6B, 0x80, 0x00]), bind[3:]), fid5=True, sa=sa5.hex())
    b.nlp(c, zos, part2, PORT_HIGH, hpr, tg, SOMI | EOMI, segs=[(0x10, seg_tcid(th))],
          data=fid5(1, sa5, bytes([0xEB, 0x80, 0x00]), b"\x31"), fid5=True, sa=sa5.hex())
    b.nlp(c, part2, zos, PORT_HIGH, hpr, th, SOMI | EOMI,
          data=fid5(2, sa5, bytes([0x03, 0x80, 0x00]), ebcdic("HELLO")), fid5=True, sa=sa5.hex())
    b.nlp(c, part2, zos, PORT_HIGH, hpr, th, 0, f9=LMI, segs=[(0x0F, seg_oob(0x0001))])
    b.nlp(c, zos, part2, PORT_HIGH, hpr, tg, 0, f9=LMI, segs=[(0x0F, seg_oob(0x8000))])
    b.llc_frame(c, zos, part2, PORT_XID, 0x40, 0x0C, DISC, "disc")
    b.llc_frame(c, part2, zos, PORT_XID, 0x0C, 0x41, DM, "dm")

    # ---- connection 1 ends: DISC / DM on the signalling port ----
    c = 1
    b.llc_frame(c, zos, part, PORT_XID, 0x08, 0x04, DISC_P, "disc", gap_ms=200)
    b.llc_frame(c, part, zos, PORT_XID, 0x04, 0x09, DM_F, "dm")
    return b.cap


# --- what the capture was made with: per connection and per UDP flow ------------------------

PRIO = {3: "network", 2: "high", 1: "medium", 0: "low"}


def summarise(frames):
    """Expected per-flow and per-connection facts, computed from the frame list alone."""
    conns = {}
    for f in frames:
        c = conns.setdefault(f["conn"], {"conn": f["conn"], "frames": []})
        c["frames"].append(f)
    out = []
    for cid in sorted(conns):
        fl = conns[cid]["frames"]
        first = fl[0]
        a, b_ = first["src"], first["dst"]
        flows = {}
        for f in fl:
            fk = (f["sport"], f["dport"])
            flows.setdefault(fk, []).append(f)
        flow_out = []
        all_pipes = []
        saps = set()
        for fk in sorted(flows):
            ff = flows[fk]
            client = ff[0]["src"]
            kinds = {}
            for f in ff:
                k = {"nlp": "ui", "route_setup": "ui", "fragment": "ui"}.get(f["kind"], f["kind"])
                kinds[k] = kinds.get(k, 0) + 1
            fsaps = set()
            for f in ff:
                mine, theirs = (f["ssap"] & 0xFE, f["dsap"]) if f["src"] == a else \
                    (f["dsap"], f["ssap"] & 0xFE)
                fsaps.add("%02x-%02x" % (mine, theirs))
            saps |= fsaps
            pipes = pipe_sets(ff, a)
            all_pipes += pipes
            nlps = [f for f in ff if "sm" in f]
            bytes_by = {}
            for f in nlps:
                if "dlf" in f:
                    p = PRIO[f["tpf"]]
                    bytes_by[p] = bytes_by.get(p, 0) + f["dlf"]
            flow_out.append({
                "ports": sorted({fk[0], fk[1]}),
                "client": client,
                "frames": len(ff),
                "frames_by_type": kinds,
                "saps": sorted(fsaps),
                "nlp_count": len(nlps),
                "priorities": sorted({PRIO[f["tpf"]] for f in nlps}),
                "dlf_bytes_by_priority": bytes_by,
                "route_setups": sum(1 for f in ff if f["kind"] == "route_setup"),
                "xid_seen": any(f["kind"] == "xid" or "frh" in f for f in ff),
                "disc_seen": any(f["kind"] == "disc" for f in ff),
                "pipes": pipes,
                "rtp_pipes": len(pipes),
                "pipes_setup": sum(1 for p in pipes if p["setup"]),
                "pipes_teardown": sum(1 for p in pipes if p["teardown"]),
                "bsn_gaps": bsn_gaps(ff),
            })
        out.append({"conn": cid, "ip_pair": [a, b_], "ports": sorted({p for f in flow_out
                                                                       for p in f["ports"]}),
                    "saps": sorted(saps), "rtp_pipes": len(all_pipes),
                    "pipes": all_pipes, "xid_seen": any(f["xid_seen"] for f in flow_out),
                    "disc_seen": any(f["disc_seen"] for f in flow_out), "flows": flow_out})
    return out


def pipe_sets(frames, a):
    """RTP pipes: (direction, TCID) nodes joined by 0x10 segments (spec A.2.4); route setup
    NLPs are not pipes. Directions are named from `a`, the connection's first sender."""
    nodes, links = [], []
    for f in frames:
        if "tcid" not in f or f["kind"] == "route_setup":
            continue
        d = "a2b" if f["src"] == a else "b2a"
        n = (d, f["tcid"])
        if n not in nodes:
            nodes.append(n)
        if f.get("peer_tcid"):
            links.append((n, ("b2a" if d == "a2b" else "a2b", f["peer_tcid"])))
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
        groups.setdefault(find(n), []).append(n)
    pipes = []
    for members in groups.values():
        mset = set(members)
        fr = [f for f in frames if "tcid" in f and f["kind"] != "route_setup"
              and (("a2b" if f["src"] == a else "b2a"), f["tcid"]) in mset]
        pipes.append({"tcids": sorted("%s:%s" % m for m in members),
                      "setup": any(f["thdr8"] & SETUPI or 0x0D in f["opt_types"] for f in fr),
                      "teardown": any(0x0F in f["opt_types"] for f in fr),
                      "nlps": len(fr), "dlf_bytes": sum(f["dlf"] for f in fr)})
    pipes.sort(key=lambda p: p["tcids"])
    return pipes


def bsn_gaps(frames):
    nxt, gaps = {}, 0
    for f in frames:
        if "bsn" not in f or f["kind"] == "route_setup":
            continue
        k = (f["src"], f["tcid"])
        if k in nxt and f["bsn"] > nxt[k]:
            gaps += 1
        nxt[k] = max(nxt.get(k, 0), f["bsn"] + f["dlf"])
    return gaps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "ee-sample.pcap"))
    ap.add_argument("--manifest", default=os.path.join(HERE, "ee-sample.expected.json"))
    args = ap.parse_args()
    cap = build()
    cap.write(args.out)
    manifest = {
        "generator": "pcaps/make-ee.py",
        "base_port": BASE,
        "frames": cap.manifest,
        "connections": summarise(cap.manifest),
    }
    with open(args.manifest, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
