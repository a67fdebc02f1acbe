"""Processes in ring 3: the boots that run user programs, and what their transcripts must show.

usertests (user/usertests.c) checks, from inside a process, what the kernel
owes it and what it must refuse it, one `ok N what` line per check and a
total; its children (user/victim.c) each do one forbidden thing, and the
kernel must print one FAULT report for each, end only that process, and
tell the parent how it ended. These boots run it under several policies,
with timer jitter, and on several CPUs (there under MTTCG, real
parallelism: under -icount QEMU's round-robin vCPU loop leaves a second CPU
unscheduled while the first spins in ring 3, so those boots check only what
holds on every run).
"""
import glob
import os
import re

from harness import (ROOT, Boot, Problem, boot, clean, expect_all, gdb_session, gdb_shapes, gdb_shapes_missing, log_path,
                     result, status_problem, tail)

USERTESTS_CHECKS = 78  # the `ok` lines user/usertests.c prints when all is well

# One FAULT report per forbidden thing, each naming what it was.
FAULTS = [
    r"^FAULT: process \d+ 'victim' \(thread \d+\): #PF Page Fault at EIP=4[0-9a-f]{7} ESP=7[0-9a-f]{7}, "
    r"CR2=00000000 \(reading a NULL pointer\)$",
    r"CR2=00100000 \(reading the kernel's memory \(supervisor only\)\)$",
    r"CR2=00100000 \(writing the kernel's memory \(supervisor only\)\)$",
    r"CR2=80000000 \(reading past the user window\)$",
    r"CR2=fee00000 \(reading past the user window\)\n  the kernel's pages are supervisor-only: a process may not "
    r"touch them$",
    r"\(writing the guard page under a thread's stack: a stack overflow\)$",
    r"^FAULT: .*#DB Debug at .*\n  a debug trap: the trap flag \(TF\) set",
    r"^  a write to a read-only page \(its text, or its constants\)$",
    r"\(writing the guard page under the stack: a stack overflow\)$",
    r"^FAULT: .*#DE Divide Error",
    r"^FAULT: .*#UD Invalid Opcode",
    r"^  CLI in user mode: a user may not disable interrupts: \"on ne peut pas permettre aux usagers "
    r"d'utiliser une telle instruction\"$",
    r"^  STI in user mode: a user may not disable interrupts",
    r"^  IN from an I/O port in user mode",
    r"^  OUT to an I/O port in user mode",
    r"^  HLT in user mode",
    r"^  INT to a vector that only the kernel may raise: system calls are int 0x80$",
    r"^FAULT: .*#NM Device Not Available",
    r"^  process \d+ ends with status -114; the kernel goes on$",
    r"^kill: thread \d+ of process 'victim' held mutex 'user-mutex' as it was killed: released, to its next waiter$",
    r"^process 1 'usertests' ended with status 0$",
]


def check_usertests(out):
    """Every check printed `ok`, as many as usertests has, numbered in
    order, and the total says so."""
    problems = []
    oks = re.findall(r"^ok (\d+) ", out, re.M)
    bad = re.findall(r"^not ok \d+ .*$", out, re.M)
    if bad:
        problems.append(Problem(f"{len(bad)} usertests check(s) failed", bad[:5]))
    if len(oks) != USERTESTS_CHECKS or oks != [str(i) for i in range(1, len(oks) + 1)]:
        problems.append(Problem(f"{len(oks)} `ok` lines, expected {USERTESTS_CHECKS} numbered 1..", tail(out)))
    if "\nnul:A\x00B\n" not in out:
        problems.append(Problem("write(\"nul:A\\0B\\n\") did not reach the console whole", tail(out)))
    if not re.search(rf"^usertests: {USERTESTS_CHECKS} passed, 0 failed$", out, re.M):
        problems.append(Problem(f"no `usertests: {USERTESTS_CHECKS} passed, 0 failed` total", tail(out)))
    return problems


def every_program_listed(out):
    """The boot's `programs:` line names every program the Makefile built
    (build/user/*.elf), in order."""
    built = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(ROOT, "build", "user", "*.elf")))
    m = re.search(r"^programs: (.*?) \(user programs", out, re.M)
    if m and m.group(1).split(", ") == built:
        return []
    return [Problem(f"the boot does not list the {len(built)} programs built ({', '.join(built)})",
                    [m.group(0) if m else "(no programs: line)"])]


THREADS_CHECKS = 20  # user/threads.c
THREADS = [r"^# race without a lock: total \d+ of 8000 \(\d+ updates lost\)$",
           r"^MISUSE: mutex_unlock\(user-mutex\) by 'threads': it is not locked; ignored$",
           r"^MISUSE: cond_wait\(user-cond\) by 'threads': the caller does not hold mutex 'user-mutex'; refused$",
           r"^ok \d+ monitor \(mutex and two conditions\): every item once, in order$",
           r"^ok \d+ barrier: no thread starts a phase before all have finished the last$"]


def check_total(program, checks):
    """A program that checks itself (user/threads.c, pshared.c): every
    check `ok`, and its total says all `checks` passed. The racing
    counter's exact total with a lock is among them; without one the loss
    depends on where the ticks fall: shown, not checked."""
    def check(out):
        bad = re.findall(r"^not ok \d+ .*$", out, re.M)
        problems = [Problem(f"{len(bad)} {program} check(s) failed", bad[:5])] if bad else []
        if not re.search(rf"^{program}: {checks} passed, 0 failed$", out, re.M):
            problems.append(Problem(f"no `{program}: {checks} passed, 0 failed` total", tail(out)))
        return problems
    return check


check_threads = check_total("threads", THREADS_CHECKS)


FUZZ_CHILDREN, FUZZ_CALLS = 16, 300  # user/fuzz.c's defaults: 8 rounds of 2 children
# The errors a run of the fuzzer on one CPU must have met (each child
# prints its own): the checks its calls reach. (ENOEXEC, ENOMEM, EDEADLK
# and EOVERFLOW need rarer cases; they may show.)
FUZZ_ERRORS = {"EPERM", "ENOENT", "ESRCH", "E2BIG", "EBADF", "ECHILD", "EAGAIN", "EFAULT", "EINVAL",
               "ENAMETOOLONG", "ENOSYS"}


def check_fuzz(exact, errors=FUZZ_ERRORS):
    """user/fuzz.c: every child ended and was waited for, no result outside
    the ABI, memory back as it was. With `exact` (one CPU under -icount,
    where a seed is always the same run) also: most children made all their
    calls, and the errors they met reach every check in `errors` (a fuzzer
    that no longer gets past the first check fails here)."""
    def check(out):
        problems = []
        odd = re.findall(r"fuzz: call .* not a result the ABI has", out)
        if odd:
            problems.append(Problem(f"{len(odd)} result(s) outside the ABI", odd[:5]))
        ended = re.findall(r"fuzz: child \d+ ended with status -?\d+", out)
        if len(ended) != FUZZ_CHILDREN:
            problems.append(Problem(f"{len(ended)} children ended, not {FUZZ_CHILDREN}", tail(out)))
        if not re.search(r"fuzz: the kernel gave back every page frame and heap block", out):
            problems.append(Problem("memory not given back as it was", tail(out)))
        if exact:
            done = re.findall(rf"fuzz: child \d+ made {FUZZ_CALLS} calls: \d+ succeeded((?:, [A-Z0-9]+ \d+)*)", out)
            if len(done) < FUZZ_CHILDREN // 2:
                problems.append(Problem(f"only {len(done)} of {FUZZ_CHILDREN} children made all their calls", tail(out)))
            met = {m.split()[0] for line in done for m in line.split(", ") if m}
            if errors - met:
                problems.append(Problem("no child met " + ", ".join(sorted(errors - met)), done[:3]))
        return problems
    return check


def check_cr3(out):
    """user/bench.c's two ping-pongs differ only in the address space: CR3
    is loaded at each switch between processes (two instructions, its store
    and the load) and never between threads of one process. Exact under
    -icount."""
    got = dict(re.findall(r"^BENCH name=proc_pingpong_(threads|processes) instructions=(\d+) ", out, re.M))
    if len(got) != 2:
        return [Problem("no proc_pingpong_threads/processes BENCH lines", tail(out))]
    diff = int(got["processes"]) - int(got["threads"])
    if diff != 4:
        return [Problem(f"a round trip between processes costs {diff} instructions more than between threads "
                        "(expected 4: a CR3 load per switch between spaces, none within one)",
                        [f"threads {got['threads']}, processes {got['processes']}"])]
    return []


MTTCG = ["-accel", "tcg,thread=multi"]
BOOTS = [
    Boot("prog-hello", "run=prog:hello hz=1000", ktap=False, expect=[
        r"^hello from process 1, in ring 3: argv\[0\]=\"hello\"$", r"^process 1 'hello' ended with status 0$"]),
    Boot("prog-bench", "run=prog:bench hz=1000 trace=off", ktap=False, check=check_cr3, expect=[
        r"^BENCH name=syscall_getpid instructions=\d+ measurement=\d+ samples=64$",
        r"^BENCH name=spawn_wait instructions=\d+ program=victim$"]),
    Boot("prog-threads", "run=prog:threads hz=1000", ktap=False, check=check_threads, expect=THREADS),
    Boot("prog-threads-fair-jitter", "run=prog:threads sched=fair jitter=30 seed=7 hz=1000", ktap=False,
         check=check_threads),
    Boot("prog-threads-cpus4-mttcg", "run=prog:threads cpus=4 hz=1000", ktap=False, extra=["-smp", "4"] + MTTCG,
         icount=False, check=check_threads, timeout=120),
    Boot("prog-pshared", "run=prog:pshared hz=1000", ktap=False, check=check_total("pshared", 11),
         expect=[r"^# two processes without a lock: total \d+ of 40000 \(\d+ updates lost\)$"]),
    Boot("prog-pshared-cpus2-mttcg", "run=prog:pshared cpus=2 sched=fair hz=1000", ktap=False,
         extra=["-smp", "2"] + MTTCG, icount=False, check=check_total("pshared", 11), timeout=120),
    Boot("prog-mqueue", "run=prog:mqueue hz=1000", ktap=False, check=check_total("mqueue", 16)),
    Boot("prog-mqueue-cpus2-mttcg", "run=prog:mqueue cpus=2 sched=fair hz=1000", ktap=False,
         extra=["-smp", "2"] + MTTCG, icount=False, check=check_total("mqueue", 16), timeout=120),
    Boot("prog-philosophers", "run=prog:philosophers sched=prio hz=1000", ktap=False,
         check=check_total("philosophers", 2)),
    Boot("prog-philosophers-cpus4-mttcg", "run=prog:philosophers cpus=4 hz=1000", ktap=False,
         extra=["-smp", "4"] + MTTCG, icount=False, check=check_total("philosophers", 2), timeout=120),
    # The course's own thread programs ("5. Les Threads"), in C: the greetings interleave, the counter races.
    Boot("prog-bonjour", "run=prog:bonjour hz=1000", ktap=False,
         expect=[r"^Bonjour !\nCa va \?\nBonjour !\nCa va \?\nBonjour !\nCa va \?\nBonjour !\nCa va \?\nBonjour !\nCa va \?\n"
                 r"process 1 'bonjour' ended with status 0$"]),
    Boot("prog-compteur", "run=prog:compteur hz=1000", ktap=False, check=check_total("compteur", 2), expect=[
        r"^compteur = 400 \(un seul calcul de 400\)$",
        r"^compteur = 100 \(4 threads de 100, sans verrou: 300 mises a jour perdues\)$",
        r"^compteur = 400 \(4 threads de 100, avec le verrou\)$"]),
    Boot("prog-compteur-prio-jitter", "run=prog:compteur sched=prio jitter=30 seed=5 hz=1000", ktap=False,
         check=check_total("compteur", 2)),
    Boot("prog-fuzz", "run=prog:fuzz hz=1000", ktap=False, check=check_fuzz(exact=True), timeout=120),
    # In 6 MiB (some 200 page frames), the children run out of memory as they go: ENOMEM, and
    # still every frame back at the end.
    Boot("prog-fuzz-6mib", "run=prog:fuzz hz=1000", ktap=False, extra=["-m", "6"],
         check=check_fuzz(exact=True, errors=FUZZ_ERRORS | {"ENOMEM"}), timeout=120),
    Boot("prog-fuzz-cpus2-mttcg", "run=prog:fuzz cpus=2 sched=fair hz=1000", ktap=False, extra=["-smp", "2"] + MTTCG,
         icount=False, check=check_fuzz(exact=False), timeout=120),
    Boot("usertests", "run=prog:usertests hz=1000", ktap=False, expect=FAULTS, check=check_usertests, timeout=120),
    # The programs as one module, a bundle (as the web page's v86 brings them; QEMU takes the
    # last -initrd): the kernel takes it apart at boot, and every program is there.
    Boot("usertests-bundle", "run=prog:usertests hz=1000", ktap=False, extra=["-initrd", "build/programs.bundle"],
         expect=FAULTS, check=lambda out: every_program_listed(out) + check_usertests(out), timeout=120),
    Boot("usertests-prio-jitter", "run=prog:usertests sched=prio jitter=30 seed=3 hz=1000", ktap=False,
         check=check_usertests, timeout=120),
    Boot("usertests-fair", "run=prog:usertests sched=fair hz=1000", ktap=False, check=check_usertests, timeout=120),
    Boot("usertests-mlfq-hz100", "run=prog:usertests sched=mlfq", ktap=False, check=check_usertests, timeout=120),
    Boot("usertests-cpus2-mttcg", "run=prog:usertests cpus=2 sched=fair hz=1000", ktap=False, extra=["-smp", "2"] + MTTCG,
         icount=False, expect=FAULTS, check=check_usertests, timeout=120),
    Boot("usertests-cpus4-mttcg", "run=prog:usertests cpus=4 sched=prio jitter=20 hz=1000", ktap=False,
         extra=["-smp", "4"] + MTTCG, icount=False, check=check_usertests, timeout=120),
    Boot("usertests-cpus4-global-mttcg", "run=prog:usertests cpus=4 rq=global sched=mlfq hz=1000", ktap=False,
         extra=["-smp", "4"] + MTTCG, icount=False, check=check_usertests, timeout=120),
]


SHELL_TYPED = "exec hello one two\nexec victim null\nexec\nexec nosuch\nkill\nkill 77\nrun prog:hello\nrun prog:hello x\nstats\nhalt\n"
SHELL_ANSWERS = [
    (r"^hello from process 1, in ring 3: argv\[0\]=\"hello\" argv\[1\]=\"one\" argv\[2\]=\"two\"$",
     "exec hello one two did not pass the arguments"),
    (r"^exec: process 1 'hello' ended with status 0$", "exec did not report the status"),
    (r"^exec: process 2 'victim' ended with status -114 \(a fault\)$", "a faulting process's status"),
    (r"^usage: exec PROGRAM \[ARGS\.\.\.\]\. Programs: bench, bonjour, compteur, fuzz, hello, mqueue, philosophers, pshared, threads, usertests, victim$", "exec alone: no usage"),
    (r"^exec: nosuch: ENOENT \(no such program\)\. Programs: bench, bonjour, compteur, fuzz, hello, mqueue, philosophers, pshared, threads, usertests, victim$", "exec of no program"),
    (r"^usage: kill PID \(a process id, as ps shows them\)$", "kill alone: no usage"),
    (r"^kill: 77: ESRCH \(no such process\)$", "kill of no process"),
    (r"^hello from process 3, in ring 3: argv\[0\]=\"hello\"$", "run prog:hello in the shell"),
    (r"^hello from process 4, in ring 3: argv\[0\]=\"hello\" argv\[1\]=\"x\"$",
     "run prog:hello x did not pass its argument, as exec does"),
    (r"^page frames: (\d+) free of \1; processes: 0 now, 4 since boot$", "stats: frames leaked or processes left"),
]


def shell_test():
    """The shell runs programs as processes (exec, run prog:NAME), says
    what each ended with, refuses what it cannot do with the valid
    choices, and stats shows every frame back after they end."""
    name = "shell-processes"
    status, raw = boot(name, "run=shell hz=1000", typed=SHELL_TYPED, exit=False)
    out = clean(raw)
    problems = [p for p in [status_problem(status, 33, 60, out)] if p]
    problems += expect_all(out, SHELL_ANSWERS)
    return result(name, problems, log=log_path(name), text=out)


CHECKS = [("shell-processes", shell_test)]


def gdb_user_test():
    """Batch GDB in a process: tq-user loads a program's symbols, a
    hardware breakpoint stops in its main (ring 3, its own address space),
    `bt` in a system call goes through the trap frame into the user code
    that made it, and tq-tasks shows the thread's process."""
    name = "gdb-user"
    out = gdb_session(name, "run=prog:hello hz=1000 exit=1", [
        "tq-user hello", "hbreak main", "continue", "info registers cs", "delete", "break sys_write", "continue",
        "bt", "tq-tasks", "tq-user nosuch"])
    problems = expect_all(out, [
        (r"^tq-user: symbols of hello loaded", "tq-user did not load the program's symbols"),
        (r"main \(argc=1, argv=0x7ff[0-9a-f]+\) at user/hello\.c:\d+", "hbreak main did not stop in the process"),
        (r"^cs\s+0x33\s", "stopped in main, CS is not the ring-3 selector 0x33"),
        (r"^#\d+\s+.*syscall_dispatch \(nr=1, ", "bt in write does not show syscall_dispatch"),
        (r"^#\d+\s+.*trap_dispatch_user", "bt does not go through trap_dispatch_user"),
        (r"^#\d+\s+<signal handler called>\n#\d+\s+.*printf .* at user/lib/libtq\.c",
         "bt does not go through the trap frame into the user's printf"),
        (r"^#\d+\s+.*main \(argc=1, .* at user/hello\.c", "bt does not reach the user's main"),
        (r"^\s+2 hello\s+RUNNING .*\[process 1\]$", "tq-tasks does not show hello's process"),
        (r"^tq-user: no program 'nosuch' in .*; programs: bench, bonjour, compteur, fuzz, hello, mqueue, philosophers, pshared, threads, usertests, victim$",
         "tq-user of no program does not list the programs"),
    ])
    # The backtrace the README shows under `tq-user PROGRAM` is this one.
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read().splitlines()
    start = next((i for i, l in enumerate(readme) if l.startswith("- `tq-user PROGRAM`")), None)
    block = []
    if start is not None:
        fence = next((i for i in range(start, len(readme)) if readme[i].strip() == "```"), len(readme))
        end = next((i for i in range(fence + 1, len(readme)) if readme[i].strip() == "```"), fence)
        block = [(i + 1, readme[i].strip()) for i in range(fence + 1, end)]
    if not block:
        problems.append("README: no backtrace block under `- `tq-user PROGRAM``")
    else:
        missing = gdb_shapes_missing(gdb_shapes(block), out)
        if missing:
            problems.append(Problem(f"README.md:{missing[0]}", missing[1]))
    return result(name, problems, log=log_path(name), text=out)


CHECKS.append(("gdb-user", gdb_user_test))
