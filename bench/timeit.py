#!/usr/bin/env python3
"""timeit.py - run one command and append its wall and CPU time to a file.

usage: timeit.py RUNS_FILE CMD [ARG...]

Appends "wall_us cpu_us" to RUNS_FILE: wall-clock time from just before the
spawn to the reap, and user + system CPU time of the command and everything
it waited for (from wait4's rusage, microsecond resolution; GNU time's %U/%S
only have 10 ms). Standard input, output and error are inherited. Exits with
the command's status (128 + N when killed by signal N).
"""
import os
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    runs, argv = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter_ns()
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ)
    except OSError as exc:
        sys.stderr.write("timeit.py: %s: %s\n" % (argv[0], exc))
        return 127
    _, status, ru = os.wait4(pid, 0)
    wall_us = (time.perf_counter_ns() - t0) // 1000
    cpu_us = round((ru.ru_utime + ru.ru_stime) * 1e6)
    with open(runs, "a") as f:
        f.write("%d %d\n" % (wall_us, cpu_us))
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
