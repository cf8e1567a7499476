#!/usr/bin/env python3
"""cli.py - what the user of the command line sees: the protection on each flow line and the
tally (against tshark), progress on a terminal only, SIGTERM/SIGINT leaving whole outputs, the
exit-status convention of both tools, one-line errors, -o -, --version, the SMF system id, and
zert.smf as docs/zos-import.md describes it (RDW stream, VBS blocks).

usage: cli.py --sensor BIN --dump BIN --source DIR --corpus DIR GROUP
GROUP: glance | progress | interrupt | exits | stdout | sid | zos
Prints one line per failed check and "N passed, N failed"; exit status 1 on any failure.
"""
import argparse
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time

ARGS = None
TMP = None
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)
    return ok


def run(cmd, stdin=None, timeout=600):
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def corpus(path):
    return os.path.join(ARGS.corpus, path)


def src(path):
    return os.path.join(ARGS.source, path)


def gen_sessions(conns, name):
    """A capture of `conns` short clear-text connections (bench/gen_sessions.py)."""
    path = os.path.join(TMP, name)
    if not os.path.exists(path):
        subprocess.run([sys.executable, src("bench/gen_sessions.py"), path, str(conns), "2"],
                       check=True, stdout=subprocess.DEVNULL)
    return path


# ---- glance: the flow lines say the protection; the tally counts them ----

LINE = re.compile(r"^(\S+)\s+(\S+) -> (\S+)(?: spi \S+)?  (tls|ssh|ipsec|clear|unknown)(?: (.*?))?  "
                  r"\d{4}-\d\d-\d\dT")


def text_lines(cap, *opts):
    rc, out, err = run([ARGS.sensor, "-r", cap] + list(opts))
    lines = []
    for line in out.splitlines():
        m = LINE.match(line)
        check(m is not None, "%s: flow line without a protection: %r" % (cap, line))
        if m:
            lines.append({"proto": m.group(1), "client": m.group(2), "server": m.group(3),
                          "kind": m.group(4), "detail": m.group(5) or ""})
    return rc, lines, err


def tally_of(err):
    """The tally lines on stderr: {kind: (count, {name: count})}."""
    t = {}
    for line in err.splitlines():
        m = re.match(r"^  (tls|ssh|ipsec|clear|unknown)\s+(\d+)\s+(.*)$", line)
        if m:
            subs = {}
            for part in m.group(3).split(", "):
                name, n = part.rsplit(" ", 1)
                subs[name] = int(n)
            t[m.group(1)] = (int(m.group(2)), subs)
    return t


def tshark_server_hellos(cap):
    """(client port, server port) -> (version, suite name) from each ServerHello, as tshark says."""
    p = subprocess.run(["tshark", "-r", cap, "-Y", "tls.handshake.type == 2", "-V", "-o",
                        "tcp.desegment_tcp_streams:TRUE"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = {}
    for pkt in re.split(r"\n(?=Frame \d+:)", p.stdout.decode(errors="replace")):
        sport = re.search(r"Source Port: (\d+)", pkt)
        dport = re.search(r"Destination Port: (\d+)", pkt)
        suite = re.search(r"Cipher Suite: (\S+) \(0x", pkt)
        hs = pkt[pkt.find("Handshake Type: Server Hello"):]
        sv = re.search(r"Supported Version: TLS 1\.(\d)", hs)
        v = sv or re.search(r"\n\s+Version: TLS 1\.(\d) \(0x", hs)
        if sport and dport and suite and v:
            out[(int(dport.group(1)), int(sport.group(1)))] = ("TLSv1.%s" % v.group(1), suite.group(1))
    return out


def group_glance():
    # TLS flows: version and suite as tshark reads them from each ServerHello
    tls_caps = [src("pcaps/quickstart.pcap"), src("pcaps/tls-plain12.pcap"),
                corpus("zeek/tls/tls13_wolfssl.pcap"), corpus("zeek/tls/chrome-1250-tls-x25519-kyber.pcap"),
                corpus("zeek/tls/smtp-starttls.pcap")]
    for cap in tls_caps:
        want = tshark_server_hellos(cap)
        rc, lines, err = text_lines(cap)
        check(rc == 0 and want, "%s: exit %d, %d ServerHellos from tshark" % (cap, rc, len(want)))
        for key, (version, suite) in want.items():
            ours = [l for l in lines if l["client"].endswith(":%d" % key[0]) and l["server"].endswith(":%d" % key[1])]
            check(len(ours) == 1 and ours[0]["kind"] == "tls" and
                  ours[0]["detail"].startswith("%s %s" % (version, suite)),
                  "%s %s: want tls %s %s, got %s" % (cap, key, version, suite, ours))
    # the STARTTLS upgrade is said
    rc, lines, err = text_lines(corpus("zeek/tls/smtp-starttls.pcap"))
    check(len(lines) == 1 and lines[0]["detail"].endswith("after clear (smtp)"), "smtp starttls: %s" % lines)
    # SSH: version, key exchange, cipher (the names the peers negotiated, as tshark reads them)
    cap = corpus("zeek/ssh/ssh_kex_curve25519.pcap")
    rc, lines, err = text_lines(cap)
    check(len(lines) == 1 and lines[0]["kind"] == "ssh" and
          lines[0]["detail"] == "2.0 curve25519-sha256 chacha20-poly1305@openssh.com", "ssh: %s" % lines)
    # IPsec: every ESP flow is ipsec, with its pair's IKE facts; IKE flows too
    cap = corpus("arkime/IKEv2.pcap")
    rc, lines, err = text_lines(cap)
    esp = [l for l in lines if l["proto"] == "esp"]
    check(esp and all(l["kind"] == "ipsec" and l["detail"].startswith("esp IKEv2 AES-CBC-256") for l in esp),
          "IKEv2 ESP flows: %s" % esp)
    check(all(l["kind"] == "ipsec" for l in lines), "IKEv2: every flow ipsec: %s" % lines)
    # no IKE in the capture: ipsec, and no algorithms invented
    rc, lines, err = text_lines(corpus("zeek-spicy-ipsec/traces/IPsec_ESP-AH_tunnel_mode.cap"))
    check(lines and all(l["kind"] == "ipsec" and l["detail"] == "esp" for l in lines), "ESP without IKE: %s" % lines)
    # clear, failed handshakes and what the wire cannot tell, with the records' why
    rc, lines, err = text_lines(src("pcaps/quickstart.pcap"))
    check([l["kind"] for l in lines].count("clear") == 1 and
          any(l["detail"] == "no_handshake_seen" for l in lines), "quickstart clear flow: %s" % lines)
    rc, lines, err = text_lines(corpus("ndpi/tls-appdata.pcap"))
    check(lines and all(l["kind"] == "unknown" and l["detail"] == "midstream (tls)" for l in lines),
          "midstream TLS: %s" % lines)
    rc, lines, err = text_lines(src("pcaps/ee-sample.pcap"))
    check(lines and all(l["kind"] == "clear" and "(ee)" in l["detail"] for l in lines), "EE: %s" % lines)
    # --flows JSON says what the line says; the tally adds the flows up
    for cap in [src("pcaps/quickstart.pcap"), corpus("arkime/IKEv2.pcap"), corpus("ndpi/ipsec_isakmp_esp.pcap"),
                corpus("zeek/tls/tls-fragmented-handshake.pcap.gz"), corpus("ndpi/tcp_scan.pcapng")]:
        flows = os.path.join(TMP, "flows.jsonl")
        rc, lines, err = text_lines(cap, "--flows", flows)
        js = [json.loads(l) for l in open(flows)]
        check(len(js) == len(lines) and all(
            j["protection"] == l["kind"] and (j["protection_detail"] or "") == l["detail"] for j, l in zip(js, lines)),
            "%s: --flows protection differs from the lines" % cap)
        t = tally_of(err)
        kinds = {}
        for j in js:
            kinds[j["protection"]] = kinds.get(j["protection"], 0) + 1
        check({k: v[0] for k, v in t.items()} == kinds and all(sum(v[1].values()) == v[0] for v in t.values()),
              "%s: tally %s, flows %s" % (cap, t, kinds))
        check(re.search(r"zertsensor: \d+ packets, %d flows, by protection:" % len(js), err), "%s: %s" % (cap, err))
    # the tally's second level: versions for TLS
    rc, lines, err = text_lines(src("pcaps/quickstart.pcap"))
    check(tally_of(err).get("tls") == (2, {"TLSv1.2": 1, "TLSv1.3": 1}), "quickstart tally: %s" % err)
    # -q: no lines, no tally
    rc, out, err = run([ARGS.sensor, "-r", src("pcaps/quickstart.pcap"), "-q"])
    check(rc == 0 and out == "" and err == "", "-q: %r %r" % (out, err))


# ---- progress: on a terminal only ----


def on_pty(cmd):
    """Run cmd with stderr on a pseudo-terminal (stdout to a pipe); returns (rc, stderr bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    got = b""
    while True:
        r, _, _ = select.select([master], [], [], 1)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        elif p.poll() is not None:
            break
    p.wait()
    os.close(master)
    return p.returncode, got


def group_progress():
    cap = gen_sessions(15000, "progress.pcap")
    size = os.path.getsize(cap)
    t0 = time.time()
    rc, err = on_pty([ARGS.sensor, "-r", cap, "-o", os.path.join(TMP, "prog-out")])
    took = time.time() - t0
    text = err.decode(errors="replace")
    draws = re.findall(r"\r([^\r\n]*) of ([\d.]+ [kMG]?B) \((\d+)%\)  (\d+) packets/s", text)
    check(rc == 0 and draws, "terminal: exit %d, no progress line in %r" % (rc, text[:300]))
    if draws:
        check(all(d[1] == "%.1f MB" % (size / 1e6) for d in draws), "total %s, file %d bytes" % (draws[0][1], size))
        pct = [int(d[2]) for d in draws]
        check(pct == sorted(pct), "progress goes forward: %s" % pct)
        # at most PROGRESS_HZ (4) redraws a second, plus the first
        check(len(draws) <= 4 * took + 2, "%d redraws in %.1f s" % (len(draws), took))
        check("ETA" in text or took < 2, "no ETA in a %.1f s run" % took)
        check(text.count("\r\x1b[K") >= 1 and "\x1b[K" in text.split("\n")[0] + text,
              "the line is erased at the end")
    # stderr not a terminal: no progress at all
    rc, out, err = run([ARGS.sensor, "-r", cap, "-o", os.path.join(TMP, "prog-out2")])
    check(rc == 0 and "\r" not in err and "packets/s" not in err, "not a terminal: %r" % err[:200])
    # -q on a terminal: silent
    rc, err = on_pty([ARGS.sensor, "-r", cap, "-q", "-o", os.path.join(TMP, "prog-out3")])
    check(rc == 0 and err == b"", "-q on a terminal: %r" % err[:200])


# ---- interrupt: SIGTERM/SIGINT end the run with whole outputs ----


def validate_outputs(d, what):
    """Every JSON line whole; zert.smf read by zertdump without complaint, as many records as
    --stats says were written; the run's --stats as the last stderr JSON."""
    for name in ("records.jsonl", "flows.jsonl", "obs.jsonl"):
        path = os.path.join(d, name)
        data = open(path, "rb").read()
        check(data == b"" or data.endswith(b"\n"), "%s: %s ends inside a line" % (what, name))
        bad = 0
        for line in data.splitlines():
            try:
                json.loads(line)
            except ValueError:
                bad += 1
        check(bad == 0, "%s: %s: %d lines are not JSON" % (what, name, bad))
    rc, out, err = run([ARGS.dump, "-s", os.path.join(d, "zert.smf")])
    check(rc == 0 and "bad" in err and " 0 bad" in err, "%s: zertdump exit %d: %s" % (what, rc, err.strip()[-300:]))
    return len(out.splitlines()), sum(1 for _ in open(os.path.join(d, "records.jsonl")))


def stats_of(err):
    st = {}
    for line in err.splitlines():
        if line.startswith("{"):
            st = json.loads(line)
    return st


def outputs_args(d):
    os.makedirs(d, exist_ok=True)
    return ["-o", d, "--flows", os.path.join(d, "flows.jsonl"), "--observations", os.path.join(d, "obs.jsonl"),
            "--stats"]


def group_interrupt():
    cap = gen_sessions(20000, "interrupt.pcap")
    # a file: TERM once the sensor has written something (its temporary outputs grow)
    d = os.path.join(TMP, "term-file")
    p = subprocess.Popen([ARGS.sensor, "-r", cap, "-q"] + outputs_args(d), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None:
        if sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) > 100000:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=300)
    err = err.decode(errors="replace")
    check(p.returncode == -signal.SIGTERM, "file, TERM: exit %s (%s)" % (p.returncode, err[-300:]))
    check(err.rstrip().endswith("zertsensor: interrupted by SIGTERM: the outputs hold what was read before it"),
          "file, TERM: message: %r" % err[-300:])
    st = stats_of(err)
    check(0 < st.get("pkts_read", 0) < 9 * 20000, "file, TERM: cut part-way: %s packets" % st.get("pkts_read"))
    check(not [f for f in os.listdir(d) if f.startswith(".")], "file, TERM: temporary files left: %s" % os.listdir(d))
    smf, jsonl = validate_outputs(d, "file, TERM")
    check(smf == st.get("records_smf") and jsonl == st.get("records_json") and smf > 0,
          "file, TERM: %d SMF records read of %s, %d JSON of %s" % (smf, st.get("records_smf"), jsonl,
                                                                   st.get("records_json")))
    flows = sum(1 for _ in open(os.path.join(d, "flows.jsonl")))
    check(flows == st.get("flows_ended"), "file, TERM: %d flow lines, %s ended" % (flows, st.get("flows_ended")))
    # a pipe that brings nothing more: INT ends the wait, what came is written
    data = open(cap, "rb").read()
    for sig in (signal.SIGINT, signal.SIGTERM):
        d = os.path.join(TMP, "pipe-%d" % sig)
        p = subprocess.Popen([ARGS.sensor, "-r", "-", "-q"] + outputs_args(d), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(data[:len(data) // 10 + 7])  # ends inside a packet record
        p.stdin.flush()
        time.sleep(2)
        p.send_signal(sig)
        out, err = p.communicate(timeout=300)
        err = err.decode(errors="replace")
        name = "pipe, %s" % signal.Signals(sig).name
        check(p.returncode == -sig, "%s: exit %s (%s)" % (name, p.returncode, err[-300:]))
        check("interrupted by %s" % signal.Signals(sig).name in err and "damaged" not in err,
              "%s: messages: %r" % (name, err[-400:]))
        st = stats_of(err)
        smf, jsonl = validate_outputs(d, name)
        check(smf == st.get("records_smf") and jsonl == st.get("records_json") and smf > 0,
              "%s: %d SMF of %s, %d JSON of %s" % (name, smf, st.get("records_smf"), jsonl, st.get("records_json")))
    # records to stdout (-o -): whole lines when interrupted
    p = subprocess.Popen([ARGS.sensor, "-r", "-", "-q", "-o", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)

    def feed():  # the records come back on a pipe while this writes: not from the same thread
        p.stdin.write(data[:len(data) // 10])
        p.stdin.flush()

    writer = threading.Thread(target=feed)
    writer.start()
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()))
    reader.start()
    writer.join()
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    reader.join(timeout=300)
    err = p.stderr.read()
    p.wait(timeout=300)
    out = chunks[0] if chunks else b""
    bad = 0
    for line in out.splitlines():
        try:
            json.loads(line)
        except ValueError:
            bad += 1
    check(p.returncode == -signal.SIGTERM and out.endswith(b"\n") and bad == 0 and out.count(b"\n") > 10,
          "-o -, TERM: exit %s, %d lines, %d bad" % (p.returncode, out.count(b"\n"), bad))


# ---- exits: one convention for both tools, one line naming the problem ----

USAGE = "usage: zertsensor -r FILE [options] [filter expression]"
DUSAGE = "usage: zertdump [-t] [-s] [-f auto|rdw|vbs] [-z TZ] [--codes FILE] [FILE...]"


def group_exits():
    q = src("pcaps/quickstart.pcap")
    S = ARGS.sensor

    def err_case(args, rc_want, first, usage=True, tool=None, stdin=None):
        cmd = [tool or S] + args
        rc, out, err = run(cmd, stdin=stdin)
        lines = err.splitlines()
        ok = rc == rc_want and lines and re.search(first, lines[0]) is not None
        if usage:
            ok = ok and len(lines) == 3 and lines[1] == (DUSAGE if tool else USAGE)
        check(ok, "%s: exit %d (want %d), stderr %r" % (" ".join(args), rc, rc_want, err[:400]))

    # zertsensor: 0 done
    rc, out, err = run([S, "-r", q, "-q"])
    check(rc == 0, "clean run: exit %d" % rc)
    # 1: an input damaged part-way (what came before is output)
    cut = os.path.join(TMP, "cut.pcap")
    data = open(q, "rb").read()
    open(cut, "wb").write(data[:len(data) // 2])
    rc, out, err = run([S, "-r", cut, "-q", "--flows", "-"])
    check(rc == 1 and len(err.splitlines()) == 1 and cut in err and out.count("\n") >= 1,
          "damaged input: exit %d %r" % (rc, err))
    # 2: usage errors, one line naming the problem and the short usage
    err_case(["--bogus", "-r", q], 2, r"^zertsensor: unknown option --bogus$")
    err_case(["-Z", "-r", q], 2, r"^zertsensor: unknown option -Z$")
    err_case(["-r"], 2, r"^zertsensor: option -r needs a value$")
    err_case(["--flows"], 2, r"^zertsensor: option --flows needs a value$")
    err_case([], 2, r"^zertsensor: no input: give -r FILE")
    err_case([q], 2, r"^zertsensor: no input: to read %s, say -r %s$" % (re.escape(q), re.escape(q)))
    # a capture named after the options is a filter expression: said so, in one line
    rc, out, err = run([S, "-r", q, "-q", src("pcaps/tls-plain12.pcap")])
    check(rc == 2 and len(err.splitlines()) == 1 and "the words after the options are a filter expression" in err
          and "say -r " in err, "stray capture: exit %d %r" % (rc, err))
    rc, out, err = run([S, "-r", q, "-q", "tcp", "port"])
    check(rc == 2 and len(err.splitlines()) == 1 and "'tcp port'" in err, "bad filter: exit %d %r" % (rc, err))
    # 2: input and output errors
    rc, out, err = run([S, "-r", os.path.join(TMP, "missing.pcap"), "-q"])
    check(rc == 2 and len(err.splitlines()) == 1 and "missing.pcap" in err, "missing input: exit %d %r" % (rc, err))
    rc, out, err = run([S, "-r", q, "-q", "--flows", "/dev/full"])
    check(rc == 2 and "/dev/full" in err, "output error: exit %d %r" % (rc, err))
    rc, out, err = run([S, "-r", q, "-q", "-c", "5"])
    check(rc == 2 and "-c names the configuration file" in err, "-c 5: exit %d %r" % (rc, err))
    # --version, --help: 0, on stdout
    for tool, name in ((S, "zertsensor"), (ARGS.dump, "zertdump")):
        for opt in ("--version", "-V"):
            rc, out, err = run([tool, opt])
            check(rc == 0 and re.match(r"^%s \d+\.\d+\.\d+" % name, out) and err == "",
                  "%s %s: exit %d %r %r" % (name, opt, rc, out, err))
        rc, out, err = run([tool, "--help"])
        check(rc == 0 and out.startswith("usage: %s" % name) and "Exit status" in out, "%s --help: %d" % (name, rc))
    # zertdump: the same convention
    d = os.path.join(TMP, "dump-src")
    rc, out, err = run([S, "-r", q, "-q", "-o", d])
    smf = os.path.join(d, "zert.smf")
    rc, out, err = run([ARGS.dump, smf])
    check(rc == 0 and out.count("\n") > 0, "zertdump clean: exit %d" % rc)
    b = open(smf, "rb").read()
    cut = os.path.join(TMP, "cut.smf")
    open(cut, "wb").write(b[:len(b) - 10])
    rc, out, err = run([ARGS.dump, cut])
    check(rc == 1 and out.count("\n") > 0, "zertdump truncated: exit %d %r" % (rc, err))
    err_case(["-x"], 2, r"^zertdump: unknown option -x$", tool=ARGS.dump)
    err_case(["-f"], 2, r"^zertdump: option -f needs a value$", tool=ARGS.dump)
    err_case(["-f", "bogus", smf], 2, r"^zertdump: unknown format 'bogus'", tool=ARGS.dump)
    rc, out, err = run([ARGS.dump, os.path.join(TMP, "missing.smf")])
    check(rc == 2 and len(err.splitlines()) == 1 and "missing.smf" in err, "zertdump missing: exit %d %r" % (rc, err))


# ---- stdout: -o - writes the records as JSON Lines on standard output ----


def group_stdout():
    q = src("pcaps/quickstart.pcap")
    cwd = os.path.join(TMP, "cwd")
    os.makedirs(cwd)
    d = os.path.join(TMP, "records-dir")
    rc1, out1, err1 = run([ARGS.sensor, "-r", q, "-q", "--seed", "0", "-o", d])
    p = subprocess.run([ARGS.sensor, "-r", q, "-q", "--seed", "0", "-o", "-"], cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    want = open(os.path.join(d, "records.jsonl"), "rb").read()
    check(rc1 == 0 and p.returncode == 0 and p.stdout == want and want,
          "-o -: stdout equals DIR/records.jsonl (exit %d)" % p.returncode)
    check(os.listdir(cwd) == [], "-o -: made %s" % os.listdir(cwd))
    # without -q the flow lines do not mix into the records
    p = subprocess.run([ARGS.sensor, "-r", q, "--seed", "0", "-o", "-"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    check(p.stdout == want, "-o - without -q: only records on stdout")
    for args in (["-o", "-", "--flows", "-"], ["--observations", "-", "-o", "-"]):
        rc, out, err = run([ARGS.sensor, "-r", q] + args)
        check(rc == 2 and "only one of" in err and out == "", "%s: exit %d %r" % (args, rc, err))


# ---- sid: the SMF header's system id from the configuration ----


def smf_sids(path):
    """The SID (header bytes 14-17, EBCDIC) of each record of an RDW stream."""
    b = open(path, "rb").read()
    sids, off = [], 0
    while off + 4 <= len(b):
        n = int.from_bytes(b[off:off + 2], "big")
        sids.append(b[off + 14:off + 18].decode("cp037"))
        off += n
    return sids


def group_sid():
    q = src("pcaps/quickstart.pcap")
    conf = os.path.join(TMP, "sid.conf")
    for body, want in (("system = PRODSYS1\n", "PROD"), ("system = PRODSYS1\nsmf_sid = s0w1\n", "S0W1"),
                       ("smf_sid = 7A\n", "7A  ")):
        open(conf, "w").write(body)
        d = os.path.join(TMP, "sid-%s" % want.strip())
        rc, out, err = run([ARGS.sensor, "-r", q, "-q", "-c", conf, "-o", d])
        sids = smf_sids(os.path.join(d, "zert.smf"))
        check(rc == 0 and sids and set(sids) == {want}, "%r: SIDs %s (exit %d %s)" % (body, set(sids), rc, err))
    for bad in ("SYSTEM", "", "a-b"):
        open(conf, "w").write("smf_sid = %s\n" % bad)
        rc, out, err = run([ARGS.sensor, "-r", q, "-q", "-c", conf])
        check(rc == 2 and "%s:1:" % conf in err and "smf_sid" in err, "smf_sid %r: exit %d %r" % (bad, rc, err))


# ---- zos: zert.smf is what docs/zos-import.md says it is ----


def rdw_records(b, what):
    """The records of an RDW stream, checked as RDW2VB (docs/zos-import.md) checks them."""
    recs, off = [], 0
    while off < len(b):
        n = int.from_bytes(b[off:off + 2], "big")
        if not check(off + 4 <= len(b) and 5 <= n <= 32760 and b[off + 2:off + 4] == b"\0\0" and off + n <= len(b),
                     "%s: bad RDW at offset %d" % (what, off)):
            return recs
        recs.append(b[off:off + n])
        off += n
    return recs


def vbs_records(b, blksize, what):
    """The records of VBS blocks; every block full but one with < 5 bytes left, and the last."""
    recs, off, cur, blocks = [], 0, None, 0
    while off < len(b):
        bl = int.from_bytes(b[off:off + 2], "big")
        blocks += 1
        last = off + bl == len(b)
        if not check(8 < bl <= blksize and b[off + 2:off + 4] == b"\0\0" and off + bl <= len(b) and
                     (last or bl > blksize - 5), "%s: block %d of %d bytes (BLKSIZE %d)" % (what, blocks, bl, blksize)):
            return recs
        p = off + 4
        while p < off + bl:
            sl, ctl = int.from_bytes(b[p:p + 2], "big"), b[p + 2]
            seg = b[p + 4:p + sl]
            if ctl in (0, 1):
                check(cur is None, "%s: a record starts inside another" % what)
                cur = seg
            else:
                check(cur is not None, "%s: a middle or last segment without a first" % what)
                cur = (cur or b"") + seg
            if ctl in (0, 2):
                recs.append((len(cur) + 4).to_bytes(2, "big") + b"\0\0" + cur)
                cur = None
            p += sl
        off += bl
    check(cur is None, "%s: the file ends inside a record" % what)
    return recs


def group_zos():
    caps = [src("pcaps/quickstart.pcap"), corpus("zeek/tls/tls-fragmented-handshake.pcap.gz"),
            corpus("ndpi/ipsec_isakmp_esp.pcap"), gen_sessions(3000, "zos.pcap")]
    conf = os.path.join(TMP, "zos.conf")
    for i, cap in enumerate(caps):
        d = os.path.join(TMP, "zos-rdw-%d" % i)
        rc, out, err = run([ARGS.sensor, "-r", cap, "-q", "-o", d])
        rdw = rdw_records(open(os.path.join(d, "zert.smf"), "rb").read(), cap)
        check(rc == 0 and rdw and all(r[5] == 119 for r in rdw), "%s: %d records" % (cap, len(rdw)))
        for blksize in (27998, 4096, 512):
            open(conf, "w").write("smf_format = vbs\nvbs_block_size = %d\n" % blksize)
            d = os.path.join(TMP, "zos-vbs-%d-%d" % (i, blksize))
            rc, out, err = run([ARGS.sensor, "-r", cap, "-q", "-c", conf, "-o", d])
            vbs = vbs_records(open(os.path.join(d, "zert.smf"), "rb").read(), blksize, "%s VBS %d" % (cap, blksize))
            check(rc == 0 and vbs == rdw, "%s: VBS %d holds the RDW stream's %d records (%d)" %
                  (cap, blksize, len(rdw), len(vbs)))


def main():
    global ARGS, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensor", required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("group")
    ARGS = ap.parse_args()
    for k in ("sensor", "dump", "source", "corpus"):
        setattr(ARGS, k, os.path.abspath(getattr(ARGS, k)))
    with tempfile.TemporaryDirectory(prefix="zs-cli-") as t:
        TMP = t
        globals()["group_" + ARGS.group]()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
