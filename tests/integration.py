"""The bespoke checks: each looks at one part of the system its own way.

The host's cmocka tests, the layering of the sources and `make help`; the
kernel against the simulator; the debug loop in GDB; the GRUB image; the
shell, typed on the serial port and on the keyboard; the VGA live view; the
trace and its pictures; the VS Code configuration; the clang build. Near the top are the
transcript checks that the boot tables in tests/boots.py name.

Each check returns a Result (or a list of them), built with harness.result().
CHECKS at the end names the checks that are not boots, in the order
tests/run_tests.py lists them.
"""
import concurrent.futures
import json
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

from harness import (BUILD, ISO, KERNEL, QEMU_BASE, ROOT, SIM, Boot, Problem, at_line, boot, boot_with_monitor,
                     clean, expect_all, gdb_session, gdb_shapes, gdb_shapes_missing, kernel_path, log_path, result,
                     status_problem, tail, write_log)


# ---- Transcript checks for the boot tables ------------------------------------

def check_clock(out, hz, every=1):
    """Under -icount shift=0 a guest second is 10^9 instructions: a tick must
    last 10^9 / hz of them, times `every` with slow ticks (the PIT's divisor
    rounds: allow 0.1%)."""
    line = r"^# hz=(\d+)(?: every=(\d+))? cycles_per_tick=(\d+)$"
    m = re.search(line, out, re.M)
    if not m:
        return expect_all(out, [(line, "no cycles_per_tick line")])
    want = 1e9 / hz * every
    got = int(m.group(3))
    if int(m.group(1)) != hz or int(m.group(2) or 1) != every or abs(got - want) > want / 1000:
        return [at_line(f"hz={m.group(1)} every={m.group(2) or 1}: {got} cycles per tick, expected {want:.0f}", out,
                        out.count("\n", 0, m.start()))]
    return []


def check_jittered_clock(out):
    """With jitter=30 the measured tick must differ from 1/hz (but exist)."""
    problems = check_clock(out, 1000)
    if not problems:
        return ["jitter=30 did not change the tick length"]
    return [] if "cycles per tick" in problems[0].why else problems


# Several CPUs. Under -icount QEMU runs the vCPUs round robin: deterministic.
# With MTTCG they run in parallel: only the test's invariants are checked.
def check_smp(cpus, hz=1000, exact_clock=True):
    """test=smp's report: every CPU came up in order, the five subtests
    passed, each AP ticked and took its IPI, the LAPIC timer runs at hz."""
    def check(out):
        why = []
        ups = re.findall(r"^smp: cpu (\d+) up \(APIC id (\d+)\)$", out, re.M)
        if [int(c) for c, _ in ups] != list(range(1, cpus)):
            why.append(f"cpus up: {ups}, expected 1..{cpus - 1}")
        if not re.search(rf"^smp: {cpus} CPU\(s\) from the ACPI MADT at ", out, re.M):
            why.append(f"no 'smp: {cpus} CPU(s) from the ACPI MADT' line")
        sub = re.findall(r"^    (ok|not ok) (\d) (\S+)$", out, re.M)
        if [s for s, _, _ in sub] != ["ok"] * 5:
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


def check_jittered_lapic(out):
    """With jitter=30, the LAPIC timer's measured period is not 1/hz."""
    m = re.search(r"^# hz=1000 lapic_cycles_per_tick=(\d+)$", out, re.M)
    if not m:
        return ["no lapic_cycles_per_tick line"]
    return [] if abs(int(m.group(1)) - 1e6) > 1e3 else ["jitter=30 did not change the LAPIC timer's period"]


def check_counters_parallel(out):
    """On several CPUs the three counters run at once: each gets its 10
    ticks of CPU in about 10 ticks of the clock, where one CPU takes 30.
    (A counter reports once it has used at least 10, 20... ticks: a slow
    one may see 51 where a fast one sees 50.)"""
    ticks = [int(m) for m in re.findall(r"^[ABC]: counter +\d+ after +5\d ticks of CPU, at tick (\d+)", out, re.M)]
    first = [int(m) for m in re.findall(r"^[ABC]: counter +\d+ after +1\d ticks of CPU, at tick (\d+)", out, re.M)]
    if len(ticks) != 3 or len(first) != 3:
        return [f"expected three counters at 10 and 50 ticks of CPU, saw {len(first)} and {len(ticks)}"]
    if max(ticks) - min(first) > 60:
        return [f"40 more ticks of CPU each took {max(ticks) - min(first)} ticks of the clock: not in parallel"]
    return []


def check_gantt_cpus(out):
    """tools/gantt.py draws a run on two CPUs: a row per CPU, and each
    CPU's runs exactly as its part of the RESULT line's schedule."""
    svg = subprocess.run([sys.executable, os.path.join(ROOT, "tools/gantt.py"), "-"], input=out,
                         capture_output=True, text=True).stdout
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as e:
        return [f"gantt.py did not draw a valid SVG: {e}"]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    problems = [f"no row label {label}" for label in ("CPU0", "CPU1") if label not in texts]
    m = re.search(r"^RESULT .* schedule=(\S+)", out, re.M)
    runs = {k: [p.split(":")[0] for p in row.split(",") if not p.startswith(".")]
            for k, row in enumerate(m.group(1).split("/"))} if m else {}
    for k, names in runs.items():
        drawn = [r.get("data-task") for r in root.iter("{http://www.w3.org/2000/svg}rect")
                 if r.get("class") == "cpu-run" and r.get("data-cpu") == str(k)]
        if drawn != names:
            problems.append(f"CPU{k}'s row shows {drawn}, the schedule says {names}")
    return problems or ([] if runs else ["no RESULT line to draw"])


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


def no_cmdline_complaint(out):
    """No line of the transcript is a complaint about the command line."""
    lines = out.splitlines()
    bad = [i for i, line in enumerate(lines) if line.startswith("cmdline:")]
    return [at_line(lines[bad[0]], out, bad[0])] if bad else []


# ---- Host unit tests (cmocka) ------------------------------------------------------

def host_tests():
    """Every build/host/test_* binary; one result per cmocka test, from its TAP output."""
    host = os.path.join(BUILD, "host")
    bins = sorted(f for f in os.listdir(host) if f.startswith("test_")) if os.path.isdir(host) else []
    if not bins:
        return [result("host", ["no host test binaries in build/host (run make host-tests)"])]
    results = []
    for b in bins:
        # Leak checking is off: the portable code allocates only from its own
        # static heaps, and LeakSanitizer's ptrace-based stop-the-world hangs
        # at exit in some sandboxes when output is piped.
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP", ASAN_OPTIONS="detect_leaks=0")
        p = subprocess.run([os.path.join(host, b)], capture_output=True, text=True, env=env, timeout=120)
        out = p.stdout + p.stderr
        log = write_log("host-" + b, out)
        tap = list(re.finditer(r"^(ok|not ok) \d+ - (\S+)", out, re.M))
        for test in re.findall(r"^not ok \d+ # SKIP (\S+)", out, re.M):
            results.append(result(f"host/{b[5:]}/{test}", skip="skipped by the test"))
        if not tap:
            results.append(result(f"host/{b}", [f"no TAP results (exit {p.returncode})"], log=log, text=out))
            continue
        for m in tap:
            # cmocka prints a failure's reasons just before its "not ok" line.
            problems = [] if m.group(1) == "ok" else [at_line("not ok", out, out.count("\n", 0, m.start()), 4, 0)]
            results.append(result(f"host/{b[5:]}/{m.group(2)}", problems, log=log))
        if p.returncode != 0 and all(m.group(1) == "ok" for m in tap):
            results.append(result(f"host/{b}", [f"exit status {p.returncode} (sanitizer?)"], log=log, text=out))
    return results


# ---- Layering: portable code reaches the CPU only through <arch/arch.h> ---------------

PORTABLE_DIRS = ["kernel", "user", "demos"]
ARCH_CONTRACT = "arch/x86/include/arch/arch.h"
# Where a portable file's #include can land: its own directory (for "..."),
# then the kernel build's -I directories (KCFLAGS), then the top of the tree
# (arch/ and drivers/ see it with -I.; portable code must not rely on it).
INCLUDE_DIRS = ["arch/x86/include", "kernel", "."]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def include_problem(src, name, quoted):
    """Why `#include name` in portable file `src` breaks the layering, or None.
    From arch/ portable code may include only <arch/arch.h>; never x86.h,
    anything under arch/x86, or a driver's header."""
    norm = os.path.normpath(name)
    if norm == "arch/arch.h":
        return None
    if os.path.basename(norm) in ("x86.h", "drivers.h") or "arch/x86" in norm or "drivers/" in name \
            or norm.startswith("arch/"):
        return "names an x86 or driver header"
    dirs = ([os.path.dirname(src)] if quoted else []) + INCLUDE_DIRS
    for d in dirs:
        path = os.path.realpath(os.path.join(ROOT, d, name))
        if os.path.exists(path):
            rel = os.path.relpath(path, ROOT)
            if rel.startswith(("arch" + os.sep, "drivers" + os.sep)) and rel != ARCH_CONTRACT:
                return f"reaches {rel}"
            return None
    return None


def layering_test():
    """Nothing under kernel/, user/ (or demos/) includes an x86 header: from
    arch/ they may include only <arch/arch.h>, the arch contract; and both
    arch.h files include <arch/contract.h>, so that they cannot drift."""
    name = "host/layering"
    bad = []
    scanned = 0
    for top in PORTABLE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h", ".S")):
                    continue
                src = os.path.relpath(os.path.join(dirpath, f), ROOT)
                scanned += 1
                for n, line in enumerate(open(os.path.join(ROOT, src), errors="replace"), 1):
                    m = INCLUDE.match(line)
                    why = m and include_problem(src, m.group(2), m.group(1) == '"')
                    if why:
                        bad.append(f"    {src}:{n}: {line.strip()}: {why}")
    problems = [] if scanned else ["no portable sources found under " + ", ".join(PORTABLE_DIRS)]
    if bad:
        problems.append(Problem(f"{len(bad)} #include(s) in portable code reach past the arch contract; "
                                "from arch/ portable code may include only <arch/arch.h>", bad))
    # Both arch.h (x86's and the host's fake) are held to one list of prototypes
    # and types, arch/include/arch/contract.h: a signature that drifts fails a build.
    for header in ("arch/x86/include/arch/arch.h", "tests/host/fake/arch/arch.h"):
        if not re.search(r"^#include <arch/contract\.h>", open(os.path.join(ROOT, header)).read(), re.M):
            problems.append(f"{header} does not include <arch/contract.h>, the contract both arches are checked against")
    return result(name, problems)


# ---- make help: every target, from the Makefile's comment block ------------------------

def make_deps_test():
    """`make deps` says when everything is already there (and only it: make
    test and the others run the same check silently first)."""
    name = "host/make-deps"
    p = subprocess.run(["make", "-s", "--no-print-directory", "deps"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    said = re.search(r"^deps: every (package|command) Tourniquet needs is (installed|present)", p.stdout, re.M)
    quiet = subprocess.run(["tools/deps.sh"], cwd=ROOT, capture_output=True, text=True, timeout=300).stdout
    problems = [] if p.returncode == 0 and said else [f"make deps (exit {p.returncode}) did not say all is there"]
    if quiet:
        problems.append(f"the check other targets run is not silent: {quiet.strip()[:80]!r}")
    return result(name, problems, text=p.stdout + p.stderr)


def make_help_test():
    """`make help` has a line for every .PHONY target of the Makefile (`make`
    alone for all), so the comment block it prints cannot drift."""
    name = "host/make-help"
    p = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        return result(name, [f"make help failed (exit {p.returncode})"], text=p.stdout + p.stderr)
    makefile = open(os.path.join(ROOT, "Makefile")).read()
    targets = sorted({t for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.M) for t in line.split()})
    documented = set(re.findall(r"^\s*make (\S+)", p.stdout, re.M))
    if re.search(r"^\s*make\s\s", p.stdout, re.M):
        documented.add("all")  # the line for plain `make`
    undocumented = [t for t in targets if t not in documented]
    if not targets:
        return result(name, ["no .PHONY targets found in the Makefile"])
    return result(name, [Problem(f"no line in make help for {', '.join(undocumented)}: add one to the comment "
                                 "block at the top of the Makefile", p.stdout.splitlines())] if undocumented else [])


# ---- The kernel against the simulator -----------------------------------------------

def agree_test(name, cmdline, mttcg=False):
    """`run=agree` in QEMU and in the host simulator print the same TASK and
    RESULT lines: every policy, every built-in workload and 30 random ones,
    tick for tick. With cpus=N, QEMU gets -smp N; with `mttcg`, its CPUs
    really run in parallel (multi-threaded TCG, no -icount). Returns the
    check, for the table AGREE in tests/boots.py."""
    def run():
        check = "agree/" + name
        cpus = re.search(r"\bcpus=(\d+)", cmdline)
        extra = ["-smp", cpus.group(1)] if cpus else []
        if mttcg:
            extra += ["-accel", "tcg,thread=multi"]
        status, raw = boot(name, cmdline + " run=agree hz=10000", timeout=240, extra=extra, icount=not mttcg)
        problem = status_problem(status, 33, 240, clean(raw))
        if problem:
            problem.why = "kernel: " + problem.why
            return result(check, [problem], log=log_path(name))
        p = subprocess.run([SIM, "run=agree"] + cmdline.split(), capture_output=True, text=True, timeout=240)
        pick = lambda text: [l for l in text.replace("\r", "").splitlines() if l.startswith(("TASK ", "RESULT "))]
        k, h = pick(raw), pick(p.stdout)
        sim_log = write_log(name + "-sim", p.stdout + p.stderr)
        if p.returncode != 0:
            return result(check, [f"simulator exit status {p.returncode}"], log=sim_log, text=p.stdout + p.stderr)
        if "COM2" in p.stdout:
            return result(check, ["the simulator, which has no COM2, says it wrote the trace there"], log=sim_log)
        runs = sum(1 for l in k if l.startswith("RESULT "))
        policies = len({re.search(r"policy=(\S+)", l).group(1) for l in k if l.startswith("RESULT ")})
        if policies < 9 or runs != 33 * policies:
            return result(check, [f"the kernel reported {runs} runs of {policies} policies, expected 33 runs "
                                  "(3 built-in + 30 random workloads) of each of at least 9"], log=log_path(name))
        for i, (a, b) in enumerate(zip(k, h)):
            if a != b:
                return result(check, [Problem(f"first difference at TASK/RESULT line {i + 1}",
                                              [f"    kernel: {a}", f"    sim:    {b}"])], log=log_path(name))
        if len(k) != len(h):
            return result(check, [f"kernel {len(k)} lines, simulator {len(h)}"], log=log_path(name))
        return result(check)
    return run


def lab_grader_test():
    """The grader's reports are fair: a conformance binary that crashes
    fails the policy lab's gate (it used to pass it, having printed every
    verdict it reached as ok), saying where it stopped; a missing verdict
    quotes that test's own lines, not a neighbour's."""
    name = "lab-grader"
    import importlib.util
    spec = importlib.util.spec_from_file_location("lab", os.path.join(ROOT, "tools", "lab.py"))
    lab = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab)
    problems = []
    fake = os.path.join(BUILD, "host", "test-lab-grader-crash")
    os.makedirs(os.path.dirname(fake), exist_ok=True)
    with open(fake, "w") as f:
        f.write('#!/bin/sh\necho "1..3"\necho "ok 1 - hrrn/ties"\n'
                'echo "kernel/sched/sched_hrrn.c:47:71: runtime error: division by zero"\nexit 1\n')
    os.chmod(fake, 0o755)
    try:
        got, _ = lab.run_host_check({"name": "lab-grader-crash", "host": (os.path.basename(fake), "hrrn/")})
    finally:
        os.unlink(fake)
    want = (r"crashed \(exit status 1\) after 1 of 3 tests, the last one reached: hrrn/ties; "
            r"it says: runtime error: division by zero")
    if not got or not re.search(want, got[0]):
        problems.append(f"a crashing conformance binary: {got} (expected /{want}/)")
    check = {"expect": [r"^ok \d+ smp-ticket$"]}
    for text, want in (("ok 3 smp-tsl\nnot ok 5 smp-ticket\n", "it printed: not ok 5 smp-ticket"),
                       ("ok 3 smp-tsl\n", "no smp-ticket verdict came")):
        got = lab.missing_lines(check, text)
        if not got or want not in got[0]:
            problems.append(f"a missing smp-ticket verdict beside {text.splitlines()[0]!r}: {got} (expected {want!r})")
    return result(name, problems, log=log_path(name))


def tools_bad_input_test():
    """The host tools answer bad input with one line, not a traceback or a
    wrong result: gantt.py with no such file, a malformed line, or a RESULT
    with no TASK lines (it drew an empty chart); web.py serve with a port
    that is not one or is taken; make debug with GDB's port taken (it would
    have attached to the other QEMU), not a port, or too few words; bench.py
    without its QEMU; make gantt with options the kernel refuses (it drew
    the default workload)."""
    import socket
    name = "tools-bad-input"
    problems = []

    def run(cmd, want, status=1, **kw):
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, **kw)
        out = p.stdout + p.stderr
        if p.returncode == 0 or (status is not None and p.returncode != status) or "Traceback" in out \
                or not re.search(want, out, re.M):
            problems.append(Problem(f"{' '.join(cmd)}: exit status {p.returncode}, expected /{want}/",
                                    out.strip().splitlines()[-3:]))
    bad = os.path.join(BUILD, "tools-bad-input.log")
    with open(bad, "w") as f:
        f.write("TASK garbage\nRESULT policy=rr schedule=A:x\n")
    run([sys.executable, "tools/gantt.py", "/nonexistent.log"], r"^gantt: /nonexistent\.log: No such file")
    run([sys.executable, "tools/gantt.py", bad], r"^gantt: .*: a TASK or RESULT line is not one the kernel prints")
    # Lengths no schedule has: negative (it drew negative widths), or past any workload (it ate memory).
    for length in ("-5", "99999999"):
        with open(bad, "w") as f:
            f.write("TASK name=A arrival=0 burst=5 first=0 completion=5 turnaround=5 waiting=0 response=0\n"
                    f"RESULT policy=rr workload=x schedule=A:{length} avg_turnaround=5.00 avg_waiting=0.00 "
                    "avg_response=0.00 switches=0 idle=0\n")
        run([sys.executable, "tools/gantt.py", bad, "-o", os.path.join(BUILD, "tools-bad-input.svg")],
            rf"schedule segment 'A:{length}': a length of 1 to 2048 ticks")
    with open(bad, "w") as f:
        f.write("RESULT policy=rr workload=x schedule=A:2 avg_turnaround=2.00 avg_waiting=0.00 avg_response=0.00 "
                "switches=0 idle=0\n")
    run([sys.executable, "tools/gantt.py", bad], r"^gantt: the last RESULT line has no TASK lines before it")
    run([sys.executable, "tools/bench.py"], r"^bench: /nonexistent-qemu is not installed",
        env=dict(os.environ, QEMU="/nonexistent-qemu"))
    run([sys.executable, "tools/web.py", "serve", "build", "abc"], r"^web: PORT=abc is not a port number")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        page = os.path.join(BUILD, "tools-bad-input-web")  # (a page of its own: build/web may not be built yet)
        os.makedirs(page, exist_ok=True)
        open(os.path.join(page, "index.html"), "w").close()
        run([sys.executable, "tools/web.py", "serve", page, port], r"^web: cannot serve on localhost:" + port)
        run([sys.executable, "tools/debug.py", port, "gdb", "build/tourniquet.elf", "--", "true"],
            rf"^debug: GDB's port {port} is in use")
    for port in ("abc", "99999", "0"):
        run([sys.executable, "tools/debug.py", port, "gdb", "build/tourniquet.elf", "--", "true"],
            rf"^debug: GDB_PORT={port} is not a port number")
    run([sys.executable, "tools/debug.py", "1234", "build/tourniquet.elf", "--", "true"], r"^usage: tools/debug\.py ")
    run(["make", "-s", "gantt", "WORKLOAD=A:0:0"], r"^gantt: the kernel refused these options \(above\): nothing drawn",
        status=None)
    return result(name, problems, log=log_path(name))


def sim_options_test():
    """The simulator takes the kernel's options as the kernel does: its
    first one is parsed too (there is no image path before it), and what it
    cannot do (test=) is said; either makes its exit status 1."""
    name = "sim-options"
    problems = []
    for args, want in ((["bogus", "run=workload"], r"^cmdline: 'bogus' is not key=value \(valid keys: hz, "),
                       (["test=all", "run=workload"], r"^tourniquet-sim: test=all: the in-kernel tests run in the "
                                                      r"kernel only \(make test\); ignored$")):
        p = subprocess.run([SIM] + args, capture_output=True, text=True, timeout=60)
        if p.returncode != 1:
            problems.append(f"tourniquet-sim {' '.join(args)}: exit status {p.returncode}, expected 1")
        if not re.search(want, p.stdout, re.M):
            problems.append(Problem(f"tourniquet-sim {' '.join(args)}: expected /{want}/", p.stdout.splitlines()[:3]))
    return result(name, problems, log=log_path(name))


# ---- GDB against QEMU's stub ---------------------------------------------------------

def gdb_test():
    """The debug loop: a breakpoint on arch_switch stops there; bt, info
    registers, stepi and next work, in assembly and in C."""
    name = "gdb-switch"
    if not shutil.which("gdb"):
        return result(name, ["gdb not installed (make deps)"])
    out = gdb_session(name, "test=yield hz=1000 exit=1", [
        "switch-break", "continue", "bt", "info registers eip esp",
        "print $current()->name", "stepi", "info registers eip", "stepi 6", "bt", "delete",
        "break task_yield", "continue", "next", "delete",
        "break *trap_dispatch if f->vector == 32", "continue", "bt"])
    problems = expect_all(out, [
        (r"Breakpoint 1, .*arch_switch", "the breakpoint on arch_switch did not stop"),
        (r"#0 .*arch_switch", "bt does not start in arch_switch"),
        (r"#\d .* (sched_preempt_point|schedule|task_create|yield_one_cpu)", "bt does not reach the scheduler's C code"),
        (r"#\d .* kernel_main", "bt does not reach kernel_main"),
        (r'\$1 = "ktest', "current task at the first switch is not 'ktest'"),
        (r"#1 .* arch_task_start \(\) at arch/x86/switch.S", "after `mov esp`, bt does not show the new task's stack"),
        (r"Breakpoint 2(\.\d+)?, task_yield", "the breakpoint on task_yield did not stop"),
        (r"Breakpoint 2[^\n]*\n[^\n]*\n(\nBreakpoint 2\.\d+[^\n]*\n)?\d+\t\s+(arch_irqstate_t s = arch_irq_save\(\);|if \(sync_can_block\(\)\)|sched_yield_and_restore\(s\);)",
         "next did not step to a C line of task_yield"),
        (r"#0  trap_dispatch .*\n#1  <signal handler called>\n#2  .*\n(#\d+ .*\n)*#\d+ .* (arch_task_start|_start) \(\)",
         "bt from the timer handler does not go through the interrupt into the interrupted code"),
    ])
    eips = re.findall(r"^eip\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+ <[^>]+>)", out, re.M)
    if len(eips) < 2 or eips[0][0] == eips[1][0] or "arch_switch+" not in eips[1][1]:
        problems.append(f"stepi did not move through arch_switch (eips: {eips})")
    return result(name, problems, log=log_path(name), text=out)


def gdb_commands_test():
    """The tq- commands: tasks, ready queue, backtrace of a blocked task,
    break on a switch to a named task, trace."""
    name = "gdb-commands"
    out = gdb_session(name, "test=sleep hz=1000 exit=1", [
        "tq-break-switch nap", "continue", "continue", "print ((struct task *)$edx)->name", "tq-tasks",
        "tq-ready", "tq-bt ktest", "tq-trace 8"])
    problems = expect_all(out, [
        (r'\$1 = "nap', "tq-break-switch did not stop on a switch to 'nap'"),
        (r"^\s+1 ktest\s+BLOCKED .* join 'nap' \((task_)?join\)$", "tq-tasks does not show ktest blocked in join"),
        (r"^\s+2 nap\s+SLEEPING .* until tick \d+", "tq-tasks does not show a sleeping nap"),
        (r"^\s+2 nap\s+SLEEPING .*\s-\s+-\s+until tick \d+ \(leaving the CPU",
         "tq-tasks shows a stale saved context for the task being switched out"),
        (r"^policy rr: 3 ready$", "tq-ready does not list rr's 3 ready tasks"),
        (r"task 'ktest' \(id 1\), BLOCKED, would resume at", "tq-bt did not switch to ktest's context"),
        (r"#\d+ .* ktest_sleep \(\) at tests/kernel/test_tasks.c", "tq-bt does not reach ktest_sleep"),
        (r"^\s+1\s+ktest\s+blocks on nap$", "tq-trace does not show ktest blocking on nap"),
        (r"^\s+1\s+ktest\s+blocked -> nap$", "tq-trace does not show the switch away from ktest"),
    ])
    return result(name, problems, log=log_path(name), text=out)


LAB_SWITCH_GUIDES = ("docs/lab-context-switch.md", "docs/lab-context-switch.fr.md")


def guide_gdb_walk(path):
    """A guide's GDB walk-through: the command line of its first
    `make debug CMDLINE="..."`, and [(command, [(line number, a line the
    guide shows it printing)])] from its code blocks, in order."""
    cmdline, steps, in_block = None, [], False
    for n, line in enumerate(open(os.path.join(ROOT, path), encoding="utf-8").read().splitlines(), 1):
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        m = re.match(r'^make debug CMDLINE="([^"]*)"$', line.strip())
        if m and cmdline is None:
            cmdline = m.group(1)
        m = re.match(r"^\(gdb\) (.*?)(\s+#.*)?$", line)
        if m:
            steps.append((m.group(1), []))
        elif steps and line.strip():
            steps[-1][1].append((n, line))
    return cmdline, steps


def gdb_lab_switch_test():
    """The context-switch lab's walk-through is true: its GDB commands, run
    in batch on its command line, print what docs/lab-context-switch.md
    shows, in order - functions, files and line numbers, the ids and
    offsets (hexadecimal numbers only by shape) - with no warning; and the
    French guide shows the same. A line moved in sched.c or trap.c fails
    here until both guides say where it went."""
    name = "gdb-lab-switch"
    problems = []
    (cmdline, steps), (fr_cmdline, fr_steps) = (guide_gdb_walk(p) for p in LAB_SWITCH_GUIDES)
    en_path, fr_path = LAB_SWITCH_GUIDES
    if not cmdline or len(steps) < 20:
        return result(name, [f"{en_path}: no `make debug CMDLINE=...` and GDB walk-through found "
                             f"({len(steps)} commands)"])
    shown = gdb_shapes([nl for _, lines in steps for nl in lines])
    fr_shown = gdb_shapes([nl for _, lines in fr_steps for nl in lines])
    if (fr_cmdline, [c for c, _ in fr_steps], [l for _, l in fr_shown]) != (cmdline, [c for c, _ in steps],
                                                                          [l for _, l in shown]):
        problems.append(f"{fr_path} does not show the same command line, GDB commands and output as {en_path}")
    out = gdb_session(name, cmdline, [c for c, _ in steps])
    for bad in ("warning: failed to validate", "No symbol", "Not stopped at any breakpoint", "Python Exception",
                "Cannot access memory", "gdb timed out"):
        if bad in out:
            problems.append(Problem(f"GDB says {bad!r} during the walk-through",
                                    [l for l in out.splitlines() if bad in l][:3]))
    missing = gdb_shapes_missing(shown, out)
    if missing:
        problems.append(Problem(f"{en_path}:{missing[0]}; update both guides (`python3 tools/guide_lines.py` "
                                "writes GDB's numbers into them)", missing[1] or tail(out)))
    return result(name, problems, log=log_path(name), text=out)


# ---- GRUB ------------------------------------------------------------------------------

def grub_submenu_test():
    """The GRUB menu groups its entries: at the top, the counters and four
    submenus. Typed on the serial console like a user (Ctrl-N three times,
    Enter: the synchronization submenu; Enter: its first entry), the race
    demo boots with its own command line."""
    name = "grub-submenu"
    if not os.path.exists(ISO):
        return result(name, ["no build/tourniquet.iso (make iso)"])
    qemu = subprocess.Popen(QEMU_BASE + ["-monitor", "none", "-serial", "stdio", "-cdrom", ISO],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf = bytearray()
    threading.Thread(target=lambda: [buf.extend(c) for c in iter(lambda: qemu.stdout.read1(4096), b"")],
                     daemon=True).start()

    def seen(text, seconds):
        end = time.time() + seconds
        while time.time() < end:
            if text in buf.decode("utf-8", "replace"):
                return True
            time.sleep(0.05)
        return False

    problems = []
    try:
        if not seen("Synchronization: the course's demos", 60):
            problems.append("the top menu shows no synchronization submenu")
        else:
            qemu.stdin.write(b"\x0e\x0e\x0e\r")
            qemu.stdin.flush()
            if not seen("Race: 4 tasks", 20):
                problems.append("Ctrl-N x3, Enter did not open the synchronization submenu")
            else:
                time.sleep(0.3)
                qemu.stdin.write(b"\r")
                qemu.stdin.flush()
                if not seen("demo 'race' finished", 90):
                    problems.append("its first entry did not run the race demo")
    finally:
        qemu.kill()
        qemu.wait()
    text = clean(buf.decode("utf-8", "replace"))
    write_log(name, text)
    if not problems and not re.search(r'^boot: loaded by GRUB.*command line: "run=race"$', text, re.M):
        problems.append("the kernel did not get the entry's command line from GRUB")
    return result(name, problems, log=log_path(name), text=text)


def grub_test():
    """The CD image boots through the GRUB menu's default entry to the demo,
    with the user programs as GRUB modules."""
    name = "grub-iso"
    if not os.path.exists(ISO):
        return result(name, ["no build/tourniquet.iso (make iso)"])
    qemu = subprocess.Popen(QEMU_BASE + ["-monitor", "none", "-serial", "stdio", "-cdrom", ISO],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf = bytearray()
    done = threading.Event()
    counted = lambda text: all(len(re.findall(rf"^{n}: counter", text, re.M)) >= 2 for n in "ABC")

    def reader():
        while True:
            chunk = qemu.stdout.read1(4096)
            if not chunk:
                break
            buf.extend(chunk)
            if counted(clean(buf.decode("utf-8", "replace"))):
                break
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    done.wait(90)
    qemu.kill()
    qemu.wait()
    text = clean(buf.decode("utf-8", "replace"))
    log = write_log(name, text)
    problems = []
    if "GNU GRUB" not in text and "Tourniquet: three tasks" not in text:
        problems.append("the GRUB menu did not show on the serial console")
    problems += expect_all(text, [(r"^boot: loaded by GRUB", "the kernel did not report GRUB as its loader"),
                                  (r"^programs: bench, bonjour, compteur, fuzz, hello, mqueue, philosophers, pshared, threads, usertests, victim \(user programs from the boot loader",
                                   "the user programs did not come as GRUB modules")])
    if not counted(text):
        problems.append("tasks A, B and C did not all report twice within 90 s")
    return result(name, problems, log=log, text=text)


# ---- The shell: commands typed into the serial port and on the keyboard -------------------

SHELL_TYPED = "help\nps\nbogus\nsched nope\nsched fifo quantum=x\nsched fifo aging=3\nworkload course\nworkload A:0\ngantt\n" \
              "trace 5\ntrace json\nstats\nrun nothing\nrun barrier\nsched rr quantum=2\nworkload course\n" \
              "ps " + "x" * 170 + "\nps 1 2 3 4 5 6 7 8 9 10 11 12\nrun counters extra\nstats now\n" \
              "trace 99999999999\nsched rr quantum=3 quantum=2\n" \
              "kill 1\u00e92\n\x1b[Astats\nkill\t99\nps" + "x" * 170 + "\x7f" * 170 + "\nbogus\x03help\nkill 0x10\nrun shell\nhalt\n"
SHELL_ANSWERS = [
    # A byte the shell does not take refuses the line (left out, "kill 1é2" would be kill 12); an
    # arrow key's escape sequence is skipped whole; a tab is a space; a line erased back under
    # the limit is taken.
    (r"^shell: byte 0xc3 is not a character the shell takes \(printable ASCII, tab\); line ignored$",
     "a non-ASCII byte was not refused"),
    (r"^tourniquet> stats\n", "ESC [ A was not skipped before 'stats'"),
    (r"^kill: 99: ESRCH", "a tab did not separate 'kill' from its pid"),
    (r"^tourniquet> psx[^\n]*\n   id  name ", "a line erased back under the limit was refused"),
    (r"^tourniquet> bogus\^C\ntourniquet> help\nCommands:", "Ctrl-C at the prompt did not drop the line"),
    (r"^kill: '0x10' is not a process id \(a decimal number from 1 to 99999999, as ps shows them\)$",
     "kill 0x10 did not say what was wrong"),
    (r"^tourniquet> run shell\nrun: this is the shell already$", "run shell started a second shell"),
    (r"^tourniquet> help\nCommands:\n  help ", "help does not list the commands"),
    (r"^tourniquet> ps\n   id  name .*\n    0  idle .*\n    1  shell\s+RUNNING", "ps does not list idle and the shell"),
    (r"^shell: unknown command 'bogus'; type help for the list$", "no message for an unknown command"),
    (r"^sched: no policy named 'nope'\. Policies: rr, fifo, ", "no message for an unknown policy"),
    (r"^cmdline: quantum=x is not a whole number \(valid: 1\.\.1000\); keeping quantum=1$",
     "no message for a bad parameter"),
    (r"^sched: a parameter was refused; the policy stays rr$", "a refused parameter still switched the policy"),
    (r"^sched: fifo does not use aging= \(its parameters: none\); the value is kept for the policies that do\n"
     r"sched: now fifo \(no parameters\)$", "a parameter the policy does not use was not told"),
    (r"^RESULT policy=fifo workload=course schedule=A:5,B:3,C:2,D:4 avg_turnaround=7\.00 ",
     "workload course under fifo is not the course's answer"),
    (r"^workload: task 1: the burst is missing", "no message for a bad workload"),
    (r"tourniquet> gantt\n\nWorkload course under fifo", "gantt does not show the last good workload again"),
    (r"^trace: the last 5 of \d+ events", "trace does not print events"),
    (r"^trace: written as Chrome Trace Event JSON to COM2 \(make run/boot: build/trace.json\)$", "trace json did not write the trace"),
    (r"^ticks \d+ \(idle \d+\), policy \w+, \d+ ready\n^context switches \d+ \(\d+ by preemption\)$",
     "stats does not print the scheduler's counts"),
    (r"^run: no demo named 'nothing'\. Demos: counters, ", "no message for an unknown demo"),
    (r"^ok 1 barrier-phases$", "run barrier did not run the demo"),
    (r"^RESULT policy=rr quantum=2 workload=course schedule=A:2,B:2,A:2,C:2,B:1,D:2,A:1,D:2 ",
     "sched rr quantum=2 did not take effect"),
    (r"^shell: the line is longer than 159 characters; ignored\ntourniquet> ps 1",
     "a line longer than the buffer was cut and run, or no message"),
    (r"^tourniquet> ps 1 2 3 4 5 6 7 8 9 10 11 12\nshell: more than 12 words; ignored\ntourniquet> run",
     "a line of too many words ran without its last ones, or no message"),
    (r"^run: too many arguments \(usage: run DEMO\); ignored$",
     "run with a word too many ran, or was told there is no such demo"),
    (r"^stats: too many arguments \(usage: stats\); ignored$", "stats took a word it does not use"),
    (r"^cmdline: quantum given twice \(quantum=3, then quantum=2\): the last one counts$",
     "a parameter given twice to sched is not told, as on the command line"),
    (r"^trace: '99999999999' is not a number of events from 0 to 1000000; showing 20$",
     "trace's message for too large a number does not give the range"),
]


def shell_test():
    """Type commands into COM1 and check each answer; `halt` ends with 33."""
    name = "shell"
    status, raw = boot(name, "run=shell hz=1000", typed=SHELL_TYPED, exit=False)
    out = clean(raw)
    problems = [] if status == 33 else [Problem(f"exit status {status}, expected 33 after halt", tail(out))]
    problems += expect_all(out, SHELL_ANSWERS)
    return result(name, problems, log=log_path(name), text=out)


def keyboard_test():
    """Keys pressed on the PS/2 keyboard (QEMU's sendkey) reach the shell."""
    name = "shell-keyboard"
    keys = ["p", "s", "ret", "shift-h", "i", "ret", "h", "a", "l", "t", "ret"]
    status, text, _ = boot_with_monitor(name, "run=shell hz=1000", "tourniquet> ", [f"sendkey {k}" for k in keys])
    problems = [] if status == 33 else [f"exit status {status}, expected 33 after typing halt"]
    problems += expect_all(text, [(r"^tourniquet> ps\n   id  name", "ps typed on the keyboard did not run"),
                                  (r"shell: unknown command 'Hi'", "Shift did not make a capital letter")])
    # Ctrl-C (the keyboard's Ctrl, then c) ends the process exec waits for; the shell goes on.
    keys = [f"sendkey {k}" for k in "exec"] + ["sendkey spc"] + [f"sendkey {k}" for k in "victim"] + ["sendkey spc"] + \
        [f"sendkey {k}" for k in "spin"] + ["sendkey ret", "wait 1", "sendkey ctrl-c", "wait 1"] + \
        [f"sendkey {k}" for k in "halt"] + ["sendkey ret", "wait 1", "quit"]
    status, ctext, _ = boot_with_monitor(name + "-ctrl-c", "run=shell hz=1000", "tourniquet> ", keys)
    problems += expect_all(ctext, [
        (r"^\^C\nexec: Ctrl-C: process \d+ is ending$", "Ctrl-C did not end the process exec waited for"),
        (r"^exec: process \d+ 'victim' ended with status -9 \(killed\)\ntourniquet> halt$",
         "the shell did not go on after Ctrl-C")])
    # Backspace on the VGA screen: the shell's erase ("\b \b") moves back and blanks, no glyph.
    keys = ["x", "y", "backspace", "backspace", "p", "s", "wait 0.5"]
    _, _, mon = boot_with_monitor(name + "-vga", "run=shell hz=1000", "tourniquet> ",
                                  [f"sendkey {k}" if not k.startswith("wait") else k for k in keys] + [SCREEN, "quit"])
    rows = [r for screen in vga_screens(mon)[-1:] for r in screen]
    if not any(r.rstrip() == "tourniquet> ps" for r in rows):
        problems.append(Problem("x y, two backspaces, p s: the VGA row is not 'tourniquet> ps'",
                                [f"    screen | {r.rstrip()}" for r in rows if "tourniquet>" in r]))
    return result(name, problems, log=log_path(name), text=text)


# ---- The live view on the VGA screen -------------------------------------------------------

SCREEN = "xp /4000xb 0xb8000"


def vga_screens(monitor_output, codepage=False):
    """Every screen read back by an `xp /4000xb 0xb8000` in the monitor's
    output, as 25 rows of 80 characters (a read cut short is left out); the
    bytes above 127 as spaces, or with `codepage` as the VGA font's code
    page 437 shows them."""
    screens, data = [], None
    for line in monitor_output.splitlines():
        m = re.match(r"^([0-9a-f]{16}): ((?:0x[0-9a-f]{2} ?)+)$", line.strip())
        if not m:
            continue
        if int(m.group(1), 16) == 0xb8000:  # a new read starts
            data = []
            screens.append(data)
        if data is not None:
            data += [int(b, 16) for b in m.group(2).split()]
    out = []
    for data in screens:
        chars = bytes(data[0::2]).decode("cp437") if codepage else \
            "".join(chr(b) if 32 <= b < 127 else " " for b in data[0::2])
        if len(chars) == 2000:
            out.append([chars[r * 80:(r + 1) * 80] for r in range(25)])
    return out


def broken_words(rows):
    """Places where a word runs off the right edge of a row into the next."""
    return [f"rows {i} and {i + 1}: {a[70:]!r} / {b[:10]!r}" for i, (a, b) in enumerate(zip(rows, rows[1:]))
            if a[79] != " " and b[0] != " "]


def vga_live_view_test():
    """On the VGA screen, read back through QEMU's monitor. After a workload
    the live panel has given its rows back, and the table and the chart are
    on screen, without the TASK/RESULT lines (serial only). Shift+PgUp shows
    the lines that went off the top - among them the panel's last picture
    (tasks, states, ticks used, the Gantt strip); Shift+PgDn comes back.
    `help` typed on the keyboard fits the 80 columns, and no word is ever
    cut at the edge."""
    name = "vga-live-view"
    keys = [f"sendkey {k}" for k in ("h", "e", "l", "p", "ret")]
    _, _, out = boot_with_monitor(name, "run=workload sched=rr quantum=2 hz=1000", "tourniquet> ",
                                  [SCREEN, "sendkey shift-pgup", "wait 0.5", SCREEN, "sendkey shift-pgdn", "wait 0.5",
                                   SCREEN] + keys + ["wait 1", SCREEN, "quit"], settle=0.3)
    write_log(name + "-monitor", out)
    screens = vga_screens(out)
    if len(screens) != 4:
        return result(name, [f"{len(screens)} whole screens read back, expected 4 (see {name}-monitor.log)"],
                      log=log_path(name))
    after, back, again, helped = screens
    problems = []

    def show(rows):
        return [f"    screen | {row.rstrip()}" for row in rows]

    for want in ("  task  arrival  burst  first  completion  turnaround  waiting  response", "  average",
                 "  CPU    AABBAACCBDDADD", "tourniquet>"):
        if not any(row.startswith(want) for row in after):
            problems.append(Problem(f"after the run, no row starting {want!r} on the screen", show(after)))
    if any(row.startswith(("TASK ", "RESULT ")) for row in after):
        problems.append(Problem("TASK/RESULT lines on the VGA screen (they are for the serial console)", show(after)))
    expected = {"A": "AA..AA.....A", "B": ".BB....B", "C": "...CC", "D": "....DD.DD"}
    if not any("live: course under rr quantum=2, tick 14, 4 of 4 done" in row for row in back):
        problems.append(Problem("Shift+PgUp does not show the panel's last picture", show(back)))
    if not any(row.startswith("task   state used Gantt") for row in back):
        problems.append(Problem("the panel has no header row", show(back)))
    for task, strip in expected.items():
        if not any(row.startswith(f"{task}      done") and strip in row[18:] for row in back):
            problems.append(Problem(f"scrolled back: no panel row for task {task} done with strip {strip}", show(back)))
    if again != after:
        problems.append(Problem("Shift+PgDn does not bring the live screen back", show(again)))
    if not any(row.startswith("  halt                  leave") for row in helped):
        problems.append(Problem("help typed on the keyboard did not show its list", show(helped)))
    for rows in screens:
        for where in broken_words(rows):
            problems.append(Problem(f"a word cut at the right edge, {where}", show(rows)))
    return result(name, problems[:4], log=log_path(name))


# ---- Trace and pictures ------------------------------------------------------------------

def trace_gantt_test():
    """run=workload writes Chrome trace JSON on COM2 whose switches follow the
    schedule, and tools/gantt.py draws the run as an SVG matching it."""
    name = "trace-gantt"
    trace_file = log_path(name + "-trace.json")
    if os.path.exists(trace_file):
        os.remove(trace_file)
    status, raw = boot(name, "run=workload sched=srt hz=1000", extra=["-serial", "file:" + trace_file])
    out = raw.replace("\r", "")
    problem = status_problem(status, 33, 60, clean(raw))
    if problem:
        return result(name, [problem], log=log_path(name))
    sched = re.search(r"^RESULT .* schedule=(\S+)", out, re.M)
    if not sched:
        return result(name, expect_all(clean(raw), [r"^RESULT .* schedule=(\S+)"]), log=log_path(name))
    order = [seg.split(":")[0] for seg in sched.group(1).split(",") if not seg.startswith(".")]
    try:
        trace = json.load(open(trace_file))
    except (OSError, ValueError) as e:
        return result(name, [f"the trace on COM2 is not JSON: {e}"], log=trace_file)
    problems = []
    events = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    ins = [names.get(e["tid"], "?") for e in events if e.get("ph") == "B"]
    ins = [n for n in ins if n in order]
    collapsed = [n for i, n in enumerate(ins) if i == 0 or ins[i - 1] != n]
    if collapsed != order:
        problems.append(f"switches in the trace {collapsed} do not follow the schedule {order}")
    if sum(1 for e in events if e.get("ph") == "B") != sum(1 for e in events if e.get("ph") == "E"):
        problems.append("unbalanced B/E events")
    svg_file = log_path(name + ".svg")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools/gantt.py"), log_path(name), "-o", svg_file],
                       capture_output=True, text=True)
    if p.returncode != 0:
        problems.append("gantt.py failed: " + p.stderr.strip()[:200])
    else:
        root = ET.parse(svg_file).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        runs = [(r.get("data-task"), float(r.get("x")), float(r.get("width")))
                for r in root.iter(ns + "rect") if r.get("class") == "run"]
        drawn = [t for t, _, _ in sorted(runs, key=lambda r: r[1])]
        if drawn != order:
            problems.append(f"the SVG's runs {drawn} do not follow the schedule {order}")
        if len([p for p in root.iter(ns + "path") if p.get("class") == "arrival"]) != 4:
            problems.append("the SVG does not mark 4 arrivals")
        widths = {}
        for t, _, w in runs:
            widths[t] = widths.get(t, 0) + w
        if len(set(round(w / int(b)) for t, w in widths.items()
                   for b in re.findall(rf"^TASK name={t} arrival=\d+ burst=(\d+)", out, re.M))) != 1:
            problems.append("run widths are not proportional to the bursts")
        # Readable anywhere (a white background, not transparent), an axis
        # label, the table's first-run and completion columns, and each
        # task in the colour the VGA screen gives it (41..46, 41, 42 in VGA's palette).
        first = next(root.iter(ns + "rect"), None)  # drawn first: under everything
        if first is None or first.get("class") != "background" or first.get("fill") != "#fff":
            problems.append("the SVG does not start with a white background")
        texts = [t.text for t in root.iter(ns + "text")]
        for label in ("tick", "first", "completion"):
            if label not in texts:
                problems.append(f"no '{label}' label in the SVG")
        vga = ["#aa0000", "#00aa00", "#aa5500", "#0000aa", "#aa00aa", "#00aaaa", "#aa0000", "#00aa00"]
        task_order = re.findall(r"^TASK name=(\S+)", out, re.M)
        for r in root.iter(ns + "rect"):
            if r.get("class") == "run" and r.get("fill") != vga[task_order.index(r.get("data-task")) % 8]:
                problems.append(f"task {r.get('data-task')} is {r.get('fill')} in the SVG, not its VGA colour")
                break
    return result(name, problems, log=log_path(name))


# ---- Editors and compilers --------------------------------------------------------------------

def vscode_test():
    """The VS Code launch configuration is valid JSON and points at what
    exists: its preLaunchTask (tasks.json) runs make qemu-gdb and is ready
    when QEMU says it waits; the breakpoint is set once connected (a setup
    command runs before the symbols are loaded, and fails silently)."""
    name = "vscode-launch"
    try:
        cfg = json.load(open(os.path.join(ROOT, ".vscode/launch.json")))
        tasks = json.load(open(os.path.join(ROOT, ".vscode/tasks.json")))["tasks"]
        c = cfg["configurations"][0]
        problems = []
        if not (c["miDebuggerServerAddress"] == "localhost:1234" and c["program"].endswith("build/tourniquet.elf")
                and any("tools/gdb/tourniquet.gdb" in s["text"] for s in c["setupCommands"])):
            problems.append("unexpected configuration")
        task = next((t for t in tasks if t["label"] == c.get("preLaunchTask")), None)
        if not task or task["command"] != "make qemu-gdb" or not task.get("isBackground"):
            problems.append("no preLaunchTask running make qemu-gdb in the background")
        elif not re.search(task["problemMatcher"]["background"]["endsPattern"],
                           "QEMU waits for a debugger on localhost:1234. Ctrl-A X quits."):
            problems.append("the task's endsPattern does not match what make qemu-gdb prints")
        if any("break" in s["text"] for s in c["setupCommands"]):
            problems.append("a breakpoint among the setup commands (before the symbols are loaded)")
        if not any(s["text"] == "break arch_switch" for s in c.get("postRemoteConnectCommands", [])):
            problems.append("no break arch_switch once connected")
        return result(name, problems)
    except (OSError, ValueError, KeyError, IndexError) as e:
        return result(name, [str(e)])


CLANG_KERNEL = os.path.join(BUILD, "clang", "tourniquet.elf")
CLANG_LIKE = {"ktest-all", "counters-demo", "race", "philosophers", "smp-4", "smp-fault", "usertests",
              "usertests-cpus2-mttcg", "prog-fuzz-cpus2-mttcg"}


def clang_test():
    """`make CC=clang` builds the kernel warning-free too (into build/clang/,
    the folder the Makefile picks for clang), and that kernel passes a few of
    the gcc kernel's boots (CLANG_LIKE): a clang kernel that builds but
    breaks at its first interrupt fails here."""
    import boots  # (boots imports this module: not at the top)
    import processes
    name = "build-clang"
    if not shutil.which("clang"):
        return result(name, skip="clang not installed")
    p = subprocess.run(["make", "-s", "CC=clang", "all"],  # (the kernel and the user programs, in build/clang)
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    log = write_log(name, p.stdout + p.stderr)
    lines = (p.stdout + p.stderr).splitlines()
    warnings = [i for i, line in enumerate(lines) if "warning:" in line]
    if warnings:
        return result(name, [at_line(lines[warnings[0]], p.stdout + p.stderr, warnings[0], 1, 3)], log=log)
    results = [result(name, [] if p.returncode == 0 else ["make failed"], log=log, text=p.stdout + p.stderr)]
    if p.returncode != 0:
        return results
    like = [Boot("clang-" + b.name, b.cmdline, b.status, b.ktap, b.expect, b.check, b.timeout, b.extra,
                 kernel=CLANG_KERNEL, icount=b.icount) for b in boots.BOOTS + processes.BOOTS if b.name in CLANG_LIKE]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results += list(pool.map(lambda b: b.run(), like))
    return results


def lab_handouts_test():
    """Every lab of tools/lab.py: its handout builds without a warning (-Werror)
    and fails every one of the lab's checks until the student writes the
    code (but its gates: the contract a stub keeps too); this tree, which
    holds the solutions, gets full marks. Also: a marker out of order is
    refused with the file and line."""
    name = "lab-handouts"
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import lab
    if os.path.exists(os.path.join(ROOT, lab.HANDOUT_MARK)):
        made = open(os.path.join(ROOT, lab.HANDOUT_MARK)).read().strip()
        return result(name, skip=f"this tree is a handout of lab {made}: handouts are made from the teacher's tree")
    problems, log = [], []
    try:
        lab.strip_lab("a\n/* LAB(x) STUB\nb\n", "x", "f.c")
        problems.append("a STUB without its BEGIN was not refused")
    except ValueError as e:
        if "f.c:2" not in str(e):
            problems.append(f"the refusal does not name the file and line: {e}")
    # A handout's folder is emptied first: never the tree, a file, or a folder that is no handout.
    keep = os.path.join(BUILD, "test-handout-keep")
    os.makedirs(keep, exist_ok=True)
    open(os.path.join(keep, "mine.c"), "w").close()
    for out, says in ((ROOT, "is the source tree"), (os.path.join(ROOT, "Makefile"), "is not a folder"),
                      (keep, "is not an earlier handout")):
        p = subprocess.run([sys.executable, "tools/lab.py", "handout", "spinlock", "--out", out], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 2 or says not in p.stderr:
            problems.append(f"handout --out {os.path.relpath(out, ROOT)}: status {p.returncode}, "
                            f"{(p.stderr or p.stdout).strip()[:200]!r} (expected 2 and '{says}')")
    if not os.path.exists(os.path.join(keep, "mine.c")) or not os.path.exists(os.path.join(ROOT, "Makefile")):
        problems.append("a refused handout removed files")
    for name_, spec in lab.LABS.items():
        out = os.path.join(BUILD, "test-handout-" + name_)
        p = subprocess.run([sys.executable, "tools/lab.py", "handout", name_, "--out", out], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        log.append(p.stdout + p.stderr)
        if p.returncode != 0:
            problems.append(f"handout {name_}: {p.stderr.strip() or p.stdout.strip()}")
            continue
        if not os.path.exists(os.path.join(out, lab.HANDOUT_MARK)):
            problems.append(f"handout {name_} has no {lab.HANDOUT_MARK} saying which lab it is")
        b = subprocess.run(["make", "-j2", "build/tourniquet.elf", "host-tests"], cwd=out, capture_output=True, text=True,
                           timeout=600)
        log.append(b.stdout + b.stderr)
        if b.returncode != 0:
            problems.append(f"handout {name_} does not build: " + (b.stderr.strip().splitlines() or ["?"])[-1])
            continue
        for tree, want_all in ((out, False), (ROOT, True)):
            json_path = os.path.join(BUILD, f"test-grade-{name_}-{'solution' if want_all else 'handout'}.json")
            g = subprocess.run([sys.executable, "tools/lab.py", "grade", name_, "--json", json_path], cwd=tree,
                               capture_output=True, text=True, timeout=900)
            log.append(g.stdout + g.stderr)
            try:
                report = json.load(open(json_path))
            except (OSError, ValueError):
                problems.append(f"grade {name_} wrote no report ({g.stderr.strip()[-200:]})")
                continue
            if want_all and report["points"] != report["max"]:
                failed = [c["check"] + ": " + "; ".join(c["problems"]) for c in report["checks"] if not c["passed"]]
                problems.append(f"the solution gets {report['points']}/{report['max']} in lab {name_}: "
                                + " | ".join(failed))
            if not want_all:
                passed = [c["check"] for c in report["checks"] if c["passed"] and not c.get("gate")]
                if passed:
                    problems.append(f"the handout of lab {name_} already passes {', '.join(passed)}: "
                                    "those checks do not test the student's code")
                if f"{name_}: 0/{report['max']}" not in g.stdout:
                    problems.append(f"grade {name_} in the handout does not print its total as '{name_}: 0/N'")
        shutil.rmtree(out, ignore_errors=True)
    write_log(name, "\n".join(log))
    return result(name, problems, log=log_path(name))


def late_ap_test():
    """An AP that reaches its entry after the boot CPU gave up on it (100 ms)
    is parked and runs nothing: GDB holds CPU 1 at x86_ap_main while CPU 0
    alone goes on (scheduler-locking), then lets both go. The boot must say
    it gave up, run its test on one CPU, and CPU 1 must never come up."""
    name = "smp-late-ap"
    serial = os.path.join(BUILD, "test-logs", name + "-serial.log")
    if os.path.exists(serial):
        os.remove(serial)
    out = gdb_session(name, "cpus=2 test=join hz=1000 exit=1", [
        "break x86_ap_main", "continue", "delete", "set scheduler-locking on", "thread 1",
        "tbreak run_tests", "continue", "set scheduler-locking off", "tbreak kernel_exit", "continue",
        "info threads"], extra=["-smp", "2"], serial=serial)
    text = open(serial, errors="replace").read() if os.path.exists(serial) else ""
    problems = expect_all(out, [
        (r"Thread 2 hit Breakpoint 1, x86_ap_main", "the AP did not stop at x86_ap_main"),
        (r"Temporary breakpoint \d+, run_tests", "the boot CPU alone did not reach run_tests"),
        (r"Temporary breakpoint \d+, kernel_exit \(code=code@entry=KEXIT_PASS\)",
         "with both CPUs let go, the test did not end with a pass"),
    ])
    problems += expect_all(clean(text), [
        (r"^smp: cpu 1 \(APIC id 1\) did not reach its entry within 100 ms of its STARTUP IPIs; parked it \(INIT\)$",
         "the boot CPU did not say it gave up on CPU 1"),
        (r"^cpus: 1 CPU\(s\) run tasks, ", "the kernel does not say it runs on one CPU"),
        (r"^ok 1 join$", "test=join did not pass on the one CPU"),
    ])
    if re.search(r"^smp: cpu 1 up", clean(text), re.M):
        problems.append(Problem("CPU 1 came up after the boot CPU had given up on it", tail(clean(text))))
    return result(name, problems, log=log_path(name), text=out + "\n---- serial ----\n" + text)


def vga_glyphs_test():
    """UTF-8 on the VGA screen: a character the font has goes to its cell as
    its glyph, even one whose code page 437 position is a control code: '←'
    is 0x1b, which the screen's escape parser used to take for ESC and eat
    the character after it ('a←XYZ' showed 'aYZ'). Written by calling
    vga_write from batch GDB (the kernel's own text has no such character;
    -mregparm=3: the arguments in EAX and EDX), read back from 0xb8000."""
    name = "vga-glyphs"
    text = "L1 a←XYZÄ\n".encode()
    out = gdb_session(name, "test=join hz=1000", [
        "break run_tests", "continue", "set $p = (unsigned char *)$sp - 3072",
        "set {unsigned char[%d]}$p = {%s}" % (len(text), ", ".join(str(b) for b in text)),
        "set $row = 'vga.c'::row", "set $eax = $p", f"set $edx = {len(text)}", f"call vga_write($p, {len(text)})",
        "x/9hx 0xb8000 + 160 * $row"])
    m = re.search(r"^0x[0-9a-f]+:((?:\s+0x[0-9a-f]{4}){8})\n0x[0-9a-f]+:\s+(0x[0-9a-f]{4})", out, re.M)
    cells = [int(w, 16) & 0xff for w in (m.group(1).split() + [m.group(2)])] if m else []
    want = [ord(c) for c in "L1 a"] + [0x1b] + [ord(c) for c in "XYZ"] + [0x8e]
    problems = [] if cells == want else [Problem(f"the row written holds {[hex(c) for c in cells]}, "
                                                 f"expected {[hex(c) for c in want]} (L1 a, ←, XYZ, Ä)", tail(out))]
    return result(name, problems, log=log_path(name), text=out)


def gdb_threads_test():
    """Under -smp 4, GDB sees one thread per CPU (QEMU's stub), and a
    breakpoint in an AP's entry stops on that CPU with a backtrace down to
    x86_ap_main."""
    name = "gdb-smp-threads"
    out = gdb_session(name, "test=smp hz=1000 exit=1", ["break ap_main", "continue", "info threads", "bt"],
                      extra=["-smp", "4"])
    return result(name, expect_all(out, [
        (r"^\s+4\s+Thread 1\.4 \(CPU#3", "info threads does not list 4 CPUs"),
        (r"Breakpoint 1, ap_main", "the breakpoint in ap_main did not stop"),
        (r"^\*\s+2\s+Thread 1\.2 \(CPU#1", "the stop is not on CPU#1's thread"),
        (r"#1 .* x86_ap_main \(c=", "bt from ap_main does not reach x86_ap_main"),
    ]), log=log_path(name), text=out)


def gdb_cpus_test():
    """The counters on 2 CPUs, stopped at a counter's report while both CPUs
    run one: tq-cpus shows each CPU's task and queue, tq-tasks each task's
    CPU, and marks the task on the other CPU as running there. (Stopped by
    a condition, not after so many hits: under -icount QEMU takes the vCPUs
    in turns of its own choosing, so which CPU starts a counter first is
    QEMU's business.)"""
    name = "gdb-cpus"
    both = "cpus[0].current->entry == count_forever && cpus[1].current->entry == count_forever"
    out = gdb_session(name, "cpus=2 hz=1000 exit=1", [
        f"break demos/counters.c:37 if {both}", "continue", "delete", "tq-cpus", "tq-tasks"],
        extra=["-smp", "2"])
    return result(name, expect_all(out, [
        (r"^2 CPU\(s\), rq=percpu; GDB thread n is CPU n-1$", "tq-cpus does not say 2 CPUs"),
        (r"^\s+0 [ABC]\s+\d+ ", "tq-cpus does not show a counter on CPU 0"),
        (r"^\s+1 (idle1|[ABC])\s+\d+ ", "tq-cpus does not show CPU 1"),
        (r"^\s+\d+ [ABC]\s+RUNNING\s+[01] ", "tq-tasks does not show a running counter with its CPU"),
        (r"RUNNING .*\(on cpu [01]: select its thread", "tq-tasks does not mark the task running on the other CPU"),
    ]), log=log_path(name), text=out)


def gdb_any_folder_test():
    """GDB finds the tq- commands from any folder: with tools/gdb/tourniquet.gdb
    given by its full path, and through the auto-load file make writes
    beside the ELF (build/tourniquet.elf-gdb.gdb) once the safe path allows it."""
    name = "gdb-any-folder"
    if not shutil.which("gdb"):
        return result(name, ["gdb not installed (make deps)"])
    ways = {"-x by full path": ["-x", os.path.join(ROOT, "tools/gdb/tourniquet.gdb")],
            "auto-load": ["-iex", f"add-auto-load-safe-path {ROOT}"]}
    problems, outs = [], []
    for way, opts in ways.items():
        p = subprocess.run(["gdb", "-q", "-batch", "-nx"] + opts + ["-ex", "tq-ready", KERNEL], capture_output=True,
                           text=True, timeout=60, cwd="/")
        outs.append(f"== {way}\n{p.stdout}{p.stderr}")
        if "tq-ready: no target to read" not in p.stdout + p.stderr:
            problems.append(f"{way}, from /: tq-ready is not defined")
    write_log(name, "\n".join(outs))
    return result(name, problems, log=log_path(name))


def readme_bench_test():
    """The README's benchmark table says what `make bench` measures today:
    its one-CPU figures (under -icount every run is the same run), from the
    three boots tools/bench.py makes for them, put in the table's words by
    the same code as make bench-readme. The SMP and MTTCG figures move from
    run to run and are not compared. Also the worst-case bounds of #11: from
    10 to 10,000 ready tasks (stand-ins, and real CPU-bound tasks for a
    whole tick), sleepers or free holes, no path but hrrn's grows more than
    2 times (O(1)) or 5 times (trees)."""
    name = "readme-bench"
    spec = importlib.util.spec_from_file_location("bench", os.path.join(ROOT, "tools", "bench.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    problems, boots = [], {}
    for key, cmdline, extra in (("plain", bench.CMDLINE, ()), ("traced", bench.TRACED, ()),
                                ("user", bench.USER, bench.PROGRAMS)):
        status, out = bench.boot(cmdline, extra)
        write_log(f"{name}-{key}", out)
        if status != 33:
            problems.append(status_problem(status, 33, 300, clean(out)))
        boots[key] = bench.parse(out)
    results = bench.one_cpu(boots["plain"], boots["traced"], boots["user"])
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| ([^|]+?) \|.*\| ([^|]+) \|$", readme, re.M)}
    try:
        cells = bench.readme_cells(results)
    except KeyError as e:
        return result(name, problems + [f"make bench printed no {e}"], log=log_path(name + "-plain"))
    for row, cell in cells.items():
        if rows.get(row) != cell:
            problems.append(f"README says {row} {rows.get(row, '(no row)')!r}, make bench measures {cell!r} "
                            "(make bench-readme writes it)")
    # #11's bounds, whatever the README says: from 10 to 10,000 ready tasks
    # (sleepers, free holes) an O(1) path costs at most twice as much, and a
    # tree's at most 5 times (log2 10,000 / log2 10 is 4, and each has a
    # constant part): a walk of every task would cost 1,000 times as much.
    by = {r["name"]: r for r in results}
    bounded = [(f"policy_{p}", f, 2) for p in ("rr", "fifo", "prio", "mlfq") for f in ("instructions", "first_pick",
                                                                                     "tick_max")]
    bounded += [(f"policy_{p}", f, 5) for p in ("sjf", "srt", "stride", "fair", "lottery")
                for f in ("instructions", "first_pick", "tick_max")]
    bounded += [("sleep_queue", "instructions", 5), ("sleep_queue", "pop", 5), ("kmalloc_kfree", "instructions", 5)]
    # ...and the costliest tick with 10 and 10,000 real tasks (make bench's
    # spinners, stub to the task that runs on). prio's from 100: with 10
    # tasks none waits the 10 ticks after which aging raises it, with more
    # each tick raises some (at most one per level, amortized), whatever N.
    bounded = [(what, field, factor, 10) for what, field, factor in bounded]
    bounded += [("tick_real_rr", "instructions", 2, 10), ("tick_real_prio", "instructions", 2, 100)]
    bounded += [(f"tick_real_{p}", "instructions", 5, 10) for p in ("fair", "lottery")]
    for what, field, factor, base in bounded:
        small, big = by.get(f"{what}_{base}", {}).get(field), by.get(f"{what}_10000", {}).get(field)
        if small is None or big is None:
            problems.append(f"make bench printed no {field} for {what}_{base} and {what}_10000")
        elif big > factor * max(small, 1):
            problems.append(f"{what}'s {field} grows from {small} at {base:,} to {big} at 10,000: more than {factor} times")
    return result(name, problems, log=log_path(name + "-plain"))


def gdb_count_switch_test():
    """make bench's timer_switch against an independent count of the same
    path: tq-count-switch single-steps the timer's stub to its iret under
    GDB (trace=off, as make bench boots, and the default trace=on). Under
    -icount the path is the same count at every switch. make bench's figure
    is the gap between the last counter read of one spinner and the first
    of the next: the path, plus at most one loop iteration on each side and
    one more on the leaving side when it was interrupted between its read
    and its store. So path < timer_switch <= path + 3 x loop, and the
    README gives both. And during a workload, no switch costs more than
    1,000 (the live view is not drawn there). The same for yield_switch
    against tq-count-yield (task_yield to its ret in the next task), and
    for sem_pingpong against tq-count-sem (the bench task's sem_up on ping
    to the ret of its sem_down on pong, both tasks' instructions)."""
    name = "gdb-count-switch"
    problems, paths = [], {}
    for trace in ("off", "on"):
        out = gdb_session(f"{name}-trace-{trace}", f"hz=1000 trace={trace}", ["tq-count-switch 8"])
        counts = [int(c) for c in re.findall(r"^switch \d+: (\d+) instructions, ", out, re.M)]
        if len(counts) != 8 or len(set(counts)) != 1:
            problems.append(Problem(f"trace={trace}: expected 8 switches of one same count, got {counts}",
                                    tail(out)))
            continue
        paths[trace] = counts[0]
    # During a workload the timer does what it does without one, plus the
    # workload's bookkeeping: the live view on the screen is drawn by the
    # tasks and the idle loop, not by the interrupt (25,000 instructions
    # there, before).
    out = gdb_session(f"{name}-workload", "run=workload hz=1000 trace=off exit=1",
                      ["break workload_run", "continue", "delete", "tq-count-switch 8"])
    counts = [int(c) for c in re.findall(r"^switch \d+: (\d+) instructions, ", out, re.M)]
    if len(counts) != 8 or max(counts) > 1000:
        problems.append(Problem(f"run=workload: expected 8 switches of at most 1,000 instructions each, got {counts}",
                                [l for l in out.splitlines() if l.startswith(("timer interrupt", "tq-count"))][-3:]))
    # The voluntary path: task_yield to its ret in the next task.
    out = gdb_session(f"{name}-yield", "test=yield hz=1000 trace=off exit=1", ["tq-count-yield 6"])
    yields = [int(c) for c in re.findall(r"^yield \d+: (\d+) instructions, ", out, re.M)]
    if len(yields) != 6 or len(set(yields)) != 1:
        problems.append(Problem(f"test=yield: expected 6 switches of one same count, got {yields}", tail(out)))
    # The semaphores' round trip, in the bench itself (its first one, the
    # ponger's first run, is left out by the command).
    out = gdb_session(f"{name}-sem", "run=bench hz=1000 trace=off exit=1",
                      ["tq-count-sem x", "tq-count-sem 1 &no_such_sem", "break bench_sync", "continue", "delete",
                       "tq-count-sem 4 &ping"])
    for bad in ("usage: tq-count-sem [N] [SEM] [functions]", "tq-count-sem: SEM '&no_such_sem' is not an expression"):
        if bad not in out:
            problems.append(Problem(f"a bad tq-count-sem did not say '{bad}'", tail(out)))
    trips = [int(c) for c in re.findall(r"^round trip \d+: (\d+) instructions, 'bench' and back$", out, re.M)]
    if len(trips) != 4 or len(set(trips)) != 1:
        problems.append(Problem(f"run=bench: expected 4 semaphore round trips of one same count, got {trips}",
                                tail(out)))
        trips = []
    status, raw = boot(name + "-bench", "run=bench hz=1000 trace=off", timeout=120)
    p = re.search(r"^BENCH name=sem_pingpong instructions=(\d+) ", raw, re.M)
    if p and trips and not trips[0] < int(p.group(1)) <= trips[0] + 8:
        problems.append(f"make bench's sem_pingpong {p.group(1)} does not bound the single-stepped round trip "
                        f"{trips[0]}: expected {trips[0]} < {p.group(1)} <= {trips[0] + 8} (the counter read, "
                        "its store and the call that starts the round trip)")
    y = re.search(r"^BENCH name=yield_switch instructions=(\d+) ", raw, re.M)
    if y and yields and not yields[0] < int(y.group(1)) <= yields[0] + 8:
        problems.append(f"make bench's yield_switch {y.group(1)} does not bound the single-stepped task_yield "
                        f"{yields[0]}: expected {yields[0]} < {y.group(1)} <= {yields[0] + 8} (the stamp's store and "
                        "the call around it)")
    m = re.search(r"^BENCH name=timer_switch instructions=(\d+) .*loop=(\d+)", raw, re.M)
    if status != 33 or not m:
        problems.append(status_problem(status, 33, 120, clean(raw)) or "run=bench printed no timer_switch")
    elif "off" in paths:
        bench, loop, path = int(m.group(1)), int(m.group(2)), paths["off"]
        if not path < bench <= path + 3 * loop:
            problems.append(f"make bench's timer_switch {bench} (loop={loop}) does not bound the single-stepped "
                            f"path {path}: expected {path} < {bench} <= {path + 3 * loop}")
    readme = open(os.path.join(ROOT, "README.md")).read()
    row = re.search(r"^\| `yield_path` \|[^|]*\| (\d+) \|$", readme, re.M)
    if not row or (yields and int(row.group(1)) != yields[0]):
        problems.append(f"the README's `yield_path` row should end '| {yields[0] if yields else '?'} |'")
    row = re.search(r"^\| `sem_path` \|[^|]*\| (\d+) \|$", readme, re.M)
    if not row or (trips and int(row.group(1)) != trips[0]):
        problems.append(f"the README's `sem_path` row should end '| {trips[0] if trips else '?'} |'")
    row = re.search(r"^\| `timer_path` \|[^|]*\| (\d+) with `trace=off`, (\d+) with `trace=on` \|$", readme, re.M)
    if not row:
        problems.append("the README has no `timer_path` row ending 'N with `trace=off`, M with `trace=on`'")
    elif paths and (int(row.group(1)), int(row.group(2))) != (paths.get("off"), paths.get("on")):
        problems.append(f"README says timer_path {row.group(1)} and {row.group(2)}, GDB counts "
                        f"{paths.get('off')} and {paths.get('on')}")
    return result(name, problems, log=log_path(name + "-trace-off"))


def no_std_test():
    """Nothing in the kernel sets the direction flag (no STD anywhere in its
    code), so kernel code always runs with DF clear: irq_common relies on it
    and does not CLD for an interrupt of ring 0 (isr.S; from ring 3, where a
    program may have set it, isr_common clears it). A kernel that had an
    STD would have string instructions run backwards in whatever it
    interrupted."""
    name = "kernel-no-std"
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", kernel_path(KERNEL)], capture_output=True,
                         text=True, cwd=ROOT).stdout
    if "<irq_common>:" not in out:
        return result(name, ["objdump printed no irq_common: is the kernel built?"])
    found = [l.strip() for l in out.splitlines() if re.search(r"\tstd\s*$", l)]
    return result(name, [Problem(f"{len(found)} STD instruction(s) in the kernel: irq_common does not clear DF "
                                 "for an interrupt of ring 0 (arch/x86/isr.S)", found[:5])] if found else [])


def gdb_no_target_test():
    """The tq- commands in a GDB with the kernel's symbols but no target
    (started without QEMU): one line each saying what to start, never a
    Python traceback."""
    name = "gdb-no-target"
    if not shutil.which("gdb"):
        return result(name, ["gdb not installed (make deps)"])
    cmds = ["tq-tasks", "tq-ready", "tq-cpus", "tq-trace", "tq-bt 1", "tq-count-switch", "tq-count-yield",
            "tq-count-sem"]
    args = ["gdb", "-q", "-batch", "-nx", "-x", "tools/gdb/tourniquet.gdb"]
    for c in cmds:
        args += ["-ex", c]
    p = subprocess.run(args + [KERNEL], capture_output=True, text=True, timeout=60, cwd=ROOT)
    out = p.stdout + p.stderr
    write_log(name, out)
    problems = [f"{c} did not say there is no target" for c in cmds
                if f"{c.split()[0]}: no target to read: start one" not in out]
    if "Python Exception" in out or "Traceback" in out:
        problems.append("a Python traceback")
    return result(name, problems, log=log_path(name), text=out)


def make_debug_ctrl_c_test():
    """`make debug` in a terminal of its own (a pty, as a user has): GDB
    connects; `continue`, then Ctrl-C interrupts the guest, GDB still talks
    to QEMU (which runs in a session of its own, so the terminal's SIGINT
    does not kill it), and `quit` ends make with status 0. Meanwhile COM2
    went to build/trace.json, as the target says."""
    import pty
    import select
    name = "make-debug-ctrl-c"
    if not shutil.which("gdb"):
        return result(name, ["gdb not installed (make deps)"])
    port = "1299"
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execvp("make", ["make", "-s", "debug", f"GDB_PORT={port}", "CMDLINE=hz=1000"])
    transcript = []

    def read_until(pattern, timeout, since=0):
        """Read until `pattern` matches the text after offset `since`."""
        end = time.time() + timeout
        while time.time() < end:
            if re.search(pattern, "".join(transcript)[since:]):
                return True
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    transcript.append(os.read(fd, 4096).decode("utf-8", "replace"))
                except OSError:
                    break
        return bool(re.search(pattern, "".join(transcript)[since:]))

    # (GDB's prompt may come wrapped in bracketed-paste escapes: look for
    # "(gdb) " in what came after each command.)
    problems = []
    steps = [("", r"\(gdb\) ", "GDB never showed its prompt"),
             ("delete\n", r"\(gdb\) ", "delete: no prompt"),
             ("continue\n", r"Continuing\.", "continue did not continue"),
             ("\x03", r"SIGINT[\s\S]*\(gdb\) ", "Ctrl-C did not interrupt the guest"),
             ("info registers eip\n", r"eip\s+0x[0-9a-f]+[\s\S]*\(gdb\) ",
              "after Ctrl-C, GDB no longer reaches QEMU")]
    for send, pattern, why in steps:
        mark = len("".join(transcript))
        if send == "\x03":
            time.sleep(2)  # let the guest run a while
        if send:
            os.write(fd, send.encode())
        if not read_until(pattern, 90 if not send else 20, mark):
            problems.append(Problem(why, "".join(transcript)[mark:].splitlines()[-8:]))
            break
    text = "".join(transcript)
    if "Remote connection closed" in text:
        problems.append("QEMU went away (Remote connection closed): the terminal's Ctrl-C reached it")
    os.write(fd, b"quit\n")
    status = None
    end = time.time() + 30
    while time.time() < end:  # (the pty reads fail at once once make has gone: wait by the clock)
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
            break
        read_until(r"$^", 0.1)
        time.sleep(0.05)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        problems.append("make debug did not end after quit")
    elif status != 0:
        problems.append(f"make debug ended with status {status} after quit, expected 0")
    if not os.path.exists(os.path.join(BUILD, "trace.json")):
        problems.append("make debug did not connect COM2 to build/trace.json")
    os.close(fd)
    subprocess.run(["pkill", "-f", f"tcp::{port}"], capture_output=True)  # a QEMU a failure left behind
    log = write_log(name, "".join(transcript))
    return result(name, problems, log=log)


def typed_shell(name, typed, cmdline="run=shell hz=1000", extra=()):
    """Boot the shell, type `typed` into COM1; return (problems, clean
    transcript), the problems starting with the exit status if not 33."""
    status, raw = boot(name, cmdline, typed=typed, exit=False, extra=extra)
    out = clean(raw)
    problem = status_problem(status, 33, 60, out)
    return ([problem] if problem else []), out


def serial_ctrl_c_test():
    """Ctrl-C on the serial line ends the program exec waits for, even when
    what was typed meanwhile filled the input buffer: the line used to
    pause with the Ctrl-C behind the 256 bytes in the UART, and the shell
    hung for good. What did not fit is said lost; after the Ctrl-C the line
    waits again, so nothing typed after it is lost (halt comes through)."""
    name = "serial-ctrl-c"
    problems, out = typed_shell(name, "exec victim spin\n" + "x" * 300 + "\x03\nhalt\n")
    problems += expect_all(out, [
        (r"^\^C\nexec: Ctrl-C: process \d+ is ending$", "Ctrl-C behind a full buffer did not end the process"),
        (r"^input: 44 character\(s\) lost: they came while the 256-byte input buffer was full$",
         "the 44 characters that did not fit are not said lost"),
    ])
    return result(name, problems, log=log_path(name))


def trace_json_names_test():
    """The trace keeps its own copies of the names it shows: after a demo
    that joined (and freed) its tasks, the shell's `trace` names what each
    blocked on, and `trace json` on COM2 is valid JSON whose every track is
    named. (A block on a join used to keep the joined task's name by
    pointer: freed heap, garbage in both, and JSON Python refused.)"""
    name = "trace-json-names"
    trace_file = log_path(name + "-trace.json")
    if os.path.exists(trace_file):
        os.remove(trace_file)
    problems, out = typed_shell(name, "run counters\ntrace 4000\ntrace json\nhalt\n",
                                extra=["-serial", "file:" + trace_file])
    blocks = re.findall(r"^\s+\d+\s+\S+\s+blocks on (.*)$", out, re.M)
    odd = [b for b in blocks if not re.fullmatch(r"[\w ()'.:,-]+", b)]
    if not blocks or odd:
        problems.append(Problem(f"`trace` shows {len(blocks)} blocks, {len(odd)} of them on an unreadable name",
                                [f"    blocks on {b!r}" for b in odd[:3]]))
    try:
        text = open(trace_file, "rb").read().decode("utf-8")
        events = json.loads(text[text.index("{\"displayTimeUnit\""):])["traceEvents"]
    except (OSError, ValueError) as e:
        return result(name, problems + [f"the trace on COM2 is not valid UTF-8 JSON: {e}"], log=trace_file)
    named = {e["tid"] for e in events if e.get("name") == "thread_name"}
    tids = {e["tid"] for e in events if e.get("ph") in ("B", "E", "i")}
    if tids - named:
        problems.append(f"{len(tids - named)} of {len(tids)} tracks have no name (e.g. tid {min(tids - named)})")
    ons = [e["args"]["on"] for e in events if e.get("name") == "block"]
    if not ons or any(not re.fullmatch(r"[\w ()'.:,-]+", o) for o in ons):
        problems.append(f"the JSON's blocks are on unreadable names: {[o for o in ons if not o.isprintable()][:3]}")
    if not any(e.get("name") == "block" and e["args"]["on"].startswith("counter") for e in events):
        problems.append("no block on a counter task (the shell joining the demo's tasks) in the JSON")
    return result(name, problems, log=log_path(name))


def shell_demo_verdicts_test():
    """Demos run from the shell give the verdicts they give from a fresh
    boot, the second time too: prodcons and misuse wait for the system to
    go quiet, and the shell's own wait for the demo (a join) must not count
    as stuck; misuse and philosophers end the tasks they deadlock, so `ps`
    shows none left and a rerun finds none; the bench does not claim a
    boot time it cannot measure there."""
    name = "shell-demo-verdicts"
    problems, out = typed_shell(name, "run prodcons\nrun misuse\nrun misuse\nrun philosophers\nrun philosophers\n"
                                      "ps\nrun bench\nhalt\n")
    for demo, times in (("prodcons", 1), ("misuse", 2), ("philosophers", 2)):
        if out.count(f"run: {demo} finished: ok (0)") != times:
            problems.append(Problem(f"run {demo} from the shell did not finish ok {times} time(s)", tail(out)))
    left = re.findall(r"^\s+\d+\s+\S+\s+BLOCKED\b.*$", out, re.M)
    if left:
        problems.append(Problem("ps still shows tasks the demos left blocked", left[:3]))
    if re.search(r"^STALL:\s+'shell'", out, re.M):
        problems.append("the STALL report lists the shell, which only waits for its demo")
    if "name=boot_to_first_task" in out:  # from the shell it would measure the shell's uptime
        problems.append("run bench from the shell reports boot_to_first_task, which only a boot can measure")
    return result(name, problems, log=log_path(name))


def shell_workload_cpus2_test():
    """The shell's workload command on two CPUs gives the same lockstep
    schedule as run=workload (the hand-worked answer); stats then counts
    the pulls and the lock takes that waited."""
    name = "shell-workload-cpus2"
    problems, out = typed_shell(name, "sched rr quantum=2\nworkload course\nstats\nhalt\n", "run=shell cpus=2 hz=1000",
                                extra=["-smp", "2"])
    for row in ("  CPU0   AAAACC---", "  CPU1   -BBBADDDD"):
        if row not in out.splitlines():
            problems.append(Problem(f"no Gantt row '{row.strip()}' from the shell's workload on 2 CPUs", tail(out)))
    if not re.search(r"^2 CPUs, rq=percpu: \d+ tasks pulled from one queue to another\n"
                     r"lock takes that waited: scheduler lock \d+, run-queue locks \d+$", out, re.M):
        problems.append(Problem("stats on 2 CPUs does not print the queues' and the locks' counts", tail(out)))
    return result(name, problems, log=log_path(name))


SHELL_FUZZ_DEMOS = ["race", "exclusion", "prodcons", "philosophers", "readers-writers", "barber", "barrier",
                    "inversion", "misuse", "counters", "workload", "bench"]
SHELL_FUZZ_COMMANDS = ["help", "ps", "stats", "gantt", "trace", "trace 5", "trace json", "sched rr", "sched fifo",
                       "sched sjf", "sched prio aging=3", "sched lottery seed=4", "sched mlfq boost=20", "sched nope",
                       "sched rr quantum=x", "workload course", "workload exercise", "workload mixed",
                       "workload A:0:3,B:1:2", "workload A:0x1:5", "workload", "bogus", "run", "run nope", "ps ps ps", ""]


def shell_fuzz_lines(seed):
    """Every demo, 150 seeded random lines (commands, bad arguments, long
    lines, control characters, NUL bytes), every demo again, then halt."""
    import random
    r = random.Random(seed)
    lines = [f"run {d}" for d in SHELL_FUZZ_DEMOS]
    for _ in range(150):
        x = r.random()
        if x < 0.7:
            lines.append(r.choice(SHELL_FUZZ_COMMANDS))
        elif x < 0.8:
            lines.append("".join(r.choice("abcdefgh =,:0123456789") for _ in range(r.randint(1, 600))))
        elif x < 0.9:
            lines.append("".join(chr(r.randint(1, 31)) if r.random() < 0.3 else r.choice("xyz ")
                                 for _ in range(r.randint(1, 40))).replace("\n", "").replace("\r", ""))
        else:
            lines.append(r.choice(["\x00ps", "ps\x00", "\x7fhelp", "sched\trr"]))
    return lines + [f"run {d}" for d in SHELL_FUZZ_DEMOS] + ["halt"]


def shell_fuzz_test():
    """The shell survives anything typed at it, all at once through COM1:
    for three seeds, every line gets its prompt back, nothing panics, every
    demo's verdict is ok both times it runs (whatever policy the lines in
    between chose), and halt ends with status 33."""
    name = "shell-fuzz"
    problems = []
    for seed in (1, 2, 3):
        lines = shell_fuzz_lines(seed)
        status, raw = boot(f"{name}-{seed}", "run=shell hz=1000", typed="\n".join(lines) + "\n", exit=False,
                           timeout=120)
        prompts = raw.count("tourniquet> ")
        problem = status_problem(status, 33, 120, clean(raw))
        if problem:
            problem.why = f"seed {seed}: " + problem.why
            problems.append(problem)
        elif prompts < len(lines):
            problems.append(Problem(f"seed {seed}: {len(lines)} lines typed, {prompts} prompts", tail(clean(raw))))
        if "PANIC" in raw:
            problems.append(Problem(f"seed {seed}: a panic", tail(clean(raw))))
        failed = re.findall(r"^run: \S+ finished: FAILED.*$", clean(raw), re.M)
        if failed:
            problems.append(Problem(f"seed {seed}: {len(failed)} demo run(s) failed", failed[:3]))
    # Typed ahead while a demo runs: 900 bytes, more than the input buffer
    # holds. The serial line is paused, not dropped (kernel/input.h), so
    # every line still gets its prompt (without the pause, 4 were lost).
    lines = ["run philosophers"] + ["ps"] * 300 + ["halt"]
    status, raw = boot(f"{name}-typeahead", "run=shell hz=1000", typed="\n".join(lines) + "\n", exit=False,
                       timeout=120)
    if status != 33 or raw.count("tourniquet> ") < len(lines):
        problems.append(Problem(f"typed ahead: {len(lines)} lines, {raw.count('tourniquet> ')} prompts, "
                                f"status {status}: input was lost", tail(clean(raw))))
    return result(name, problems, log=log_path(f"{name}-1"))


def smp_input_test():
    """With CPU 1 started, the devices come through the I/O APIC: a line
    typed on the keyboard (QEMU's sendkey), then one on COM1, arrive."""
    name = "smp-input"
    problems = []
    status, text, _ = boot_with_monitor(name + "-keyboard", "test=smpinput hz=1000 exit=1", "type a line",
                                        ["sendkey k", "sendkey b", "sendkey d", "sendkey ret"], extra=["-smp", "2"])
    if status != 33 or "# smpinput: got 'kbd'" not in text:
        problems.append(Problem(f"keyboard: exit status {status}, no \"got 'kbd'\"", tail(text)))
    status, raw = boot(name + "-serial", "test=smpinput hz=1000", extra=["-smp", "2"], typed="com1\r")
    out = clean(raw)
    if status != 33 or "# smpinput: got 'com1'" not in out:
        problems.append(Problem(f"COM1: exit status {status}, no \"got 'com1'\"", tail(out)))
    return result(name, problems, log=log_path(name + "-serial"))


# The checks that are not boots, in the order tests/run_tests.py lists them
# (after host, agree/ and boot/).
def gantt_io_levels_test():
    """The mixed workload under mlfq: the TASK lines give the I/O waits
    (io=start:length,...) of the two tasks that do I/O and of no other,
    never while the task runs and only between its arrival and its
    completion; the RESULT line's levels= has a digit per tick where a task
    ran, '.' where the CPU idled, and each CPU-bound task's level only goes
    down the queues (no boost within the run); tools/gantt.py hatches
    exactly those waits and writes each run cell's level."""
    name = "gantt-io-levels"
    status, raw = boot(name, "run=workload workload=mixed sched=mlfq hz=1000")
    out = raw.replace("\r", "")
    problem = status_problem(status, 33, 60, clean(raw))
    if problem:
        return result(name, [problem], log=log_path(name))
    tasks = [dict(kv.split("=", 1) for kv in m.split()) for m in re.findall(r"^TASK (.*)$", out, re.M)]
    res = re.search(r"^RESULT (.*)$", out, re.M)
    if len(tasks) != 4 or not res:
        return result(name, ["no TASK/RESULT lines for the mixed workload"], log=log_path(name))
    res = dict(kv.split("=", 1) for kv in res.group(1).split())
    problems = []
    schedule, cell = [], 0
    for part in res["schedule"].split(","):
        who, n = part.rsplit(":", 1)
        schedule += [who] * int(n)
    levels = res.get("levels", "")
    if len(levels) != len(schedule) or any((c == ".") != (w == ".") for c, w in zip(levels, schedule)):
        problems.append(f"levels={levels} does not follow the schedule ({len(schedule)} ticks, '.' where idle)")
    io = {t["name"]: [tuple(map(int, p.split(":"))) for p in t["io"].split(",")] if "io" in t else [] for t in tasks}
    if sorted(n for n, v in io.items() if v) != ["ED", "SH"]:
        problems.append(f"tasks with io=: {sorted(n for n, v in io.items() if v)} (the mixed workload's ED and SH expected)")
    for t in tasks:
        for start, n in io[t["name"]]:
            for c in range(start, start + n):
                if c < len(schedule) and schedule[c] == t["name"]:
                    problems.append(f"{t['name']} is in I/O at tick {c} while it runs")
                if not int(t["arrival"]) <= c < int(t["completion"]):
                    problems.append(f"{t['name']} is in I/O at tick {c}, outside [arrival, completion)")
    for cpu_bound in ("CPU1", "CPU2"):
        seen = [int(levels[c]) for c, w in enumerate(schedule) if w == cpu_bound and c < len(levels)]
        if seen != sorted(seen) or not seen or seen[-1] == 0:
            problems.append(f"{cpu_bound}'s levels {seen} do not only go down the queues")
    svg_file = log_path(name + ".svg")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools/gantt.py"), log_path(name), "-o", svg_file],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return result(name, problems + ["gantt.py failed: " + p.stderr.strip()[:200]], log=log_path(name))
    root = ET.parse(svg_file).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    hatched = sorted((int(r.get("x")), int(r.get("width"))) for r in root.iter(ns + "rect") if r.get("class") == "io")
    want = sorted((70 + 24 * s0, 24 * n) for v in io.values() for s0, n in v)
    if hatched != want:
        problems.append(f"the SVG hatches {hatched}, the TASK lines' I/O waits are {want}")
    digits = [t.text for t in root.iter(ns + "text") if t.get("font-size") == "10"]
    if sorted(digits) != sorted(c for c in levels if c != "."):
        problems.append("the SVG's run cells do not carry the levels of the RESULT line")
    return result(name, problems, log=log_path(name))


def web_test():
    """The web page (make web-serve) in headless Chromium: the real kernel booted by
    v86 runs test=all (the page lists its KTAP verdicts, all ok), the
    course's workload under srt (the page's table says 6.25 / 2.75, its
    chart is tools/gantt.py's picture of the same transcript, byte for byte,
    and the COM2 trace arrives as JSON), then help and ps typed in the
    page's terminal, a VGA screen that is not blank, and the form's presets
    and Boot button (web/test/check.mjs). Skipped, saying why, without node,
    web/node_modules (npm ci) or Chromium."""
    name = "web"
    web = os.path.join(ROOT, "web")
    chromium = os.environ.get("TQ_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which("node"):
        return result(name, skip="node is not installed (apt-get install nodejs npm)")
    if not os.path.isdir(os.path.join(web, "node_modules", "playwright-core")):
        return result(name, skip="web/node_modules is missing (cd web && npm ci)")
    if not os.path.exists(chromium):
        return result(name, skip=f"no Chromium at {chromium} (apt-get install chromium)")
    # `make web-serve` itself, on a free port (PORT=0): it builds build/web/ and prints the URL.
    server = subprocess.Popen(["make", "-s", "web-serve", "PORT=0"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    said = []
    try:
        for line in server.stdout:
            said.append(line)
            if re.match(r"web: Tourniquet at http://localhost:\d+/", line) or len(said) > 50:
                break
        url = re.search(r"http://localhost:(\d+)/", "".join(said))
        if not url:
            return result(name, ["make web-serve did not print the page's URL: " + "".join(said).strip()])
        scratch = os.path.join(BUILD, "test-logs", "web")
        os.makedirs(scratch, exist_ok=True)
        env = dict(os.environ, TQ_WEB_URL=f"http://127.0.0.1:{url.group(1)}/", TQ_WEB_OUT=scratch,
                   TQ_CHROMIUM=chromium)
        p = subprocess.run(["node", os.path.join(web, "test", "check.mjs")], env=env, capture_output=True,
                           text=True, timeout=600)
    finally:
        os.killpg(server.pid, 15)
        server.wait()
    log = write_log(name, p.stdout + p.stderr)
    try:
        checks = json.loads(p.stdout.strip().splitlines()[-1])["checks"]
    except (IndexError, ValueError, KeyError):
        return result(name, [f"web/test/check.mjs printed no results (exit {p.returncode})"], log=log,
                      text=p.stdout + p.stderr)
    problems = [f"{c['name']}: {c['why']}" for c in checks if not c["ok"]]
    if len(checks) < 20:
        problems.append(f"only {len(checks)} browser checks ran")
    for run in ("workload", "mixed"):  # the course's under srt; tasks with I/O under mlfq (hatching, levels)
        transcript = os.path.join(scratch, f"{run}-transcript.txt")
        if not os.path.exists(transcript):
            problems.append(f"the browser check wrote no {run} transcript")
            continue
        drawn = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gantt.py"), transcript, "-o", "-"],
                               capture_output=True, text=True).stdout
        with open(os.path.join(scratch, f"{run}-page.svg")) as f:
            if f.read() != drawn:
                problems.append(f"the page's Gantt SVG ({run}) differs from tools/gantt.py's for the same "
                                f"transcript (both in {os.path.relpath(scratch, ROOT)})")
    return result(name, problems, log=log)


# ---- The lab guides, in English and in French -------------------------------------

def guide_checks(text):
    """The grading table of a lab guide: {check: points}."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `([a-z0-9-]+)` \| (\d+) \|", text, re.M)}


def guide_commands(text):
    """The commands a guide shows (make, build/..., gdb's), with lang=fr and
    trailing comments taken out: the two languages must show the same."""
    out = []
    for block in re.findall(r"```[^\n]*\n([\s\S]*?)```", text):
        for line in block.splitlines():
            line = line.strip()
            if re.match(r"^(make |build/|cp |sed |\(gdb\) )", line):
                line = re.sub(r"\s+#.*$", "", line.replace(" lang=fr", ""))
                out.append(line)
    return out


def lab_guides_test():
    """Every lab of tools/lab.py has its guide in English and in French
    (docs/lab-NAME.md and docs/lab-NAME.fr.md): the grading table of each
    lists the lab's checks with their points, and the two show the same
    commands."""
    name = "lab-guides"
    import importlib.util
    spec = importlib.util.spec_from_file_location("lab", os.path.join(ROOT, "tools", "lab.py"))
    lab = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab)
    problems = []
    for key, l in lab.LABS.items():
        en_path = l["guide"]
        fr_path = en_path[:-3] + ".fr.md"
        texts = {}
        for path in (en_path, fr_path):
            if not os.path.exists(os.path.join(ROOT, path)):
                problems.append(f"lab {key}: {path} is missing")
            else:
                texts[path] = open(os.path.join(ROOT, path), encoding="utf-8").read()
        if len(texts) != 2:
            continue
        want = {c["name"]: c["points"] for c in l["checks"] if c.get("points")}
        for path, text in texts.items():
            got = guide_checks(text)
            if got and got != want:
                problems.append(f"{path}: its grading table says {got}, tools/lab.py grades {want}")
        if guide_checks(texts[en_path]) != guide_checks(texts[fr_path]):
            problems.append(f"{en_path} and {fr_path} do not list the same checks and points")
        en_cmds, fr_cmds = guide_commands(texts[en_path]), guide_commands(texts[fr_path])
        if en_cmds != fr_cmds:
            diff = [f"  en: {a}" + "\n" + f"  fr: {b}" for a, b in zip(en_cmds, fr_cmds) if a != b][:3]
            problems.append(Problem(f"{en_path} and {fr_path} do not show the same commands "
                                    f"({len(en_cmds)} and {len(fr_cmds)})", diff))
    return result(name, problems, log=log_path(name))


def lab_keys_test():
    """The policy lab's answer keys: a key the kernel could never pass (a
    policy that is not registered, a key word no RESULT line has) is the
    key file's mistake, told with its line, not a student's failure; and
    docs/lab-policy-keys.txt itself loads."""
    name = "lab-keys"
    import importlib.util
    import tempfile
    spec = importlib.util.spec_from_file_location("lab", os.path.join(ROOT, "tools", "lab.py"))
    lab = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab)
    problems = []
    try:
        if not lab.policy_keys():
            problems.append("docs/lab-policy-keys.txt gives no check")
    except ValueError as e:
        problems.append(f"docs/lab-policy-keys.txt does not load: {e}")
    bad = [("hrrm A:0:3,B:1:6 schedule=A:3,B:6\n", r":1: no policy named 'hrrm' in kernel/sched/policies\.c "
            r"\(registered: rr, fifo, "),
           ("# a comment\nhrrn A:0:3,B:1:6 hz=5\n", r":2: a RESULT line never says hz=5 \(its keys: "),
           ("# only comments\n\n", r": no answer key in it ")]
    for text, want in bad:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(text)
        try:
            lab.policy_keys(f.name)
            problems.append(f"the key {text.strip()!r} was accepted")
        except ValueError as e:
            if not re.search(want, str(e)):
                problems.append(f"the key {text.strip()!r}: {e} (expected /{want}/)")
        finally:
            os.unlink(f.name)
    check = lab.policy_keys()[0]
    if not any(re.search(p, "workload: task 2: the burst is missing", re.M) for p in check.get("absent", [])):
        problems.append("a key's run does not fail on the kernel's refusal of its workload")
    # A key's words match whole values, in any order: a shorter schedule is
    # not a prefix of a longer one, and the teacher's order does not matter.
    line = "RESULT policy=hrrn quantum=1 workload=custom schedule=A:3,B:6 avg_turnaround=5.33 avg_waiting=1.67"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("hrrn A:0:3,B:1:6 avg_waiting=1.67 schedule=A:3,B:6\nhrrn A:0:3,B:1:6 schedule=A:3\n"
                "hrrn A:0:3,B:1:6 avg_turnaround=5.3\n")
    try:
        got = [bool(re.search(c["expect"][0], line, re.M)) for c in lab.policy_keys(f.name)]
    finally:
        os.unlink(f.name)
    if got != [True, False, False]:
        problems.append(f"keys in another order, a schedule's prefix, a value's prefix: matched {got}, "
                        "expected [True, False, False]")
    return result(name, problems, log=log_path(name))


def _children(pid):
    """The pids whose parent is pid (from /proc)."""
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:  # (the field after the state)
                kids.append(int(d))
    return kids


def no_orphans_test():
    """A test runner killed by a signal takes its QEMU with it (a kernel
    that waits silently, as a hung handout's does, never writes to the dead
    pipe, so it used to spin on, a core lost to every later figure)."""
    name = "harness-no-orphans"
    code = ("import sys; sys.path.insert(0, 'tests'); import harness; "
            "harness.boot('harness-no-orphans', 'run=shell', timeout=60)")
    runner = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    qemu, deadline = None, time.time() + 20
    while qemu is None and time.time() < deadline:
        qemu = next(iter(_children(runner.pid)), None)
        time.sleep(0.1)
    time.sleep(1)  # (booted: waiting at the shell's prompt)
    runner.kill()
    runner.wait()
    if qemu is None:
        return result(name, ["the runner started no QEMU within 20 s"])
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            state = open(f"/proc/{qemu}/stat").read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return result(name)  # (gone)
        if state in ("Z", "X"):
            return result(name)  # (dead, not yet reaped by its new parent)
        time.sleep(0.1)
    os.kill(qemu, 9)
    return result(name, [f"QEMU (pid {qemu}) still ran 10 s after its runner was killed"])


def lab_no_leak_test():
    """No handout gives its solutions away elsewhere in the tree (a second
    function doing the same, which a student would only copy: the STOPs of
    the producer-consumer, mutex_trylock taking a free mutex, before): for
    every lab, tools/lab.py finds none; and it finds one planted."""
    name = "lab-no-leak"
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import lab
    texts = {rel: open(os.path.join(ROOT, rel), encoding="utf-8").read() for rel in lab.tree_files()
             if rel.endswith(lab.SOURCE_EXT)}
    problems = [leak for name_ in lab.LABS for leak in lab.solution_leaks(name_, texts)]
    planted = {"a.c": "/* LAB(x) BEGIN: y */\nfoo(1);\nbar(2);\n/* LAB(x) STUB\n// TODO(lab)\nLAB(x) END */\n"
                      "void g(void)\n{\n    foo(1);\n    bar(2);\n}\n"}
    found = lab.solution_leaks("x", planted)
    if found != ["a.c:2: LAB(x)'s solution (foo(1); bar(2);) is also at a.c:9, which the handout keeps"]:
        problems.append(f"a solution copied into another function was not found as it should be: {found}")
    return result(name, problems, log=log_path(name))


# ---- French (lang=fr) ------------------------------------------------------------

FR_HEADER = "  tâche arrivée  durée  début         fin      séjour  attente   réponse"


def machine_lines(text):
    """The lines for programs, which lang= must not change (the figures
    after a verdict, `# key=value`, may: a longer sentence moves where a
    tick lands)."""
    return [l for l in text.splitlines() if re.match(r"^(TASK|RESULT|ok|not ok|1\.\.)", l)]


def lang_fr_test():
    """lang=fr: the workload table, the reports and the shell in French, on
    the serial console and on the VGA screen (its code page), the SVG chart
    in the transcript's language, and every line for programs (TASK, RESULT,
    KTAP) exactly as in English."""
    name = "lang-fr"
    problems = []
    texts = {}
    for lang in ("en", "fr"):
        for cmd in ("run=workload sched=rr quantum=2", "run=misuse", "run=prodcons"):
            status, raw = boot(f"{name}-{lang}-{cmd.split()[0][4:]}", f"{cmd} lang={lang} hz=1000")
            texts[lang, cmd] = clean(raw)
            if status != 33:
                problems.append(status_problem(status, 33, 60, clean(raw)))
    for cmd in ("run=workload sched=rr quantum=2", "run=misuse", "run=prodcons"):
        en, fr = machine_lines(texts["en", cmd]), machine_lines(texts["fr", cmd])
        if en != fr or not en:
            diff = [f"  en: {a}" + "\n" + f"  fr: {b}" for a, b in zip(en, fr) if a != b][:3]
            problems.append(Problem(f"{cmd}: lang=fr changed the lines for programs (TASK, RESULT, KTAP)", diff))
    wl = texts["fr", "run=workload sched=rr quantum=2"]
    problems += expect_all(wl, [
        (r"^Charge course sous rr quantum=2 \(14 ticks\)$", "the table's title in French"),
        ("^" + re.escape(FR_HEADER) + "$", "the table's header in the course's words"),
        (r"^  moyenne +8\.50 +5\.00 +2\.00$", "the averages row"),
        (r"^  7 commutations de contexte entre tâches, 0 ticks d'inactivité$", "the switches line"),
    ])
    problems += expect_all(texts["fr", "run=misuse"], [
        (r"^MISUSE: mutex_unlock\(m\) par 'misuse' : il appartient à 'owner' ; seul son propriétaire peut le "
         r"déverrouiller ; ignoré$", "a MISUSE report in French, its tag kept"),
        (r"^DEADLOCK: .* attend .* tenu par ", "the DEADLOCK chain in French"),
        (r"^LOCK ORDER: '.*' prend '.*' en tenant '.*' \(tick \d+, appelant 0x[0-9a-f]+\), mais ", "LOCK ORDER in French"),
    ])
    # On several CPUs a report says which CPU, in the sentence's language (it was cut to "sur le process").
    status, raw = boot(f"{name}-misuse-cpus2", "run=misuse cpus=2 lang=fr hz=1000", extra=["-smp", "2"])
    if status != 33:
        problems.append(status_problem(status, 33, 60, clean(raw)))
    problems += expect_all(clean(raw), [
        (r"^MISUSE: mutex_unlock\(m\) par 'misuse' sur le processeur \d : il appartient à 'owner' ; ",
         "a MISUSE report on two CPUs names the CPU in French, whole"),
    ])
    problems += expect_all(texts["fr", "run=prodcons"], [
        (r"^STALL: aucune tâche ne s'est exécutée depuis 100 ticks et aucune n'attend une échéance ; bloquées pour de bon :$",
         "the STALL report in French"),
        (r"^STALL:   'consumer' \(id \d+\) attend sleep\(\)$", "a stuck task named in French"),
        (r"^démo 'prodcons' terminée : ok \(0\)$", "the demo's end in French"),
        (r"^tourniquet : statut de sortie 33 \(tous les tests ont réussi\)$", "the exit line in French"),
    ])
    status, raw = boot(f"{name}-help", "lang=fr help test=join hz=1000")
    problems += expect_all(clean(raw), [
        (r"^Options \(clé=valeur, séparées par des espaces\) :$", "the options' help in French"),
        (r"^  sched    politique d'ordonnancement ; maintenant rr ; valides : rr, fifo, ", "an option's line in French"),
        (r"^  help     afficher cette liste$", "help's own line"),
    ])
    # The chart follows the transcript: French words from the French run, English from the English one.
    for lang, words, absent in (("fr", ["course sous rr", "moyenne", "séjour", "bande pâle : temps de séjour",
                                        "commutations de contexte"], "average"),
                                ("en", ["course under rr", "average", "turnaround"], "moyenne")):
        svg = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gantt.py"), "-"], capture_output=True,
                             input=texts[lang, "run=workload sched=rr quantum=2"].encode()).stdout.decode()
        missing = [w for w in words if w not in svg]
        if missing or absent in svg:
            problems.append(f"tools/gantt.py on the {lang} transcript: missing {missing}" +
                            (f", has {absent!r}" if absent in svg else ""))
    # The shell: lang alone, lang fr, its help, a bad language, and back.
    status, raw = boot(f"{name}-shell", "run=shell hz=1000",
                       typed="lang\nlang fr\nhelp\nps\nlang xx\nexec victim cli\nstats\nsched rr quantum=0\nworkload A:0\n"
                             "workload A:0:1000,B:0:1000,C:1000:100\n"
                             "exec nosuch\ntrace 2\nlang en\nhelp\nhalt\n", exit=False)
    sh = clean(raw)
    problems += expect_all(sh, [
        (r"^lang: en \(English\); lang fr for French$", "lang alone says which"),
        (r"^lang : en français désormais$", "lang fr"),
        (r"^Commandes :$", "help in French"),
        (r"^  lang \[en\|fr\]          anglais, ou français \(les mots du cours\)$", "help's lang row in French"),
        (r"^   id  nom +état +ticks  cpu  attend$", "ps's header in French"),
        (r"^    0  idle +PRÊTE +\d+ +0  $", "a ready task in the course's words"),
        (r"^    1  shell +ÉLUE +\d+ +0  $", "the running task in the course's words, its column in line"),
        (r"^lang : 'xx' n'est pas une langue connue ici \(valides : en, fr\)$", "a bad language"),
        (r"^FAULT: processus 1 'victim' \(thread \d+\) : #GP General Protection à EIP=[0-9a-f]{8} ESP=[0-9a-f]{8}$",
         "a process's fault in French, its tag kept"),
        (r"^  CLI en mode utilisateur : un usager ne peut pas couper les interruptions : « on ne peut pas permettre "
         r"aux usagers d'utiliser une telle instruction »$", "the course's quote, in its own language"),
        (r"^exec : le processus 1 'victim' s'est terminé avec le statut -113 \(une faute\)$", "exec's reply in French"),
        (r"^cadres de page : (\d+) libres sur \1 ; processus : 0 maintenant, 1 depuis le démarrage$", "stats in French"),
        (r"^cmdline: quantum=0 est hors limites \(valides : 1\.\.1000\) ; on garde quantum=1$",
         "a bad parameter's message in French, its tag kept"),
        (r"^workload : tâche 1 : la durée manque ou n'est pas un nombre \(chaque tâche s'écrit ", "a bad workload"),
        (r"^workload : tâche 3 : la dernière arrivée plus toutes les durées restent sous 2048 ticks .*"
         r"ou l'une de : course, exercise, mixed, random\)", "a long workload message in French, whole"),
        (r"^exec : nosuch : ENOENT \(aucun programme de ce nom\)\. ", "an error code's meaning in French"),
        (r"^trace : les 2 derniers des \d+ événements \(tick, tâche, événement\)$", "trace's header in French"),
        (r"^\s+\d+\s+\S+\s+(se réveille|se bloque sur \S+|se termine|arrive|trouve \S+ pris|"
         r"(préemptée|a cédé|bloquée|endormie|terminée) -> \S+)$", "trace's events in French"),
        (r"^lang: English from now on$", "lang en"),
        (r"^Commands:$", "help in English again"),
    ])
    helps = re.findall(r"^(?:Commandes :|Commands:)\n((?:  .*\n|[A-Z].*\n)*)", sh, re.M)
    for row in "".join(helps).splitlines():
        if len(row) > 80:
            problems.append(f"a line of help wider than the screen's 80 columns: {row!r}")
    # The VGA screen, in its code page: the same header, accents and all.
    # Then ps, typed on the keyboard: capitals the font lacks (Ê) lose their accent, É stays.
    _, _, out = boot_with_monitor(name + "-vga", "run=workload sched=rr quantum=2 lang=fr hz=1000", "tourniquet> ",
                                  [SCREEN, "sendkey p", "sendkey s", "sendkey ret", "wait 1", SCREEN, "quit"],
                                  settle=0.3)
    rows = vga_screens(out, codepage=True)
    if not rows or not any(r.startswith(FR_HEADER) for r in rows[0]):
        problems.append(Problem("the French header is not on the VGA screen, accents in code page 437",
                                [f"    screen | {r.rstrip()}" for r in (rows[0] if rows else [])]))
    ps = [r.rstrip() for r in (rows[-1] if len(rows) > 1 else [])]
    if not any(re.match(r"^    0  idle +PRETE +\d+ +0$", r) for r in ps) or \
            not any(re.match(r"^    1  \S+ +ÉLUE +\d+ +0$", r) for r in ps):
        problems.append(Problem("ps on the VGA screen: expected idle PRETE (Ê has no glyph) and the shell ÉLUE",
                                [f"    screen | {r}" for r in ps[-8:]]))
    return result(name, problems[:6], log=log_path(name))


# ---- The course map (docs/course.md, docs/cours.md) ----------------------------

COURSE_GUIDES = ("docs/course.md", "docs/cours.md")
# The two course documents' parts: the scheduling one's numbered sections,
# the other's 43 slides. Each guide must give every one a heading.
COURSE_SECTIONS = ("1.", "2.", "3.", "4.", "4.1", "4.2", "5.")
COURSE_SLIDES = 43


def course_blocks(path):
    """The ```tq blocks of a course guide, in order: (line number, CPUs,
    command line, typed shell lines, expected lines with "..." for a gap)."""
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() != "```tq":
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i].rstrip())
            i += 1
        m = re.match(r'^\$ make boot (?:CPUS=(\d+) )?CMDLINE="([^"]*)"$', body[0] if body else "")
        if not m:
            blocks.append((start, None, body[0] if body else "", [], []))
        else:
            typed = [l[len("tourniquet> "):] for l in body[1:] if l.startswith("tourniquet> ")]
            blocks.append((start, int(m.group(1) or 1), m.group(2), typed, body[1:]))
        i += 1
    return blocks


def expected_in_order(out, expected):
    """Where `expected` (lines, "..." a gap) does not come out of `out`: each
    line exactly, in order, the lines between two gaps one after another.
    None if it all does."""
    got = [l.rstrip() for l in out.splitlines()]
    pos, adjacent = 0, False
    for e in expected:
        if e.strip() == "...":
            adjacent = False
            continue
        if adjacent:
            if pos < len(got) and got[pos] == e:
                pos += 1
                continue
            return e, pos
        try:
            pos = got.index(e, pos) + 1
        except ValueError:
            return e, None
        adjacent = True
    return None


def course_map_test():
    """docs/course.md and docs/cours.md map the whole course (a heading for
    every section and every slide), give the same commands, and every
    command prints the lines the guides quote, in order (booted under
    -icount, as the other boots: every run the same run)."""
    name = "course-map"
    problems, runs, seen = [], {}, {}
    for path in COURSE_GUIDES:
        if not os.path.exists(os.path.join(ROOT, path)):
            problems.append(f"{path} is missing")
            continue
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        sections = set(re.findall(r"^#{3,4} (\d\.\d?) ", text, re.M))  # "1." ... "4.1"
        for want in COURSE_SECTIONS:
            if want not in sections:
                problems.append(f"{path}: no heading for the scheduling course's section {want}")
        slides = set()
        for a, b in re.findall(r"^### (?:Slides?|Diapositives?) (\d+)(?:-(\d+))?", text, re.M):
            slides.update(range(int(a), int(b or a) + 1))
        if sorted(set(range(1, COURSE_SLIDES + 1)) - slides):
            problems.append(f"{path}: no heading for slide(s) "
                            f"{sorted(set(range(1, COURSE_SLIDES + 1)) - slides)} of communication-interprocessus")
        blocks = course_blocks(path)
        if not blocks:
            problems.append(f"{path} has no tq block")
        seen[path] = [(cpus, cmdline, tuple(typed)) for _, cpus, cmdline, typed, _ in blocks]
        for line, cpus, cmdline, typed, expected in blocks:
            if cpus is None:
                problems.append(f"{path}:{line}: a tq block must start with $ make boot [CPUS=N] CMDLINE=\"...\", "
                                f"not {cmdline!r}")
                continue
            key = (cpus, cmdline, tuple(typed))
            if key not in runs:
                extra = ["-smp", str(cpus)] if cpus > 1 else []
                shell = "run=shell" in cmdline.split()
                status, raw = boot(f"{name}-{len(runs) + 1}", cmdline, extra=extra, exit=not shell,
                                   typed="".join(t + "\n" for t in typed) + "halt\n" if shell else None)
                runs[key] = (status, clean(raw), log_path(f"{name}-{len(runs) + 1}"))
            status, out, log = runs[key]
            if status != 33:
                problems.append(Problem(f"{path}:{line}: {cmdline}: exit status {status}, expected 33 "
                                        f"(log: {os.path.relpath(log, ROOT)})", tail(out)))
                continue
            wrong = expected_in_order(out, expected)
            if wrong:
                what, at = wrong
                where = "nowhere after the lines before it" if at is None else f"not right after the line before it"
                problems.append(Problem(f"{path}:{line}: {cmdline}: {what.strip()!r} comes out {where} "
                                        f"(log: {os.path.relpath(log, ROOT)})", tail(out)))
    if len(seen) == 2 and seen[COURSE_GUIDES[0]] != seen[COURSE_GUIDES[1]]:
        problems.append(f"{COURSE_GUIDES[0]} and {COURSE_GUIDES[1]} do not give the same commands in the same order")
    return result(name, problems, log=log_path(name))


CHECKS = [
    ("kernel-no-std", no_std_test),
    ("gdb-switch", gdb_test),
    ("gdb-commands", gdb_commands_test),
    ("gdb-lab-switch", gdb_lab_switch_test),
    ("gdb-smp-threads", gdb_threads_test),
    ("gdb-cpus", gdb_cpus_test),
    ("smp-late-ap", late_ap_test),
    ("gdb-no-target", gdb_no_target_test),
    ("gdb-any-folder", gdb_any_folder_test),
    ("readme-bench", readme_bench_test),
    ("gdb-count-switch", gdb_count_switch_test),
    ("course-map", course_map_test),
    ("lang-fr", lang_fr_test),
    ("lab-guides", lab_guides_test),
    ("lab-keys", lab_keys_test),
    ("lab-no-leak", lab_no_leak_test),
    ("harness-no-orphans", no_orphans_test),
    ("sim-options", sim_options_test),
    ("tools-bad-input", tools_bad_input_test),
    ("lab-grader", lab_grader_test),
    ("gantt-io-levels", gantt_io_levels_test),
    ("web", web_test),
    ("make-debug-ctrl-c", make_debug_ctrl_c_test),
    ("shell-demo-verdicts", shell_demo_verdicts_test),
    ("shell-workload-cpus2", shell_workload_cpus2_test),
    ("shell-fuzz", shell_fuzz_test),
    ("grub-iso", grub_test),
    ("grub-submenu", grub_submenu_test),
    ("vscode-launch", vscode_test),
    ("shell", shell_test),
    ("vga-live-view", vga_live_view_test),
    ("vga-glyphs", vga_glyphs_test),
    ("shell-keyboard", keyboard_test),
    ("serial-ctrl-c", serial_ctrl_c_test),
    ("trace-gantt", trace_gantt_test),
    ("trace-json-names", trace_json_names_test),
    ("smp-input", smp_input_test),
]
