#!/usr/bin/env python3
"""live_load.py - load on the live daemon (issue 13; bench/README.md, "Live daemon").

Part 1: RATE new TLS connections per second for SECONDS through a veth pair between two network
namespaces (openssl s_server; Python ssl clients, WORKERS processes paced to the rate), while
`zertsensor -i` captures on the server's veth as user nobody. Afterwards (TERM): the connections
the clients completed against the TLS records (short_term/term on the server port), records not
written, and the kernel drops (pcap_stats, `capture_kernel_drops`). The traffic is also written
by tcpdump to bench/work/live-load.pcap.

Part 2: that capture replayed through the veth by tcpreplay at full speed (--topspeed), then at
fixed packet rates, each into a fresh daemon: the packets per second sent and the kernel drops
of each run; the highest rate with no drop is the figure.

usage: bench/live_load.py [ZERTSENSOR]   (default build/bench/zertsensor; run as root)
environment: LOAD_RATE (500), LOAD_SECONDS (60), LOAD_WORKERS (2), LOAD_BUFFER (the daemon's
buffer_size, 64M)
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) == 2 else f"{ROOT}/build/bench/zertsensor"
RATE = int(os.environ.get("LOAD_RATE", "500"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
BUFFER = os.environ.get("LOAD_BUFFER", "64M")
NS_S, NS_C, IF_S, IF_C = "zsb-s", "zsb-c", "zsbs", "zsbc"
SRV, PORT = "10.198.0.1", 4433
WORK = f"{ROOT}/bench/work"


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


def clients(seconds):
    """WORKERS client processes in the client namespace (this script with --client)."""
    return [subprocess.Popen(["ip", "netns", "exec", NS_C, sys.executable, __file__, "--client",
                              str(RATE // WORKERS), str(seconds)], stdout=subprocess.PIPE,
                             text=True) for _ in range(WORKERS)]


def client(n_per_s, seconds):
    """One worker: n_per_s handshakes a second, paced; prints completed, failed, seconds."""
    import socket
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    done = failed = 0
    t0 = time.monotonic()
    total = n_per_s * seconds
    for i in range(total):
        due = t0 + i / n_per_s
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
        try:
            s = socket.create_connection((SRV, PORT), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\0" * 8)
            t = ctx.wrap_socket(s)
            t.close()
            done += 1
        except OSError:
            failed += 1
    print(done, failed, time.monotonic() - t0)


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
    stats = json.loads([l for l in log.read().splitlines() if l.startswith("{")][-1])
    return rc, took, stats


def tls_server():
    key, crt = f"{WORK}/live-key.pem", f"{WORK}/live-crt.pem"
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=bench",
       stderr=subprocess.DEVNULL)
    return subprocess.Popen(["ip", "netns", "exec", NS_S, "openssl", "s_server", "-accept",
                             str(PORT), "-key", key, "-cert", crt, "-quiet", "-no_ticket"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def part1():
    pcap = f"{WORK}/live-load.pcap"
    dump = subprocess.Popen(["ip", "netns", "exec", NS_S, "tcpdump", "-q", "-i", IF_S, "-w", pcap,
                             "-B", "65536", "tcp"], stderr=subprocess.DEVNULL)
    sensor, log, out = start_sensor("load")
    time.sleep(1)
    t0 = time.time()
    ws = clients(SECONDS)
    # HUP every 10 s under load: the files rotate, no record may be lost or written twice
    hups = 0
    while True:
        time.sleep(10)
        if any(w.poll() is not None for w in ws):
            break
        sensor.send_signal(signal.SIGHUP)
        hups += 1
    res = [tuple(float(x) for x in w.communicate()[0].split()) for w in ws]
    wall = max(r[2] for r in res)
    done = int(sum(r[0] for r in res))
    failed = int(sum(r[1] for r in res))
    time.sleep(2.5)  # closed_timeout, then the records are cut
    with open(f"/proc/{sensor.pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    cpu = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    rc, took, stats = stop_sensor(sensor, log)
    dump.send_signal(signal.SIGINT)
    dump.wait()
    recs = 0
    lines = []
    files = glob.glob(f"{out}/records-*.jsonl")
    for f in files:
        for line in open(f):
            lines.append(line)
            r = json.loads(line)
            if (r["record"] == "detail" and r["event"] in ("short_term", "term")
                    and r["local"]["port"] == PORT and r["protection"] == ["tls"]):
                recs += 1
    print(f"part 1: {done} TLS connections completed in {wall:.1f} s ({done / wall:.0f}/s, "
          f"target {RATE}/s), {failed} failed")
    print(f"        TLS connection records: {recs} (lost: {done - recs}); records not written: "
          f"{stats['records_jsonl_not_written'] + stats['records_smf_not_written']}; "
          f"kernel drops (pcap_stats): {stats['capture_kernel_drops']}, interface drops "
          f"{stats['capture_if_drops']}; packets {stats['pkts_read']}; gaps {stats['tcp_gaps']}")
    print(f"        sensor CPU {cpu:.1f} s over the run ({cpu / (wall + 4):.1%} of one core); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"        TERM to exit: {took:.2f} s, status {rc}; flows_evicted "
          f"{stats['flows_evicted']}")
    print(f"        {hups} HUPs: {len(files)} JSON files, {len(lines)} lines, "
          f"{len(set(lines))} distinct, records cut {stats['records_json']}, written "
          f"{stats['records_jsonl_written']}")
    return pcap


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
        rc, took, stats = stop_sensor(sensor, log)
        drops = stats["capture_kernel_drops"] + stats["capture_if_drops"]
        print(f"part 2: replay {rate}: {pps:.0f} pps sent ({sent.group(1) if sent else '?'} "
              f"packets), sensor read {stats['pkts_read']}, kernel drops {drops}")
        if drops == 0 and (best is None or pps > best):
            best = pps
    print(f"part 2: the highest replay rate with no drop: {best:.0f} pps" if best else
          "part 2: drops at every rate tried")


def part3():
    """TERM while the load runs: exit within 2 s, every record cut is in the files."""
    sensor, log, out = start_sensor("term")
    ws = clients(10)
    time.sleep(5)
    rc, took, stats = stop_sensor(sensor, log)
    for w in ws:
        w.communicate()
    n = sum(len(open(f).read().splitlines()) for f in glob.glob(f"{out}/records-*.jsonl"))
    print(f"part 3: TERM under load: exit in {took:.2f} s, status {rc}; records cut "
          f"{stats['records_json']}, in the files {n}, not written "
          f"{stats['records_jsonl_not_written']}; connections ended by shutdown "
          f"{stats['zert_conns_cut_by_end']}")


def main():
    if os.geteuid() != 0:
        sys.exit("bench/live_load.py needs root (network namespaces, capture)")
    os.makedirs(WORK, exist_ok=True)
    os.chmod(WORK, 0o755)
    with open(f"{WORK}/live.conf", "w") as f:
        f.write("closed_timeout = 1\nstats_interval = 0\nrotate_interval = 0\n"
                f"buffer_size = {BUFFER}\n")
    setns()
    try:
        srv = tls_server()
        time.sleep(0.5)
        pcap = part1()
        part3()
        srv.kill()
        part2(pcap)
    finally:
        for ns in (NS_S, NS_C):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--client":
        client(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
