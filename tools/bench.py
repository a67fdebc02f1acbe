#!/usr/bin/env python3
"""make bench: instruction counts of Tourniquet's hot paths.

Boots the kernel with `run=bench` under QEMU `-icount shift=0,sleep=off`,
where the guest's RDTSC advances by exactly one per executed instruction, so
every figure is an instruction count, the same on any host. The kernel prints
`BENCH name=... instructions=N key=value...` lines (demos/bench.c); this script
prints them as a table and writes build/bench.json.

Reference points, measured the same way: xv6 spends about 5,800 instructions
on its timer-driven switch path; a bare pushad/switch/popad/iret handler about
10. Tourniquet's target for timer_switch is under 300. xv6's pipe ping-pong
round trip takes about 27,000; Tourniquet's semaphore ping-pong target is 400.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = os.path.join(ROOT, "build", "tourniquet.elf")
OUT = os.path.join(ROOT, "build", "bench.json")
TARGETS = {"timer_switch": 300, "sem_pingpong": 400}
QEMU = [os.environ.get("QEMU", "qemu-system-i386"), "-m", "64", "-no-reboot", "-display", "none",
        "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-icount", "shift=0,sleep=off", "-serial", "stdio", "-kernel", KERNEL]


def main():
    cmdline = "run=bench exit=1 hz=1000 trace=off"
    p = subprocess.run(QEMU + ["-append", cmdline], capture_output=True, timeout=300)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 33:
        sys.stderr.write(out)
        sys.stderr.write(f"bench: the kernel exited with status {p.returncode}, expected 33\n")
        return 1
    results = []
    for line in re.findall(r"^BENCH (.*)$", out, re.M):
        fields = dict(kv.split("=", 1) for kv in line.split())
        entry = {k: (int(v) if v.isdigit() else v) for k, v in fields.items()}
        results.append(entry)
    if not results:
        sys.stderr.write("bench: no BENCH lines in the kernel's output\n")
        return 1

    print(f"Guest instructions (QEMU -icount shift=0,sleep=off; kernel command line: {cmdline})")
    print(f"{'measure':<22} {'instructions':>12}  {'target':>8}  details")
    policies = [r for r in results if "policy" in r]
    for r in results:
        if "policy" in r:
            continue
        target = TARGETS.get(r["name"])
        details = " ".join(f"{k}={v}" for k, v in r.items() if k not in ("name", "instructions"))
        mark = "" if target is None else f"< {target}" + ("" if r["instructions"] < target else " MISSED")
        print(f"{r['name']:<22} {r['instructions']:>12}  {mark:>8}  {details}")
    if policies:
        sizes = sorted({r["ready"] for r in policies})
        print("\nOne enqueue + one pick_next, by policy and number of ready tasks (median of 32):")
        print(f"{'policy':<10}" + "".join(f"{n:>10}" for n in sizes) + "   cost")
        cost = {"rr": "O(1) list", "fifo": "O(1) list", "prio": "O(1) bitmap of lists", "mlfq": "O(1) bitmap of lists",
                "sjf": "O(log n) heap", "srt": "O(log n) heap", "stride": "O(log n) heap", "fair": "O(log n) heap",
                "lottery": "O(n) walk to the drawn ticket"}
        for name in dict.fromkeys(r["policy"] for r in policies):
            row = {r["ready"]: r["instructions"] for r in policies if r["policy"] == name}
            print(f"{name:<10}" + "".join(f"{row.get(n, ''):>10}" for n in sizes) + "   " + cost.get(name, ""))
    with open(OUT, "w") as f:
        json.dump({"cmdline": cmdline, "unit": "guest instructions", "results": results,
                   "targets": TARGETS}, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
