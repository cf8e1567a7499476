#!/usr/bin/env python3
"""live_e2e.py - the daemon end to end (issue 13): two network namespaces joined by a veth pair,
real TLS 1.2 / TLS 1.3 (openssl), SSH (OpenSSH), clear TCP and the EE capture replayed with
tcpreplay, while `zertsensor -i` captures on the veth as user nobody. Checks: the uids after
start-up, every connection in the records with its attributes, summaries that count every
connection, a SIGHUP rotation with nothing lost or doubled, a socket reader that gets what the
files get, a late reader that gets the active connection's init first, and TERM: exit 0 within
2 s with the open connection ended by "shutdown".

usage: live_e2e.py ZERTSENSOR SOURCE_DIR      (exit 77: skipped, with the reason)
"""
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from livelib import failures, skip, check, run, popen, veth_pair  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
PID = os.getpid() % 100000
NS_S, NS_C = f"zs-s{PID}", f"zs-c{PID}"
IF_S, IF_C = f"zss{PID}", f"zsc{PID}"
SRV, CLI = "10.199.0.1", "10.199.0.2"


if os.geteuid() != 0:
    skip("needs root (network namespaces, capture)")
for tool in ("ip", "openssl", "ssh", "ssh-keygen", "tcpreplay"):
    if not shutil.which(tool):
        skip(f"{tool} is not installed (conf/install-deps.sh --test)")
if not os.path.exists("/usr/sbin/sshd"):
    skip("sshd is not installed (conf/install-deps.sh --test installs openssh-server)")
try:
    run("ip", "netns", "add", NS_S, stderr=subprocess.PIPE)
except subprocess.CalledProcessError as e:
    skip(f"ip netns is unavailable here: {e.stderr.decode().strip()}")

work = tempfile.mkdtemp(prefix="zs-live-")
os.chmod(work, 0o755)
procs = []


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for ns in (NS_S, NS_C):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)


try:
    run("ip", "netns", "add", NS_C)
    veth_pair(NS_S, IF_S, SRV, NS_C, IF_C, CLI)

    # the server side's material
    key, crt = f"{work}/key.pem", f"{work}/crt.pem"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
        "-days", "1", "-subj", "/CN=zs-e2e", stderr=subprocess.DEVNULL)
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{work}/hostkey")
    os.makedirs("/run/sshd", exist_ok=True)
    with open(f"{work}/sshd_config", "w") as f:
        f.write(f"Port 2222\nListenAddress {SRV}\nHostKey {work}/hostkey\nPidFile {work}/sshd.pid\n"
                "UsePAM no\nStrictModes no\n")
    conf = f"{work}/zs.conf"
    with open(conf, "w") as f:
        # a day's interval: no boundary frees a session during the run (the USR1 line below)
        f.write("short_connection = 2\nclosed_timeout = 1\nstats_interval = 0\n"
                "rotate_interval = 0\ninterval = 86400\n")

    # the sensor, dropping to nobody; an early reader on the socket
    out, sock = f"{work}/out", f"{work}/sock"
    log = open(f"{work}/sensor.log", "w+")
    # two interfaces, one run: the veth and the server namespace's loopback
    sensor = popen(BIN, "-i", IF_S, "-i", "lo", "-c", conf, "-o", out, "-u", "nobody", "--socket", sock,
                   "--stats", ns=NS_S, stderr=log)
    procs.append(sensor)
    for _ in range(100):
        if os.path.exists(sock) and "running as" in open(log.name).read():
            break
        time.sleep(0.1)
    else:
        print(open(log.name).read())
        raise SystemExit("FAIL: the sensor did not start")
    with open(f"/proc/{sensor.pid}/status") as f:
        uids = [int(x) for x in next(l for l in f if l.startswith("Uid:")).split()[1:]]
    check(all(u != 0 for u in uids), f"no root uid after start-up (real/effective/saved/fs {uids})")
    check(oct(os.stat(sock).st_mode & 0o777) == "0o660", "socket mode 0660")

    early = []

    def reader(want, sink, seconds=None):
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        s.sendall((want + "\n").encode())
        s.shutdown(socket.SHUT_WR)
        if seconds:
            s.settimeout(seconds)
        buf = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                buf += d
        except socket.timeout:
            pass
        s.close()
        sink.extend(buf.decode().splitlines())

    t_early = threading.Thread(target=reader, args=("both", early))
    t_early.start()
    time.sleep(0.3)

    made = {}

    def tls(port, n, proto, cipher_opt, cipher):
        srv = popen("openssl", "s_server", "-accept", str(port), "-key", key, "-cert", crt,
                    "-naccept", str(n), "-quiet", proto, *cipher_opt, ns=NS_S,
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(srv)
        time.sleep(0.4)
        for _ in range(n):
            run("openssl", "s_client", "-connect", f"{SRV}:{port}", proto, *cipher_opt, ns=NS_C,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        srv.wait(timeout=10)
        made[port] = n

    tls(4412, 3, "-tls1_2", ["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    tls(4413, 3, "-tls1_3", ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
        "TLS_CHACHA20_POLY1305_SHA256")

    # a connection that stays open until TERM
    long_srv = popen("openssl", "s_server", "-accept", "4499", "-key", key, "-cert", crt,
                     "-naccept", "1", "-quiet", "-tls1_3", ns=NS_S, stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(long_srv)
    time.sleep(0.4)
    long_cli = popen("openssl", "s_client", "-connect", f"{SRV}:4499", "-tls1_3", "-quiet",
                     ns=NS_C, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    procs.append(long_cli)
    made[4499] = 1

    # HUP: a new pair of files; nothing may be lost or written twice
    time.sleep(0.5)
    sensor.send_signal(signal.SIGHUP)
    time.sleep(0.5)

    sshd = popen("/usr/sbin/sshd", "-D", "-e", "-f", f"{work}/sshd_config", ns=NS_S,
                 stderr=subprocess.DEVNULL)
    procs.append(sshd)
    time.sleep(0.5)
    for _ in range(2):
        # authentication fails (no key): the session is encrypted before that
        subprocess.run(["ip", "netns", "exec", NS_C, "ssh", "-p", "2222", "-c", "aes256-ctr",
                        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                        "-o", "UserKnownHostsFile=/dev/null", "-o", "PubkeyAuthentication=no",
                        "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
                        f"nobody@{SRV}", "true"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
    made[2222] = 2

    clear = popen("python3", "-c",
                  "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                  f"s.bind(('{SRV}',8080));s.listen()\n"
                  "for _ in range(2):\n c,_=s.accept();c.sendall(c.recv(100));c.close()\n",
                  ns=NS_S)
    procs.append(clear)
    time.sleep(0.4)
    for _ in range(2):
        run("python3", "-c",
            f"import socket\nc=socket.create_connection(('{SRV}',8080));c.sendall(b'hello clear');"
            "c.recv(100);c.close()", ns=NS_C)
    clear.wait(timeout=10)
    made[8080] = 2

    # one connection on the loopback: the second -i feeds the same run
    run("python3", "-c",
        "import socket,threading\ns=socket.socket();s.bind(('127.0.0.1',8181));s.listen()\n"
        "t=threading.Thread(target=lambda:(lambda c:(c[0].sendall(c[0].recv(9)),c[0].close()))"
        "(s.accept()));t.start()\nc=socket.create_connection(('127.0.0.1',8181));"
        "c.sendall(b'loopback');c.recv(9);c.close();t.join()", ns=NS_S)
    made[8181] = 1

    run("tcpreplay", "-q", "-i", IF_C, f"{SRC}/pcaps/ee-sample.pcap", ns=NS_C,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # the late reader: after the long connection's init (short_connection = 2 s)
    time.sleep(2.5)
    late = []
    reader("detail", late, seconds=1.0)
    lr = [json.loads(l) for l in late]
    first = []
    for r in lr:
        if r["event"] != "init":
            break
        first.append(r["local"]["port"])
    # active now: the TLS connection on 4499, the 2 EE ones (a connection that closed in the
    # last closed_timeout may still be there too)
    check(sorted(p for p in first if p in (4499, 12000)) == [4499, 12000, 12000],
          f"a late reader first gets the init of each active connection: ports {first}")

    # USR1: the statistics line, with the sessions alive now by protection: TLS on 4412, 4413
    # and 4499 (each port's connections share their attributes: one session each), SSH on 2222,
    # clear on 8080 and 8181 and the 2 EE connections (Enterprise Extender in clear)
    sensor.send_signal(signal.SIGUSR1)
    time.sleep(0.5)
    usr1 = [l for l in open(log.name).read().splitlines() if "stats:" in l]
    want = ("sessions 8 live (tls 3, ssh 1, ipsec 0, clear 4; ee 2 of them), connections of "
            "unknown protection 0;")
    check(len(usr1) == 1 and want in usr1[0], f"USR1 logs the sessions by protection: {usr1}")

    # TERM with a connection open: exit 0 within 2 s
    time.sleep(0.5)
    t0 = time.time()
    sensor.send_signal(signal.SIGTERM)
    rc = sensor.wait(timeout=10)
    took = time.time() - t0
    check(rc == 0, f"exit status 0 after TERM (got {rc})")
    check(took < 2.0, f"TERM to exit in {took:.2f} s (under 2 s)")
    t_early.join(timeout=5)
    log.seek(0)
    logtext = log.read()
    stats = json.loads([l for l in logtext.splitlines() if l.startswith("{")][-1])

    # the files: two pairs (HUP), no temporary file left, modes 0640
    files = sorted(glob.glob(f"{out}/records-*.jsonl"))
    check(len(files) == 2, f"HUP rotated the records: {len(files)} JSON files")
    check(not glob.glob(f"{out}/*.partial-*"), "no temporary file left")
    check(all(os.stat(f).st_mode & 0o777 == 0o640 for f in glob.glob(f"{out}/*")), "files 0640")
    check(len(glob.glob(f"{out}/zert-*.smf")) == 2, "two SMF files")
    lines = [l for f in files for l in open(f).read().splitlines()]
    recs = [json.loads(l) for l in lines]
    check(len(lines) == stats["records_jsonl_written"] == stats["records_json"],
          f"records in files {len(lines)} = written {stats['records_jsonl_written']} = cut "
          f"{stats['records_json']}")
    check(stats["records_jsonl_not_written"] == 0 and stats["records_smf_not_written"] == 0,
          "no record lost")
    check(len(set(lines)) == len(lines), "no record written twice across the rotation")
    check(early == lines, f"the socket reader got every record the files got "
          f"({len(early)} vs {len(lines)})")
    zd = os.path.join(os.path.dirname(BIN), "zertdump")
    nsmf = sum(len(subprocess.run([zd, f], check=True, capture_output=True, text=True)
                   .stdout.splitlines()) for f in glob.glob(f"{out}/zert-*.smf"))
    check(nsmf == stats["records_smf_written"] == stats["records_smf"],
          f"the SMF files read back: {nsmf} records = written {stats['records_smf_written']}")
    check("capture_kernel_drops" in stats, f"kernel drops reported: {stats['capture_kernel_drops']}")
    # the sessions made, by protection; alive at the end: those of the connections TERM cut
    got = {k: stats[f"zert_sessions_{k}"] for k in
           ("tls", "ssh", "ipsec", "clear", "ee", "live_tls", "live_clear", "live_ee")}
    check(got == {"tls": 3, "ssh": 1, "ipsec": 0, "clear": 4, "ee": 2, "live_tls": 1,
                  "live_clear": 2, "live_ee": 2}, f"--stats sessions by protection: {got}")
    # pcap_stats as the exit line gives them, and as --stats sums them
    ps = [l for l in logtext.splitlines() if ": pcap_stats: " in l]
    nums = [[int(x) for x in re.findall(r"ps_\w+ (\d+)", l)] for l in ps]
    check(len(ps) == 2 and [sum(n[i] for n in nums) for i in range(3)] ==
          [stats["capture_received"], stats["capture_kernel_drops"], stats["capture_if_drops"]],
          f"each interface's pcap_stats at exit, summed in --stats: {ps}")
    frames = [int(re.search(r"(\d+) frames read", l).group(1)) for l in ps]
    check(sum(frames) == stats["pkts_read"], f"frames read {frames} add up to pkts_read "
          f"{stats['pkts_read']}")
    # on the veth every packet the kernel counted and did not drop was read (on the loopback
    # the kernel counts each packet twice, going out and coming in: libpcap skips the first)
    check(len(ps) == 2 and IF_S in ps[0] and frames[0] == nums[0][0] - nums[0][1],
          f"{IF_S}: frames read = ps_recv - ps_drop")

    # every connection, with its attributes
    ends = [r for r in recs if r["record"] == "detail" and r["event"] in ("term", "short_term")]

    def conns(port):
        return [r for r in ends if r["local"]["port"] == port and r["ip_proto"] == "tcp"]

    for port, n, ver, suite in ((4412, 3, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                                (4413, 3, "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256")):
        c = conns(port)
        check(len(c) == n and all(r["tls"]["version"] == ver and r["tls"]["cipher_name"] == suite
                                  and r["protection"] == ["tls"] for r in c),
              f"{n} {ver} connections on {port} with {suite} (got {len(c)})")
    c = conns(2222)
    check(len(c) == 2 and all(r["protection"] == ["ssh"] and r["ssh"]["enc_c2s"] == "aes256-ctr"
                              and r["ssh"]["version"] for r in c),
          f"2 SSH connections with aes256-ctr (got {len(c)}: "
          f"{[(r['protection'], r.get('ssh')) for r in c][:1]})")
    c = conns(8080)
    check(len(c) == 2 and all(r["protection"] == [] for r in c), f"2 clear TCP connections "
          f"(got {len(c)})")
    c = conns(8181)
    check(len(c) == 1 and c[0]["local"]["ip"] == "127.0.0.1",
          "the connection on the second interface (lo) is in the same run")
    c = conns(4499)
    check(len(c) == 1 and c[0]["end_reason"] == "shutdown" and c[0]["event"] == "term",
          "the open connection ends with end_reason shutdown")
    inits = [r for r in recs if r["event"] == "init" and r["local"]["port"] == 4499]
    check(len(inits) == 1, "the open connection had its init record")
    ee = [r for r in ends if r["ip_proto"] == "udp" and "ee" in r]
    check(len(ee) == 2, f"the 2 EE connections of the replayed capture (got {len(ee)})")
    tcp_made = sum(made.values())
    check(len([r for r in ends if r["ip_proto"] == "tcp"]) == tcp_made,
          f"{tcp_made} TCP connections made, as many ended in the records")

    # summaries: every connection counted once (ended ones in conns, the cut one as active)
    summ = [r for r in recs if r["record"] == "summary" and r["event"] == "interval"]
    counted = sum(r["conns"]["end"] - r["conns"]["start"] for r in summ)
    last = {}
    for r in summ:
        last[json.dumps(r.get("server")) + json.dumps(r.get("client")) + r.get("key", "") +
             json.dumps(r.get("tls")) + json.dumps(r.get("ssh")) + r["role"]] = r
    active = sum(r["active_conns"]["end"] for r in last.values())
    cut = len([r for r in ends if r["end_reason"] == "shutdown"])
    check(counted == tcp_made + len(ee),
          f"summary counters: {counted} connections = {tcp_made + len(ee)} made")
    check(active == cut == 3, f"summary counters: {active} still active = {cut} ended by shutdown "
          "(the open TLS connection and the 2 EE connections)")
finally:
    cleanup()

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
