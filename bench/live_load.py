#!/usr/bin/env python3
"""live_load.py - load on the live daemon (issue 13; bench/README.md, "Live daemon").

Two network namespaces joined by a veth pair; `zertsensor -i` captures on the server's veth as
user nobody. The connections are made by bench/tlsload.c (built beside the sensor): a client
that opens RATE new TLS connections a second (non-blocking, INFLIGHT at most at once, TLS 1.2
and 1.3 in turn; each a full handshake, "ping"/"pong", close_notify both ways, FIN) and a server
of the same kind, both with an ECDSA P-256 certificate.

Part 1: RATE for SECONDS, a SIGHUP every 10 s, then TERM. Checked: the connections the
generator completed (client and server agree) against the TLS connection records (short_term or
term on the server port, protection tls; by TLS version too) and against the summaries'
connection counts; records not written; records in the files = records cut, none twice across
the HUP rotations; the kernel drops: the daemon's exit line gives each interface's pcap_stats
as libpcap returns them, --stats sums them (capture_received, capture_kernel_drops,
capture_if_drops), and the frames read must be ps_recv - ps_drop; tcpdump, capturing the same
veth into bench/work/live-load.pcap, counts the packets on its own. CPU seconds of the client,
the server, the sensor and tcpdump, and of the whole machine (others' work included), are
reported. LOAD_REPEAT runs part 1 that many times and prints the medians.

Part 2: the capture replayed through the veth by tcpreplay at full speed (--topspeed), then at
fixed packet rates, each into a fresh daemon: the packets per second sent and the kernel drops
of each run; the highest rate with no drop is the figure.

Part 3: TERM while the load runs: exit within 2 s, every record cut is in the files.

usage: bench/live_load.py [ZERTSENSOR]   (default build/bench/zertsensor; run as root)
environment: LOAD_RATE (500), LOAD_SECONDS (60), LOAD_INFLIGHT (256), LOAD_BUFFER (the daemon's
buffer_size, 64M), LOAD_PARTS (123), LOAD_REPEAT (1)
Exit status 1 when a check of part 1 or 3 fails (the rate included: the starts must keep to
RATE within 1 %).
"""
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) == 2 else f"{ROOT}/build/bench/zertsensor"
TLSLOAD = os.path.join(os.path.dirname(BIN), "tlsload")
RATE = int(os.environ.get("LOAD_RATE", "500"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
INFLIGHT = int(os.environ.get("LOAD_INFLIGHT", "256"))
BUFFER = os.environ.get("LOAD_BUFFER", "64M")
PARTS = os.environ.get("LOAD_PARTS", "123")
REPEAT = int(os.environ.get("LOAD_REPEAT", "1"))
NS_S, NS_C, IF_S, IF_C = "zsb-s", "zsb-c", "zsbs", "zsbc"
SRV, PORT = "10.198.0.1", 4433
WORK = f"{ROOT}/bench/work"
failures = []


def check(cond, what):
    print(("        ok   " if cond else "        FAIL ") + what)
    if not cond:
        failures.append(what)


def sh(*cmd, ns=None, **kw):
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    return subprocess.run(cmd, check=True, **kw)


def setns():
    for ns in (NS_S, NS_C):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    sh("ip", "netns", "add", NS_S)
    sh("ip", "netns", "add", NS_C)
    sh("ip", "link", "add", IF_S, "type", "veth", "peer", "name", IF_C)
    sh("ip", "link", "set", IF_S, "netns", NS_S)
    sh("ip", "link", "set", IF_C, "netns", NS_C)
    sh("ip", "addr", "add", SRV + "/24", "dev", IF_S, ns=NS_S)
    sh("ip", "addr", "add", "10.198.0.2/24", "dev", IF_C, ns=NS_C)
    for ns, i in ((NS_S, IF_S), (NS_C, IF_C)):
        sh("ip", "link", "set", i, "up", ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
        # ports for 30 000 connections in TIME_WAIT and more
        sh("sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65000", ns=ns)
        sh("sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1", ns=ns)


def cpu_of(pid):
    """CPU seconds (user + system) of a live process."""
    with open(f"/proc/{pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """CPU seconds the whole machine spent busy so far (all CPUs; steal counted apart)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    tck = os.sysconf("SC_CLK_TCK")
    busy = v[0] + v[1] + v[2] + v[5] + v[6]  # user nice system irq softirq
    return busy / tck, v[7] / tck  # steal


def client(seconds):
    """The generator's client in the client namespace; its JSON comes out when it is done."""
    return subprocess.Popen(["ip", "netns", "exec", NS_C, TLSLOAD, "client", "-a", SRV, "-p",
                             str(PORT), "-r", str(RATE), "-t", str(seconds), "-m", str(INFLIGHT)],
                            stdout=subprocess.PIPE, text=True)


def start_sensor(tag):
    out = f"{WORK}/live-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    log = open(f"{WORK}/live-{tag}.log", "w+")
    p = subprocess.Popen(["ip", "netns", "exec", NS_S, BIN, "-i", IF_S, "-o", out, "-u", "nobody",
                          "--stats", "-c", f"{WORK}/live.conf"], stderr=log)
    for _ in range(100):
        if "running as" in open(log.name).read():
            break
        time.sleep(0.1)
    return p, log, out


def stop_sensor(p, log):
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    rc = p.wait(timeout=30)
    took = time.time() - t0
    log.seek(0)
    text = log.read()
    stats = json.loads([l for l in text.splitlines() if l.startswith("{")][-1])
    return rc, took, stats, text


def tls_server():
    key, crt = f"{WORK}/live-key.pem", f"{WORK}/live-crt.pem"
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=bench",
       stderr=subprocess.DEVNULL)
    p = subprocess.Popen(["ip", "netns", "exec", NS_S, TLSLOAD, "server", "-a", SRV, "-p",
                          str(PORT), "-k", key, "-c", crt], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    time.sleep(0.5)
    return p


def stop_server(p):
    p.send_signal(signal.SIGTERM)
    return json.loads(p.communicate(timeout=10)[0])


def part1(run):
    pcap = f"{WORK}/live-load.pcap"
    dump = subprocess.Popen(["ip", "netns", "exec", NS_S, "tcpdump", "-q", "-i", IF_S, "-w", pcap,
                             "-B", "65536"], stderr=subprocess.PIPE, text=True)
    srv = tls_server()
    sensor, log, out = start_sensor("load")
    time.sleep(1)
    m0, steal0 = machine_cpu()
    cli = client(SECONDS)
    # HUP every 10 s under load: the files rotate, no record may be lost or written twice
    hups = 0
    while True:
        try:
            cli.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            sensor.send_signal(signal.SIGHUP)
            hups += 1
    c = json.loads(cli.communicate()[0])
    time.sleep(2.5)  # closed_timeout, then the records are cut
    m1, steal1 = machine_cpu()
    cpu_sensor, cpu_dump = cpu_of(sensor.pid), cpu_of(dump.pid)
    s = stop_server(srv)
    rc, took, stats, logtext = stop_sensor(sensor, log)
    dump.send_signal(signal.SIGINT)
    dump_err = dump.communicate(timeout=10)[1]
    dump_recv = re.search(r"(\d+) packets received by filter", dump_err)
    dump_drop = re.search(r"(\d+) packets dropped by kernel", dump_err)

    lines, tls, by_version, summ = [], 0, {"TLSv1.2": 0, "TLSv1.3": 0}, 0
    files = glob.glob(f"{out}/records-*.jsonl")
    for f in files:
        for line in open(f):
            lines.append(line)
            r = json.loads(line)
            if (r["record"] == "detail" and r["event"] in ("short_term", "term")
                    and r["local"]["port"] == PORT and r["protection"] == ["tls"]):
                tls += 1
                by_version[r["tls"]["version"]] = by_version.get(r["tls"]["version"], 0) + 1
            elif (r["record"] == "summary" and r["event"] == "interval" and
                  r["protocol"] == "tls" and r["server"]["port"] == PORT):
                summ += r["conns"]["end"] - r["conns"]["start"]
    done = c["completed"]
    print(f"part 1 (run {run}): {c['attempted']} TLS connections started in "
          f"{c['start_seconds']:.2f} s ({c['start_rate']:.1f}/s, target {RATE}/s; "
          f"{c['late_starts']} started over 10 ms late, at most {c['max_inflight']} open), "
          f"{done} completed in {c['seconds']:.2f} s ({c['rate']:.1f}/s); "
          f"TLS 1.2 {c['tls12']}, TLS 1.3 {c['tls13']}; failed: connect {c['failed_connect']}, "
          f"TLS {c['failed_tls']}, I/O {c['failed_io']}, timed out {c['timed_out']}")
    check(c["start_rate"] >= 0.99 * RATE and c["attempted"] == RATE * SECONDS,
          f"the generator kept the rate: {c['start_rate']:.1f}/s for {c['attempted']} starts")
    check(done == c["attempted"] == s["completed"],
          f"every connection completed, on both sides: client {done}, server {s['completed']}")
    check(tls == done, f"TLS connection records {tls} = connections completed {done} "
          f"(lost: {done - tls})")
    check(by_version == {"TLSv1.2": c["tls12"], "TLSv1.3": c["tls13"]},
          f"by version: records {by_version}, generator 1.2 {c['tls12']} / 1.3 {c['tls13']}")
    check(summ == done, f"summary connection counts (TLS sessions on port {PORT}): {summ}")
    nw = (stats["records_jsonl_not_written"] + stats["records_smf_not_written"] +
          stats["records_stdout_not_written"])
    check(nw == 0, f"records not written: {nw}")
    check(len(lines) == len(set(lines)) == stats["records_json"] == stats["records_jsonl_written"],
          f"{hups} HUPs, {len(files)} JSON files: {len(lines)} lines, {len(set(lines))} distinct, "
          f"records cut {stats['records_json']}, written {stats['records_jsonl_written']}")
    ps = [l for l in logtext.splitlines() if ": pcap_stats: " in l]
    n = [int(x) for x in re.findall(r"ps_\w+ (\d+)", ps[0])] if len(ps) == 1 else [-1, -1, -1]
    frames = int(re.search(r"(\d+) frames read", ps[0]).group(1)) if len(ps) == 1 else -1
    print(f"        {ps[0].split(': ', 1)[1] if ps else 'no pcap_stats line'}; --stats: "
          f"capture_received {stats['capture_received']}, capture_kernel_drops "
          f"{stats['capture_kernel_drops']}, capture_if_drops {stats['capture_if_drops']}, "
          f"pkts_read {stats['pkts_read']}, tcp_gaps {stats['tcp_gaps']}; tcpdump: "
          f"{dump_recv.group(1) if dump_recv else '?'} received by filter, "
          f"{dump_drop.group(1) if dump_drop else '?'} dropped by kernel")
    check(n == [stats["capture_received"], stats["capture_kernel_drops"],
                stats["capture_if_drops"]],
          "kernel and interface drops in --stats = pcap_stats ps_drop and ps_ifdrop")
    check(frames == stats["pkts_read"] == n[0] - n[1], "frames read = ps_recv - ps_drop")
    check(stats["capture_kernel_drops"] == 0 and stats["capture_if_drops"] == 0,
          "no packet dropped")
    wall = c["seconds"] + 2.5
    busy, steal = m1 - m0, steal1 - steal0
    ours = c["cpu_s"] + s["cpu_s"] + cpu_sensor + cpu_dump
    print(f"        CPU s over the {wall:.1f} s of load: client {c['cpu_s']:.1f}, server "
          f"{s['cpu_s']:.1f}, sensor {cpu_sensor:.1f} ({cpu_sensor / wall:.1%} of a core, "
          f"{cpu_sensor / max(done, 1) * 1e3:.2f} ms a connection), tcpdump {cpu_dump:.1f}; "
          f"machine busy {busy:.1f} of {os.cpu_count() * wall:.1f} ({busy - ours:.1f} not "
          f"these four), steal {steal:.1f}; load average {os.getloadavg()[0]:.1f}")
    print(f"        TERM to exit: {took:.2f} s, status {rc}; flows_evicted "
          f"{stats['flows_evicted']}")
    return pcap, {"start_rate": c["start_rate"], "rate": c["rate"], "completed": done,
                  "lost": done - tls, "drops": stats["capture_kernel_drops"],
                  "packets": stats["pkts_read"], "cpu_client": c["cpu_s"],
                  "cpu_server": s["cpu_s"], "cpu_sensor": cpu_sensor, "cpu_tcpdump": cpu_dump,
                  "cpu_others": busy - ours, "late": c["late_starts"]}


def part2(pcap):
    rates = ["topspeed", 400000, 200000, 100000, 50000, 25000, 10000]
    best = None
    for rate in rates:
        sensor, log, out = start_sensor(f"replay-{rate}")
        time.sleep(0.5)
        arg = ["--topspeed"] if rate == "topspeed" else [f"--pps={rate}"]
        r = subprocess.run(["ip", "netns", "exec", NS_C, "tcpreplay", "-i", IF_C, *arg, pcap],
                           capture_output=True, text=True)
        m = re.search(r"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps", r.stdout)
        pps = float(m.group(1)) if m else 0.0
        sent = re.search(r"Successful packets:\s+(\d+)", r.stdout)
        time.sleep(1.5)
        rc, took, stats, _ = stop_sensor(sensor, log)
        drops = stats["capture_kernel_drops"] + stats["capture_if_drops"]
        print(f"part 2: replay {rate}: {pps:.0f} pps sent ({sent.group(1) if sent else '?'} "
              f"packets), sensor read {stats['pkts_read']}, kernel drops {drops}")
        if drops == 0 and (best is None or pps > best):
            best = pps
    print(f"part 2: the highest replay rate with no drop: {best:.0f} pps" if best else
          "part 2: drops at every rate tried")


def part3():
    """TERM while the load runs: exit within 2 s, every record cut is in the files."""
    srv = tls_server()
    sensor, log, out = start_sensor("term")
    cli = client(10)
    time.sleep(5)
    rc, took, stats, _ = stop_sensor(sensor, log)
    c = json.loads(cli.communicate()[0])
    stop_server(srv)
    n = sum(len(open(f).read().splitlines()) for f in glob.glob(f"{out}/records-*.jsonl"))
    print(f"part 3: TERM under load ({c['completed']} connections in all, the sensor stopped "
          f"after 5 s): exit in {took:.2f} s, status {rc}; connections ended by shutdown "
          f"{stats['zert_conns_cut_by_end']}")
    check(took < 2.0 and rc == 0, f"exit within 2 s with status 0 ({took:.2f} s, {rc})")
    check(n == stats["records_json"] and stats["records_jsonl_not_written"] == 0,
          f"records cut {stats['records_json']} = in the files {n}, not written "
          f"{stats['records_jsonl_not_written']}")


def main():
    if os.geteuid() != 0:
        sys.exit("bench/live_load.py needs root (network namespaces, capture)")
    if not os.access(TLSLOAD, os.X_OK):
        sys.exit(f"{TLSLOAD} is missing: build bench/tlsload.c (it needs libssl-dev)")
    os.makedirs(WORK, exist_ok=True)
    os.chmod(WORK, 0o755)
    with open(f"{WORK}/live.conf", "w") as f:
        f.write("closed_timeout = 1\nstats_interval = 0\nrotate_interval = 0\n"
                f"buffer_size = {BUFFER}\n")
    setns()
    pcap = f"{WORK}/live-load.pcap"
    try:
        if "1" in PARTS:
            runs = [part1(i + 1)[1] for i in range(REPEAT)]
            if REPEAT > 1:
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                print("part 1: medians of " + str(REPEAT) + " runs: " +
                      ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                for k, v in med.items()))
        if "3" in PARTS:
            part3()
        if "2" in PARTS and os.path.exists(pcap):
            part2(pcap)
    finally:
        for ns in (NS_S, NS_C):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
