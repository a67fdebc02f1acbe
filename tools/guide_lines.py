#!/usr/bin/env python3
"""Bring the GDB output a guide quotes up to date with the source's lines.

    python3 tools/guide_lines.py

docs/lab-context-switch.md quotes what GDB prints during its walk-through
(`make test`'s gdb-lab-switch checks it, line numbers included). When code
moves - a few lines added above a function - GDB's `at FILE:LINE` and
`<function+OFFSET>` change while the shapes do not. This runs the guide's
own GDB commands in batch (as the test does), and in every quoted line whose
shape is GDB's but whose decimal numbers differ, writes GDB's numbers; the
French guide gets the same lines. It changes nothing else: a line GDB no
longer prints in any form is said, and must be rewritten by hand.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import harness  # noqa: E402
import integration  # noqa: E402

NUMBER = re.compile(r"0x[0-9a-f]+|\d+")


def main():
    en_path, fr_path = (os.path.join(ROOT, p) for p in integration.LAB_SWITCH_GUIDES)
    if not os.path.exists(harness.kernel_path(harness.KERNEL)):
        sys.exit("guide_lines: no kernel built: run make first")
    cmdline, steps = integration.guide_gdb_walk(integration.LAB_SWITCH_GUIDES[0])
    out = harness.gdb_session("guide-lines", cmdline, [c for c, _ in steps])
    moved, lost = harness.gdb_shapes_align(harness.gdb_shapes([nl for _, quoted in steps for nl in quoted]), out)
    if lost:
        sys.exit(f"guide_lines: {os.path.relpath(en_path, ROOT)}:{lost[0]} shows {lost[1]!r}, which GDB no longer "
                 "prints in any form: rewrite it by hand (build/test-logs/guide-lines.log has GDB's output)")
    lines = open(en_path, encoding="utf-8").read().splitlines()
    fixes = {}
    for n, _, now in moved:
        numbers = iter(re.findall(r"\d+", now.replace("0x_", "")))
        old = lines[n - 1]
        fixes[old] = NUMBER.sub(lambda m: m.group(0) if m.group(0).startswith("0x") else next(numbers), old)
    if not fixes:
        print("guide_lines: the guides quote GDB as it prints now; nothing to do")
        return
    for path in (en_path, fr_path):
        text = open(path, encoding="utf-8").read()
        for old, new in fixes.items():
            text = text.replace(old + "\n", new + "\n")
        open(path, "w", encoding="utf-8").write(text)
    for old, new in fixes.items():
        print(f"  {old.strip()}\n  -> {new.strip()}")
    print(f"guide_lines: {len(fixes)} line(s) brought up to date in both guides")


if __name__ == "__main__":
    main()
