#!/usr/bin/env python3
"""make_tls_seeds.py - turn one TCP connection of a capture into a TLS dissector test/fuzz input.

The format (read by tests/fuzz/fuzz_tls.c and tests/unit/test_tls.c) is a sequence of
frames in capture order: [flags u8][length be16][bytes]. flags bit 0: direction (0 client
to server, 1 server to client); bit 1: a gap of `length` bytes (no bytes follow).
Payloads come from tshark (tcp.payload), retransmissions dropped, holes written as gaps.

Usage: make_tls_seeds.py CAPTURE OUT [--stream N] [--max-bytes N]
"""
import argparse
import struct
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("out")
    ap.add_argument("--stream", type=int, default=0)
    ap.add_argument("--max-bytes", type=int, default=16384)
    a = ap.parse_args()
    p = subprocess.run(["tshark", "-r", a.capture, "-n", "-Y", "tcp.stream==%d" % a.stream,
                        "-T", "fields", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                        "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-e", "tcp.seq",
                        "-e", "tcp.payload"], capture_output=True, text=True, check=True)
    client = None
    nxt = {}
    held = {}  # direction -> {seq: bytes} not yet delivered (out of order)
    out = bytearray()

    def emit(d, final):
        """Write what is now in order; at the end, holes become gap frames."""
        while held.get(d):
            exp = nxt.get(d, min(held[d]))
            seq = min(held[d])
            data = held[d].pop(seq)
            if seq + len(data) <= exp:
                continue  # retransmission
            if seq > exp and not final:
                held[d][seq] = data
                return
            if seq < exp:
                data = data[exp - seq:]
                seq = exp
            if seq > exp:
                out.extend(struct.pack(">BH", d | 2, min(seq - exp, 0xffff)))
            for off in range(0, len(data), 0xffff):
                chunk = data[off:off + 0xffff]
                out.extend(struct.pack(">BH", d, len(chunk)) + chunk)
            nxt[d] = seq + len(data)
    for line in p.stdout.splitlines():
        src4, src6, port, syn, ack, seq, payload = (line.split("\t") + [""] * 7)[:7]
        who = (src4 or src6, port)
        if client is None:
            # the SYN's sender is the client; without a SYN, the first sender
            client = who if not (syn == "1" and ack == "1") else None
            if client is None:
                continue
        d = 0 if who == client else 1
        seq = int(seq)
        data = bytes.fromhex(payload.replace(":", "")) if payload else b""
        if syn == "1":
            nxt[d] = seq + 1
            continue
        if not data:
            continue
        held.setdefault(d, {})[seq] = data
        emit(d, False)
        if len(out) > a.max_bytes:
            break
    for d in list(held):
        emit(d, True)
    with open(a.out, "wb") as f:
        f.write(out)
    print("%s: %d bytes" % (a.out, len(out)))


if __name__ == "__main__":
    sys.exit(main())
