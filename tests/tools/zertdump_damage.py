#!/usr/bin/env python3
"""zertdump_damage.py - zertdump on damaged and unusual input built from the sensor's own zert.smf.

usage: zertdump_damage.py ZERTSENSOR ZERTDUMP SOURCE_DIR CASE

The sensor writes pcaps/quickstart.pcap's records as VBS blocks of 128 bytes (every record
spans several blocks: first, middle and last segments); the test then edits those bytes:

  vbs_damaged_start  the file starts with a middle segment (its first blocks lost), with a
                     last segment, or with a segment of length 0: zertdump must name the
                     damage and its offset and exit 1, not read the blocks as an RDW stream
                     of "other types" and exit 0
  vbs_extended_bdw   the same segments in blocks with extended BDWs (bit 0 of the first byte
                     set, a 31-bit length), one of them over 32 760 bytes: read in auto mode,
                     the same records as the sensor's own file
  directory          zertdump DIR: exit 2 with a message naming DIR (not "0 records", exit 0)
  write_error        zertdump FILE > /dev/full: exit 2 with a message saying why
"""
import os
import struct
import subprocess
import sys
import tempfile

sensor, zertdump, src, case = sys.argv[1:5]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def dump(path, *opts, stdout=subprocess.PIPE):
    p = subprocess.run([zertdump, *opts, path], stdout=stdout, stderr=subprocess.PIPE)
    out = p.stdout.decode() if p.stdout is not None else ""
    return p.returncode, out, p.stderr.decode()


def blocks(data):
    """The BDW blocks of a VBS file: a list of lists of (control, segment data)."""
    res, pos = [], 0
    while pos < len(data):
        n, zero = struct.unpack_from(">HH", data, pos)
        assert zero == 0 and n >= 9, f"not a standard BDW at {pos}"
        segs, p = [], pos + 4
        while p < pos + n:
            m, ctl, rsv = struct.unpack_from(">HBB", data, p)
            segs.append((ctl, data[p + 4:p + m]))
            p += m
        res.append(segs)
        pos += n
    return res


def sdw(ctl, body):
    return struct.pack(">HBB", len(body) + 4, ctl, 0) + body


def extended(segs):
    """One block with an extended BDW: bit 31 set, the 31-bit length includes the BDW."""
    body = b"".join(sdw(c, d) for c, d in segs)
    return struct.pack(">I", 0x80000000 | (len(body) + 4)) + body


with tempfile.TemporaryDirectory() as tmp:
    conf = os.path.join(tmp, "vbs128.conf")
    with open(conf, "w") as f:
        f.write("smf_format = vbs\nvbs_block_size = 128\n")
    out = os.path.join(tmp, "out")
    r = subprocess.run([sensor, "-r", os.path.join(src, "pcaps/quickstart.pcap"), "-q", "-o", out,
                        "-c", conf], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"zertsensor failed: {r.stderr}")
    smf = os.path.join(out, "zert.smf")
    data = open(smf, "rb").read()
    rc, want, err = dump(smf)
    if rc != 0 or want.count("\n") < 4:
        sys.exit(f"zertdump of the sensor's own file: exit {rc}, {want.count(chr(10))} lines: {err}")
    blks = blocks(data)
    offsets = [0]
    for b in blks:
        offsets.append(offsets[-1] + 4 + sum(len(d) + 4 for _, d in b))
    first = {ctl: next(i for i, b in enumerate(blks) if b[0][0] == ctl) for ctl in (2, 3)}

    def write(name, content):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(content)
        return path

    if case == "vbs_damaged_start":
        for ctl, kind in ((3, "middle"), (2, "last")):
            # the file as if its first blocks had been lost: it starts inside a spanned record
            path = write(f"starts-{kind}.smf", data[offsets[first[ctl]]:])
            rc, o, e = dump(path)
            check(rc == 1, f"starts with a {kind} segment: exit {rc}, want 1 ({e.strip()})")
            check(f"offset 4: {kind} segment without a first segment" in e,
                  f"starts with a {kind} segment: message {e.strip()!r}")
            check(o == "", f"starts with a {kind} segment: output {o!r}")
        # the first segment's length is 0
        path = write("zero-length.smf", data[:4] + b"\0\0" + data[6:])
        rc, o, e = dump(path)
        check(rc == 1, f"first segment of length 0: exit {rc}, want 1 ({e.strip()})")
        check("offset 4: segment length 0 is too small" in e,
              f"first segment of length 0: message {e.strip()!r}")
    elif case == "vbs_extended_bdw":
        segs = [s for b in blks for s in b]
        size = sum(len(d) + 4 for _, d in segs)
        copies = 32760 // size + 2  # the records again and again: one block over 32 760 bytes
        big = extended(segs * copies)
        check(len(big) > 32760, f"the big block has {len(big)} bytes")
        path = write("extended-big.smf", big + b"".join(extended(b) for b in blks))
        rc, o, e = dump(path)
        check(rc == 0 and e == "", f"extended BDWs: exit {rc}: {e.strip()}")
        check(o == want * (copies + 1),
              f"extended BDWs: {o.count(chr(10))} lines, want {want.count(chr(10)) * (copies + 1)}")
    elif case == "directory":
        rc, o, e = dump(out)
        check(rc == 2, f"zertdump DIR: exit {rc}, want 2")
        check(out in e and "directory" in e, f"zertdump DIR: message {e.strip()!r}")
        check(o == "", f"zertdump DIR: output {o!r}")
    elif case == "write_error":
        for opts in ([], ["-t"]):
            with open("/dev/full", "w") as full:
                rc, _, e = dump(smf, *opts, stdout=full)
            check(rc == 2, f"zertdump {' '.join(opts)} > /dev/full: exit {rc}, want 2")
            check("cannot write the output: No space left on device" in e,
                  f"zertdump {' '.join(opts)} > /dev/full: message {e.strip()!r}")
    else:
        sys.exit(f"unknown case {case}")

for f in failures:
    print("FAIL", f)
print(f"{case}: {len(failures)} failed" if failures else f"{case}: passed")
sys.exit(1 if failures else 0)
