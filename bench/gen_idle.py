#!/usr/bin/env python3
"""gen_idle.py - write a pcap of many distinct TCP connections that open and then go idle.

usage: gen_idle.py OUT.pcap FLOWS

Each connection is a complete three-way handshake (SYN, SYN-ACK, ACK) and
nothing else: no data, no FIN, no RST, so every flow stays open in the
sensor's table until the end of the capture (given a TCP idle timeout longer
than the capture, which spans FLOWS x 10 microseconds). Client i is
10.x.y.z (i + 1 spread over the low 24 bits) port 40000 + i % 20000, the
server is 192.0.2.1 port 443 (TEST-NET-1). Ethernet, IPv4 with valid header
and TCP checksums, microsecond pcap. Deterministic: the same arguments give
the same bytes. Standard library only.
"""
import struct
import sys

START_US = 1_700_000_000 * 1_000_000
SERVER = bytes([192, 0, 2, 1])
MAC_C = bytes.fromhex("020000000001")
MAC_S = bytes.fromhex("020000000002")
SYN, ACK = 0x02, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, ip_id):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    mac_d, mac_s = (MAC_S, MAC_C) if src != SERVER else (MAC_C, MAC_S)
    return mac_d + mac_s + b"\x08\x00" + ip + tcp


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 1
    out_path, n = sys.argv[1], int(sys.argv[2])
    if not 1 <= n < (1 << 24) - 1:
        sys.stderr.write("gen_idle.py: FLOWS must be between 1 and 16777213\n")
        return 1
    rec = struct.Struct("<IIII")
    with open(out_path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            c = i + 1
            client = bytes([10, (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF])
            cport = 40000 + i % 20000
            isn_c = (i * 2654435761) & 0xFFFFFFFF
            isn_s = (i * 40503 + 12345) & 0xFFFFFFFF
            t = START_US + i * 10
            pkts = (
                (t, frame(client, SERVER, cport, 443, isn_c, 0, SYN, i & 0xFFFF)),
                (t + 3, frame(SERVER, client, 443, cport, isn_s, (isn_c + 1) & 0xFFFFFFFF,
                              SYN | ACK, i & 0xFFFF)),
                (t + 6, frame(client, SERVER, cport, 443, (isn_c + 1) & 0xFFFFFFFF,
                              (isn_s + 1) & 0xFFFFFFFF, ACK, (i + 1) & 0xFFFF)),
            )
            for ts, data in pkts:
                out.write(rec.pack(ts // 1_000_000, ts % 1_000_000, len(data), len(data)))
                out.write(data)
    print("%d\t%d" % (3 * n, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
