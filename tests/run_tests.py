#!/usr/bin/env python3
"""Tourniquet's test runner: host unit tests, QEMU boot tests, GDB, GRUB.

`make test` runs this after building everything. Each check prints one line,
"[k/N] PASS name", or FAIL with the reason and, under it, what was expected
and the nearest lines of the transcript; the serial transcript of every boot
is kept in build/test-logs/. The last line is "N passed, N failed" (and ",
N skipped"), and the exit status is non-zero if anything failed.

The parts, in reading order:
  tests/boots.py        the boot tables: command lines and what their transcripts must show
  tests/integration.py  the bespoke checks: host tests, layering, make help, GDB, GRUB, shell, VGA, trace, clang
  tests/harness.py      the machinery: results, logs, QEMU, GDB, KTAP, the parallel runner

  tests/run_tests.py [-k SUBSTRING] [-j JOBS] [--list]
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tests/

import boots  # noqa: E402
import harness  # noqa: E402
import integration  # noqa: E402
import processes  # noqa: E402


def all_jobs():
    """Every check as (name, function), in the order --list shows them; the
    slow agreement boots come early so that they start first."""
    # The clang build goes first: its boots wait for it, so it should start
    # early; then the lab handouts, the longest single check (a build and a
    # grade per lab, ~4 minutes), so that it runs beside the rest.
    return [("build-clang", integration.clang_test), ("lab-handouts", integration.lab_handouts_test),
            ("host", integration.host_tests), ("host/layering", integration.layering_test),
            ("host/make-help", integration.make_help_test), ("host/make-deps", integration.make_deps_test)] + \
        [("agree/" + name, integration.agree_test(name, options)) for name, options in boots.AGREE] + \
        [("agree/" + name, integration.agree_test(name, options, mttcg=True)) for name, options in boots.AGREE_MTTCG] + \
        [("boot/" + b.name, b.run) for b in boots.BOOTS + processes.BOOTS] + \
        integration.CHECKS + processes.CHECKS


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="run only checks whose name contains this")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2, help="checks in parallel")
    ap.add_argument("--list", action="store_true", help="list the checks and exit")
    args = ap.parse_args()

    jobs = [(name, fn) for name, fn in all_jobs() if args.k in name]
    if args.list:
        print("\n".join(name for name, _ in jobs))
        return 0
    return 1 if harness.run_jobs(jobs, args.j) else 0


if __name__ == "__main__":
    sys.exit(main())
