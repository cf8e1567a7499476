"""livelib.py - what the live daemon's tests (tests/tools/live_*.py) share: the skip status,
checks that print and collect failures, and commands run in a network namespace.

    from livelib import SKIP, failures, skip, check, run, popen
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
