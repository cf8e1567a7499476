#!/usr/bin/env python3
"""make-capture-inputs.py - captures that exercise the capture reader and the tunnel decoders.

usage: make-capture-inputs.py OUTDIR [TLS_PCAP]

Writes into OUTDIR (nothing here is copied from elsewhere; every byte is made below):
  time-2038.pcap           classic pcap, little-endian, microseconds: one TCP connection in
                           2040 and one in 2100 (seconds >= 2^31: unsigned 32-bit in the file)
  time-2038-nsec-be.pcap   the same, big-endian with nanoseconds
  time-2038.pcapng         the same, the 2040 connection on an Ethernet interface with
                           if_tsresol 2^-6 s, the 2100 one on a raw-IP interface with 10^-9 s
                           and if_tsoffset
  time-saturate.pcapng     two UDP datagrams whose times the microsecond scale cannot hold
                           (2^64-1 us, and before 1970 through a negative if_tsoffset)
  ng-multi-le.pcapng       two interfaces of different link types (Ethernet, raw IP) and
  ng-multi-be.pcapng       snapshot lengths (65535, 128), both byte orders; with NRB, ISB, DSB,
                           custom and unknown blocks to skip, an SPB and an obsolete PB
  ng-sections.pcapng       two sections: little-endian Ethernet, then big-endian raw IP
  concat-a.pcap            two classic captures to concatenate (cat a b): Ethernet little-endian
  concat-b.pcap            microseconds, then raw IP big-endian nanoseconds, later in time
  ties-a.pcap, ties-b.pcap two captures whose packets share their times (merge order rule)
With TLS_PCAP (an Ethernet capture of IPv4 packets, e.g. pcaps/tls-plain12.pcap):
  tls-gtpu.pcap            each packet's IP datagram in GTP-U (UDP 2152, sequence number and
                           a PDU session container extension header)
  tls-geneve-eth.pcap      each frame in GENEVE (UDP 6081, two options, Ethernet payload)
  tls-geneve-ip.pcap       each IP datagram in GENEVE (protocol type IPv4)
"""
import datetime
import os
import struct
import sys

UTC = datetime.timezone.utc


def epoch_us(*args):
    d = datetime.datetime(*args, tzinfo=UTC)
    return (d - datetime.datetime(1970, 1, 1, tzinfo=UTC)) // datetime.timedelta(microseconds=1)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def l4sum(src, dst, proto, seg):
    return csum(bytes(src) + bytes(dst) + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def tcp(src, dst, sport, dport, seq, ack, flags, data=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    c = l4sum(src, dst, 6, h + data)
    return ipv4(src, dst, 6, h[:16] + struct.pack("!H", c) + h[18:] + data)


def udp(src, dst, sport, dport, data, csum_on=True):
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = l4sum(src, dst, 17, h + data) if csum_on else 0
    return ipv4(src, dst, 17, h[:6] + struct.pack("!H", c or 0xFFFF if csum_on else 0) + data)


def eth(ip, etype=0x0800):
    return bytes.fromhex("020000000002") + bytes.fromhex("020000000001") + struct.pack("!H", etype) + ip


def conversation(client, server, cport, sport, t0, step=1000):
    """A whole TCP connection as (time_us, IP datagram): handshake, a request, a reply, FINs."""
    c, s = 1000, 5000
    req, rep = b"Q" * 100, b"R" * 200
    pk = [
        (client, server, cport, sport, c, 0, 0x02, b""),
        (server, client, sport, cport, s, c + 1, 0x12, b""),
        (client, server, cport, sport, c + 1, s + 1, 0x10, b""),
        (client, server, cport, sport, c + 1, s + 1, 0x18, req),
        (server, client, sport, cport, s + 1, c + 101, 0x10, b""),
        (server, client, sport, cport, s + 1, c + 101, 0x18, rep),
        (client, server, cport, sport, c + 101, s + 201, 0x10, b""),
        (client, server, cport, sport, c + 101, s + 201, 0x11, b""),
        (server, client, sport, cport, s + 201, c + 102, 0x11, b""),
        (client, server, cport, sport, c + 102, s + 202, 0x10, b""),
    ]
    return [(t0 + i * step, tcp(*p)) for i, p in enumerate(pk)]


A = [10, 1, 0, 1]
B = [10, 1, 0, 2]
C = [192, 0, 2, 7]
D = [198, 51, 100, 9]

# ---- classic pcap ----


def write_pcap(path, frames, linktype=1, be=False, nsec=False):
    with open(path, "wb") as f:
        f.write(pcap_bytes(frames, linktype, be, nsec))


def pcap_bytes(frames, linktype=1, be=False, nsec=False):
    o = ">" if be else "<"
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = [struct.pack(o + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)]
    for t_us, data in frames:
        frac = (t_us % 1000000) * (1000 if nsec else 1)
        out.append(struct.pack(o + "IIII", t_us // 1000000, frac, len(data), len(data)) + data)
    return b"".join(out)


# ---- pcapng ----


class NG:
    def __init__(self, be=False):
        self.o = ">" if be else "<"
        self.out = []

    def block(self, btype, body):
        body += b"\0" * ((4 - len(body) % 4) % 4)
        n = 12 + len(body)
        self.out.append(struct.pack(self.o + "II", btype, n) + body + struct.pack(self.o + "I", n))

    def opt(self, code, value):
        return struct.pack(self.o + "HH", code, len(value)) + value + b"\0" * ((4 - len(value) % 4) % 4)

    def shb(self):
        body = struct.pack(self.o + "IHHq", 0x1A2B3C4D, 1, 0, -1)
        body += self.opt(4, b"make-capture-inputs.py") + self.opt(0, b"")
        self.block(0x0A0D0D0A, body)

    def idb(self, linktype, snaplen, tsresol=None, tsoffset=None):
        body = struct.pack(self.o + "HHI", linktype, 0, snaplen)
        body += self.opt(2, b"if%d" % linktype)
        if tsresol is not None:
            body += self.opt(9, bytes([tsresol]))
        if tsoffset is not None:
            body += self.opt(14, struct.pack(self.o + "q", tsoffset))
        body += self.opt(0, b"")
        self.block(1, body)

    def epb(self, ifid, units, data, snaplen=None, comment=None):
        cap = data if snaplen is None else data[:snaplen]
        body = struct.pack(self.o + "IIIII", ifid, units >> 32, units & 0xFFFFFFFF, len(cap), len(data))
        body += cap + b"\0" * ((4 - len(cap) % 4) % 4)
        if comment:
            body += self.opt(1, comment) + self.opt(0, b"")
        self.block(6, body)

    def spb(self, data):
        self.block(3, struct.pack(self.o + "I", len(data)) + data)

    def pb(self, ifid, units, data):
        body = struct.pack(self.o + "HHIIII", ifid, 0, units >> 32, units & 0xFFFFFFFF, len(data), len(data))
        self.block(2, body + data)

    def nrb(self):
        rec = struct.pack(self.o + "HH", 1, 4 + 12) + bytes(A) + b"host-a.test\0"
        self.block(4, rec + struct.pack(self.o + "HH", 0, 0))

    def isb(self, ifid, units):
        body = struct.pack(self.o + "III", ifid, units >> 32, units & 0xFFFFFFFF)
        body += self.opt(4, struct.pack(self.o + "Q", 10)) + self.opt(0, b"")
        self.block(5, body)

    def dsb(self):
        secret = b"CLIENT_RANDOM " + b"00" * 32 + b" " + b"11" * 48 + b"\n"
        self.block(0x0A, struct.pack(self.o + "II", 0x544C534B, len(secret)) + secret)

    def custom(self):
        self.block(0x00000BAD, struct.pack(self.o + "I", 32473) + b"private data")

    def unknown(self):
        self.block(0x80000123, b"local use block")

    def bytes(self):
        return b"".join(self.out)


def interleave(*convs):
    return sorted((t, i, p) for i, conv in enumerate(convs) for t, p in conv)


def multi(be):
    """Ethernet on interface 0 (65535, us), raw IP on interface 1 (snaplen 128, ns)."""
    ng = NG(be)
    ng.shb()
    ng.idb(1, 65535)
    ng.nrb()
    ng.idb(101, 128, tsresol=9)
    c1 = conversation(A, B, 40001, 443, epoch_us(2024, 5, 1, 10, 0, 0), 1000)
    c2 = conversation(C, D, 40002, 8443, epoch_us(2024, 5, 1, 10, 0, 0) + 500, 1000)
    ng.custom()
    for n, (t, i, p) in enumerate(interleave(c1, c2)):
        if i == 0:
            ng.epb(0, t, eth(p), comment=b"first" if n == 0 else None)
        else:
            ng.epb(1, t * 1000, p, snaplen=128)
        if n == 5:
            ng.dsb()
            ng.unknown()
    t = epoch_us(2024, 5, 1, 10, 0, 1)
    ng.spb(eth(udp(A, D, 5353, 53, b"simple packet block")))
    ng.pb(1, t * 1000, udp(C, B, 5354, 53, b"obsolete packet block"))
    ng.isb(0, t)
    ng.isb(1, t * 1000)
    return ng.bytes()


def sections():
    ng = NG(False)
    ng.shb()
    ng.idb(1, 262144)
    for t, p in conversation(A, B, 41001, 443, epoch_us(2024, 6, 1, 8, 0, 0)):
        ng.epb(0, t, eth(p))
    ng2 = NG(True)
    ng2.shb()
    ng2.idb(101, 262144, tsresol=9)
    for t, p in conversation(C, D, 41002, 443, epoch_us(2024, 6, 1, 8, 0, 5)):
        ng2.epb(0, t * 1000, p)
    return ng.bytes() + ng2.bytes()


def times(out):
    t2040 = epoch_us(2040, 2, 29, 12, 34, 56) + 515625  # 33/64 s: exact in 2^-6 s units too
    t2100 = epoch_us(2100, 12, 31, 23, 59, 50) + 123456
    c1 = conversation(A, B, 42001, 443, t2040, 15625)
    c2 = conversation(C, D, 42002, 443, t2100, 1000)
    frames = [(t, eth(p)) for t, i, p in interleave(c1, c2)]
    write_pcap(os.path.join(out, "time-2038.pcap"), frames)
    write_pcap(os.path.join(out, "time-2038-nsec-be.pcap"), frames, be=True, nsec=True)
    ng = NG(False)
    ng.shb()
    ng.idb(1, 65535, tsresol=0x80 | 6)  # 2^-6 s units
    offset = 3 * 86400
    ng.idb(101, 65535, tsresol=9, tsoffset=offset)
    for t, i, p in interleave(c1, c2):
        if i == 0:
            assert t * 64 % 1000000 == 0
            ng.epb(0, t * 64 // 1000000, eth(p))
        else:
            ng.epb(1, (t - offset * 1000000) * 1000, p)
    with open(os.path.join(out, "time-2038.pcapng"), "wb") as f:
        f.write(ng.bytes())
    ng = NG(False)
    ng.shb()
    ng.idb(1, 65535)
    ng.idb(1, 65535, tsoffset=-10 ** 12)
    ng.epb(1, 5, eth(udp(A, B, 1111, 53, b"before 1970")))
    ng.epb(0, 2 ** 64 - 1, eth(udp(C, D, 2222, 53, b"after 9999")))
    with open(os.path.join(out, "time-saturate.pcapng"), "wb") as f:
        f.write(ng.bytes())


def concat(out):
    a = conversation(A, B, 43001, 443, epoch_us(2023, 1, 1, 0, 0, 0))
    b = conversation(C, D, 43002, 443, epoch_us(2023, 1, 1, 0, 1, 0))
    write_pcap(os.path.join(out, "concat-a.pcap"), [(t, eth(p)) for t, p in a])
    write_pcap(os.path.join(out, "concat-b.pcap"), b, linktype=101, be=True, nsec=True)


def ties(out):
    t0 = epoch_us(2022, 3, 3, 3, 3, 3)
    a = conversation(A, B, 44001, 443, t0, 1000)
    b = conversation(C, D, 44002, 443, t0, 1000)  # the same times, packet for packet
    write_pcap(os.path.join(out, "ties-a.pcap"), [(t, eth(p)) for t, p in a])
    write_pcap(os.path.join(out, "ties-b.pcap"), [(t, eth(p)) for t, p in b])


# ---- tunnels around an existing capture ----


def read_pcap(path):
    d = open(path, "rb").read()
    magic = struct.unpack("<I", d[:4])[0]
    o = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nsec = struct.unpack(o + "I", d[:4])[0] == 0xA1B23C4D
    linktype = struct.unpack(o + "I", d[20:24])[0]
    assert linktype == 1, "an Ethernet capture is needed"
    off, out = 24, []
    while off + 16 <= len(d):
        s, fr, cl, ln = struct.unpack(o + "IIII", d[off:off + 16])
        out.append((s * 1000000 + (fr // 1000 if nsec else fr), d[off + 16:off + 16 + cl]))
        off += 16 + cl
    return out


OUTER_A, OUTER_B = [172, 16, 0, 1], [172, 16, 0, 2]


def gtpu(ip, seq):
    # flags: version 1, PT 1, E and S set; message type 255 (G-PDU); length counts what follows
    # the first 8 bytes: sequence (2), N-PDU (1), next extension type 0x85 (PDU session
    # container: length 1 = 4 bytes, then next type 0), then the T-PDU.
    ext = bytes([1, 0x10, 0x09, 0x00])  # length 1, PDU type/QFI, next extension: none
    opt = struct.pack("!HBB", seq, 0, 0x85) + ext
    body = opt + ip
    return struct.pack("!BBHI", 0x30 | 0x04 | 0x02, 255, len(body), 0x1234ABCD) + body


def geneve(payload, ptype):
    opts = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\x11\x22\x33\x44"  # class, type, len 1 word
    opts += struct.pack("!HBB", 0xFFFF, 0x05, 0)  # a second option with no data
    return struct.pack("!BBHI", len(opts) // 4, 0, ptype, 0x00ABCD00) + opts + payload


def tunnels(out, tls):
    frames = read_pcap(tls)
    gt, ge, gi = [], [], []
    for n, (t, fr) in enumerate(frames):
        assert struct.unpack("!H", fr[12:14])[0] == 0x0800, "IPv4 frames only"
        ip = fr[14:14 + struct.unpack("!H", fr[16:18])[0]]
        gt.append((t, eth(udp(OUTER_A, OUTER_B, 2152, 2152, gtpu(ip, n), csum_on=False))))
        ge.append((t, eth(udp(OUTER_A, OUTER_B, 50000 + n % 7, 6081, geneve(fr, 0x6558)))))
        gi.append((t, eth(udp(OUTER_A, OUTER_B, 50000 + n % 7, 6081, geneve(ip, 0x0800)))))
    write_pcap(os.path.join(out, "tls-gtpu.pcap"), gt)
    write_pcap(os.path.join(out, "tls-geneve-eth.pcap"), ge)
    write_pcap(os.path.join(out, "tls-geneve-ip.pcap"), gi)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    times(out)
    for be, name in ((False, "ng-multi-le.pcapng"), (True, "ng-multi-be.pcapng")):
        with open(os.path.join(out, name), "wb") as f:
            f.write(multi(be))
    with open(os.path.join(out, "ng-sections.pcapng"), "wb") as f:
        f.write(sections())
    concat(out)
    ties(out)
    if len(sys.argv) == 3:
        tunnels(out, sys.argv[2])


if __name__ == "__main__":
    main()
