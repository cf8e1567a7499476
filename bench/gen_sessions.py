#!/usr/bin/env python3
"""gen_sessions.py - write a pcap of short clear-text TCP connections spread over time.

usage: gen_sessions.py OUT.pcap CONNS HOURS [--gap-years Y] [--start EPOCH] [--pcapng]

CONNS complete connections (SYN, SYN-ACK, ACK, a 5-byte clear-text request, a 9-byte reply,
FIN/ACK both ways: 9 packets, 2 s long) to 192.0.2.1 port 80, each from its own client
address 10.x.y.z (i + 1 over the low 24 bits), evenly spread over HOURS hours of packet time
from START (default 2026-01-01T00:00:00Z). With --gap-years Y the second half of the
connections comes Y years (of 365.25 days) later: a jump of packet time in one capture.
Every connection is its own zERT security session (its own client IP), so the sensor's
summary records must count CONNS connections and name CONNS client addresses.
Ethernet, IPv4 and TCP with valid checksums, microsecond pcap (or pcapng with one interface
when --pcapng: 64-bit timestamps, for start times past 2106). Deterministic; standard library.
Prints "packets<TAB>connections".
"""
import struct
import sys

SERVER = bytes([192, 0, 2, 1])
MAC_C = bytes.fromhex("020000000001")
MAC_S = bytes.fromhex("020000000002")
FIN, SYN, PSH, ACK = 0x01, 0x02, 0x08, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, ip_id, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    mac_d, mac_s = (MAC_S, MAC_C) if src != SERVER else (MAC_C, MAC_S)
    return mac_d + mac_s + b"\x08\x00" + ip + tcp


def connection(i, t):
    """The 9 packets of connection i starting at t (microseconds)."""
    c = i + 1
    cl = bytes([10, (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF])
    cp = 40000 + i % 20000
    a = (i * 2654435761) & 0xFFFFFFFF
    b = (i * 40503 + 12345) & 0xFFFFFFFF
    req, rsp = b"HELO\n", b"250 OK!\r\n"
    m = 0xFFFFFFFF
    ip_id = i & 0xFFFF
    return [
        (t, frame(cl, SERVER, cp, 80, a, 0, SYN, ip_id)),
        (t + 100, frame(SERVER, cl, 80, cp, b, (a + 1) & m, SYN | ACK, ip_id)),
        (t + 200, frame(cl, SERVER, cp, 80, (a + 1) & m, (b + 1) & m, ACK, ip_id)),
        (t + 300, frame(cl, SERVER, cp, 80, (a + 1) & m, (b + 1) & m, PSH | ACK, ip_id, req)),
        (t + 400, frame(SERVER, cl, 80, cp, (b + 1) & m, (a + 6) & m, PSH | ACK, ip_id, rsp)),
        (t + 2_000_000, frame(cl, SERVER, cp, 80, (a + 6) & m, (b + 10) & m, FIN | ACK, ip_id)),
        (t + 2_000_100, frame(SERVER, cl, 80, cp, (b + 10) & m, (a + 7) & m, ACK, ip_id)),
        (t + 2_000_200, frame(SERVER, cl, 80, cp, (b + 10) & m, (a + 7) & m, FIN | ACK, ip_id)),
        (t + 2_000_300, frame(cl, SERVER, cp, 80, (a + 7) & m, (b + 11) & m, ACK, ip_id)),
    ]


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    opts = {}
    it = iter(argv[1:])
    for a in it:
        if a == "--pcapng":
            opts["pcapng"] = True
        elif a.startswith("--"):
            opts[a[2:]] = next(it)
            args.remove(opts[a[2:]])
    if len(args) != 3:
        sys.stderr.write(__doc__)
        return 1
    out_path, n, hours = args[0], int(args[1]), float(args[2])
    if not 1 <= n < (1 << 24) - 1:
        sys.stderr.write("gen_sessions.py: CONNS must be between 1 and 16777213\n")
        return 1
    start = int(opts.get("start", 1767225600)) * 1_000_000
    gap = int(float(opts.get("gap-years", 0)) * 365.25 * 86400) * 1_000_000
    step = int(hours * 3600 * 1_000_000 / n) if n > 1 else 0
    pcapng = opts.get("pcapng", False)
    packets = 0
    with open(out_path, "wb") as out:
        if pcapng:
            shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
            idb = struct.pack("<IIHHI", 1, 20, 1, 0, 65535) + struct.pack("<I", 20)
            out.write(shb + idb)
        else:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        # connections overlap in time: emit their packets in time order
        events = []
        for i in range(n):
            t = start + i * step + (gap if i >= (n + 1) // 2 else 0)
            events.extend(connection(i, t))
        events.sort(key=lambda e: e[0])
        for ts, data in events:
            if pcapng:
                pad = (-len(data)) % 4
                blen = 32 + len(data) + pad
                out.write(struct.pack("<IIIIIII", 6, blen, 0, ts >> 32, ts & 0xFFFFFFFF, len(data),
                                      len(data)))
                out.write(data + b"\0" * pad + struct.pack("<I", blen))
            else:
                out.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(data), len(data)))
                out.write(data)
            packets += 1
    print("%d\t%d" % (packets, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
