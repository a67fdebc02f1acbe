"""The test runner's machinery: results, logs, booting QEMU, GDB, KTAP, running checks in parallel.

Nothing here knows which boots or checks exist (that is tests/boots.py and
tests/integration.py); it knows how to boot, how to look at a transcript, and
how to say what was wrong.

A check is a function that returns a Result (or a list of them). It builds
that Result with `result()`, the one way to say pass, fail or skip: a failure
carries its problems, and each problem says what was expected and shows the
transcript lines nearest to it, so a FAIL line can be understood without
opening the log.

Boots run under `-icount shift=0,sleep=off`: the guest clock advances one
nanosecond per instruction, so every run of a given kernel and command line is
the same run.
"""
import concurrent.futures
import ctypes
import glob
import os
import re
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
KERNEL = os.path.join(BUILD, "tourniquet.elf")
ISO = os.path.join(BUILD, "tourniquet.iso")
SIM = os.path.join(BUILD, "tourniquet-sim")
LOGS = os.path.join(BUILD, "test-logs")
QEMU = os.environ.get("QEMU", "qemu-system-i386")
QEMU_BASE = [QEMU, "-m", "64", "-no-reboot", "-display", "none",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
ICOUNT = ["-icount", "shift=0,sleep=off"]

# QEMU's exit status through isa-debug-exit, in words.
STATUS = {33: "pass", 35: "a test failed", 37: "kernel panic"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

CONTEXT_LINES = 2      # lines shown on each side of the nearest match
TAIL_LINES = 6         # lines shown from the end when nothing matches nearby
MAX_DETAILED = 3       # problems of one check shown with their lines


# ---- Results -----------------------------------------------------------------

class Problem:
    """One thing wrong with a check: why (one line) and the lines that show it."""

    def __init__(self, why, lines=()):
        self.why, self.lines = why, list(lines)


class Result:
    """One check's outcome: outcome is "pass", "fail" or "skip"; why is one
    line (the problems, or the reason for a skip); detail is the lines to
    print under a failure."""

    def __init__(self, name, outcome, why="", detail=()):
        self.name, self.outcome, self.why, self.detail = name, outcome, why, list(detail)


def result(name, problems=(), log=None, text=None, skip=None):
    """The one way a check reports. With `skip`, a skip for that reason; with
    no problems, a pass; otherwise a failure: the problems' reasons on one
    line with the log's path, and under it the lines each problem carries (at
    most MAX_DETAILED of them), or, when none carries any, the last lines of
    `text`. A problem may be a plain string."""
    if skip is not None:
        return Result(name, "skip", skip)
    problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
    if not problems:
        return Result(name, "pass")
    why = "; ".join(p.why for p in problems)
    if log:
        why += f" (log: {os.path.relpath(log, ROOT)})"
    blocks = []
    for p in problems:
        if p.lines and p.lines not in blocks:  # problems shown by the same lines show them once
            blocks.append(p.lines)
    # A block whose transcript lines another block shows too (the last lines
    # and the lines around a panic, say) is left out.
    numbered = [{line[5:] for line in b if " | " in line} for b in blocks]  # without the ">" mark
    blocks = [b for i, b in enumerate(blocks)
              if not (numbered[i] and any(j != i and numbered[i] < numbered[j] for j in range(len(blocks))))]
    detail = [line for block in blocks[:MAX_DETAILED] for line in block]
    if len(blocks) > MAX_DETAILED:
        detail.append(f"  ... and {len(blocks) - MAX_DETAILED} more")
    if not blocks and text:
        detail = tail(text)
    return Result(name, "fail", why, detail)


# ---- Transcripts: what was expected, and what came nearest ---------------------

def clean(raw):
    """A serial transcript without colours and carriage returns."""
    return ANSI.sub("", raw).replace("\r", "")


def excerpt(lines, first, last, mark=()):
    """Lines first..last (0-based, inclusive), numbered, those in `mark` flagged."""
    first, last = max(0, first), min(len(lines) - 1, last)
    return [f"    {'>' if i in mark else ' '}{i + 1:5} | {lines[i][:160]}" for i in range(first, last + 1)]


def tail(text, n=TAIL_LINES):
    """The last n lines of a transcript, numbered, under a heading."""
    lines = text.rstrip("\n").splitlines()
    if not lines:
        return ["    (the transcript is empty)"]
    return [f"    last {min(n, len(lines))} of {len(lines)} lines:"] + excerpt(lines, len(lines) - n, len(lines) - 1)


def nearest(pattern, text):
    """Where `pattern` comes closest to matching `text`: the longest prefix of
    the regular expression that matches somewhere (at least 4 characters of
    text), as (prefix, first line, last line), or None."""
    for end in range(len(pattern) - 1, 0, -1):
        try:
            rx = re.compile(pattern[:end], re.M)
        except re.error:
            continue
        m = rx.search(text)
        if m and m.end() - m.start() >= 4:
            first = text.count("\n", 0, m.start())
            return pattern[:end], first, first + m.group(0).count("\n")
    return None


def missing(pattern, text, why=None):
    """A Problem for a pattern absent from `text`: the expected pattern, and
    the lines around its best partial match (or the last lines)."""
    reason = f"{why}: expected /{pattern}/" if why else f"missing /{pattern}/"
    lines = text.splitlines()
    near = nearest(pattern, text)
    if near is None:
        return Problem(reason, [f"  expected /{pattern}/, nothing close;"] + tail(text))
    prefix, first, last = near
    return Problem(reason, [f"  expected /{pattern}/", f"  matches only as far as /{prefix}/, at line {first + 1}:"]
                   + excerpt(lines, first - CONTEXT_LINES, last + CONTEXT_LINES, mark=range(first, last + 1)))


def expect_all(text, patterns):
    """Problems for the patterns absent from `text` (re.M). Each is a regular
    expression, or a (regular expression, what its absence means) pair."""
    problems = []
    for p in patterns:
        pattern, why = p if isinstance(p, tuple) else (p, None)
        if not re.search(pattern, text, re.M):
            problems.append(missing(pattern, text, why))
    return problems


def at_line(why, text, index, before=CONTEXT_LINES, after=CONTEXT_LINES):
    """A Problem shown by the lines around line `index` (0-based) of `text`."""
    lines = text.splitlines()
    return Problem(why, [f"  at line {index + 1}:"] + excerpt(lines, index - before, index + after, mark=[index]))


# ---- Logs --------------------------------------------------------------------

def log_path(name):
    """build/test-logs/NAME.log, the directory made if need be."""
    os.makedirs(LOGS, exist_ok=True)
    return os.path.join(LOGS, name + ".log")


def write_log(name, text):
    """Keep `text` as NAME's log; return the log's path."""
    path = log_path(name)
    with open(path, "w") as f:
        f.write(text)
    return path


# ---- Booting QEMU --------------------------------------------------------------

def kernel_path(kernel):
    """A kernel given relative to the top of the tree (or absolute), as a
    path relative to it: QEMU runs there (cwd=ROOT), and the kernel's
    command line (which starts with this path) and its modules' names are
    then the same in every checkout. (They are parsed and printed at boot:
    a longer path moves every later instruction count, the timer's phase
    in make bench's figures among them.)"""
    return os.path.relpath(kernel if os.path.isabs(kernel) else os.path.join(ROOT, kernel), ROOT)


def initrd(kernel):
    """QEMU's -initrd for `kernel`: the user programs built beside it
    (BUILD/user/*.elf, as the Makefile's INITRD), or nothing if none are;
    relative to ROOT, as kernel_path."""
    progs = sorted(glob.glob(os.path.join(ROOT, os.path.dirname(kernel_path(kernel)), "user", "*.elf")))
    return ["-initrd", ",".join(os.path.relpath(p, ROOT) for p in progs)] if progs else []


try:  # (looked up here, not in the child: between fork and exec it only calls it)
    _prctl = ctypes.CDLL(None).prctl
except (OSError, AttributeError):
    _prctl = None  # (not Linux: the orphans are the caller's to mind)


def die_with_us():
    """In a child, before it runs QEMU: it gets SIGKILL when this runner
    ends, however it ends (a runner killed by a signal used to leave its
    QEMU spinning for ever, a core lost to the next run's figures)."""
    if _prctl:
        _prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG


def host_cores_only(n):
    """A preexec_fn that keeps a child on n of the host cores we may use
    (None: no restriction), and that dies with us (die_with_us)."""
    if n is None:
        return die_with_us
    cores = sorted(os.sched_getaffinity(0))[:n]
    return lambda: (die_with_us(), os.sched_setaffinity(0, cores))


def boot(name, cmdline, timeout=60, extra=(), kernel=KERNEL, icount=True, typed=None, exit=True, host_cores=None):
    """Boot `kernel` with `-kernel`, `cmdline` (plus " exit=1" when `exit`),
    the serial console on a pipe, the extra QEMU arguments `extra`, under
    -icount when `icount`, and `typed` (a string) typed into COM1; with
    `host_cores`, QEMU may use only that many of the host's cores. Return
    (exit status, raw serial text); the status is None after a timeout. The
    log starts with the QEMU command."""
    cmd = QEMU_BASE + ["-monitor", "none"] + (ICOUNT if icount else []) + \
        ["-serial", "stdio", "-kernel", kernel_path(kernel)] + initrd(kernel) + \
        ["-append", cmdline + (" exit=1" if exit else "")] + list(extra)
    try:
        p = subprocess.run(cmd, input=typed.encode() if typed is not None else None, capture_output=True,
                           timeout=timeout, preexec_fn=host_cores_only(host_cores), cwd=ROOT)
        status, out = p.returncode, p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        status, out, err = None, (e.stdout or b"").decode("utf-8", "replace"), ""
    pinned = f"(on {host_cores} host core(s)) " if host_cores else ""
    write_log(name, f"$ {pinned}{' '.join(cmd)}\n{out}{err}")
    return status, out


def status_problem(status, expected, timeout, text):
    """A Problem when QEMU's exit status is not `expected`, or None."""
    if status is None:
        return Problem(f"timeout after {timeout}s", tail(text))
    if status != expected:
        seen = STATUS.get(status, "no debug-exit: triple fault or reset?" if status == 0 else "?")
        return Problem(f"exit status {status} ({seen}), expected {expected} ({STATUS.get(expected, '?')})",
                       tail(text))
    return None


def boot_with_monitor(name, cmdline, wait_for, commands, settle=0.0, timeout=60, kernel=KERNEL, extra=()):
    """Boot with QEMU's monitor on a pipe and the serial console in NAME's log;
    once `wait_for` shows on the console (or after `timeout` seconds), wait
    `settle` seconds and send the monitor `commands`, the last of which should
    end QEMU; a command "wait S" is not sent but waits S seconds (for keys
    to reach the guest before the screen is read). Return (exit status,
    clean serial text, monitor output)."""
    serial = log_path(name)
    if os.path.exists(serial):
        os.remove(serial)
    q = subprocess.Popen(QEMU_BASE + ICOUNT + ["-monitor", "stdio", "-serial", "file:" + serial,
                                               "-kernel", kernel_path(kernel)] + initrd(kernel) +
                         ["-append", cmdline] + list(extra),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                         preexec_fn=die_with_us)
    deadline = time.time() + timeout
    while time.time() < deadline and not (os.path.exists(serial) and wait_for in open(serial, errors="replace").read()):
        time.sleep(0.1)
    time.sleep(settle)
    while commands and any(c.startswith("wait ") for c in commands):
        c, commands = commands[0], commands[1:]
        if c.startswith("wait "):
            time.sleep(float(c.split()[1]))
        else:
            q.stdin.write((c + "\n").encode())
            q.stdin.flush()
    try:
        out = q.communicate("".join(c + "\n" for c in commands).encode(), timeout=30)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        q.kill()
        q.wait()
        out = ""
    text = clean(open(serial, errors="replace").read()) if os.path.exists(serial) else ""
    return q.returncode, text, out


# ---- Batch GDB against QEMU's stub ---------------------------------------------

def free_port():
    """A TCP port nobody listens on, for one GDB stub."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_session(name, cmdline, commands, kernel=KERNEL, extra=(), serial=None):
    """Boot paused under QEMU's GDB stub (with the extra QEMU arguments
    `extra`), run batch GDB with the project's script and these commands,
    and return (and log) what GDB printed. With `serial` (a path), the
    kernel's serial output goes to that file."""
    port = free_port()
    qemu = subprocess.Popen(QEMU_BASE + ["-monitor", "none"] + ICOUNT +
                            ["-serial", f"file:{serial}" if serial else "null", "-kernel", kernel_path(kernel)] +
                            initrd(kernel) +
                            ["-append", cmdline, "-S", "-gdb", f"tcp:127.0.0.1:{port}"] + list(extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, preexec_fn=die_with_us)
    args = ["gdb", "-q", "-batch", "-nx", "-x", "tools/gdb/tourniquet.gdb"]
    for c in [f"tourniquet-connect {port}"] + commands + ["kill"]:
        args += ["-ex", c]
    args.append(kernel_path(kernel))
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=ROOT)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        out = "gdb timed out"
    finally:
        qemu.kill()
        qemu.wait()
    write_log(name, out)
    return out


def gdb_shapes(numbered):
    """(line number, line) pairs as GDB prints them, compared by shape: every
    hexadecimal number masked (addresses differ from build to build, the
    guides say), spaces collapsed, and a structure GDB prints over several
    lines (`$1 = {` ... `}`) joined into one."""
    out, joined = [], None
    for n, line in numbered:
        if joined is not None:
            joined[1].append(line.strip())
            if line.strip().endswith("}"):
                out.append((joined[0], " ".join(joined[1])))
                joined = None
            continue
        if re.match(r"^\$\d+ = \{", line) and not line.rstrip().endswith("}"):
            joined = (n, [line.strip()])
            continue
        out.append((n, line))
    shape = lambda l: re.sub(r"\{ ", "{", re.sub(r" \}", "}", " ".join(re.sub(r"0x[0-9a-f]+", "0x_", l).split())))
    return [(n, shape(l)) for n, l in out]


def gdb_shapes_align(shown, out):
    """Follow `shown` (gdb_shapes of what a guide says GDB prints, in order)
    through GDB's output `out`: (moved, lost). moved lists, as (line,
    shown, GDB's), each shown line GDB prints with other numbers (a line
    moved in the source, an offset); lost is (line, shown, whether GDB
    prints it at all, if not there) for the first line GDB does not print
    in any form, which stops the walk, or None."""
    got = [l for _, l in gdb_shapes(list(enumerate(out.splitlines(), 1)))]
    masked = [re.sub(r"\d+", "N", g) for g in got]
    pos, moved = 0, []
    for n, want in shown:
        if want in got[pos:]:
            pos = got.index(want, pos) + 1
            continue
        like = re.sub(r"\d+", "N", want)
        if like not in masked[pos:]:
            return moved, (n, want, want in got)
        pos = masked.index(like, pos) + 1
        moved.append((n, want, got[pos - 1]))
    return moved, None


def gdb_shapes_missing(shown, out):
    """Where `shown` and GDB's output `out` part (gdb_shapes_align): None if
    GDB prints every line, in that order; else (what is wrong, [the
    corrections]), every moved line with GDB's numbers, so that the guide
    can be mended in one pass."""
    moved, lost = gdb_shapes_align(shown, out)
    fixes = [f"    line {m}: {w!r} -> {g!r}" for m, w, g in moved]
    if lost:
        n, want, elsewhere = lost
        return f"{n} shows {want!r}, which GDB does not print {'there' if elsewhere else 'in any form'}", fixes
    if not moved:
        return None
    return f"{moved[0][0]} and {len(moved) - 1} more show other numbers than GDB prints now", fixes


# ---- KTAP ----------------------------------------------------------------------

def ktap_problems(out, complete=True):
    """What is wrong with the KTAP report in `out`: when `complete`, a header,
    a plan, as many results as planned and no `not ok`; otherwise (a boot
    that ends in an expected panic) only a plan."""
    plan = re.search(r"^1\.\.(\d+)$", out, re.M)
    if not complete:
        return [] if plan else [Problem("no KTAP plan", tail(out))]
    problems = []
    if "KTAP version 1" not in out:
        problems.append(Problem("no 'KTAP version 1' header", tail(out)))
    if not plan:
        problems.append(Problem("no KTAP plan '1..N'", tail(out)))
        return problems
    results = list(re.finditer(r"^(ok|not ok) (\d+) (\S+)", out, re.M))
    failed = [m for m in results if m.group(1) == "not ok"]
    if failed:
        line = out.count("\n", 0, failed[0].start())
        problems.append(at_line("not ok: " + ", ".join(m.group(3) for m in failed), out, line, before=4, after=0))
    if len(results) != int(plan.group(1)):
        problems.append(Problem(f"plan says {plan.group(1)} tests, {len(results)} reported", tail(out)))
    return problems


# ---- A boot and what its transcript must show ------------------------------------

class Boot:
    """One row of a boot table: boot `kernel` with `cmdline exit=1` and the
    extra QEMU arguments `extra` (under -icount unless `icount` is False);
    expect exit status `status`, a KTAP report (when `ktap`), every pattern
    in `expect` (regular expressions, re.M), and no problem from `check` (a
    function of the transcript returning a list of problems). No panic
    unless the status is 37. With `host_cores`, QEMU runs on that many host
    cores only."""

    def __init__(self, name, cmdline, status=33, ktap=True, expect=(), check=None, timeout=60, extra=(),
                 kernel=KERNEL, icount=True, host_cores=None):
        self.name, self.cmdline, self.status, self.ktap = name, cmdline, status, ktap
        self.expect, self.check, self.timeout = expect, check, timeout
        self.extra, self.kernel, self.icount, self.host_cores = extra, kernel, icount, host_cores

    def run(self):
        name = "boot/" + self.name
        if not os.path.exists(os.path.join(ROOT, kernel_path(self.kernel))):
            return result(name, [f"no kernel at {kernel_path(self.kernel)}"])
        status, raw = boot(self.name, self.cmdline, self.timeout, self.extra, self.kernel, self.icount,
                           host_cores=self.host_cores)
        out = clean(raw)
        problems = [p for p in [status_problem(status, self.status, self.timeout, out)] if p]
        if self.status != 37:
            panics = [i for i, line in enumerate(out.splitlines()) if "PANIC" in line]
            if panics:
                problems.append(at_line("unexpected panic: " + out.splitlines()[panics[0]], out, panics[0], before=6))
        if self.ktap:
            problems += ktap_problems(out, complete=self.status == 33)
        problems += expect_all(out, self.expect)
        if self.check and not problems:
            problems += self.check(out)
        return result(name, problems, log=log_path(self.name), text=out)


# ---- Running checks in parallel --------------------------------------------------

def run_jobs(jobs, workers, out=sys.stdout):
    """Run the (name, function) jobs on `workers` threads; print each result
    as its job finishes, as "[k/N] PASS name" (the failures with their
    detail), then the failures' names and the counts line "N passed, N
    failed[, N skipped]". Return the number of failures."""
    start = time.time()
    count = {"pass": 0, "fail": 0, "skip": 0}
    failures = []

    def run_one(job):
        name, fn = job
        try:
            rs = fn()
        except Exception as e:  # a bug in a check is that check's failure, not the run's end
            rs = result(name, [f"the check raised {type(e).__name__}: {e}"])
        return rs if isinstance(rs, list) else [rs]

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(run_one, job) for job in jobs]
        for done, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            progress = f"[{done}/{len(jobs)}]"
            for r in fut.result():
                count[r.outcome] += 1
                if r.outcome == "pass":
                    print(f"{progress} PASS {r.name}", file=out)
                elif r.outcome == "skip":
                    print(f"{progress} SKIP {r.name}: {r.why}", file=out)
                else:
                    failures.append(r.name)
                    print(f"{progress} FAIL {r.name}: {r.why}", file=out)
                    for line in r.detail:
                        print(line, file=out)
            out.flush()
    print(f"# {time.time() - start:.0f}s; serial transcripts in build/test-logs/", file=out)
    if failures:
        print("# failed: " + " ".join(failures), file=out)
    print(f"{count['pass']} passed, {count['fail']} failed" + (f", {count['skip']} skipped" if count["skip"] else ""),
          file=out)
    return count["fail"]
