#!/usr/bin/env python3
"""make bench: instruction counts of Tourniquet's hot paths.

Boots the kernel with `run=bench` under QEMU `-icount shift=0,sleep=off`,
where the guest's RDTSC advances by exactly one per executed instruction, so
every figure is an instruction count, the same on any host. The kernel prints
`BENCH name=... instructions=N key=value...` lines (demos/bench.c); this script
prints them as a table and writes build/bench.json. With --readme it boots
nothing and writes build/bench.json's one-CPU figures into the README's table
(make bench-readme).

Reference points, measured the same way: xv6 spends about 5,800 instructions
on its timer-driven switch path; a bare pushad/switch/popad/iret handler about
10. Tourniquet's targets (at most): timer_switch 180 (200 with the trace
on), yield_switch 90. xv6's pipe ping-pong round trip takes about 27,000;
Tourniquet's semaphore ping-pong target is 330. A null system call (getpid)
from ring 3 and back: xv6 about 1,391, the target here 150 (run=prog:bench,
user/bench.c).
"""
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Paths relative to the tree, QEMU run from its top: the kernel's command
# line starts with the kernel's path and names its modules, and a longer one
# (another checkout) would move every figure measured after it is parsed.
KERNEL = os.path.join("build", "tourniquet.elf")
OUT = os.path.join(ROOT, "build", "bench.json")
TARGETS = {"timer_switch": 180, "timer_switch_trace_on": 200, "yield_switch": 90, "sem_pingpong": 330,
           "syscall_getpid": 150}  # at most
# 256 MiB: tick_real_*_10000 runs 10,000 tasks, 80 MiB of kernel stacks.
QEMU = [os.environ.get("QEMU", "qemu-system-i386"), "-m", "256", "-no-reboot", "-display", "none",
        "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-serial", "stdio", "-kernel", KERNEL]
ICOUNT = ["-icount", "shift=0,sleep=off"]
# The user programs, as the Makefile's INITRD (user/bench.c measures from ring 3).
PROGRAMS = ["-initrd", ",".join(sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "build", "user", "*.elf"))))]


# The one-CPU boots, under -icount (the same figures on every run): the
# bench without the trace, the same in the default boot (trace=on), and from
# a process. The README's table comes from these (readme-bench boots them too).
CMDLINE = "run=bench exit=1 hz=1000 trace=off"
TRACED = "run=bench exit=1 hz=1000"
USER = "run=prog:bench exit=1 hz=1000 trace=off"


def boot(cmdline, extra=(), icount=True):
    """Boot the bench: (exit status, serial output); a QEMU that is missing
    or does not end in 300 s is said in one line, and ends the bench."""
    try:
        p = subprocess.run(QEMU + (ICOUNT if icount else []) + list(extra) + ["-append", cmdline],
                           capture_output=True, timeout=300, cwd=ROOT)
    except FileNotFoundError:
        sys.exit(f"bench: {QEMU[0]} is not installed (make deps)")
    except subprocess.TimeoutExpired as e:
        sys.exit(f"bench: the boot '{cmdline}' did not end within {e.timeout:.0f} s "
                 f"(its last lines: {(e.stdout or b'').decode('utf-8', 'replace')[-300:]!r})")
    return p.returncode, p.stdout.decode("utf-8", "replace")


def parse(out):
    """The BENCH lines of a boot's output, as dicts (numbers as ints)."""
    results = []
    for line in re.findall(r"^BENCH (.*)$", out, re.M):
        fields = dict(kv.split("=", 1) for kv in line.split())
        results.append({k: (int(v) if v.isdigit() else v) for k, v in fields.items()})
    return results


def run(cmdline, extra=(), icount=True):
    """Boot the bench; return its BENCH lines as dicts, or None."""
    status, out = boot(cmdline, extra, icount)
    if status != 33:
        sys.stderr.write(out)
        sys.stderr.write(f"bench: the kernel exited with status {status}, expected 33\n")
        return None
    return parse(out)


def one_cpu(plain, traced, user):
    """The one-CPU results, from the three boots above: the trace=on boot
    gives its switch paths as NAME_trace_on."""
    return plain + [dict(r, name=r["name"] + "_trace_on") for r in traced
                    if r["name"] in ("timer_switch", "yield_switch")] + user


def lock_table(results, title, cell):
    """Print the smp_lock_KIND_N lines of `results` as a table, a row per
    lock kind and a column per CPU count, each cell cell(row, n); return
    {kind: {n: result}}."""
    locks = [r for r in results if r["name"].startswith("smp_lock_")]
    kinds = {}
    for r in locks:
        kinds.setdefault(r["name"].split("_")[2], {})[r["cpus"]] = r
    if not kinds:
        return kinds
    print(title)
    counts = sorted({r["cpus"] for r in locks})
    print(f"{'lock':<10}" + "".join(f"{str(n) + ' CPU':>10}" for n in counts) + "   spins at the most CPUs")
    for kind, row in kinds.items():
        print(f"{kind:<10}" + "".join(cell(row, n) if n in row else f"{'':>10}" for n in counts) +
              f"   {row[max(row)]['spins']}")
    return kinds


def main():
    cmdline = CMDLINE
    results = run(cmdline)
    # Several CPUs: the same bench on 4, keeping only what needs them (smp_*).
    smp = run(cmdline + " cpus=4", ["-smp", "4"])
    # And once with the 4 CPUs truly in parallel (multi-threaded TCG, no
    # -icount: RDTSC follows the host's clock), for the locks' throughput.
    mttcg = run(cmdline + " cpus=4", ["-smp", "4", "-accel", "tcg,thread=multi"], icount=False)
    # ...and with one shared run queue (rq=global), for the scheduler's locks.
    mttcg_global = run(cmdline + " cpus=4 rq=global", ["-smp", "4", "-accel", "tcg,thread=multi"], icount=False)
    # The default boot records the scheduler's trace (trace=on): the timer's
    # path with it, beside the figures without.
    traced = run(TRACED)
    # From a process: a system call's round trip, a spawn and its wait.
    user = run(USER, PROGRAMS)
    boots = {"the bench": results, "on 4 CPUs": smp, "under multi-threaded TCG": mttcg,
             "with rq=global": mttcg_global, "with the trace on": traced, "from a process": user}
    empty = [what for what, r in boots.items() if r == []]
    if empty:
        sys.stderr.write(f"bench: no BENCH lines in the kernel's output ({', '.join(empty)})\n")
    if empty or any(r is None for r in boots.values()):
        return 1
    results = one_cpu(results, traced, user) + [r for r in smp if r["name"].startswith("smp_")]

    print(f"Guest instructions (QEMU -icount shift=0,sleep=off; kernel command line: {cmdline})")
    print(f"{'measure':<22} {'instructions':>12}  {'target':>13}  details")
    policies = [r for r in results if "policy" in r]
    for r in results:
        if "policy" in r or r["name"].startswith(("smp_lock_", "tick_real_")):
            continue
        target = TARGETS.get(r["name"])
        details = " ".join(f"{k}={v}" for k, v in r.items() if k not in ("name", "instructions"))
        mark = "" if target is None else f"<= {target}" + ("" if r["instructions"] <= target else " MISSED")
        print(f"{r['name']:<22} {r['instructions']:>12}  {mark:>13}  {details}")
    if policies:
        sizes = sorted({r["ready"] for r in policies})
        print("\nOne enqueue + one pick_next, by policy and number of ready tasks (median of 32):")
        print(f"{'policy':<10}" + "".join(f"{n:>10}" for n in sizes) + "   cost")
        tree = "O(log n) red-black tree"
        cost = {"rr": "O(1) list", "fifo": "O(1) list", "prio": "O(1) bitmap of lists", "mlfq": "O(1) bitmap of lists",
                "sjf": tree, "srt": tree, "stride": tree, "fair": tree, "lottery": "O(log n) red-black tree of ticket sums",
                "hrrn": "O(n) scan for the highest ratio"}

        def policy_table(field):
            for name in dict.fromkeys(r["policy"] for r in policies):
                row = {r["ready"]: r[field] for r in policies if r["policy"] == name}
                print(f"{name:<10}" + "".join(f"{row.get(n, ''):>10}" for n in sizes) + "   " + cost.get(name, ""))
        policy_table("instructions")
        print("\nThe first pick_next after the N arrivals, alone (where a queue that defers work pays for it):")
        print(f"{'policy':<10}" + "".join(f"{n:>10}" for n in sizes) + "   cost")
        policy_table("first_pick")
        print("\nThe costliest of 64 ticks: the policy's tick hook, and the re-queue and pick it asks for:")
        print(f"{'policy':<10}" + "".join(f"{n:>10}" for n in sizes) + "   cost")
        policy_table("tick_max")
    real = [r for r in results if r["name"].startswith("tick_real_")]
    if real:
        sizes = sorted({r["tasks"] for r in real})
        print("\nThe costliest of 64 ticks with N real CPU-bound tasks, the timer's interrupt to the task that runs on\n"
              "(median in brackets):")
        print(f"{'policy':<10}" + "".join(f"{n:>16}" for n in sizes))
        for name in dict.fromkeys(r["sched"] for r in real):
            row = {r["tasks"]: r for r in real if r["sched"] == name}
            print(f"{name:<10}" + "".join(f"{row[n]['instructions']:>9} ({row[n]['median']:>4})" if n in row
                                          else f"{'':>16}" for n in sizes))
    lock_table(results, "\nSpinlocks with N CPUs contending (cpus=4 boot, -smp 4): guest time per acquire+release,\n"
               "all CPUs' instructions as -icount counts them (QEMU runs the vCPUs in turns: light contention)",
               lambda row, n: f"{row[n]['instructions']:>10}")

    def ratio(row, n):  # throughput with n CPUs over throughput with one
        one, here = row[min(row)]["instructions"], row[n]["instructions"]
        return one / here if here else 0.0

    kinds = lock_table(mttcg, "\nThe same under multi-threaded TCG (-accel tcg,thread=multi, no -icount: the vCPUs really run\n"
                       "in parallel on the host's cores): acquisitions per unit of wall-clock time, as a ratio to 1 CPU",
                       lambda row, n: f"{ratio(row, n):>10.3f}")
    for kind, row in kinds.items():
        results += [{"name": f"mttcg_lock_{kind}_{n}", "throughput_ratio": round(ratio(row, n), 3),
                     "cycles": row[n]["instructions"], "cpus": n, "spins": row[n]["spins"]} for n in row]
    if kinds:
        print(f"(host: {os.cpu_count()} cores; with fewer cores than CPUs the vCPUs share them)")
    print("\nThe scheduler's locks under multi-threaded TCG: 8 tasks yielding on 4 CPUs; takes that found the\n"
          "lock held, per 1,000 switches (wall-clock dependent: it varies from run to run)")
    for mode, boot in (("percpu", mttcg), ("global", mttcg_global)):
        for r in boot:
            if r["name"] == "smp_sched_lock_waits":
                print(f"rq={mode:<8}{r['instructions']:>6} per 1,000 switches  ({r['switches']} switches, "
                      f"run-queue locks {r['rq_lock_waits']}, scheduler lock {r['sched_lock_waits']})")
                results.append(dict(r, name=f"mttcg_sched_lock_waits_{mode}"))
    with open(OUT, "w") as f:
        json.dump({"cmdline": cmdline, "unit": "guest instructions", "results": results,
                   "targets": TARGETS}, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")
    return 0


# ---- The README's table, from build/bench.json ------------------------------------

def span(a, b, every=""):
    """'A -> B' with thousands separated, or 'A at every N' when they are equal."""
    return f"{a:,} at every N" if a == b and every else f"{a:,} → {b:,}"


def readme_cells(results):
    """The "today" cell of each README row that make bench measures on one
    CPU under -icount (the same on every run), keyed by the row's first
    cell. The SMP and multi-threaded figures move from run to run, and the
    GDB count (timer_path) is not make bench's: those rows stay as written."""
    by = {r["name"]: r for r in results}
    ins = lambda name: by[name]["instructions"]
    pol = lambda field, name, n: by[f"policy_{name}_{n}"][field]
    cells = {f"`{k}`": f"{ins(k):,}" for k in ("timer_switch", "yield_switch", "sem_pingpong", "syscall_getpid",
                                              "proc_pingpong_threads", "proc_pingpong_processes")}
    cells["`timer_switch_trace_on`"] = f"{ins('timer_switch_trace_on'):,}"
    cells["`spinlock`, `mutex`, `semaphore`"] = ", ".join(str(ins(k)) for k in ("spinlock", "mutex", "semaphore"))
    for k in ("boot_to_first_task", "spawn_wait"):
        cells[f"`{k}`"] = f"≈ {round(ins(k), -3):,}"
    med = lambda name, a, b: span(pol("instructions", name, a), pol("instructions", name, b))
    cells["`policy_NAME_N`"] = (f"rr {span(pol('instructions', 'rr', 10), pol('instructions', 'rr', 10000), True)}; "
                                f"sjf {med('sjf', 10, 10000)}; lottery {med('lottery', 10, 10000)}; first pick, fair "
                                f"{span(pol('first_pick', 'fair', 10), pol('first_pick', 'fair', 10000))}")
    tick = lambda name, every="": span(pol("tick_max", name, 10), pol("tick_max", name, 10000), every)
    cells["`tick_max`"] = (f"rr {tick('rr', True)}; prio {tick('prio', True)}; fair {tick('fair')}; "
                           f"lottery {tick('lottery')}")
    real = lambda name: span(ins(f"tick_real_{name}_10"), ins(f"tick_real_{name}_10000"))
    cells["`tick_real_POLICY_N`"] = "; ".join(f"{p} {real(p)}" for p in ("rr", "prio", "fair", "lottery"))
    cells["`kmalloc_kfree_N`"] = span(ins("kmalloc_kfree_10"), ins("kmalloc_kfree_10000"))
    cells["`sleep_queue_N`"] = (f"{span(ins('sleep_queue_10'), ins('sleep_queue_10000'))}; the clock's pop "
                                f"{span(by['sleep_queue_10']['pop'], by['sleep_queue_10000']['pop'], True)}")
    return cells


def write_readme(path=os.path.join(ROOT, "README.md"), bench=OUT):
    """Rewrite the figures of the README's benchmark table from bench.json."""
    with open(bench) as f:
        cells = readme_cells(json.load(f)["results"])
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    done = set()
    for i, line in enumerate(lines):
        m = re.match(r"^\| ([^|]+?) \|(.*)\| ([^|]+) \|$", line)
        if m and m.group(1) in cells:
            lines[i] = f"| {m.group(1)} |{m.group(2)}| {cells[m.group(1)]} |"
            done.add(m.group(1))
    missing = sorted(set(cells) - done)
    if missing:
        sys.stderr.write(f"bench: the README has no row for {', '.join(missing)}\n")
        return 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"wrote the figures of {len(done)} rows of {os.path.relpath(path, ROOT)} from {os.path.relpath(bench, ROOT)}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme"]:
        sys.exit(write_readme())
    if sys.argv[1:]:
        sys.exit("usage: tools/bench.py [--readme]  (--readme: write build/bench.json's figures into README.md)")
    sys.exit(main())
