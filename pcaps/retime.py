#!/usr/bin/env python3
"""retime.py - copy a classic pcap, delaying every packet from number N (1-based) by D seconds.

usage: retime.py IN.pcap OUT.pcap N D

Made for pcaps/tls-slow-hello.pcap: `retime.py tls-plain12.pcap tls-slow-hello.pcap 4 15`
keeps the TCP handshake (packets 1-3) of tls-plain12.pcap at its time and delays the TLS
ClientHello and everything after it by 15 s, as a client that connects and only speaks later
would (zERT's stream observation waits for those first bytes to decide the protection).
Microsecond or nanosecond pcap, either byte order; the bytes of each packet are unchanged.
"""
import struct
import sys


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 1
    src, dst, first, delay = argv[1], argv[2], int(argv[3]), float(argv[4])
    data = open(src, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.stderr.write("retime.py: not a classic pcap\n")
        return 1
    unit = 1_000_000_000 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1_000_000
    out = bytearray(data[:24])
    off, n = 24, 0
    hdr = struct.Struct(e + "IIII")
    while off + 16 <= len(data):
        sec, frac, incl, orig = hdr.unpack_from(data, off)
        n += 1
        if n >= first:
            t = sec * unit + frac + int(round(delay * unit))
            sec, frac = divmod(t, unit)
        out += hdr.pack(sec, frac, incl, orig) + data[off + 16:off + 16 + incl]
        off += 16 + incl
    open(dst, "wb").write(bytes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
