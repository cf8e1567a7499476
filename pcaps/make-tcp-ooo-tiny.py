#!/usr/bin/env python3
"""make-tcp-ooo-tiny.py - one TCP connection of tiny segments in shuffled order after a lost one.

The input of issue 10 point 3 (out-of-order reassembly was quadratic, and its caps counted
payload while each tiny segment took a whole chunk): 10.0.0.1:40000 -> 10.0.0.2:5001, a
three-way handshake, then the client's first data segment is missing from the capture and
N more segments of 10 bytes follow in an order shuffled with a fixed seed (--order inorder
keeps them in sequence order, --with-first keeps the first one: the yardsticks; --order
descending sends the last first, the worst order for an unbalanced search tree). Then the
client's FIN, the server's FIN-ACK acknowledging everything, and the client's last ACK. The
server sends no data. Segment k (0-based, the lost one is 0) carries b"%09d\\n" % k, so every
byte says where it belongs.

What the sensor should rebuild from it: the client's stream is 10 * (N + 1) bytes, the first
10 a gap (one gap notice of 10 bytes, declared when the server's ACK passes the held data,
written as zero bytes by --dump-streams), then segments 1..N in order. --expect FILE writes
exactly that (as --dump-streams shows it); --summary prints it as JSON.

Usage: make-tcp-ooo-tiny.py --out FILE [-n N] [--seed S] [--order shuffled|inorder|descending]
                            [--with-first] [--expect FILE]
Python 3 standard library only; the output is byte-for-byte reproducible. Nothing is kept in
pcaps/: the test (tests/tools/check_tcp_ooo.py) writes the captures it needs to a temporary
directory (N = 200 000 gives a 17 MB file).
"""
import argparse
import json
import random
import struct

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CPORT, SPORT = 40000, 5001
CISN, SISN = 0xFFFF0000, 0x20000000  # the client's sequence numbers wrap at 2^32 midway
SEG = 10
START_US = 1700000000 * 1000000  # 2023-11-14T22:13:20Z, fixed so the file is reproducible
SYN, FIN, ACK, PSH = 0x02, 0x01, 0x10, 0x08


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """Ethernet / IPv4 / TCP with correct checksums."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", csum16(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", csum16(ip)) + ip[12:]
    eth = bytes([2, 0]) + dst + bytes([2, 0]) + src + b"\x08\x00"
    return eth + ip + tcp + payload


def segment(k):
    return b"%09d\n" % k


def build(n, seed, order, with_first):
    """The frames in capture order."""
    c2s = lambda seq, ack, fl, pl=b"": frame(CLIENT, SERVER, CPORT, SPORT, seq, ack, fl, pl)
    s2c = lambda seq, ack, fl: frame(SERVER, CLIENT, SPORT, CPORT, seq, ack, fl)
    frames = [c2s(CISN, 0, SYN), s2c(SISN, CISN + 1, SYN | ACK), c2s(CISN + 1, SISN + 1, ACK)]
    ks = list(range(1, n + 1))
    if order == "shuffled":
        random.Random(seed).shuffle(ks)
    elif order == "descending":
        ks.reverse()
    if with_first:
        ks.insert(0, 0)
    for k in ks:
        frames.append(c2s(CISN + 1 + SEG * k, SISN + 1, ACK | PSH, segment(k)))
    end = CISN + 1 + SEG * (n + 1)
    frames += [c2s(end, SISN + 1, FIN | ACK), s2c(SISN + 1, end + 1, FIN | ACK),
               c2s(end + 1, SISN + 2, ACK)]
    return frames


def expected_stream(n, with_first):
    """The client's stream as --dump-streams writes it: the lost segment as zero bytes."""
    first = segment(0) if with_first else bytes(SEG)
    return first + b"".join(segment(k) for k in range(1, n + 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--order", choices=("shuffled", "inorder", "descending"), default="shuffled")
    ap.add_argument("--with-first", action="store_true")
    ap.add_argument("--expect")
    ap.add_argument("--summary", action="store_true")
    a = ap.parse_args()
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(build(a.n, a.seed, a.order, a.with_first)):
            ts = START_US + 10 * i
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
            f.write(fr)
    if a.expect:
        with open(a.expect, "wb") as f:
            f.write(expected_stream(a.n, a.with_first))
    if a.summary:
        lost = 0 if a.with_first else SEG
        print(json.dumps({"client": "10.0.0.1:%d" % CPORT, "server": "10.0.0.2:%d" % SPORT,
                          "segments": a.n, "stream_bytes": SEG * (a.n + 1), "gaps": 1 if lost else 0,
                          "gap_bytes": lost}))


if __name__ == "__main__":
    main()
