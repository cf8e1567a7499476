#!/usr/bin/env python3
"""make-ah-tls.py - pcaps/ah-tls12.pcap: the TLS 1.2 session of tls-plain12.pcap under IPsec AH.

usage: python3 pcaps/make-ah-tls.py [IN.pcap OUT.pcap]   (defaults: pcaps/tls-plain12.pcap,
pcaps/ah-tls12.pcap, next to this script)

Every frame keeps its time and TCP payload. Its IPv4 addresses become 192.0.2.10 (the client)
and 192.0.2.20 (the server), and an AH header in transport mode (RFC 4302) goes between the
IPv4 header and TCP: next header 6, payload length 4 (a 12-byte ICV, as HMAC-SHA1-96), SPI
0x0000a001 from the client and 0x0000b002 from the server, sequence numbers 1, 2, ... per
direction. The ICV is 12 bytes derived from the SPI and sequence (not a real HMAC: no key
exists). IPv4 total length, protocol (51) and header checksum, and the TCP checksum over the
new addresses, are recomputed. Python 3 standard library only; rerunning rewrites the file
byte for byte.

What it is for: AH leaves the TCP segment and its TLS handshake in clear, so the sensor sees
a TCP connection protected by both TLS and IPsec; its zERT records carry the TLS section and
the IPsec section (SMF 119 subtype 11 section 5) for an SAIPProto of 6, as IBM defines them.
"""
import hashlib
import os
import struct
import sys

CLIENT = bytes([192, 0, 2, 10])
SERVER = bytes([192, 0, 2, 20])
SPI = {0: 0x0000A001, 1: 0x0000B002}  # 0: from the client, 1: from the server


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    src = argv[1] if len(argv) > 2 else os.path.join(here, "tls-plain12.pcap")
    dst = argv[2] if len(argv) > 2 else os.path.join(here, "ah-tls12.pcap")
    data = open(src, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        sys.exit("make-ah-tls.py: want a little-endian microsecond pcap")
    linktype = struct.unpack_from("<I", data, 20)[0]
    if linktype != 1:
        sys.exit("make-ah-tls.py: want Ethernet")
    out = [data[:24]]
    off = 24
    client_port = None
    seq = {0: 0, 1: 0}
    while off < len(data):
        ts_s, ts_us, incl, orig = struct.unpack_from("<IIII", data, off)
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        eth, ip = frame[:14], frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack_from("!H", ip, 2)[0]
        if struct.unpack_from("!H", eth, 12)[0] != 0x0800 or ip[9] != 6:
            sys.exit("make-ah-tls.py: want IPv4/TCP frames only")
        tcp = bytearray(ip[ihl:total])
        sport = struct.unpack_from("!H", tcp, 0)[0]
        if client_port is None:
            client_port = sport  # the first frame is the client's SYN
        d = 0 if sport == client_port else 1
        s, t = (CLIENT, SERVER) if d == 0 else (SERVER, CLIENT)
        struct.pack_into("!H", tcp, 16, 0)
        pseudo = s + t + struct.pack("!BBH", 0, 6, len(tcp))
        struct.pack_into("!H", tcp, 16, csum(pseudo + bytes(tcp)))
        seq[d] += 1
        icv = hashlib.sha256(struct.pack("!II", SPI[d], seq[d])).digest()[:12]
        ah = struct.pack("!BBHII", 6, 4, 0, SPI[d], seq[d]) + icv
        hdr = bytearray(ip[:ihl])
        struct.pack_into("!H", hdr, 2, ihl + len(ah) + len(tcp))
        hdr[9] = 51
        hdr[12:16], hdr[16:20] = s, t
        struct.pack_into("!H", hdr, 10, 0)
        struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
        newframe = eth + bytes(hdr) + ah + bytes(tcp)
        out.append(struct.pack("<IIII", ts_s, ts_us, len(newframe), len(newframe)) + newframe)
    with open(dst, "wb") as f:
        f.write(b"".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
