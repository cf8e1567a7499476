"""livelib.py - what the live daemon's tests (tests/tools/live_*.py) share: the skip status,
checks that print and collect failures, and commands run in a network namespace.

    from livelib import SKIP, failures, skip, check, run, popen, veth_pair
"""
import subprocess
import sys

SKIP = 77  # CTest's SKIP_RETURN_CODE for these tests (no root, no netns, a tool missing)
failures = []


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*cmd, ns=None, **kw):
    """Run cmd (in network namespace ns when given); an exit status other than 0 raises."""
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    return subprocess.run(cmd, check=True, **kw)


def popen(*cmd, ns=None, **kw):
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    return subprocess.Popen(cmd, **kw)


def veth_pair(ns_s, if_s, addr_s, ns_c, if_c, addr_c):
    """A veth pair between two existing namespaces: if_s (addr_s/24) in ns_s, if_c in ns_c, up,
    with their loopbacks."""
    run("ip", "link", "add", if_s, "type", "veth", "peer", "name", if_c)
    run("ip", "link", "set", if_s, "netns", ns_s)
    run("ip", "link", "set", if_c, "netns", ns_c)
    run("ip", "addr", "add", addr_s + "/24", "dev", if_s, ns=ns_s)
    run("ip", "addr", "add", addr_c + "/24", "dev", if_c, ns=ns_c)
    for ns, ifc in ((ns_s, if_s), (ns_c, if_c)):
        run("ip", "link", "set", ifc, "up", ns=ns)
        run("ip", "link", "set", "lo", "up", ns=ns)
