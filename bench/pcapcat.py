#!/usr/bin/env python3
"""pcapcat.py - concatenate classic pcap files (Ethernet, microsecond) one after the other in time.

usage: pcapcat.py [--start SEC] [--gap SEC] [--max-span SEC] [--append] [--no-trim] OUT IN.pcap...

Each input keeps its own packet spacing but is shifted so that it starts
--gap seconds (default 1) after the previous input's last packet; the first
input starts at --start (epoch seconds, default 1700000000). A packet more
than --max-span seconds (default 86400; 0: no limit) after its file's first
packet, or before it, is clamped into that window, so that one capture with
a broken clock cannot stretch the whole result over years. The output is one
microsecond pcap, link type Ethernet; --append adds the packets to an
existing OUT written by this script instead of creating it. Inputs that are
not Ethernet microsecond pcap are skipped with a message. Ethernet padding
is dropped (see trim_padding; --no-trim keeps frames as they are). Prints the
number of packets written and their time span in seconds, tab-separated.

Standard library only. Used by bench/run.sh to build the base capture that
tcprewrite then replicates, and to place the copies one after another.
"""
import argparse
import struct
import sys

LINKTYPE_ETHERNET = 1
SNAPLEN = 262144


def read_pcap(path):
    """Yield (ts_us, orig_len, data) from a classic microsecond Ethernet pcap."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise ValueError("short file header")
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic == 0xA1B2C3D4:
            e = "<"
        elif magic == 0xD4C3B2A1:
            e = ">"
        else:
            raise ValueError("not a microsecond pcap (magic %08x)" % magic)
        linktype = struct.unpack(e + "I", hdr[20:24])[0] & 0x0FFFFFFF
        if linktype != LINKTYPE_ETHERNET:
            raise ValueError("link type %d, not Ethernet" % linktype)
        rec = struct.Struct(e + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, usec, incl, orig = rec.unpack(h)
            if incl > SNAPLEN:
                return  # damaged record: stop at it, as libpcap would
            data = f.read(incl)
            if len(data) < incl:
                return
            yield sec * 1_000_000 + usec, orig, data


def trim_padding(data):
    """Drop Ethernet padding after the IP datagram (untagged or one 802.1Q tag).

    tcprewrite 4.4.1-4.4.4 (Debian 12 ships 4.4.3) rewrites the IP length to
    cover the padding whenever it edits a packet (appneta/tcpreplay#845,
    fixed by --fixhdrlen in 4.5), which would turn a bare ACK into one with
    6 bytes of zero payload. Without padding there is nothing to misread.
    The same release also sets the IP length from the frame's original
    length when that is larger (frames whose FCS is counted in the original
    length but not captured), so when the whole datagram was captured the
    original length is set to the datagram's end too.
    Returns (data, wire_len_or_None): None keeps the original length."""
    off = 12
    if len(data) < 14:
        return data, None
    etype = struct.unpack_from("!H", data, off)[0]
    if etype in (0x8100, 0x88A8) and len(data) >= 18:
        off += 4
        etype = struct.unpack_from("!H", data, off)[0]
    l3 = off + 2
    if etype == 0x0800 and len(data) >= l3 + 20:
        want = l3 + struct.unpack_from("!H", data, l3 + 2)[0]
        if want >= l3 + 20 and len(data) >= want:
            return data[:want], want
    elif etype == 0x86DD and len(data) >= l3 + 40:
        plen = struct.unpack_from("!H", data, l3 + 4)[0]
        want = l3 + 40 + plen
        if plen and len(data) >= want:
            return data[:want], want
    return data, None


def main():
    ap = argparse.ArgumentParser(description="concatenate Ethernet pcaps one after another in time")
    ap.add_argument("--start", type=float, default=1_700_000_000)
    ap.add_argument("--gap", type=float, default=1.0)
    ap.add_argument("--max-span", type=float, default=86400.0)
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--no-trim", action="store_true")
    ap.add_argument("out")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    gap_us = int(a.gap * 1_000_000)
    max_span_us = int(a.max_span * 1_000_000) if a.max_span > 0 else None
    rec = struct.Struct("<IIII")
    total = 0
    cursor = int(a.start * 1_000_000)  # where the next input starts
    first_out = last_out = None
    with open(a.out, "ab" if a.append else "wb") as out:
        if not a.append or out.tell() == 0:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))
        for path in a.inputs:
            try:
                pkts = list(read_pcap(path))
            except (OSError, ValueError) as exc:
                sys.stderr.write("pcapcat: skipping %s: %s\n" % (path, exc))
                continue
            if not pkts:
                continue
            base = pkts[0][0]
            end = cursor
            for ts, orig, data in pkts:
                off = ts - base
                if max_span_us is not None and (off < 0 or off > max_span_us):
                    off = max(0, min(off, max_span_us))
                t = cursor + off
                if t < 0:
                    t = 0
                if not a.no_trim:
                    data, wire = trim_padding(data)
                    if wire is not None:
                        orig = wire
                out.write(rec.pack(t // 1_000_000, t % 1_000_000, len(data), orig))
                out.write(data)
                end = max(end, t)
                if first_out is None:
                    first_out = t
                last_out = t if last_out is None else max(last_out, t)
                total += 1
            cursor = end + gap_us
    span = 0.0 if first_out is None else (last_out - first_out) / 1e6
    print("%d\t%.6f" % (total, span))
    return 0


if __name__ == "__main__":
    sys.exit(main())
