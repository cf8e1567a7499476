#!/usr/bin/env python3
"""gen_compare.py - a capture of N short TCP connections spread over a day, for the --compare bench.

usage: gen_compare.py [--conns N] [--span SECONDS] [--start EPOCH] OUT.pcap

Each connection is a handshake, 20 bytes each way and a reset from the client (6 packets):
a clear connection the sensor writes as one short_term record, so N connections give N
subtype 11 records. Servers are 50 addresses in 10.0.0.0/16 (port 80), clients 200 addresses
in 192.168.0.0/16; the connections are evenly spaced over --span seconds (default a day) with
client ports that do not repeat between a client and a server within the day. Writes a
microsecond pcap (Ethernet) as a stream; standard library only.
"""
import argparse
import struct
import sys

p = argparse.ArgumentParser()
p.add_argument("--conns", type=int, default=100000)
p.add_argument("--span", type=float, default=86400.0)
p.add_argument("--start", type=int, default=1700000000)
p.add_argument("out")
a = p.parse_args()

ETH = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ETH + ip + tcp


SYN, ACK, PSH, RST = 0x02, 0x10, 0x08, 0x04
servers = [bytes([10, 0, i // 256, i % 256 + 1]) for i in range(50)]
clients = [bytes([192, 168, i // 250, i % 250 + 1]) for i in range(200)]
gap = a.span / a.conns

with open(a.out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    w = f.write
    for i in range(a.conns):
        t = a.start * 1000000 + int(i * gap * 1000000)
        c, s = clients[i % 200], servers[(i // 200) % 50]
        # a client meets a server every 10 000 connections: its port moves on each time
        cport = 1024 + (i // 10000) % 64000
        cs, ss = 1000 + i, 500000 + i
        pkts = [
            (0, frame(c, s, cport, 80, cs, 0, SYN)),
            (200, frame(s, c, 80, cport, ss, cs + 1, SYN | ACK)),
            (400, frame(c, s, cport, 80, cs + 1, ss + 1, ACK)),
            (600, frame(c, s, cport, 80, cs + 1, ss + 1, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n\r\n")),
            (800, frame(s, c, 80, cport, ss + 1, cs + 21, PSH | ACK, b"HTTP/1.0 200 OK\r\n\r\n\r")),
            (1000, frame(c, s, cport, 80, cs + 21, 0, RST)),
        ]
        for dt, fr in pkts:
            ts = t + dt
            w(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
            w(fr)
print("%d connections, %d packets, %.0f s" % (a.conns, 6 * a.conns, a.span), file=sys.stderr)
