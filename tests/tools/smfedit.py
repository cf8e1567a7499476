#!/usr/bin/env python3
"""smfedit.py - read, edit and write SMF 119 zERT dumps at the offsets of smf119-zert.md.

A test tool, independent of the C reader and writer: it builds "mainframe" dumps with known
differences from the sensor's own zert.smf (tests/tools/compare_mainframe.py). Standard library
only.

    records = smfedit.read(path)              # RDW stream or VBS blocks, detected
    smfedit.py shift IN OUT SECONDS           # every time of an RDW dump moved, streaming
    smfedit.write(path, records, "vbs")       # or "rdw"
    r = records[i]; r.subtype; r.event; r.local; r.start_us; r.get(sec, off, n); r.put(...)

Offsets: §1 header and triplets, §3 subtype 11 sections, §4 subtype 12 sections. Times in the
header are local time in the time zone the sensor wrote (the tests use UTC).
"""
import datetime
import struct

# sections by triplet index
ST11_S1, ST11_TLS, ST11_SSH, ST11_IPSEC = 1, 3, 4, 5
ST12_S1, ST12_TLS, ST12_SSH, ST12_IPSEC = 1, 2, 3, 4

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

# Code fields by space: (subtype, triplet, offset) of every 2-byte code of that IBM code list.
CODE_FIELDS = {
    "enc": [(11, ST11_TLS, 62), (11, ST11_SSH, 36), (11, ST11_SSH, 42), (11, ST11_IPSEC, 94),
            (12, ST12_TLS, 10), (12, ST12_SSH, 8), (12, ST12_SSH, 14), (12, ST12_IPSEC, 40)],
    "mac": [(11, ST11_TLS, 64), (11, ST11_SSH, 38), (11, ST11_SSH, 44), (11, ST11_IPSEC, 92),
            (12, ST12_TLS, 12), (12, ST12_SSH, 10), (12, ST12_SSH, 16), (12, ST12_IPSEC, 38)],
    "tls_kex": [(11, ST11_TLS, 66), (12, ST12_TLS, 14)],
    "cert_sig": [(11, ST11_TLS, 72), (11, ST11_TLS, 120), (12, ST12_TLS, 16), (12, ST12_TLS, 26)],
    "cert_enc": [(11, ST11_TLS, 74), (11, ST11_TLS, 122), (12, ST12_TLS, 18), (12, ST12_TLS, 28)],
    "cert_digest": [(11, ST11_TLS, 76), (11, ST11_TLS, 124), (12, ST12_TLS, 20),
                    (12, ST12_TLS, 30)],
    "cert_key": [(11, ST11_TLS, 116), (11, ST11_TLS, 164), (12, ST12_TLS, 22), (12, ST12_TLS, 32)],
    "ssh_kex": [(11, ST11_SSH, 40), (12, ST12_SSH, 12)],
    "ssh_key": [(11, ST11_SSH, 48), (12, ST12_SSH, 18)],
    "ike_auth": [(11, ST11_IPSEC, 88), (11, ST11_IPSEC, 90), (12, ST12_IPSEC, 34),
                 (12, ST12_IPSEC, 36)],
    "ike_prf": [(11, ST11_IPSEC, 98), (12, ST12_IPSEC, 44)],
}

EBCDIC_HEX = {c: 0xF0 + i for i, c in enumerate("0123456789")}
EBCDIC_HEX.update({c: 0xC1 + i for i, c in enumerate("ABCDEF")})
EBCDIC_BACK = {v: k for k, v in EBCDIC_HEX.items()}


def be(b, off, n):
    return int.from_bytes(b[off:off + n], "big")


def pack_date(dt):
    """0cyydddF of a datetime (its date)."""
    c = dt.year // 100 - 19
    yy = dt.year % 100
    ddd = dt.timetuple().tm_yday
    digits = "0%d%02d%03d" % (c, yy, ddd)
    return int(digits + "0", 16) | 0xF


def unpack_date(v):
    if v in (0, 0xF):
        return None
    s = "%08X" % v
    c, yy, ddd = int(s[1]), int(s[2:4]), int(s[4:7])
    year = 1900 + 100 * c + yy
    return datetime.datetime(year, 1, 1, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(days=ddd - 1)


def join_time(date, hundredths):
    d = unpack_date(date)
    if d is None:
        return None
    return d + datetime.timedelta(milliseconds=10 * hundredths)


def split_time(dt):
    midnight = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    h = int((dt - midnight) / datetime.timedelta(milliseconds=10))
    return pack_date(dt), h


class Rec:
    """One logical SMF record (RDW first) and where it started in its file."""

    def __init__(self, raw, off=0):
        self.raw = bytearray(raw)
        self.off = off

    @property
    def type(self):
        return self.raw[5]

    @property
    def subtype(self):
        return be(self.raw, 22, 2) if len(self.raw) >= 24 and self.type == 119 else None

    def triplet(self, i):
        at = 28 + 8 * i
        if be(self.raw, 24, 2) <= i:
            return (0, 0, 0)
        return (be(self.raw, at, 4), be(self.raw, at + 4, 2), be(self.raw, at + 6, 2))

    def has(self, sec):
        off, ln, num = self.triplet(sec)
        return off and ln and num

    def get(self, sec, off, n):
        base = self.triplet(sec)[0]
        return be(self.raw, base + off, n)

    def put(self, sec, off, n, v):
        base = self.triplet(sec)[0]
        self.raw[base + off:base + off + n] = v.to_bytes(n, "big")

    def drop_section(self, sec):
        """Mark a section absent (Off = Len = Num = 0), as a record without it."""
        at = 28 + 8 * sec
        self.raw[at:at + 8] = bytes(8)

    # ---- subtype 11 common section ----
    @property
    def event(self):
        if self.subtype == 11:
            return self.get(ST11_S1, 0, 1)
        if self.subtype == 12:
            return self.get(ST12_S1, 8, 1)
        return None

    @property
    def prot(self):
        return self.get(ST11_S1, 1, 1) if self.subtype == 11 else self.get(ST12_S1, 10, 1)

    def ip(self, sec, off, v6):
        b = bytes(self.raw[self.triplet(sec)[0] + off:][:16])
        if v6:
            return ":".join("%x" % be(b, i, 2) for i in range(0, 16, 2))
        return ".".join(str(x) for x in b[:4])

    @property
    def v6(self):
        return bool(self.get(ST11_S1, 2, 1) & 0x80) if self.subtype == 11 else \
            bool(self.get(ST12_S1, 9, 1) & 0x80)

    @property
    def local(self):
        return (self.ip(ST11_S1, 64, self.v6), self.get(ST11_S1, 82, 2))

    @property
    def remote(self):
        return (self.ip(ST11_S1, 48, self.v6), self.get(ST11_S1, 80, 2))

    @property
    def conn_key(self):
        """A subtype 11 connection: its endpoints, start and ConnID."""
        return (self.get(ST11_S1, 4, 1), self.local, self.remote,
                self.get(ST11_S1, 36, 4), self.get(ST11_S1, 32, 4), self.get(ST11_S1, 84, 4))

    @property
    def server(self):
        return (self.ip(ST12_S1, 28, self.v6), self.get(ST12_S1, 60, 2))

    @property
    def client(self):
        return self.ip(ST12_S1, 44, self.v6)

    def neg_cipher(self):
        sec, off = (ST11_TLS, 56) if self.subtype == 11 else (ST12_TLS, 4)
        if not self.has(sec):
            return None
        base = self.triplet(sec)[0] + off
        txt = "".join(EBCDIC_BACK.get(b, "") for b in self.raw[base:base + 4])
        return int(txt, 16) if len(txt) == 4 else None

    def set_neg_cipher(self, suite):
        sec, off = (ST11_TLS, 56) if self.subtype == 11 else (ST12_TLS, 4)
        base = self.triplet(sec)[0] + off
        self.raw[base:base + 4] = bytes(EBCDIC_HEX[c] for c in "%04X" % suite)

    # ---- times ----
    def header_time(self):
        return join_time(be(self.raw, 10, 4), be(self.raw, 6, 4))

    def shift(self, seconds):
        """Every time of the record moves by `seconds` (header, start, end; duration stays)."""
        delta = datetime.timedelta(seconds=seconds)

        def move(date_off, time_off, base=0):
            date, hs = be(self.raw, base + date_off, 4), be(self.raw, base + time_off, 4)
            t = join_time(date, hs)
            if t is None:
                return
            d, h = split_time(t + delta)
            self.raw[base + date_off:base + date_off + 4] = d.to_bytes(4, "big")
            self.raw[base + time_off:base + time_off + 4] = h.to_bytes(4, "big")

        move(10, 6)
        if self.subtype == 11:
            s1 = self.triplet(ST11_S1)[0]
            move(36, 32, s1)
            move(44, 40, s1)

    def remap(self, space, mapping):
        """Every code of `space` in `mapping` (old -> new) is replaced."""
        for st, sec, off in CODE_FIELDS[space]:
            if self.subtype != st or not self.has(sec):
                continue
            v = self.get(sec, off, 2)
            if v in mapping:
                self.put(sec, off, 2, mapping[v])

    def codes(self, space):
        out = []
        for st, sec, off in CODE_FIELDS[space]:
            if self.subtype == st and self.has(sec):
                out.append(self.get(sec, off, 2))
        return out


def other_record(rtype, when):
    """A record of another type (2: dump header, 3: dump trailer) with a header time."""
    d, h = split_time(when)
    raw = bytearray(24)
    raw[0:2] = (24).to_bytes(2, "big")
    raw[4], raw[5] = 0x5E, rtype
    raw[6:10] = h.to_bytes(4, "big")
    raw[10:14] = d.to_bytes(4, "big")
    raw[14:18] = bytes([0xE2, 0xE8, 0xE2, 0xC1])  # SYSA
    return Rec(raw)


def conn_groups(records):
    """Subtype 11 connection records (init, change, term, short_term) by connection:
    conn_key -> the indexes of its records in `records`."""
    groups = {}
    for i, r in enumerate(records):
        if r.subtype == 11 and r.event in (1, 2, 3, 4):
            groups.setdefault(r.conn_key, []).append(i)
    return groups


def finding_ident(f):
    """What names a finding of compare.jsonl in the tests: class, kind and its endpoints."""
    a = f.get("local") or f.get("server") or f.get("peer_a") or {}
    b = f.get("remote") or f.get("client") or f.get("peer_b") or {}
    return (f["class"], f["kind"], a.get("ip"), a.get("port"), b.get("ip"), b.get("port"))


# ---- files --------------------------------------------------------------------------------------


def read(path):
    data = open(path, "rb").read()
    if len(data) >= 8:
        n, z, m, ctl, rsv = be(data, 0, 2), be(data, 2, 2), be(data, 4, 2), data[6], data[7]
        if z == 0 and n >= 9 and 5 <= m <= n - 4 and ctl <= 1 and rsv == 0:
            return read_vbs(data)
    return read_rdw(data)


def read_rdw(data):
    out, pos = [], 0
    while pos < len(data):
        n = be(data, pos, 2)
        if n < 18 or pos + n > len(data):
            raise ValueError("bad RDW at offset %d" % pos)
        out.append(Rec(data[pos:pos + n], pos))
        pos += n
    return out


def read_vbs(data):
    out, pos, cur, cur_off = [], 0, None, 0
    while pos < len(data):
        blen = be(data, pos, 2)
        end, p = pos + blen, pos + 4
        while p < end:
            m, ctl = be(data, p, 2), data[p + 2] & 3
            seg = data[p + 4:p + m]
            if ctl in (0, 1):
                cur, cur_off = bytearray(seg), p
            else:
                cur += seg
            if ctl in (0, 2):
                rec = bytearray((len(cur) + 4).to_bytes(2, "big") + bytes(2)) + cur
                out.append(Rec(rec, cur_off))
                cur = None
            p += m
        pos = end
    return out


def write(path, records, fmt="rdw", blksize=27998):
    with open(path, "wb") as f:
        if fmt == "rdw":
            for r in records:
                f.write(bytes(r.raw))
            return
        block = bytearray()

        def flush():
            nonlocal block
            if block:
                f.write((len(block) + 4).to_bytes(2, "big") + bytes(2) + block)
                block = bytearray()

        for r in records:
            data = bytes(r.raw[4:])
            first = True
            while True:
                room = blksize - 4 - len(block) - 4
                if room < 1:
                    flush()
                    continue
                piece, data = data[:room], data[room:]
                last = not data
                ctl = 0 if first and last else 1 if first else 2 if last else 3
                block += (len(piece) + 4).to_bytes(2, "big") + bytes([ctl, 0]) + piece
                first = False
                if last:
                    break
                flush()
        flush()


def utc_us(dt):
    return int((dt - EPOCH) / datetime.timedelta(microseconds=1))


def shift_stream(src, dst, seconds):
    """Shift every record of an RDW dump by `seconds`, one record at a time (a day of records
    does not fit comfortably in a Python list). Returns the number of records."""
    n = 0
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        while True:
            hdr = fi.read(4)
            if len(hdr) < 4:
                return n
            ln = be(hdr, 0, 2)
            r = Rec(hdr + fi.read(ln - 4))
            if r.type == 119:
                r.shift(seconds)
            fo.write(bytes(r.raw))
            n += 1


if __name__ == "__main__":
    import sys
    if sys.argv[1] == "shift":
        print(shift_stream(sys.argv[2], sys.argv[3], float(sys.argv[4])))
        sys.exit(0)
    for r in read(sys.argv[1]):
        if r.subtype == 11:
            print(r.off, 11, r.event, r.prot, r.local, r.remote, "%04X" % (r.neg_cipher() or 0),
                  {s: r.codes(s) for s in CODE_FIELDS if r.codes(s)})
        elif r.subtype == 12:
            print(r.off, 12, r.event, r.prot, r.server, r.client,
                  {s: r.codes(s) for s in CODE_FIELDS if r.codes(s)})
        else:
            print(r.off, r.type, r.subtype)
