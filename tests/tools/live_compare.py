#!/usr/bin/env python3
"""live_compare.py - `zertsensor -i IFACE --compare DUMP` end to end (issue 14, live variant).

Two network namespaces joined by a veth pair; real TLS 1.2 and TLS 1.3 connections with
openssl s_server / s_client, each client on a fixed source port, on a fixed schedule. Two passes
of the same traffic, each into a fresh pair of namespaces (no TIME_WAIT left from the first):

  1. `zertsensor -i veth -o DIR1`: the sensor's own records, DIR1/zert-STAMP.smf, are the
     "mainframe" dump. smfedit.py plants two differences in it: the records of one connection
     removed (missing_on_mainframe) and another connection's cipher suite changed, with its
     encryption code to match (attribute_mismatch), as compare.mainframe_planted does. The dump
     is made readable by root only: the daemon must open it before it drops to nobody.
  2. `zertsensor -i veth -u nobody --compare DUMP -o DIR2`, the same traffic some seconds later
     (the clock offset the comparison estimates); USR1 while it runs logs how the comparison
     stands; TERM.

Checks: exit status 1 (findings), DIR2/compare.jsonl holds exactly the two planted findings
and nothing else, compare.csv as many lines, the report on standard output names them and the
offset it estimated is the time between the passes (within 1 s), the files are 0640 with no
temporary file left, and the records of pass 2 are whole.

usage: live_compare.py ZERTSENSOR SOURCE_DIR      (exit 77: skipped, with the reason)
"""
import datetime
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smfedit  # noqa: E402
from livelib import failures, skip, check, run, popen, veth_pair  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
PID = os.getpid() % 100000
NS_S, NS_C = f"zq-s{PID}", f"zq-c{PID}"
IF_S, IF_C = f"zqs{PID}", f"zqc{PID}"
SRV, CLI = "10.198.0.1", "10.198.0.2"
# (server port, openssl options, client source ports): the same connections in both passes
PLAN = [
    (4412, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], [41001, 41002, 41003, 41004]),
    (4413, ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"], [41101, 41102, 41103]),
]
GAP = 0.4  # seconds between connection starts, the same schedule in both passes


if os.geteuid() != 0:
    skip("needs root (network namespaces, capture)")
for tool in ("ip", "openssl"):
    if not shutil.which(tool):
        skip(f"{tool} is not installed (conf/install-deps.sh --test)")
if "-bind" not in subprocess.run(["openssl", "s_client", "-help"], capture_output=True,
                                 text=True).stderr:
    skip("openssl s_client has no -bind (OpenSSL 3.0 or later): client ports cannot be fixed")
try:
    run("ip", "netns", "add", NS_S, stderr=subprocess.PIPE)
    run("ip", "netns", "del", NS_S)
except subprocess.CalledProcessError as e:
    skip(f"ip netns is unavailable here: {e.stderr.decode().strip()}")

work = tempfile.mkdtemp(prefix="zs-livecmp-")
os.chmod(work, 0o755)
procs = []


def net_down():
    for ns in (NS_S, NS_C):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def net_up():
    net_down()
    run("ip", "netns", "add", NS_S)
    run("ip", "netns", "add", NS_C)
    veth_pair(NS_S, IF_S, SRV, NS_C, IF_C, CLI)


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    net_down()
    shutil.rmtree(work, ignore_errors=True)


def traffic(key, crt):
    """Every connection of PLAN on its schedule; the time the first one was started."""
    servers = []
    for port, opts, sports in PLAN:
        srv = popen("openssl", "s_server", "-accept", str(port), "-key", key, "-cert", crt,
                    "-naccept", str(len(sports)), "-quiet", *opts, ns=NS_S,
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
        procs.append(srv)
        servers.append(srv)
    time.sleep(0.5)
    t0 = time.time()
    i = 0
    for port, opts, sports in PLAN:
        for sport in sports:
            time.sleep(max(0.0, t0 + i * GAP - time.time()))
            run("openssl", "s_client", "-bind", f"{CLI}:{sport}", "-connect", f"{SRV}:{port}",
                *opts, ns=NS_C, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            i += 1
    for srv in servers:
        srv.wait(timeout=10)
    return t0


def sensor_pass(name, conf, extra, usr1=False):
    """One pass: the sensor on the veth, the traffic, TERM. (exit status, stdout, log, t0)"""
    net_up()
    out = f"{work}/{name}"
    log = open(f"{work}/{name}.log", "w+")
    stdout = open(f"{work}/{name}.stdout", "w+")
    sensor = popen(BIN, "-i", IF_S, "-c", conf, "-o", out, "-u", "nobody", *extra, ns=NS_S,
                   stdout=stdout, stderr=log)
    procs.append(sensor)
    for _ in range(100):
        if "running as" in open(log.name).read() or sensor.poll() is not None:
            break
        time.sleep(0.1)
    if "running as" not in open(log.name).read():
        print(open(log.name).read())
        raise SystemExit(f"FAIL: the sensor of pass {name} did not start")
    t0 = traffic(key, crt)
    time.sleep(3)  # closed_timeout, 1 s behind the wall: every connection has ended (fin)
    if usr1:
        sensor.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
    sensor.send_signal(signal.SIGTERM)
    rc = sensor.wait(timeout=30)
    log.seek(0)
    stdout.seek(0)
    return rc, stdout.read(), log.read(), t0, out


def wait_for_day():
    """Both passes inside one summary interval (a day, UTC): not across midnight."""
    now = datetime.datetime.now(datetime.timezone.utc)
    left = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    if left < 90:
        time.sleep(left + 2)


try:
    key, crt = f"{work}/key.pem", f"{work}/crt.pem"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
        "-days", "1", "-subj", "/CN=zs-live-compare", stderr=subprocess.DEVNULL)
    conf = f"{work}/zs.conf"
    with open(conf, "w") as f:
        # the server is the "mainframe"; one summary interval for the whole test (a day);
        # every TLS connection here is short (one short_term record). Two runs of the same
        # s_client do not send the same number of TCP segments (whether an ACK rides on data or
        # goes alone, how the close crosses the session tickets): 6 against 8 was seen, so
        # counts may differ by 40 %; the bytes, which do not vary, are checked exactly below
        f.write(f"local_networks = {SRV}/32\ntimezone = UTC\ninterval = 86400\n"
                "short_connection = 5\nclosed_timeout = 1\nstats_interval = 0\n"
                "rotate_interval = 0\ncompare_count_tolerance = 40\n")
    wait_for_day()

    # pass 1: the sensor's own records are the mainframe's dump
    rc, _, log1, t1, out1 = sensor_pass("pass1", conf, [])
    check(rc == 0, f"pass 1: exit status 0 (got {rc})")
    smf = glob.glob(f"{out1}/zert-*.smf")
    check(len(smf) == 1, f"pass 1: one SMF file ({smf})")
    if len(smf) != 1:
        print(log1)
        raise SystemExit(1)
    recs = smfedit.read(smf[0])
    groups = smfedit.conn_groups(recs)
    by_port = {key[2][1]: idx for key, idx in groups.items() if key[1][0] == SRV}
    made = [s for _, _, sports in PLAN for s in sports]
    check(sorted(by_port) == sorted(made),
          f"pass 1: one connection per client port in the dump ({sorted(by_port)})")

    # the planted differences: the second TLS 1.2 connection removed, the third one's cipher
    # suite changed from ECDHE-RSA AES-128-GCM (C02F) to AES-256-GCM (C030), its encryption
    # code to match (the provisional X'8003' AES-128-GCM -> X'8004' AES-256-GCM)
    removed, changed = PLAN[0][2][1], PLAN[0][2][2]
    drop = set(by_port[removed])
    for i in by_port[changed]:
        check(recs[i].neg_cipher() == 0xC02F, f"port {changed}: cipher suite C02F in the dump")
        recs[i].set_neg_cipher(0xC030)
        recs[i].remap("enc", {0x8003: 0x8004})
    expected = {
        ("missing_on_mainframe", "connection", SRV, 4412, CLI, removed),
        ("attribute_mismatch", "connection", SRV, 4412, CLI, changed),
    }
    dump = f"{work}/mainframe.smf"
    smfedit.write(dump, [r for i, r in enumerate(recs) if i not in drop], "rdw")
    os.chmod(dump, 0o600)  # root's: opened before the daemon drops to nobody

    # pass 2: the same traffic, compared live with the dump
    rc, report, log2, t2, out2 = sensor_pass("pass2", conf, ["--compare", dump], usr1=True)
    check(rc == 1, f"pass 2: exit status 1, findings (got {rc})")
    # before TERM: the clock fed the comparison (the dump was read ahead of it), and every
    # connection's records had reached it as they were cut
    m = re.search(r"compare: (\d+) dump records read.*; connections (\d+) wire, (\d+) mainframe",
                  log2)
    check(m is not None and int(m.group(1)) > 0 and int(m.group(2)) == len(made) and
          int(m.group(3)) == len(made) - 1,
          f"USR1 logs how the comparison stands: dump read, {len(made)} connections on the wire, "
          f"{len(made) - 1} in the dump ({m.group(0) if m else None})")
    path = f"{out2}/compare.jsonl"
    findings = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
    got = [smfedit.finding_ident(f) for f in findings]
    check(sorted(got) == sorted(expected),
          f"compare.jsonl holds exactly the planted findings\n  got: {sorted(got)}\n"
          f"  expected: {sorted(expected)}")
    mism = [f for f in findings if f["class"] == "attribute_mismatch"]
    check(len(mism) == 1 and any(x["field"] == "tls.cipher_suite" for x in mism[0]["fields"]),
          f"the mismatch names the cipher suite ({[x['field'] for m in mism for x in m['fields']]})")
    csv = open(f"{out2}/compare.csv").read().splitlines() if os.path.exists(
        f"{out2}/compare.csv") else []
    check(len(csv) == 1 + len(expected), f"compare.csv: a header and {len(expected)} lines")
    check(os.path.exists(f"{out2}/learned-codes.txt"), "learned-codes.txt written")
    check(re.search(r"findings +2: attribute_mismatch 1, missing_on_mainframe 1", report)
          is not None, "the report on standard output counts both findings")
    m = re.search(r"clock offset +mainframe = capture ([-+][0-9.]+) s \(estimated", report)
    offset = float(m.group(1)) if m else None
    check(offset is not None and abs(offset - (t1 - t2)) < 1.0,
          f"the clock offset is estimated as the time between the passes ({offset} against "
          f"{t1 - t2:.2f} s)")
    check(all(os.stat(f).st_mode & 0o777 == 0o640 for f in glob.glob(f"{out2}/*")),
          "the outputs are 0640")
    check(not glob.glob(f"{out2}/.compare*") and not glob.glob(f"{out2}/*.partial-*"),
          "no temporary file left")
    lines = [json.loads(l) for f in glob.glob(f"{out2}/records-*.jsonl") for l in open(f)]
    ends = [r for r in lines if r["record"] == "detail" and r["event"] in ("term", "short_term")]
    check(len(ends) == len(made), f"pass 2: the records have every connection ({len(ends)})")
    # the counts the tolerance covers: bytes equal in both passes, segments close
    def conns(out):
        recs = [json.loads(l) for f in glob.glob(f"{out}/records-*.jsonl") for l in open(f)]
        return {r["remote"]["port"]: r for r in recs
                if r["record"] == "detail" and r["event"] in ("term", "short_term")}
    c1, c2 = conns(out1), conns(out2)
    same = [p for p in made if p in c1 and p in c2 and
            (c1[p]["bytes_in"], c1[p]["bytes_out"]) == (c2[p]["bytes_in"], c2[p]["bytes_out"])]
    check(len(same) == len(made), f"every connection's bytes are the same in both passes "
          f"({len(same)} of {len(made)})")
    for p in made:
        if p in c1 and p in c2:
            print(f"     port {p}: segments in/out {c1[p]['segs_in']}/{c1[p]['segs_out']} then "
                  f"{c2[p]['segs_in']}/{c2[p]['segs_out']}; end {c1[p]['end_reason']}, "
                  f"{c2[p]['end_reason']}")
    if failures:
        print("---- report\n" + report + "---- log\n" + log2)
finally:
    cleanup()

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
