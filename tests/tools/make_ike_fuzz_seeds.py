#!/usr/bin/env python3
"""make_ike_fuzz_seeds.py - fuzz_ike seeds: the UDP 500/4500 payloads of corpus captures.

Usage: make_ike_fuzz_seeds.py CORPUS_DIR OUT_DIR
Writes one seed per capture in fuzz_ike's record format ([len:2][control:1][payload]),
at most 12 datagrams and 4 KiB each, from the captures INDEX.tsv tags IKE/NAT-T/ESP.
"""
import os
import subprocess
import sys


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(corpus, "INDEX.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        ti = head.index("tags")
        caps = [r[0] for r in (l.rstrip("\n").split("\t") for l in f)
                if any(t.startswith(("IKE", "NAT-T", "ISAKMP", "ESP")) for t in r[ti].split(","))]
    for cap in caps:
        res = subprocess.run(["tshark", "-n", "-r", os.path.join(corpus, cap), "-Y",
                              "udp.port==500 || udp.port==4500 || esp", "-T", "fields",
                              "-e", "udp.srcport", "-e", "udp.payload", "-e", "esp.spi",
                              "-e", "esp.sequence"], capture_output=True, text=True)
        seed = bytearray()
        first_port = None
        n = 0
        for line in res.stdout.splitlines():
            cols = (line.split("\t") + ["", "", "", ""])[:4]
            sport, payload, spi, seq = cols
            if payload:
                data = bytes.fromhex(payload.split(",")[0])
                ctl = 2 if "4500" in sport.split(",")[0] else 0
            elif spi:
                data = int(spi.split(",")[0], 16).to_bytes(4, "big") + \
                    int(seq.split(",")[0] or "0").to_bytes(4, "big")
                ctl = 8
            else:
                continue
            first_port = first_port or sport
            if sport != first_port:
                ctl |= 1
            data = data[:0x7ff]
            seed += len(data).to_bytes(2, "big") + bytes([ctl]) + data
            n += 1
            if n >= 12 or len(seed) > 4096:
                break
        if seed:
            name = cap.replace("/", "_").rsplit(".", 1)[0]
            with open(os.path.join(out, name), "wb") as f:
                f.write(seed)


if __name__ == "__main__":
    main()
