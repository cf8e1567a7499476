#!/usr/bin/env python3
"""make-client-first.py - one clear-text TCP connection whose client sends N bytes first.

The input of the stream_buffer_max test (issue 10 point 12): 10.0.0.1:40001 -> 10.0.0.2:8080,
a three-way handshake, then the client sends --bytes bytes of b"A" in 1000-byte segments
before the server says anything (no dissector's probe knows them, so the stream layer holds
them while it waits for the server's first bytes, up to 8 KiB), then the server answers
b"OK\\r\\n", and both close with FIN. With stream_buffer_max below --bytes the buffer limit is
reached: the record says so (observation.limit "stream_buffer", why "buffer_limit").

Usage: make-client-first.py --out FILE [--bytes N]
Python 3 standard library only; byte-for-byte reproducible. The test writes the capture to a
temporary directory; nothing is kept in pcaps/.
"""
import argparse
import importlib.util
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("ooo", os.path.join(here, "make-tcp-ooo-tiny.py"))
ooo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ooo)

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CPORT, SPORT = 40001, 8080
CISN, SISN = 1000, 5000
START_US = 1700000000 * 1000000
SYN, FIN, ACK, PSH = 0x02, 0x01, 0x10, 0x08


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--bytes", type=int, default=6000)
    a = ap.parse_args()
    c2s = lambda seq, ack, fl, p=b"": ooo.frame(CLIENT, SERVER, CPORT, SPORT, seq, ack, fl, p)
    s2c = lambda seq, ack, fl, p=b"": ooo.frame(SERVER, CLIENT, SPORT, CPORT, seq, ack, fl, p)
    frames = [c2s(CISN, 0, SYN), s2c(SISN, CISN + 1, SYN | ACK), c2s(CISN + 1, SISN + 1, ACK)]
    seq = CISN + 1
    left = a.bytes
    while left > 0:
        n = min(1000, left)
        frames.append(c2s(seq, SISN + 1, ACK | PSH, b"A" * n))
        seq += n
        left -= n
    frames.append(s2c(SISN + 1, seq, ACK | PSH, b"OK\r\n"))
    frames.append(c2s(seq, SISN + 5, FIN | ACK))
    frames.append(s2c(SISN + 5, seq + 1, FIN | ACK))
    frames.append(c2s(seq + 1, SISN + 6, ACK))
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            t = START_US + i * 1000
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)))
            f.write(fr)


if __name__ == "__main__":
    main()
