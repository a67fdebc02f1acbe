#!/usr/bin/env python3
"""Labs a course can hand out and grade: make handout LAB=NAME, make grade LAB=NAME.

This repository is the teacher's tree: it holds every lab's solution. In its
sources, the code a student writes is marked

    /* LAB(name) BEGIN: what to write */
    ...the solution...
    /* LAB(name) STUB
    ...what the student starts from (it must compile)...
    LAB(name) END */

`handout NAME` copies the tree (the files git knows, or every file when there is
no git) into build/handout-NAME/, puts each STUB of that lab in the place of its
solution, and packs build/handout-NAME.tar.gz. Other labs' markers stay as they
are (their solutions too: a student of one lab gets a working kernel around it).
Tests and guides are kept, so a student runs the same checks as the grader.

`grade NAME` runs that lab's checks (the table LABS below: QEMU boots, each with
the lines it must print), prints each with its points and a total
(`spinlock: 45/100`), and writes build/grade-NAME.json for a course's system to
collect. A failed check says what it expected, what the kernel printed nearest
to it, and the command that replays it.

    tools/lab.py list
    tools/lab.py handout NAME [--out DIR]
    tools/lab.py grade NAME [--json FILE]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

# The ticket case's verdict and figures (smprace prints the figures after it).
TICKET_LINES = r"smp-ticket$|^# cpus=\d+ total=\d+ expected=\d+ lost=\d+ overlaps=\d+ ticks=\d+ acquisitions=\d+ spins=\d+ tickets=\d+ served=\d+$"
# The fairness case's verdict and what it printed after (the order it saw).
FIFO_LINES = r"smp-ticket-fifo$|^# cpus=\d+ rounds=|^# (gave up|abandon) ?: |^# (round|tour) \d+ ?: "

# A check: `points`, a kernel command line, the QEMU CPUs, whether the CPUs run
# truly in parallel (multi-threaded TCG, no -icount), and the lines (regular
# expressions) the serial console must show. The exit status is not looked at:
# a failed check of another demo in the same boot is not the lab's.
LABS = {
    "spinlock": {
        "title": "Spinlocks on several CPUs: the ticket lock",
        "guide": "docs/lab-spinlock.md",
        "checks": [
            {"name": "ticket-2cpus", "points": 20, "cmdline": "run=smprace cpus=2 hz=1000", "cpus": 2,
             "what": "two CPUs add 4,000 each to one counter under the ticket lock: the total is exact, "
                     "a ticket taken and served per acquisition",
             "expect": [r"^ok \d+ smp-ticket$"], "show": TICKET_LINES},
            {"name": "ticket-4cpus", "points": 20, "cmdline": "run=smprace cpus=4 hz=1000", "cpus": 4,
             "what": "the same on four CPUs",
             "expect": [r"^ok \d+ smp-ticket$"], "show": TICKET_LINES},
            {"name": "ticket-fifo", "points": 20, "cmdline": "run=smprace cpus=4 hz=1000", "cpus": 4,
             "what": "fair: with three CPUs queued behind the holder in a known order, the lock lets them in in "
                     "exactly that order, every round, its counters wrapping past 65,535",
             "expect": [r"^ok \d+ smp-ticket-fifo$"], "show": FIFO_LINES},
            {"name": "ticket-parallel", "points": 20, "cmdline": "run=smprace cpus=4 hz=1000", "cpus": 4,
             "mttcg": True, "timeout": 300,  # (seconds on 2 host cores; up to 2 minutes seen on one)
             "what": "four CPUs truly in parallel (multi-threaded TCG): exact, nobody inside together, "
                     "the tickets add up, served in order",
             "expect": [r"^ok \d+ smp-ticket$", r"^ok \d+ smp-ticket-fifo$"],
             "show": TICKET_LINES + "|" + FIFO_LINES},
            {"name": "ticket-others-unharmed", "points": 20, "cmdline": "run=smprace cpus=2 hz=1000", "cpus": 2,
             "what": "the other locks and the misuse checks still work beside yours (which must work too: "
                     "no points for a stub)",
             "expect": [r"^ok \d+ smp-ticket$", r"^ok \d+ smp-xchg$", r"^ok \d+ smp-tsl$", r"^ok \d+ smp-ttas$",
                        r"^ok \d+ smp-mutex$"],
             "absent": [r"MISUSE"]},
        ],
    },
}

def verdict(name):
    """What to quote when a KTAP verdict is missing: its own line, a panic, a report."""
    return rf"^(not )?ok \d+ {name}\b|^PANIC|^DEADLOCK|^STALL:"


def ktap_check(name, points, cmdline, test, what, **more):
    """A check passed by the KTAP line "ok N test" (an in-kernel test or a demo's verdict)."""
    return dict({"name": name, "points": points, "cmdline": cmdline, "timeout": 20, "what": what,
                 "expect": [rf"^ok \d+ {test}$"], "show": verdict(test)}, **more)


LABS["switch"] = {
    "title": "The context switch: arch_switch and a new task's first run",
    "guide": "docs/lab-context-switch.md",
    "checks": [
        {"name": "saved-context", "points": 20, "cmdline": "test=sleep hz=1000",
         "gdb": ["tq-break-switch nap", "continue", "continue", "tq-bt ktest"],
         "what": "in batch GDB, a task that blocked unwinds from its saved context into its own code (tq-bt)",
         "expect": [r"task 'ktest' \(id 1\), BLOCKED, would resume at", r"#\d+ .* ktest_sleep \(\) at "],
         "show": r"^#\d+ |would resume|timed out|^Python Exception"},
        ktap_check("first-run", 20, "test=join hz=1000", "join",
                   "new tasks start in their function and their exit is joined", timeout=15),
        ktap_check("yield", 20, "test=yield hz=1000", "yield",
                   "tasks that yield take turns, each resuming where it left off", timeout=15),
        ktap_check("preempt", 20, "test=preempt quantum=3 hz=1000", "preempt",
                   "the timer switches tasks that never yield, in every window of a few quanta", timeout=15),
        ktap_check("kill-4cpus", 20, "test=kill cpus=4 hz=1000", "kill",
                   "four CPUs switching at once: tasks killed while they run, sleep or wait end and are joined", cpus=4),
    ],
}

# The synchronization lab: the demos' own verdicts.
LABS["sync"] = {
    "title": "Synchronization primitives: the semaphore, the mutex, the condition variable, the barrier",
    "guide": "docs/lab-sync.md",
    "checks": [
        ktap_check("semaphore-exclusion", 10, "run=race hz=1000", "race-semaphore",
                   "four tasks x 100 increments under a semaphore of 1: exact, nobody inside together"),
        ktap_check("semaphore-prodcons", 10, "run=prodcons hz=1000", "semaphores",
                   "producer-consumer with three semaphores: nothing lost, nothing twice"),
        ktap_check("semaphore-policies-jitter", 10, "run=prodcons sched=lottery jitter=20 seed=7 hz=1000", "semaphores",
                   "the same under lottery scheduling with a jittered clock: other interleavings"),
        ktap_check("mutex-exclusion", 15, "run=race hz=1000", "race-mutex",
                   "four tasks x 100 increments under a mutex, preempted inside: exact, each waiter handed the mutex"),
        ktap_check("mutex-owner", 10, "run=misuse hz=1000", "unlock-not-owner",
                   "a task that unlocks another's mutex gets one MISUSE line, and the mutex stays the owner's"),
        ktap_check("condition-prodcons", 15, "run=prodcons sched=prio hz=1000", "condition-variables",
                   "producer-consumer with a mutex and two condition variables, under prio"),
        ktap_check("condition-broadcast", 10, "run=barrier hz=1000", "condition-broadcast",
                   "cond_signal wakes exactly one waiter, cond_broadcast every one"),
        ktap_check("barrier-phases", 10, "run=barrier hz=1000", "barrier-phases",
                   "4 tasks, 5 phases: nobody starts a phase before all have ended the last; one serial task each"),
        ktap_check("barrier-policies-jitter", 10, "run=barrier sched=fair jitter=25 seed=3 hz=1000", "barrier-phases",
                   "the same under fair scheduling with a jittered clock"),
    ],
}

LABS["classics"] = {
    "title": "The classic problems, against the public API",
    "guide": "docs/lab-classics.md",
    "checks": [
        ktap_check("producer-consumer", 20, "run=prodcons hz=1000", "semaphores",
                   "two producers, two consumers, three semaphores: every item consumed once, none lost"),
        {"name": "producer-consumer-process", "points": 20, "cmdline": "run=prog:threads hz=1000", "timeout": 60,
         "what": "the same from ring 3 (user/threads.c, POSIX semaphores): every item once, in order",
         "expect": [r"^ok \d+ producer/consumer: every item once, in order$"], "show": r"producer/consumer"},
        ktap_check("philosophers-ordered", 20, "run=philosophers hz=1000", "philosophers-ordered",
                   "five philosophers with a fork order: every meal eaten, no deadlock"),
        ktap_check("philosophers-state-array", 20, "run=philosophers sched=lottery hz=1000", "philosophers-state-array",
                   "the state array (Tanenbaum's): never two neighbours eating, under lottery"),
        ktap_check("readers-writers", 20, "run=readers-writers sched=fair jitter=20 seed=5 hz=1000",
                   "readers-writers-monitor",
                   "the monitor: no torn read, writers alone, readers together, none ahead of a waiting writer"),
        ktap_check("sleeping-barber", 20, "run=barber hz=1000", "sleeping-barber",
                   "the chairs are never over-filled; each customer is served or leaves, once"),
    ],
}

# The policy lab: the conformance suite as a gate (a policy that breaks the
# scheduler's contract gets nothing), then the answer keys of
# docs/lab-policy-keys.txt, which share the points.
KEYS = os.path.join(ROOT, "docs", "lab-policy-keys.txt")


# What a RESULT line can say (kernel/sched/workload.c, workload_report): a
# key word of an answer key that it never prints could never pass.
RESULT_KEYS = {"workload", "cpus", "schedule", "avg_turnaround", "avg_waiting", "avg_response", "switches", "idle",
               "migrations", "levels", "quantum", "aging", "boost", "seed"}


def registered_policies():
    """The policies of kernel/sched/policies.c's POLICIES list, X(name) each."""
    text = open(os.path.join(ROOT, "kernel", "sched", "policies.c"), encoding="utf-8").read()
    return re.findall(r"^\s*X\((\w+)\)", text, re.M)


def policy_keys(path=KEYS, points=100):
    """The keys' checks. A mistake of the key file's (a policy that is not
    registered, a key word no RESULT line has) is told at once, with its
    line, rather than graded as the student's failure."""
    rows = []
    policies = registered_policies()
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        where = f"{os.path.relpath(path, ROOT)}:{n}"
        if len(words) < 3 or not all("=" in w for w in words[2:]):
            raise ValueError(f"{where}: expected 'POLICY WORKLOAD key=value...', got {line!r}")
        if words[0] not in policies:
            raise ValueError(f"{where}: no policy named {words[0]!r} in kernel/sched/policies.c "
                             f"(registered: {', '.join(policies)})")
        unknown = [w for w in words[2:] if w.split("=", 1)[0] not in RESULT_KEYS]
        if unknown:
            raise ValueError(f"{where}: a RESULT line never says {' '.join(unknown)} "
                             f"(its keys: {', '.join(sorted(RESULT_KEYS))})")
        rows.append((words[0], words[1], words[2:]))
    if not rows:
        raise ValueError(f"{os.path.relpath(path, ROOT)}: no answer key in it (a line 'POLICY WORKLOAD "
                         "key=value...' per case): the lab would grade nothing")
    checks = []
    for i, (policy, workload, want) in enumerate(rows):
        share = points // len(rows) + (1 if i < points % len(rows) else 0)
        checks.append({"name": f"key-{policy}-{i + 1}", "points": share, "timeout": 20,
                       "cmdline": f"run=workload sched={policy} workload={workload} hz=1000",
                       "what": f"{policy} on {workload}: " + " ".join(want),
                       # Each key=value a whole word of the RESULT line, in any order: a
                       # lookahead each (not "A:3" passing "A:3,B:6", nor the key's order
                       # deciding).
                       "expect": [r"^RESULT policy=" + re.escape(policy) + r" " +
                                  "".join(r"(?=(?:.* )?" + re.escape(w) + r"(?: |$))" for w in want)],
                       # (the kernel refusing the key's own command line: the workload, say)
                       "absent": [r"^cmdline: ", r"^workload: "],
                       "show": r"^RESULT |^  CPU |^PANIC|^cmdline: |^workload: "})
    return checks


def policy_keys_or_error():
    """The keys' checks; a malformed file is one failing check that says where."""
    try:
        return policy_keys()
    except (OSError, ValueError) as e:
        return [{"name": "answer-keys", "points": 100, "error": str(e), "cmdline": "",
                 "what": "the answer keys of docs/lab-policy-keys.txt"}]


LABS["policy"] = {
    "title": "A scheduling policy: highest response ratio next (and the teacher's choice)",
    "guide": "docs/lab-policy.md",
    "checks": [
        {"name": "conformance", "points": 0, "gate": True, "host": ("test_policies", "hrrn/"),
         "what": "the conformance suite on hrrn: nothing lost, ties, preemption, policy switches, two run queues"},
    ] + policy_keys_or_error(),
}

MARK = re.compile(r"LAB\((\w+)\) (BEGIN|STUB|END)\b")
SOURCE_EXT = (".c", ".h", ".S", ".asm", ".ld")


# ---- handout ------------------------------------------------------------------------

def strip_lab(text, lab, path, numbered=False, solutions=None):
    """text with every LAB(lab) solution replaced by its stub (numbered: as a
    list of (line number in text, line) instead); each solution taken out
    goes into the list `solutions`, if given, as its (line number, line)
    pairs. Raises ValueError for markers out of order, naming the file and
    line."""
    out, state, begin = [], "code", 0
    other_stub = False  # in another lab's stub: a comment of TODOs that are not this lab's
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        m = MARK.search(line)
        if other_stub:
            other_stub = not (m and m.group(2) == "END")
            continue
        if m and m.group(1) != lab and m.group(2) == "STUB" and line.strip().startswith("/*"):
            other_stub = True  # (its solution stays: the handout is the teacher's tree but for this lab)
            continue
        if m and m.group(1) == lab:
            want = {"code": "BEGIN", "solution": "STUB", "stub": "END"}[state]
            if m.group(2) != want:
                raise ValueError(f"{path}:{n}: LAB({lab}) {m.group(2)} where {want} was expected "
                                 f"(a region is BEGIN, solution, STUB, stub, END)")
            state = {"BEGIN": "solution", "STUB": "stub", "END": "code"}[m.group(2)]
            begin = begin if m.group(2) != "BEGIN" else n
            if state == "solution" and solutions is not None:
                solutions.append([])
            continue
        if state == "code" or state == "stub":
            out.append((n, line))
        elif solutions is not None:
            solutions[-1].append((n, line))
    if state != "code":
        raise ValueError(f"{path}:{begin}: LAB({lab}) BEGIN without its END")
    return out if numbered else "".join(line for _, line in out)


# In a handout's top folder: the lab it is a handout of. The checks that
# only make sense in the teacher's tree (lab-handouts) skip where it is.
HANDOUT_MARK = ".handout"

# A solution "leaks" into a handout when this many of its code lines in a row
# (or all of a shorter one) are still there once the stubs are in.
LEAK_RUN = 3


def code_lines(lines):
    """(line number, stripped text) of the code among (number, line) pairs:
    no blank lines, comments, lone braces or assembler directives."""
    return [(n, l.strip()) for n, l in lines
            if l.strip() and not l.strip().startswith(("/*", "*", "//", "}", "{", ".cfi"))]


def solution_leaks(lab, texts):
    """Where a handout of `lab` would still show one of its solutions: a
    solution of at most LEAK_RUN code lines, or LEAK_RUN lines in a row of a
    longer one, found again in the sources once the stubs are in (a second
    function doing the same, which a student would only have to copy).
    texts: {path: source}. Returns one line per leak."""
    runs = {}  # every run of 1 .. LEAK_RUN code lines of the handout: where it is
    solutions = {}  # path: the solutions strip_lab took out of it
    for path, text in texts.items():
        solutions[path] = []
        kept = code_lines(strip_lab(text, lab, path, numbered=True, solutions=solutions[path]))
        for k in range(1, LEAK_RUN + 1):
            for first, run in _runs(kept, k):
                runs.setdefault(run, f"{path}:{first}")
    leaks = []
    for path, taken in solutions.items():
        for solution in taken:
            lines = code_lines(solution)
            for first, run in _runs(lines, min(LEAK_RUN, len(lines))):
                if run in runs:
                    leaks.append(f"{path}:{first}: LAB({lab})'s solution ({' '.join(run)}) is also at "
                                 f"{runs[run]}, which the handout keeps")
    return leaks


def _runs(lines, k):
    """(first line number, texts) of every k lines in a row of (number, text) lines."""
    return [(lines[i][0], tuple(t for _, t in lines[i:i + k])) for i in range(len(lines) - k + 1)] if k else []


def tree_files():
    """The teacher tree's files (relative paths): what git tracks, or all."""
    try:
        p = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        files = [f for f in p.stdout.decode().split("\0") if f]
        if files:
            return [f for f in files if os.path.isfile(os.path.join(ROOT, f))]
    except (OSError, subprocess.CalledProcessError):
        pass
    skip = {"build", ".git", "node_modules"}
    files = []
    for d, dirs, names in os.walk(ROOT):
        dirs[:] = [x for x in dirs if x not in skip and not x.startswith("build-")]
        files += [os.path.relpath(os.path.join(d, n), ROOT) for n in names]
    return files


def check_out(out):
    """Why `out` may not receive a handout (it is emptied first), or None: it must be
    new, or an earlier handout (its HANDOUT_MARK), and not the tree or a folder of it."""
    real, root = os.path.realpath(out), os.path.realpath(ROOT)
    if not os.path.exists(real):
        return None
    if not os.path.isdir(real):
        return f"{out} exists and is not a folder"
    if os.path.commonpath([real, root]) == real:
        return f"{out} is the source tree or holds it: a handout's folder is emptied first"
    if not os.path.exists(os.path.join(real, HANDOUT_MARK)):
        return (f"{out} exists and is not an earlier handout (no {HANDOUT_MARK} in it): a handout's folder is "
                f"emptied first; name a new folder, or remove this one yourself")
    return None


def handout(lab, out):
    regions = 0
    why = check_out(out)
    if why:
        raise ValueError(why)
    if os.path.exists(out):
        shutil.rmtree(out)
    for rel in tree_files():
        src, dst = os.path.join(ROOT, rel), os.path.join(out, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if rel.endswith(SOURCE_EXT):
            text = open(src, encoding="utf-8").read()
            stripped = strip_lab(text, lab, rel)
            if stripped != text:
                regions += text.count(f"LAB({lab}) BEGIN")
            open(dst, "w", encoding="utf-8").write(stripped)
            shutil.copymode(src, dst)
        else:
            shutil.copy2(src, dst)
    if regions == 0:
        raise ValueError(f"no LAB({lab}) region in the sources: nothing for a student to write")
    with open(os.path.join(out, HANDOUT_MARK), "w") as f:  # (what the teacher-only checks look for)
        f.write(lab + "\n")
    texts = {rel: open(os.path.join(ROOT, rel), encoding="utf-8").read() for rel in tree_files()
             if rel.endswith(SOURCE_EXT)}
    for leak in solution_leaks(lab, texts):
        print(f"handout: warning: {leak}", file=sys.stderr)
    tarball = out.rstrip("/") + ".tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(out, arcname=os.path.basename(out.rstrip("/")))
    return regions, tarball


# ---- grade ---------------------------------------------------------------------------

def replay(check):
    """The command that replays this check."""
    if "gdb" in check:
        return f"make debug CMDLINE='{check['cmdline']}', then: " + "; ".join(check["gdb"])
    if "error" in check:
        return "mend the file, then make grade again"
    if "host" in check:
        return f"CMOCKA_MESSAGE_OUTPUT=TAP build/host/{check['host'][0]}"
    cmd = f"make boot CPUS={check.get('cpus', 1)} CMDLINE='{check['cmdline']}'"
    return cmd + (" ARGS='-accel tcg,thread=multi'" if check.get("mttcg") else "")


def missing_lines(check, text, who="a line"):
    """The problem for the first of check's expected lines that text lacks,
    quoting what it printed instead (the verdict first), or []."""
    import harness
    for pat in check.get("expect", []):
        if re.search(pat, text, re.M):
            continue
        shown = [l.strip() for l in text.splitlines() if check.get("show") and re.search(check["show"], l)]
        verdict = re.fullmatch(r"\^ok \\d\+ ([\w-]+)\$", pat)  # an expected verdict, ok N NAME: not another's
        if verdict:
            own = [l.strip() for l in text.splitlines() if re.match(rf"(not )?ok \d+ {verdict.group(1)}\b", l)]
            figures = [l for l in shown if not re.match(r"(not )?ok \d+ ", l)]
            return [f"expected {who} matching {pat!r}; " +
                    ("it printed: " + " | ".join((own + figures)[:3]) if own
                     else f"no {verdict.group(1)} verdict came" + (": " + " | ".join(figures[:2]) if figures else ""))]
        shown.sort(key=lambda l: 0 if re.match(r"(not )?ok \d+ ", l) else 1)  # the verdict first
        near = harness.nearest(pat, text)
        if not shown and near:
            shown = [text.splitlines()[near[1]].strip()]
        return [f"expected {who} matching {pat!r}; " +
                ("it printed: " + " | ".join(shown[:3]) if shown else "none came")]
    return []


def run_host_check(check):
    """A cmocka binary's TAP lines for one policy: all ok, none skipped."""
    import harness
    binary, prefix = check["host"]
    path = os.path.join(ROOT, "build", "host", binary)
    name = "grade-" + check["name"]
    if not os.path.exists(path):
        return [f"build/host/{binary} is missing: run make host-tests"], harness.log_path(name)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP", ASAN_OPTIONS="detect_leaks=0")
    try:
        p = subprocess.run([path], capture_output=True, text=True, env=env, timeout=check.get("timeout", 120))
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        out = ""
        return [f"build/host/{binary} did not finish (a pick_next that never empties the queue?)"], \
            harness.write_log(name, out)
    log = harness.write_log(name, out)
    plan = re.search(r"^1\.\.(\d+)$", out, re.M)
    results = re.findall(r"^(?:ok|not ok) \d+(?: -| # SKIP) (\S+)", out, re.M)
    if p.returncode < 0 or p.returncode > 1 or (plan and len(results) < int(plan.group(1))):
        # (1 is cmocka's "some test failed"; a signal, a sanitizer's report or a short count is a crash)
        last = results[-1] if results else "none"
        why = re.search(r"runtime error: .*|ERROR: AddressSanitizer: \S+", out)
        return [f"build/host/{binary} crashed (exit status {p.returncode}) after {len(results)} of "
                f"{plan.group(1) if plan else '?'} tests, the last one reached: {last}"
                + (f"; it says: {why.group(0)}" if why else "")], log
    mine = re.findall(r"^(ok|not ok) \d+(?: -| # SKIP) (" + re.escape(prefix) + r"\S+)", out, re.M)
    if not mine:
        return [f"no test named {prefix}... in build/host/{binary}: is the policy registered?"], log
    failed = [t for verdict, t in mine if verdict != "ok"]
    return ([f"failed: {', '.join(failed)} (build/host/{binary} prints why, before each 'not ok')"]
            if failed else []), log


def run_gdb_check(check):
    """Batch GDB against the paused kernel (tests/harness.py's gdb_session)."""
    import harness
    name = "grade-" + check["name"]
    out = harness.gdb_session(name, check["cmdline"] + " exit=1", check["gdb"])
    problems = []
    if "gdb timed out" in out:
        problems.append("GDB timed out: the kernel never reached the point the check stops at")
    return problems + missing_lines(check, out, "GDB to print a line"), harness.log_path(name)


def run_check(check):
    if "gdb" in check:
        return run_gdb_check(check)
    if "error" in check:
        import harness
        return [check["error"]], harness.log_path("grade-" + check["name"])
    if "host" in check:
        return run_host_check(check)
    import harness
    extra = ["-smp", str(check["cpus"])] if check.get("cpus", 1) > 1 else []
    if check.get("mttcg"):
        extra += ["-accel", "tcg,thread=multi"]
    name = "grade-" + check["name"]
    status, raw = harness.boot(name, check["cmdline"], timeout=check.get("timeout", 120),
                               extra=extra, icount=not check.get("mttcg"))
    text = harness.clean(raw)
    problems = []
    if status is None:
        lines = [l for l in text.splitlines() if l.strip()]
        problems.append(f"the kernel did not finish within {check.get('timeout', 120)} s (it hangs, or waits "
                        f"forever); the last line it printed: {lines[-1].strip() if lines else '(nothing)'!r}")
    elif status == 37:
        m = re.search(r"^PANIC: .*$", text, re.M)
        problems.append("the kernel panicked: " + (m.group(0) if m else "see the log"))
    problems += missing_lines(check, text)
    for pat in check.get("absent", []):
        m = re.search(r"^.*" + pat + r".*$", text, re.M)
        if m:
            problems.append(f"printed {m.group(0).strip()!r}, which it must not")
    return problems, harness.log_path(name)


def grade(lab, json_path):
    spec = LABS[lab]
    if not os.path.exists(os.path.join(ROOT, "build", "tourniquet.elf")):
        print("grade: build/tourniquet.elf is missing: run make first", file=sys.stderr)
        return 2
    results, total, got, gate_failed = [], 0, 0, False
    print(f"{lab}: {spec['title']}")
    for check in spec["checks"]:
        problems, log = run_check(check)
        ok = not problems
        if check.get("gate") and not ok:
            gate_failed = True
        earned = check["points"] if ok and not gate_failed else 0
        total += check["points"]
        got += earned
        score = "gate" if check.get("gate") else f"{earned:>3}/{check['points']:<3}"
        print(f"  {'PASS' if ok else 'FAIL'} {check['name']:<26} {score:<7} {check['what']}")
        for p in problems:
            print(f"       {p}")
        if problems:
            print(f"       replay: {replay(check)}   (log: {os.path.relpath(log, ROOT)})")
        if check.get("gate") and not ok:
            print("       (a gate: until it passes, no other check of this lab earns points)")
        results.append({"check": check["name"], "points": earned, "max": check["points"], "gate": bool(check.get("gate")),
                        "passed": ok, "what": check["what"], "problems": problems, "replay": replay(check)})
    if gate_failed:
        got = 0
    print(f"{lab}: {got}/{total}")
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump({"lab": lab, "title": spec["title"], "points": got, "max": total, "checks": results}, f, indent=2)
        f.write("\n")
    print(f"report: {os.path.relpath(json_path, ROOT)}")
    return 0 if got == total and not gate_failed else 1


def main():
    ap = argparse.ArgumentParser(description="Tourniquet's labs: hand out a starter tree, grade a lab.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="the labs and their points")
    h = sub.add_parser("handout", help="write build/handout-NAME/ and its tarball")
    h.add_argument("lab", nargs="?", default="")
    h.add_argument("--out")
    g = sub.add_parser("grade", help="run a lab's checks, with points; build/grade-NAME.json")
    g.add_argument("lab", nargs="?", default="")
    g.add_argument("--json")
    args = ap.parse_args()
    if args.cmd == "list":
        for name, spec in LABS.items():
            print(f"{name:<10} {sum(c['points'] for c in spec['checks']):>3} points  {spec['title']} ({spec['guide']})")
        return 0
    if not args.lab:
        print(f"lab: name the lab, as in `make {args.cmd} LAB=spinlock`; the labs are: {', '.join(LABS)}",
              file=sys.stderr)
        return 2
    if args.lab not in LABS:
        print(f"lab: no lab named {args.lab!r}; the labs are: {', '.join(LABS)} (make labs lists them)",
              file=sys.stderr)
        return 2
    if args.cmd == "handout":
        out = args.out or os.path.join(ROOT, "build", f"handout-{args.lab}")
        try:
            regions, tarball = handout(args.lab, out)
        except ValueError as e:
            print(f"handout: {e}", file=sys.stderr)
            return 2
        print(f"handout: {os.path.relpath(out, ROOT)}/ ({regions} region(s) to write), "
              f"{os.path.relpath(tarball, ROOT)}")
        guide = LABS[args.lab]["guide"]
        print(f"handout: the student runs `make grade LAB={args.lab}` there; the guide is {guide} "
              f"(in French: {guide[:-3]}.fr.md)")
        return 0
    return grade(args.lab, args.json or os.path.join(ROOT, "build", f"grade-{args.lab}.json"))


if __name__ == "__main__":
    sys.exit(main())
