#!/usr/bin/env python3
"""Tourniquet's test runner: host unit tests, QEMU boot tests, GDB, GRUB.

`make test` runs this after building everything. Each check prints one line,
PASS or FAIL with the reason; the serial transcript of every boot is kept in
build/test-logs/. The last line is "N passed, N failed", and the exit status
is non-zero if anything failed.

Boot tests run the kernel with `qemu-system-i386 -kernel` under
`-icount shift=0,sleep=off`: the guest clock advances one nanosecond per
instruction, so every run of a given kernel and command line is the same run.

  tests/run_tests.py [-k SUBSTRING] [-j JOBS] [--list]
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
KERNEL = os.path.join(BUILD, "tourniquet.elf")
ISO = os.path.join(BUILD, "tourniquet.iso")
LOGS = os.path.join(BUILD, "test-logs")
QEMU = os.environ.get("QEMU", "qemu-system-i386")
QEMU_BASE = [QEMU, "-m", "64", "-no-reboot", "-display", "none", "-monitor", "none",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
ICOUNT = ["-icount", "shift=0,sleep=off"]

STATUS = {33: "pass", 35: "a test failed", 37: "kernel panic"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Result:
    def __init__(self, name, ok, why="", skipped=False):
        self.name, self.ok, self.why, self.skipped = name, ok, why, skipped


def log_path(name):
    os.makedirs(LOGS, exist_ok=True)
    return os.path.join(LOGS, name + ".log")


# ---- host unit tests (cmocka) ---------------------------------------------

def host_tests():
    """Every build/host/test_* binary; one result per cmocka test, from its TAP output."""
    host = os.path.join(BUILD, "host")
    bins = sorted(f for f in os.listdir(host) if f.startswith("test_")) if os.path.isdir(host) else []
    if not bins:
        return [Result("host", False, "no host test binaries in build/host (run make host-tests)")]
    results = []
    for b in bins:
        # Leak checking is off: the portable code allocates only from its own
        # static heaps, and LeakSanitizer's ptrace-based stop-the-world hangs
        # at exit in some sandboxes when output is piped.
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP", ASAN_OPTIONS="detect_leaks=0")
        p = subprocess.run([os.path.join(host, b)], capture_output=True, text=True, env=env, timeout=120)
        out = p.stdout + p.stderr
        with open(log_path("host-" + b), "w") as f:
            f.write(out)
        tap = re.findall(r"^(ok|not ok) \d+ - (\S+)", out, re.M)
        for test in re.findall(r"^not ok \d+ # SKIP (\S+)", out, re.M):
            results.append(Result(f"host/{b[5:]}/{test}", True, "skipped by the test", skipped=True))
        if not tap:
            results.append(Result(f"host/{b}", False, f"no TAP results (exit {p.returncode})"))
            continue
        for status, test in tap:
            results.append(Result(f"host/{b[5:]}/{test}", status == "ok",
                                  "" if status == "ok" else f"see {log_path('host-' + b)}"))
        if p.returncode != 0 and all(s == "ok" for s, _ in tap):
            results.append(Result(f"host/{b}", False, f"exit status {p.returncode} (sanitizer?)"))
    return results


# ---- QEMU boot tests -------------------------------------------------------

def boot(name, cmdline, timeout=60, extra=(), kernel=KERNEL, icount=True):
    """Boot the kernel with `cmdline exit=1`; return (exit status, serial text)."""
    cmd = QEMU_BASE + (ICOUNT if icount else []) + ["-serial", "stdio", "-kernel", kernel,
                                                    "-append", cmdline + " exit=1"] + list(extra)
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        status, out = p.returncode, p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        status, out, err = None, (e.stdout or b"").decode("utf-8", "replace"), ""
    with open(log_path(name), "w") as f:
        f.write(f"$ {' '.join(cmd)}\n{out}{err}")
    return status, out


def ktap_problems(out):
    """What is wrong with the KTAP report in `out`, or []."""
    problems = []
    if "KTAP version 1" not in out:
        problems.append("no 'KTAP version 1' header")
    plan = re.search(r"^1\.\.(\d+)$", out, re.M)
    if not plan:
        problems.append("no KTAP plan '1..N'")
        return problems
    results = re.findall(r"^(ok|not ok) (\d+) (\S+)", out, re.M)
    failed = [t for s, _, t in results if s == "not ok"]
    if failed:
        problems.append("not ok: " + ", ".join(failed))
    if len(results) != int(plan.group(1)):
        problems.append(f"plan says {plan.group(1)} tests, {len(results)} reported")
    return problems


class Boot:
    """One boot: the command line, the expected exit status, and what the
    serial output must (and must not) contain."""

    def __init__(self, name, cmdline, status=33, ktap=True, expect=(), check=None, timeout=60, extra=(),
                 kernel=KERNEL, icount=True):
        self.name, self.cmdline, self.status, self.ktap = name, cmdline, status, ktap
        self.expect, self.check, self.timeout = expect, check, timeout
        self.extra, self.kernel, self.icount = extra, kernel, icount

    def run(self):
        status, raw = boot(self.name, self.cmdline, self.timeout, self.extra, self.kernel, self.icount)
        out = ANSI.sub("", raw).replace("\r", "")
        why = []
        if status is None:
            why.append(f"timeout after {self.timeout}s")
        elif status != self.status:
            seen = STATUS.get(status, "no debug-exit: triple fault or reset?" if status == 0 else "?")
            why.append(f"exit status {status} ({seen}), expected {self.status} ({STATUS[self.status]})")
        if self.status != 37 and "PANIC" in out:
            why.append("unexpected panic: " + next(l for l in out.splitlines() if "PANIC" in l))
        if self.ktap:
            why += ktap_problems(out) if self.status == 33 else \
                (["no KTAP plan"] if not re.search(r"^1\.\.\d+$", out, re.M) else [])
        for pattern in self.expect:
            if not re.search(pattern, out, re.M):
                why.append(f"missing /{pattern}/")
        if self.check and not why:
            why += self.check(out)
        return Result("boot/" + self.name, not why, "; ".join(why) + (f" (log: {log_path(self.name)})" if why else ""))


def check_clock(out, hz):
    """Under -icount shift=0 a guest second is 10^9 instructions: a tick must
    last 10^9 / hz of them (the PIT's divisor rounds: allow 0.1%)."""
    m = re.search(r"^# hz=(\d+) cycles_per_tick=(\d+)$", out, re.M)
    if not m:
        return ["no cycles_per_tick line"]
    want = 1e9 / hz
    got = int(m.group(2))
    if int(m.group(1)) != hz or abs(got - want) > want / 1000:
        return [f"hz={m.group(1)}: {got} cycles per tick, expected {want:.0f}"]
    return []


def check_counters(out):
    """The default demo: A, B and C each report 5 times, in turn."""
    reports = re.findall(r"^([ABC]): counter\s+(\d+) after\s+(\d+) ticks", out, re.M)
    names = "".join(r[0] for r in reports)
    why = []
    for n in "ABC":
        if names.count(n) != 5:
            why.append(f"task {n} reported {names.count(n)} times, expected 5")
    for i in range(0, len(names) - 2, 3):
        if sorted(names[i:i + 3]) != ["A", "B", "C"]:
            why.append(f"reports not interleaved: {names}")
            break
    return why


BOOTS = [
    Boot("ktest-all", "test=all hz=1000"),
    Boot("preempt-quantum3", "test=preempt quantum=3 hz=1000", expect=[r"# policy=rr quantum=3"]),
    Boot("preempt-hz100", "test=preempt", expect=[r"# policy=rr quantum=1 hz=100 "], timeout=120),
    Boot("sleep-hz50", "test=sleep hz=50"),
    Boot("divzero", "test=divzero hz=1000", status=37, expect=[
        r"^EXCEPTION: #DE Divide Error \(vector 0, error code 0x0\)$",
        r"^  in task 'ktest' \(id 1, RUNNING\)",
        r"^  EAX=00000001 EBX=bbbb0001 ECX=00000000 EDX=00000000$",
        r"^  ESI=5e5e0002 EDI=d1d10003 EBP=[0-9a-f]{8} ESP=[0-9a-f]{8}$",
        r"^  EIP=[0-9a-f]{8} EFLAGS=[0-9a-f]{8} CS=0008 DS=0010",
        r"^  CR0=[0-9a-f]{8} CR2=",
        r"^PANIC: CPU exception #DE Divide Error",
        r"exit status 37 \(kernel panic\)"]),
    Boot("canary", "test=canary hz=1000", status=37, expect=[
        r"^PANIC: stack overflow: task 'overflow' \(id \d+\) overwrote the canary",
        r"exit status 37"]),
    Boot("doublefault", "test=doublefault hz=1000", status=37, expect=[
        r"^EXCEPTION: #DF Double Fault \(vector 8",
        r"^  in task 'ktest'",
        r"^PANIC: double fault"]),
    Boot("clock-hz1000", "test=clock hz=1000", check=lambda out: check_clock(out, 1000)),
    Boot("clock-hz250", "test=clock hz=250", check=lambda out: check_clock(out, 250)),
    Boot("bad-cmdline", "hz=5 quantum=abc sched=nope bogus=1 oops test=join", expect=[
        r"^cmdline: hz=5 is out of range \(valid: 19\.\.10000\); keeping hz=100$",
        r"^cmdline: quantum=abc is not a whole number \(valid: 1\.\.1000\); keeping quantum=1$",
        r"^cmdline: sched=nope is not one of the choices \(valid: rr, fifo, sjf, srt, prio, mlfq, lottery, stride, "
        r"fair[a-z0-9_, ]*\); keeping sched=rr$",
        r"^cmdline: unknown option 'bogus' \(valid: hz, jitter, sched, quantum, aging, boost, trace, pi, seed, workload, test, run, exit, help\); ignored$",
        r"^cmdline: 'oops' is not key=value",
        r"^sched: policy rr, quantum 1 tick\(s\), timer 100 Hz$"]),
    Boot("help", "help test=join hz=1000", expect=[
        r"^Options \(key=value", r"^  hz ", r"^  sched ", r"^  quantum ", r"^  test ", r"^  run ",
        r"^  exit ", r"^  help "]),
    # The course's worked examples, on real context switches.
    Boot("course-fifo", "run=workload sched=fifo hz=1000", ktap=False, expect=[
        r"^RESULT policy=fifo workload=course schedule=A:5,B:3,C:2,D:4 avg_turnaround=7\.00 avg_waiting=3\.50 ",
        r"^TASK name=C arrival=3 burst=2 first=8 completion=10 turnaround=7 waiting=5 response=5$",
        r"^  CPU    AAAAABBBCCDDDD$"]),
    Boot("course-sjf", "run=workload sched=sjf hz=1000", ktap=False, expect=[
        r"^RESULT policy=sjf workload=course schedule=A:5,C:2,B:3,D:4 avg_turnaround=6\.75 avg_waiting=3\.25 "]),
    Boot("course-srt", "run=workload sched=srt hz=1000", ktap=False, expect=[
        r"^RESULT policy=srt workload=course schedule=A:1,B:3,C:2,A:4,D:4 avg_turnaround=6\.25 avg_waiting=2\.75 "]),
    Boot("exercise-rr3", "run=workload workload=exercise sched=rr quantum=3 hz=1000", ktap=False, expect=[
        r"^RESULT policy=rr quantum=3 workload=exercise schedule=A:3,B:3,A:3,B:1,A:9 avg_turnaround=13\.50 "]),
    Boot("bad-workload", "run=workload workload=A:0:5,B:1:x sched=fifo hz=1000", ktap=False, expect=[
        r"^cmdline: workload=A:0:5,B:1:x: task 2: the burst is missing or not a number \(each task is "
        r"name:arrival:burst\[:priority\[:tickets\]\]", r"keeping workload=course$",
        r"^RESULT policy=fifo workload=course "]),
    Boot("swap", "test=swap hz=1000"),
    # Synchronization: every demo checks its own invariants in KTAP.
    Boot("race", "run=race hz=1000", expect=[r"^# total=100 expected=400 lost=300"]),
    Boot("exclusion", "run=exclusion hz=1000"),
    Boot("prodcons", "run=prodcons hz=1000", expect=[
        r"^STALL: no task has run for 100 ticks", r"^STALL:   'consumer' \(id \d+\) waits on sleep\(\)$",
        r"^STALL:   'producer' \(id \d+\) waits on sleep\(\)$"]),
    Boot("philosophers", "run=philosophers hz=1000", expect=[
        r"^DEADLOCK: P4 waits fork0 held by P0 -> P0 waits fork1 held by P1 -> P1 waits fork2 held by P2 -> "
        r"P2 waits fork3 held by P3 -> P3 waits fork4 held by P4 -> P4$"]),
    Boot("readers-writers", "run=readers-writers hz=1000"),
    Boot("barber", "run=barber hz=1000"),
    Boot("barrier", "run=barrier hz=1000"),
    Boot("inversion", "run=inversion hz=1000"),
    Boot("misuse", "run=misuse hz=1000", expect=[
        r"^MISUSE: mutex_unlock\(m\) by 'misuse': it is owned by 'owner'; only the owner may unlock it; ignored$",
        r"^MISUSE: mutex_lock\(m\) by 'misuse': already holds it: locking it again would wait forever; refused$",
        r"^MISUSE: spin_unlock\(spin\) by 'misuse': it is not held; ignored$",
        r"^MISUSE: sem_down\(s\) by 'misuse': would sleep while holding 1 spinlock\(s\)",
        r"^MISUSE: sem_down\(s\) by 'misuse': called from an interrupt handler, which cannot sleep; refused$",
        r"^MISUSE: sem_destroy\(s\) by 'misuse': 1 task\(s\) still wait on it \('waiter'\); not destroyed$",
        r"^MISUSE: mutex_lock\(m\) by '[a-z]+': called from an interrupt handler, which cannot own a mutex; refused$",
        r"^MISUSE: task_exit\(leaver\) by 'leaver': exits holding mutex 'm'; released, for its waiters' sake$",
        r"^ok 11 no-false-deadlock$",
        r"^DEADLOCK: B waits x held by A -> A waits y held by B -> B$"]),
    Boot("counters-demo", "hz=1000", ktap=False, check=check_counters,
         expect=[r"^Tourniquet - a teaching kernel", r"^demo 'counters' finished: ok"]),
]


# ---- The kernel against the simulator --------------------------------------

SIM = os.path.join(BUILD, "tourniquet-sim")


def agree_test(name, cmdline):
    """`run=agree` in QEMU and in the host simulator print the same TASK and
    RESULT lines: every policy, every built-in workload and 30 random ones,
    tick for tick."""
    def run():
        status, raw = boot(name, cmdline + " run=agree hz=10000", timeout=240)
        if status != 33:
            return Result("agree/" + name, False, f"kernel exit status {status} (log: {log_path(name)})")
        p = subprocess.run([SIM, "run=agree"] + cmdline.split(), capture_output=True, text=True, timeout=240)
        pick = lambda text: [l for l in text.replace("\r", "").splitlines() if l.startswith(("TASK ", "RESULT "))]
        k, h = pick(raw), pick(p.stdout)
        with open(log_path(name + "-sim"), "w") as f:
            f.write(p.stdout + p.stderr)
        if p.returncode != 0:
            return Result("agree/" + name, False, f"simulator exit status {p.returncode}: {p.stderr.strip()[:200]}")
        runs = sum(1 for l in k if l.startswith("RESULT "))
        policies = len({re.search(r"policy=(\S+)", l).group(1) for l in k if l.startswith("RESULT ")})
        if policies < 9 or runs != 33 * policies:
            return Result("agree/" + name, False, f"the kernel reported {runs} runs of {policies} policies, "
                          "expected 33 runs (3 built-in + 30 random workloads) of each of at least 9")
        for i, (a, b) in enumerate(zip(k, h)):
            if a != b:
                return Result("agree/" + name, False, f"first difference at line {i + 1}:\n  kernel: {a}\n  sim:    {b}")
        if len(k) != len(h):
            return Result("agree/" + name, False, f"kernel {len(k)} lines, simulator {len(h)}")
        return Result("agree/" + name, True)
    return run


# The stress-prone demos again, under other timer rates, quanta, policies and
# seeded timer jitter: other interleavings, each one replayable.
STRESS = [("hz100-q3", "hz=100 quantum=3"), ("hz5000-mlfq", "hz=5000 sched=mlfq"),
          ("fair-jitter7", "hz=2000 sched=fair jitter=40 seed=7"), ("lottery-jitter11", "hz=1000 sched=lottery jitter=25 seed=11"),
          ("prio-jitter3", "hz=3000 sched=prio jitter=50 seed=3")]
for _name, _extra in STRESS:
    for _demo in ("race", "prodcons", "philosophers", "readers-writers", "barber", "barrier"):
        BOOTS.append(Boot(f"{_demo}-{_name}", f"run={_demo} {_extra}", timeout=120))
def check_jittered_clock(out):
    """With jitter=30 the measured tick must differ from 1/hz (but exist)."""
    problems = check_clock(out, 1000)
    if not problems:
        return ["jitter=30 did not change the tick length"]
    return [] if "cycles per tick" in problems[0] else problems


BOOTS.append(Boot("clock-jitter", "test=clock hz=1000 jitter=30 seed=5", check=check_jittered_clock))


# Several CPUs. Under -icount QEMU runs the vCPUs round robin: deterministic.
# With MTTCG they run in parallel: only the test's invariants are checked.
def check_smp(cpus, hz=1000, exact_clock=True):
    def check(out):
        why = []
        ups = re.findall(r"^smp: cpu (\d+) up \(APIC id (\d+)\)$", out, re.M)
        if [int(c) for c, _ in ups] != list(range(1, cpus)):
            why.append(f"cpus up: {ups}, expected 1..{cpus - 1}")
        if not re.search(rf"^smp: {cpus} CPU\(s\) from the ACPI MADT at ", out, re.M):
            why.append(f"no 'smp: {cpus} CPU(s) from the ACPI MADT' line")
        sub = re.findall(r"^    (ok|not ok) (\d) (\S+)$", out, re.M)
        if [s for s, _, _ in sub] != ["ok"] * 4:
            why.append(f"subtests: {sub}")
        for cpu in range(1, cpus):
            m = re.search(rf"^# cpu{cpu} timer_ticks=(\d+) resched_ipis=(\d+)$", out, re.M)
            if not m or int(m.group(1)) < 3 or int(m.group(2)) != 1:
                why.append(f"cpu {cpu}: {m.group(0) if m else 'no counts'}")
        m = re.search(r"^# hz=(\d+) lapic_cycles_per_tick=(\d+)$", out, re.M)
        if exact_clock and (not m or abs(int(m.group(2)) - 1e9 / hz) > 1e9 / hz / 100):
            why.append(f"the LAPIC timer is not at {hz} Hz: {m.group(0) if m else 'no measure'}")
        return why
    return check


SMP_FAULT = [r"^smp: cpu 1 up \(APIC id 1\)$", r"^  on cpu 1 \(APIC id 1\)$", r"exit status 37"]
BOOTS += [
    Boot("smp-4", "test=smp hz=1000", extra=["-smp", "4"], check=check_smp(4)),
    Boot("smp-2", "test=smp hz=1000", extra=["-smp", "2"], check=check_smp(2)),
    Boot("smp-8-hz100", "test=smp", extra=["-smp", "8"], check=check_smp(8, hz=100)),
    Boot("smp-mttcg-4", "test=smp hz=1000", extra=["-accel", "tcg,thread=multi", "-smp", "4"], icount=False,
         check=check_smp(4, exact_clock=False)),
    Boot("smp-jitter", "test=smp hz=1000 jitter=30 seed=5", extra=["-smp", "3"],
         check=lambda out: check_smp(3, exact_clock=False)(out) + check_jittered_lapic(out)),
    Boot("smp-1", "test=smp hz=1000", extra=["-smp", "1"], expect=[
        r"^smp: 1 CPU\(s\) from the ACPI MADT at 0x[0-9a-f]+ \(APIC ids 0\), 1 I/O APIC\(s\)",
        r"^    ok 1 cpus-start # SKIP only one CPU", r"^# smp: SKIP: "]),
    # Without ACPI, the MP tables (SeaBIOS then lists only the boot CPU).
    Boot("smp-mptables", "test=smp hz=1000", extra=["-machine", "pc,acpi=off", "-smp", "2"], expect=[
        r"^smp: \d CPU\(s\) from the MP tables at 0x000f[0-9a-f]+ \(APIC ids 0[ 0-9]*\), 1 I/O APIC\(s\)"]),
    Boot("smp-fault", "test=smpfault hz=1000", status=37, extra=["-smp", "2"], expect=SMP_FAULT + [
        r"^EXCEPTION: #DE Divide Error \(vector 0", r"^  EAX=00000001 EBX=a9a90001 ",
        r"FS=0028", r"^PANIC: CPU exception #DE"]),
    Boot("smp-doublefault", "test=smpdoublefault hz=1000", status=37, extra=["-smp", "2"], expect=SMP_FAULT + [
        r"^EXCEPTION: #DF Double Fault \(vector 8", r"^PANIC: double fault"]),
]


def check_jittered_lapic(out):
    m = re.search(r"^# hz=1000 lapic_cycles_per_tick=(\d+)$", out, re.M)
    if not m:
        return ["no lapic_cycles_per_tick line"]
    return [] if abs(int(m.group(1)) - 1e6) > 1e3 else ["jitter=30 did not change the LAPIC timer's period"]

# Every GRUB menu entry boots (with -kernel and exit=1) without a command-line
# complaint and ends with status 33.
def grub_entries():
    cfg = open(os.path.join(ROOT, "iso/boot/grub/grub.cfg")).read()
    for i, (title, line) in enumerate(re.findall(r'menuentry "([^"]+)" \{\s*multiboot /boot/tourniquet.elf ?([^\n]*)', cfg)):
        line = line.strip()
        if line == "help" or "test=" in line:
            continue  # help and test=all are booted elsewhere
        yield Boot(f"grub-entry-{i:02d}", f"{line} hz=1000", ktap=False, timeout=120,
                   check=lambda out: [l for l in out.splitlines() if l.startswith("cmdline:")][:1])


BOOTS += list(grub_entries())

AGREE = [("agree-seed1", "seed=1"), ("agree-seed2-q2", "seed=2 quantum=2"),
         ("agree-seed3-q3", "seed=3 quantum=3 aging=5 boost=20")]


# ---- GDB against QEMU's stub -----------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_session(name, cmdline, commands, extra=()):
    """Boot paused under QEMU's GDB stub, run batch GDB with the project's
    script and these commands, and return (and log) what GDB printed."""
    port = free_port()
    qemu = subprocess.Popen(QEMU_BASE + ICOUNT + ["-serial", "null", "-kernel", KERNEL, "-append", cmdline,
                                                  "-S", "-gdb", f"tcp:127.0.0.1:{port}"] + list(extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    args = ["gdb", "-q", "-batch", "-nx", "-x", "tools/gdb/tourniquet.gdb"]
    for c in [f"tourniquet-connect {port}"] + commands + ["kill"]:
        args += ["-ex", c]
    args.append(KERNEL)
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=ROOT)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        out = "gdb timed out"
    finally:
        qemu.kill()
        qemu.wait()
    with open(log_path(name), "w") as f:
        f.write(out)
    return out


def gdb_test():
    """The debug loop: a breakpoint on arch_switch stops there; bt, info
    registers, stepi and next work, in assembly and in C."""
    name = "gdb-switch"
    if not shutil.which("gdb"):
        return Result(name, False, "gdb not installed (make deps)")
    out = gdb_session(name, "test=yield hz=1000 exit=1", [
        "switch-break", "continue", "bt", "info registers eip esp",
        "print sched_current_task->name", "stepi", "info registers eip", "stepi 6", "bt", "delete",
        "break task_yield", "continue", "next", "delete",
        "break trap_dispatch if f->vector == 32", "continue", "bt"])
    why = []
    eips = re.findall(r"^eip\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+ <[^>]+>)", out, re.M)
    checks = [
        (r"Breakpoint 1, .*arch_switch", "the breakpoint on arch_switch did not stop"),
        (r"#0 .*arch_switch", "bt does not start in arch_switch"),
        (r"#\d .* (sched_preempt_point|schedule|task_create|sched_yield_cpu)", "bt does not reach the scheduler's C code"),
        (r"#\d .* kernel_main", "bt does not reach kernel_main"),
        (r'\$1 = "ktest', "current task at the first switch is not 'ktest'"),
        (r"#1 .* arch_task_start \(\) at arch/x86/switch.S", "after `mov esp`, bt does not show the new task's stack"),
        (r"Breakpoint 2(\.\d+)?, task_yield", "the breakpoint on task_yield did not stop"),
        (r"Breakpoint 2[^\n]*\n[^\n]*\n\d+\t\s+(arch_irqstate_t s = arch_irq_save\(\);|sched_yield_cpu\(\);)",
         "next did not step to a C line of task_yield"),
        (r"#0  trap_dispatch .*\n#1  <signal handler called>\n#2  .*\n(#\d+ .*\n)*#\d+ .* (arch_task_start|_start) \(\)",
         "bt from the timer handler does not go through the interrupt into the interrupted code"),
    ]
    for pattern, problem in checks:
        if not re.search(pattern, out, re.M):
            why.append(problem)
    if len(eips) < 2 or eips[0][0] == eips[1][0] or "arch_switch+" not in eips[1][1]:
        why.append(f"stepi did not move through arch_switch (eips: {eips})")
    return Result(name, not why, "; ".join(why) + (f" (log: {log_path(name)})" if why else ""))


def gdb_commands_test():
    """The tq- commands: tasks, ready queue, backtrace of a blocked task,
    break on a switch to a named task, trace."""
    name = "gdb-commands"
    out = gdb_session(name, "test=sleep hz=1000 exit=1", [
        "tq-break-switch nap", "continue", "continue", "print ((struct task *)$edx)->name", "tq-tasks",
        "tq-ready", "tq-bt ktest", "tq-trace 8"])
    checks = [
        (r'\$1 = "nap', "tq-break-switch did not stop on a switch to 'nap'"),
        (r"^\s+1 ktest\s+BLOCKED .* join 'nap' \(task_join\)$", "tq-tasks does not show ktest blocked in join"),
        (r"^\s+2 nap\s+SLEEPING .* until tick \d+", "tq-tasks does not show a sleeping nap"),
        (r"^policy rr: 3 ready$", "tq-ready does not list rr's 3 ready tasks"),
        (r"task 'ktest' \(id 1\), BLOCKED, would resume at", "tq-bt did not switch to ktest's context"),
        (r"#\d+ .* ktest_sleep \(\) at tests/kernel/test_tasks.c", "tq-bt does not reach ktest_sleep"),
        (r"^\s+1\s+ktest\s+blocks on nap$", "tq-trace does not show ktest blocking on nap"),
        (r"^\s+1\s+ktest\s+blocked -> nap$", "tq-trace does not show the switch away from ktest"),
    ]
    why = [problem for pattern, problem in checks if not re.search(pattern, out, re.M)]
    return Result(name, not why, "; ".join(why) + (f" (log: {log_path(name)})" if why else ""))


def gdb_threads_test():
    """Under -smp 4, GDB sees one thread per CPU (QEMU's stub), and a
    breakpoint in an AP's entry stops on that CPU with a backtrace down to
    x86_ap_main."""
    name = "gdb-smp-threads"
    out = gdb_session(name, "test=smp hz=1000 exit=1", [
        "break ap_main", "continue", "info threads", "bt"], extra=["-smp", "4"])
    checks = [
        (r"^\s+4\s+Thread 1\.4 \(CPU#3", "info threads does not list 4 CPUs"),
        (r"Breakpoint 1, ap_main", "the breakpoint in ap_main did not stop"),
        (r"^\*\s+2\s+Thread 1\.2 \(CPU#1", "the stop is not on CPU#1's thread"),
        (r"#1 .* x86_ap_main \(c=", "bt from ap_main does not reach x86_ap_main"),
    ]
    why = [problem for pattern, problem in checks if not re.search(pattern, out, re.M)]
    return Result(name, not why, "; ".join(why) + (f" (log: {log_path(name)})" if why else ""))


# ---- GRUB ------------------------------------------------------------------

def grub_test():
    """The CD image boots through the GRUB menu's default entry to the demo."""
    name = "grub-iso"
    if not os.path.exists(ISO):
        return Result(name, False, "no build/tourniquet.iso (make iso)")
    qemu = subprocess.Popen(QEMU_BASE + ["-serial", "stdio", "-cdrom", ISO], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    buf = bytearray()
    done = threading.Event()

    def reader():
        while True:
            chunk = qemu.stdout.read1(4096)
            if not chunk:
                break
            buf.extend(chunk)
            text = ANSI.sub("", buf.decode("utf-8", "replace"))
            if all(len(re.findall(rf"^{n}: counter", text, re.M)) >= 2 for n in "ABC"):
                done.set()
                break
        done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    done.wait(90)
    qemu.kill()
    qemu.wait()
    text = ANSI.sub("", buf.decode("utf-8", "replace")).replace("\r", "")
    with open(log_path(name), "w") as f:
        f.write(text)
    why = []
    if "GNU GRUB" not in text and "Tourniquet: three tasks" not in text:
        why.append("the GRUB menu did not show on the serial console")
    if not re.search(r"^boot: loaded by GRUB", text, re.M):
        why.append("the kernel did not report GRUB as its loader")
    if not all(len(re.findall(rf"^{n}: counter", text, re.M)) >= 2 for n in "ABC"):
        why.append("tasks A, B and C did not all report twice within 90 s")
    return Result(name, not why, "; ".join(why) + (f" (log: {log_path(name)})" if why else ""))


# ---- The shell: commands typed into the serial port --------------------------

def shell_test():
    """Type commands into COM1 and check each answer; `halt` ends with 33."""
    name = "shell"
    typed = "help\nps\nbogus\nsched nope\nsched fifo quantum=x\nworkload course\nworkload A:0\ngantt\n" \
            "trace 5\ntrace json\nstats\nrun nothing\nrun barrier\nsched rr quantum=2\nworkload course\nhalt\n"
    cmd = QEMU_BASE + ICOUNT + ["-serial", "stdio", "-kernel", KERNEL, "-append", "run=shell hz=1000"]
    try:
        p = subprocess.run(cmd, input=typed.encode(), capture_output=True, timeout=60)
        status, out = p.returncode, ANSI.sub("", p.stdout.decode("utf-8", "replace")).replace("\r", "")
    except subprocess.TimeoutExpired as e:
        status, out = None, (e.stdout or b"").decode("utf-8", "replace")
    with open(log_path(name), "w") as f:
        f.write(out)
    checks = [
        (r"^tourniquet> help\nCommands:\n  help ", "help does not list the commands"),
        (r"^tourniquet> ps\n   id  name .*\n    0  idle .*\n    1  shell\s+RUNNING", "ps does not list idle and the shell"),
        (r"^shell: unknown command 'bogus'; type help for the list$", "no message for an unknown command"),
        (r"^sched: no policy named 'nope'\. Policies: rr, fifo, ", "no message for an unknown policy"),
        (r"^cmdline: quantum=x is not a whole number \(valid: 1\.\.1000\); keeping quantum=1$",
         "no message for a bad parameter"),
        (r"^RESULT policy=fifo workload=course schedule=A:5,B:3,C:2,D:4 avg_turnaround=7\.00 ",
         "workload course under fifo is not the course's answer"),
        (r"^workload: task 1: the burst is missing", "no message for a bad workload"),
        (r"tourniquet> gantt\n\nWorkload course under fifo", "gantt does not show the last good workload again"),
        (r"^trace: the last 5 of \d+ events", "trace does not print events"),
        (r"^trace: written as Chrome Trace Event JSON to COM2$", "trace json did not write the trace"),
        (r"^ticks \d+ \(idle \d+\), context switches \d+", "stats does not print the scheduler's counts"),
        (r"^run: no demo named 'nothing'\. Demos: counters, ", "no message for an unknown demo"),
        (r"^ok 1 barrier-phases$", "run barrier did not run the demo"),
        (r"^RESULT policy=rr quantum=2 workload=course schedule=A:2,B:2,A:2,C:2,B:1,D:2,A:1,D:2 ",
         "sched rr quantum=2 did not take effect"),
    ]
    why = [] if status == 33 else [f"exit status {status}, expected 33 after halt"]
    why += [problem for pattern, problem in checks if not re.search(pattern, out, re.M)]
    return Result(name, not why, "; ".join(why) + (f" (log: {log_path(name)})" if why else ""))


def qemu_with_monitor(name, cmdline, wait_for, timeout=60, extra=()):
    """Boot with QEMU's monitor on a pipe and the serial console in a file;
    return the process and the file once `wait_for` shows up on the console."""
    serial = log_path(name)
    if os.path.exists(serial):
        os.remove(serial)
    base = QEMU_BASE[:QEMU_BASE.index("-monitor")] + QEMU_BASE[QEMU_BASE.index("-monitor") + 2:]
    q = subprocess.Popen(base + ICOUNT + ["-monitor", "stdio", "-serial", "file:" + serial, "-kernel", KERNEL,
                                          "-append", cmdline] + list(extra),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while time.time() < deadline and not (os.path.exists(serial) and wait_for in open(serial, errors="replace").read()):
        time.sleep(0.1)
    return q, serial


def monitor(q, commands):
    """Send monitor commands (the last should end QEMU); return its output."""
    try:
        return q.communicate("".join(c + "\n" for c in commands).encode(), timeout=30)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        q.kill()
        q.wait()
        return ""


def keyboard_test():
    """Keys pressed on the PS/2 keyboard (QEMU's sendkey) reach the shell."""
    name = "shell-keyboard"
    q, serial = qemu_with_monitor(name, "run=shell hz=1000", "tourniquet> ")
    keys = ["p", "s", "ret", "shift-h", "i", "ret", "h", "a", "l", "t", "ret"]
    monitor(q, [f"sendkey {k}" for k in keys])
    text = ANSI.sub("", open(serial, errors="replace").read()).replace("\r", "")
    why = []
    if q.returncode != 33:
        why.append(f"exit status {q.returncode}, expected 33 after typing halt")
    if not re.search(r"^tourniquet> ps\n   id  name", text, re.M):
        why.append("ps typed on the keyboard did not run")
    if "shell: unknown command 'Hi'" not in text:
        why.append("Shift did not make a capital letter")
    return Result(name, not why, "; ".join(why) + (f" (log: {serial})" if why else ""))


def smp_input_test():
    """With CPU 1 started, the devices come through the I/O APIC: a line
    typed on the keyboard (QEMU's sendkey), then one on COM1, arrive."""
    name = "smp-input"
    why = []
    q, serial = qemu_with_monitor(name + "-keyboard", "test=smpinput hz=1000 exit=1", "type a line",
                                  extra=["-smp", "2"])
    monitor(q, ["sendkey k", "sendkey b", "sendkey d", "sendkey ret"])
    text = ANSI.sub("", open(serial, errors="replace").read()).replace("\r", "")
    if q.returncode != 33 or "# smpinput: got 'kbd'" not in text:
        why.append(f"keyboard: exit status {q.returncode}, no \"got 'kbd'\" (log: {serial})")
    cmd = QEMU_BASE + ICOUNT + ["-smp", "2", "-serial", "stdio", "-kernel", KERNEL, "-append",
                                "test=smpinput hz=1000 exit=1"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    deadline = time.time() + 30
    while b"type a line" not in out and time.time() < deadline:
        chunk = p.stdout.read1(4096)
        if not chunk:
            break
        out += chunk
    try:
        out += p.communicate(b"com1\r", timeout=30)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        out += p.communicate()[0]
    text = ANSI.sub("", out.decode("utf-8", "replace")).replace("\r", "")
    with open(log_path(name + "-serial"), "w") as f:
        f.write(text)
    if p.returncode != 33 or "# smpinput: got 'com1'" not in text:
        why.append(f"COM1: exit status {p.returncode}, no \"got 'com1'\" (log: {log_path(name + '-serial')})")
    return Result(name, not why, "; ".join(why))


# ---- The live view on the VGA screen -----------------------------------------------

def vga_rows(monitor_output, rows):
    """Characters of the first `rows` text rows, from an HMP `xp /Nxb 0xb8000`."""
    data = []
    for line in monitor_output.splitlines():
        m = re.match(r"^[0-9a-f]{16}: ((?:0x[0-9a-f]{2} ?)+)$", line.strip())
        if m:
            data += [int(b, 16) for b in m.group(1).split()]
    chars = "".join(chr(b) if 32 <= b < 127 else " " for b in data[0::2])
    return [chars[r * 80:(r + 1) * 80] for r in range(rows)]


def vga_live_view_test():
    """While a workload runs, the VGA screen shows a panel: tasks, states,
    ticks used and the Gantt strip; at the end it shows the whole run."""
    name = "vga-live-view"
    q, serial = qemu_with_monitor(name, "run=workload sched=rr quantum=2 hz=1000", "RESULT")
    time.sleep(0.3)
    out = monitor(q, ["xp /800xb 0xb8000", "quit"])
    rows = vga_rows(out, 5)
    expected = {"A": "AA..AA.....A", "B": ".BB....B", "C": "...CC", "D": "....DD.DD"}
    why = []
    if "live: course under rr, tick 14, 4 of 4 done" not in rows[0]:
        why.append(f"no title row: {rows[0]!r}")
    for i, (task, strip) in enumerate(expected.items()):
        row = rows[1 + i]
        if not row.startswith(f"{task}      done") or strip not in row[18:].strip():
            why.append(f"row {1 + i} is {row.rstrip()!r}, expected task {task} done with strip {strip}")
    return Result(name, not why, "; ".join(why))


# ---- Trace and pictures -------------------------------------------------------

def trace_gantt_test():
    """run=workload writes Chrome trace JSON on COM2 whose switches follow the
    schedule, and tools/gantt.py draws the run as an SVG matching it."""
    import json
    import xml.etree.ElementTree as ET
    name = "trace-gantt"
    trace_file = log_path(name + "-trace.json")
    if os.path.exists(trace_file):
        os.remove(trace_file)
    status, out = boot(name, "run=workload sched=srt hz=1000", extra=["-serial", "file:" + trace_file])
    why = []
    if status != 33:
        return Result(name, False, f"exit status {status} (log: {log_path(name)})")
    sched = re.search(r"^RESULT .* schedule=(\S+)", out.replace("\r", ""), re.M).group(1)
    order = [seg.split(":")[0] for seg in sched.split(",") if not seg.startswith(".")]
    try:
        trace = json.load(open(trace_file))
    except (OSError, ValueError) as e:
        return Result(name, False, f"the trace on COM2 is not JSON: {e}")
    events = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    ins = [names.get(e["tid"], "?") for e in events if e.get("ph") == "B"]
    ins = [n for n in ins if n in order]
    collapsed = [n for i, n in enumerate(ins) if i == 0 or ins[i - 1] != n]
    if collapsed != order:
        why.append(f"switches in the trace {collapsed} do not follow the schedule {order}")
    if sum(1 for e in events if e.get("ph") == "B") != sum(1 for e in events if e.get("ph") == "E"):
        why.append("unbalanced B/E events")
    svg_file = log_path(name + ".svg")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools/gantt.py"), log_path(name), "-o", svg_file],
                       capture_output=True, text=True)
    if p.returncode != 0:
        why.append("gantt.py failed: " + p.stderr.strip()[:200])
    else:
        root = ET.parse(svg_file).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        runs = [(r.get("data-task"), float(r.get("x")), float(r.get("width")))
                for r in root.iter(ns + "rect") if r.get("class") == "run"]
        drawn = [t for t, _, _ in sorted(runs, key=lambda r: r[1])]
        if drawn != order:
            why.append(f"the SVG's runs {drawn} do not follow the schedule {order}")
        if len([p for p in root.iter(ns + "path") if p.get("class") == "arrival"]) != 4:
            why.append("the SVG does not mark 4 arrivals")
        widths = {}
        for t, _, w in runs:
            widths[t] = widths.get(t, 0) + w
        if len(set(round(w / int(b)) for t, w in widths.items()
                   for b in re.findall(rf"^TASK name={t} arrival=\d+ burst=(\d+)", out, re.M))) != 1:
            why.append("run widths are not proportional to the bursts")
    return Result(name, not why, "; ".join(why) + (f" (log: {log_path(name)})" if why else ""))


def vscode_test():
    """The VS Code launch configuration is valid JSON and points at what exists."""
    import json
    name = "vscode-launch"
    try:
        cfg = json.load(open(os.path.join(ROOT, ".vscode/launch.json")))
        c = cfg["configurations"][0]
        ok = c["miDebuggerServerAddress"] == "localhost:1234" and c["program"].endswith("build/tourniquet.elf") \
            and any("tools/gdb/tourniquet.gdb" in s["text"] for s in c["setupCommands"])
        return Result(name, ok, "" if ok else "unexpected configuration")
    except (OSError, ValueError, KeyError, IndexError) as e:
        return Result(name, False, str(e))


# ---- clang -----------------------------------------------------------------

CLANG_KERNEL = os.path.join(BUILD, "clang", "tourniquet.elf")


def clang_boots():
    """A few of the gcc kernel's boots, on the clang kernel: the tests, the
    default demo, a synchronization demo. A clang kernel that builds but
    breaks at its first interrupt fails here."""
    like = {"ktest-all", "counters-demo", "race", "philosophers", "smp-4", "smp-fault"}
    return [Boot("clang-" + b.name, b.cmdline, b.status, b.ktap, b.expect, b.check, b.timeout, b.extra,
                 kernel=CLANG_KERNEL, icount=b.icount) for b in BOOTS if b.name in like]


def clang_test():
    """`make CC=clang` builds the kernel warning-free too (in build/clang),
    and that kernel passes the boots of clang_boots()."""
    name = "build-clang"
    if not shutil.which("clang"):
        return Result(name, True, "clang not installed", skipped=True)
    p = subprocess.run(["make", "-s", "CC=clang", "build/clang/tourniquet.elf"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    with open(log_path(name), "w") as f:
        f.write(p.stdout + p.stderr)
    warnings = [l for l in (p.stdout + p.stderr).splitlines() if "warning:" in l]
    ok = p.returncode == 0 and not warnings
    results = [Result(name, ok, "" if ok else (warnings[:1] or [f"make failed; log: {log_path(name)}"])[0])]
    if p.returncode != 0:
        return results
    # The clang boots run in parallel with each other, after the build.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results += list(pool.map(lambda b: b.run(), clang_boots()))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="run only checks whose name contains this")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2, help="boots in parallel")
    ap.add_argument("--list", action="store_true", help="list the checks and exit")
    args = ap.parse_args()

    # The clang build goes first: its boots wait for it, so it should start early.
    jobs = [("build-clang", clang_test), ("host", host_tests)] + \
        [("agree/" + n, agree_test(n, c)) for n, c in AGREE] + \
        [("boot/" + b.name, b.run) for b in BOOTS] + \
        [("gdb-switch", gdb_test), ("gdb-commands", gdb_commands_test), ("gdb-smp-threads", gdb_threads_test),
         ("grub-iso", grub_test),
         ("vscode-launch", vscode_test), ("shell", shell_test),
         ("vga-live-view", vga_live_view_test), ("shell-keyboard", keyboard_test),
         ("trace-gantt", trace_gantt_test), ("smp-input", smp_input_test)]
    jobs = [(n, f) for n, f in jobs if args.k in n]
    if args.list:
        print("\n".join(n for n, _ in jobs))
        return 0

    start = time.time()
    passed = failed = skipped = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        futures = [pool.submit(f) for _, f in jobs]
        for fut in futures:
            rs = fut.result()
            for r in rs if isinstance(rs, list) else [rs]:
                if r.skipped:
                    skipped += 1
                    print(f"SKIP {r.name}: {r.why}")
                elif r.ok:
                    passed += 1
                    print(f"PASS {r.name}")
                else:
                    failed += 1
                    print(f"FAIL {r.name}: {r.why}")
                sys.stdout.flush()
    print(f"# {time.time() - start:.0f}s; serial transcripts in build/test-logs/")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
