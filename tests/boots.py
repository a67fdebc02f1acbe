"""The boot tables: which command lines to boot, and what their transcripts must show.

Each row of BOOTS is one boot, one line:

    Boot(name, cmdline, status=33, ktap=True, expect=(), check=None, timeout=60, extra=(), kernel=KERNEL,
         icount=True, host_cores=None)

It boots `kernel` (a path from the top of the tree, e.g.
"build/clang/tourniquet.elf"; build/tourniquet.elf by default) with
`cmdline exit=1` and the extra QEMU arguments `extra` (e.g. ["-smp", "2"]),
under -icount shift=0,sleep=off unless `icount` is False, and passes when
QEMU exits with `status` (33 all passed, 35 a test failed, 37 a panic), the
KTAP report is complete (when `ktap`), every regular expression in `expect`
matches a line (re.M), and `check` (a function in tests/integration.py) finds
nothing wrong. With `host_cores`, QEMU may use only that many host cores.
Its check is named boot/NAME and
its transcript is build/test-logs/NAME.log. Long lists of expected lines are
named above the table.

STRESS, AGREE and the GRUB menu's entries add more boots; see each.
"""
import os
import re

from harness import KERNEL, ROOT, Boot, kernel_path
from integration import (check_clock, check_counters, check_counters_parallel, check_gantt_cpus, check_jittered_clock,
                         check_jittered_lapic, check_smp, no_cmdline_complaint)

# ---- Expected lines too long for a row ------------------------------------------

DIVZERO = [
    r"^EXCEPTION: #DE Divide Error \(vector 0, error code 0x0\)$",
    r"^  in task 'ktest' \(id 1, RUNNING\)",
    r"^  EAX=00000001 EBX=bbbb0001 ECX=00000000 EDX=00000000$",
    r"^  ESI=5e5e0002 EDI=d1d10003 EBP=[0-9a-f]{8} ESP=[0-9a-f]{8}$",
    r"^  EIP=[0-9a-f]{8} EFLAGS=[0-9a-f]{8} CS=0008 DS=0010",
    r"^  CR0=[0-9a-f]{8} CR2=",
    r"^PANIC: CPU exception #DE Divide Error",
    r"exit status 37 \(kernel panic\)",
]
LIVELOCK = [r"^LIVELOCK: for 3000 ticks tasks yielded \d+ times but none blocked, woke, arrived or finished "
            r"\(sched=rr\); they run and nothing changes:$",
            r"^LIVELOCK:   'after-you' \(id \d+\) (READY|RUNNING) on cpu \d, yielding$",
            r"^LIVELOCK:   'no-after-you' \(id \d+\) (READY|RUNNING) on cpu \d, yielding$",
            r"^LIVELOCK: exit=1: ending the run as failed$"]
CANARY = [r"^PANIC: stack overflow: task 'overflow' \(id \d+\) overwrote the canary", r"exit status 37"]
GUARD = [r"^EXCEPTION: #DF Double Fault \(vector 8",
         r"^  CR2 is in the guard page under the kernel stack \[0x8[0-9a-f]{7}, 0x8[0-9a-f]{7}\), this task's: a kernel stack overflow$",
         r"^PANIC: kernel stack overflow: task 'runaway' \(id \d+\) ran off the bottom of its 8192-byte stack "
         r"\[0x8[0-9a-f]{7}, 0x8[0-9a-f]{7}\) into the guard page under it \(CR2=8[0-9a-f]{7}\)",
         r"^PANIC: in task 'runaway'", r"exit status 37"]
DOUBLEFAULT = [r"^EXCEPTION: #DF Double Fault \(vector 8", r"^  in task 'ktest'", r"^PANIC: double fault"]
BAD_CMDLINE = [
    r"^cmdline: hz=5 is out of range \(valid: 19\.\.10000\); keeping hz=100$",
    r"^cmdline: quantum=abc is not a whole number \(valid: 1\.\.1000\); keeping quantum=1$",
    r"^cmdline: sched=nope is not one of the choices \(valid: rr, fifo, sjf, srt, prio, mlfq, lottery, stride, "
    r"fair[a-z0-9_, ]*\); keeping sched=rr$",
    r"^cmdline: unknown option 'bogus' \(valid: hz, slow, jitter, sched, quantum, aging, boost, trace, pi, lockdep, seed, workload, "
    r"test, run, exit, cpus, rq, lang, help\); ignored$",
    r"^cmdline: 'oops' is not key=value",
    r"^sched: policy rr, quantum 1 tick\(s\), timer 100 Hz$",
]
HELP = [r"^Options \(key=value", r"^  hz ", r"^  sched ", r"^  quantum ", r"^  test ", r"^  run ", r"^  exit ",
        r"^  help "]
COURSE_FIFO = [
    r"^RESULT policy=fifo workload=course schedule=A:5,B:3,C:2,D:4 avg_turnaround=7\.00 avg_waiting=3\.50 ",
    r"^TASK name=C arrival=3 burst=2 first=8 completion=10 turnaround=7 waiting=5 response=5$",
    r"^  CPU    AAAAABBBCCDDDD$",
]
COURSE_SJF = [r"^RESULT policy=sjf workload=course schedule=A:5,C:2,B:3,D:4 avg_turnaround=6\.75 avg_waiting=3\.25 "]
COURSE_SRT = [r"^RESULT policy=srt workload=course schedule=A:1,B:3,C:2,A:4,D:4 avg_turnaround=6\.25 avg_waiting=2\.75 "]
EXERCISE_RR3 = [r"^RESULT policy=rr quantum=3 workload=exercise schedule=A:3,B:3,A:3,B:1,A:9 avg_turnaround=13\.50 "]
BAD_WORKLOAD = [
    r"^cmdline: workload=A:0:5,B:1:x: task 2: the burst is missing or not a number \(each task is "
    r"name:arrival:burst\[:priority\[:tickets\]\]",
    r"keeping workload=course$",
    r"^RESULT policy=fifo workload=course ",
]
PRODCONS = [r"^STALL: no task has run for 100 ticks", r"^STALL:   'consumer' \(id \d+\) waits on sleep\(\)$",
            r"^STALL:   'producer' \(id \d+\) waits on sleep\(\)$"]
PHILOSOPHERS = [r"^DEADLOCK: P4 waits fork0 held by P0 -> P0 waits fork1 held by P1 -> P1 waits fork2 held by P2 -> "
                r"P2 waits fork3 held by P3 -> P3 waits fork4 held by P4 -> P4$",
                r"^# deadlocks_reported=1 stuck=5 ended=5$"]
MISUSE = [
    r"^MISUSE: mutex_unlock\(m\) by 'misuse': it is owned by 'owner'; only the owner may unlock it; ignored$",
    r"^MISUSE: mutex_lock\(m\) by 'misuse': already holds it: locking it again would wait forever; refused$",
    r"^MISUSE: spin_unlock\(spin\) by 'misuse': it is not held; ignored$",
    r"^MISUSE: sem_down\(s\) by 'misuse': would sleep while holding 1 spinlock\(s\)",
    r"^MISUSE: sem_down\(s\) by 'misuse': called from an interrupt handler, which cannot sleep; refused$",
    r"^MISUSE: sem_destroy\(s\) by 'misuse': 1 task\(s\) still wait on it \('waiter'\); not destroyed$",
    r"^MISUSE: mutex_lock\(m\) by '[a-z]+': called from an interrupt handler, which cannot own a mutex; refused$",
    r"^MISUSE: task_exit\(leaver\) by 'leaver': exits holding mutex 'm'; released, for its waiters' sake$",
    r"^ok 11 no-false-deadlock$",
    r"^LOCK ORDER: 'yx' takes 'x' while holding 'y' \(tick \d+, caller 0x[0-9a-f]{8}\), but 'xy' took 'y' while "
    r"holding 'x' \(tick \d+, caller 0x[0-9a-f]{8}\): run at the same time, each would wait for the other$",
    r"^ok 12 lock-order-abba$", r"^# lock_orders_reported=1 deadlocks_reported=0 lockdep=on$",
    r"^LOCK ORDER: 'A' takes 'y' while holding 'x' .* but 'B' took 'x' while holding 'y' ",
    r"^DEADLOCK: A waits y held by B -> B waits x held by A -> A$",
    r"^# deadlocks_reported=1 stuck=2 ended=2 lock_orders_reported=1$",
]
# The naive philosophers' five forks: a cycle of five lock orders.
LOCK_ORDER_FORKS = [r"^LOCK ORDER: 'P\d' takes 'fork\d' while holding 'fork\d' .*, then .*, then .*, then .*: "
                    r"a cycle of 5 locks; run at the same time, each task would wait for the next$"]
COUNTERS = [r"^Tourniquet - a teaching kernel", r"^demo 'counters' finished: ok"]

# ---- The boots, one per line -------------------------------------------------------

BOOTS = [
    Boot("ktest-all", "test=all hz=1000", expect=[
        r"^task_join: 'ktest' cannot join that task: it no longer exists \(already joined and freed\?\); returning -1$",
        r"^task_join: 'ktest' cannot join that task: there is no such task \(NULL\); returning -1$"]),
    # Every frame and heap allocation of a spawn and of its process's calls fails once in turn:
    # ENOMEM or a retry that works, never a panic, no frame lost (a thread's stack
    # half-mapped once panicked here, a segment mapped over no page faulted).
    Boot("nomem", "test=nomem hz=1000", expect=[r"^# nomem: the \d{2,3} page-frame and \d+ kernel-heap allocations "
                                                   r"of a spawn and its run each failed once$"]),
    Boot("nomem-cpus2", "test=nomem cpus=2 hz=1000", extra=["-smp", "2"], expect=[r"^ok 1 nomem$"]),
    Boot("preempt-quantum3", "test=preempt quantum=3 hz=1000", expect=[r"# policy=rr quantum=3"]),
    Boot("preempt-hz100", "test=preempt", expect=[r"# policy=rr quantum=1 hz=100 "], timeout=120),
    Boot("sleep-hz50", "test=sleep hz=50"),
    # A parameter the chosen policy does not read is told, not silently taken.
    Boot("yield-fifo-quantum5", "test=yield sched=fifo quantum=5 hz=1000", expect=[
        r"^sched: fifo does not use quantum= \(its parameters: none\); the value is kept for the policies that do$"]),
    # Timed waits and task_kill on 1 CPU (test=all) and 4; task_kill with the 4 really in parallel too
    # (timed waits check exact ticks, which only -icount makes hold on every run).
    Boot("timeout-cpus4", "test=timeout cpus=4 hz=1000", extra=["-smp", "4"], expect=[r"^ok 1 timeout$"]),
    Boot("kill-cpus4", "test=kill cpus=4 hz=1000", extra=["-smp", "4"], expect=[r"^ok 1 kill$"]),
    Boot("kill-cpus4-mttcg", "test=kill cpus=4 hz=1000", extra=["-smp", "4", "-accel", "tcg,thread=multi"],
         icount=False, timeout=120, expect=[r"^ok 1 kill$"]),
    Boot("kill-woken-cpus4", "test=kill_woken cpus=4 hz=1000", extra=["-smp", "4"], expect=[r"^ok 1 kill_woken$"]),
    Boot("kill-woken-cpus4-mttcg", "test=kill_woken cpus=4 hz=1000", extra=["-smp", "4", "-accel", "tcg,thread=multi"],
         icount=False, timeout=120, expect=[r"^ok 1 kill_woken$"]),
    # A task yields after its affinity changed under it: it moves (one CPU: SKIP, in test=all).
    Boot("yield-affinity-cpus2", "test=yield_affinity cpus=2 hz=1000", extra=["-smp", "2"],
         expect=[r"^ok 1 yield_affinity$"]),
    Boot("yield-affinity-cpus4-fifo-mttcg", "test=yield_affinity cpus=4 sched=fifo hz=1000",
         extra=["-smp", "4", "-accel", "tcg,thread=multi"], icount=False, timeout=120, expect=[r"^ok 1 yield_affinity$"]),
    # A wakeup made under a spinlock waits for its release (the woken task pinned to the waker's CPU).
    Boot("spin-wakeup-cpus4", "test=spin_wakeup cpus=4 hz=1000", extra=["-smp", "4"], expect=[r"^ok 1 spin_wakeup$"]),
    Boot("spin-wakeup-cpus4-mttcg", "test=spin_wakeup cpus=4 hz=1000", extra=["-smp", "4", "-accel", "tcg,thread=multi"],
         icount=False, timeout=120, expect=[r"^ok 1 spin_wakeup$"]),
    # Kernel stacks freed on one CPU and handed out again on another (paging.c's lazy TLB flush).
    # (On 2 CPUs under -icount the idle one never ticks: the halted-CPU rule is what lets slots go round.)
    Boot("stacks-cpus2", "test=stacks cpus=2 hz=1000", extra=["-smp", "2"], expect=[r"^# stacks: 10400 tasks made"]),
    Boot("stacks-cpus4", "test=stacks cpus=4 hz=1000", extra=["-smp", "4"], expect=[r"^# stacks: 10400 tasks made"]),
    Boot("stacks-cpus4-mttcg", "test=stacks cpus=4 hz=1000", extra=["-smp", "4", "-accel", "tcg,thread=multi"],
         icount=False, timeout=120, expect=[r"^# stacks: 10400 tasks made"]),
    Boot("divzero", "test=divzero hz=1000", status=37, expect=DIVZERO),
    Boot("canary", "test=canary hz=1000", status=37, expect=CANARY),
    Boot("guard", "test=guard hz=1000", status=37, expect=GUARD),
    Boot("guard-cpus2", "test=guard cpus=2 hz=1000", extra=["-smp", "2"], status=37, expect=GUARD),
    Boot("doublefault", "test=doublefault hz=1000", status=37, expect=DOUBLEFAULT),
    Boot("clock-hz1000", "test=clock hz=1000", check=lambda out: check_clock(out, 1000)),
    Boot("clock-hz250", "test=clock hz=250", check=lambda out: check_clock(out, 250)),
    # slow=N: N ms per tick, the timer at 1000 Hz; on one CPU (the PIT) and on two (the LAPIC timers)
    Boot("clock-slow3", "test=clock slow=3", check=lambda out: check_clock(out, 1000, 3)),
    Boot("clock-slow7-cpus2", "test=clock slow=7 cpus=2", extra=["-smp", "2"], check=lambda out: check_clock(out, 1000, 7)),
    Boot("bad-cmdline", "hz=5 quantum=abc sched=nope bogus=1 oops test=join", expect=BAD_CMDLINE),
    Boot("help", "help test=join hz=1000", expect=HELP),
    # The course's worked examples, on real context switches.
    Boot("course-fifo", "run=workload sched=fifo hz=1000", ktap=False, expect=COURSE_FIFO),
    Boot("course-sjf", "run=workload sched=sjf hz=1000", ktap=False, expect=COURSE_SJF),
    Boot("course-srt", "run=workload sched=srt hz=1000", ktap=False, expect=COURSE_SRT),
    Boot("exercise-rr3", "run=workload workload=exercise sched=rr quantum=3 hz=1000", ktap=False, expect=EXERCISE_RR3),
    Boot("livelock", "test=livelock hz=1000", status=35, ktap=False, expect=LIVELOCK),
    # (Without -icount: under it QEMU never gives CPU 1 a turn while CPU 0
    # yields in a loop that never halts, and the report rightly says that
    # CPU 1's task never ran.)
    Boot("livelock-cpus2", "test=livelock cpus=2 hz=1000", status=35, ktap=False, extra=["-smp", "2"],
         icount=False, timeout=120, expect=LIVELOCK),
    Boot("cmdline-too-long", "test=join exit=1 " + "x" * 600 + " hz=1000", expect=[
        r"^boot: the command line is longer than 511 characters; using only: \S+ test=join exit=1 $",
        r"^boot: dropped: x{16}\.\.\.\(600 characters\) hz=1000 exit=1$"]),
    # Control bytes on the command line reach the terminal escaped, in the boot line too.
    Boot("cmdline-control-bytes", "test=join \x1b[31mRED\x07", expect=[
        r'^boot: loaded by qemu; command line: "\S+ test=join \\x1b\[31mRED\\x07 exit=1"$']),
    # The same when the 512th character is a space: the last word kept fits whole, and stays.
    Boot("cmdline-cut-at-a-space", "test=join exit=1 " + "y" * (511 - len(kernel_path(KERNEL) + " test=join exit=1 "))
         + " hz=1000", expect=[
             r"^boot: the command line is longer than 511 characters; using only: \S+ test=join exit=1 y+$",
             r"^boot: dropped: hz=1000 exit=1$"]),
    Boot("bad-workload", "run=workload workload=A:0:5,B:1:x sched=fifo hz=1000", ktap=False, expect=BAD_WORKLOAD),
    Boot("swap", "test=swap hz=1000"),
    # Synchronization: every demo checks its own invariants in KTAP.
    Boot("race", "run=race hz=1000", expect=[r"^# total=100 expected=400 lost=300"]),
    Boot("exclusion", "run=exclusion hz=1000"),
    Boot("prodcons", "run=prodcons hz=1000", expect=PRODCONS),
    Boot("philosophers", "run=philosophers hz=1000", expect=PHILOSOPHERS + LOCK_ORDER_FORKS),
    Boot("readers-writers", "run=readers-writers hz=1000"),
    Boot("barber", "run=barber hz=1000"),
    Boot("barrier", "run=barrier hz=1000", expect=[r"^# parties=4 phases=5 completed=5 left_behind=0 wrong_phase=0 "
                                                   r"serial_per_phase=1,1$"]),
    Boot("inversion", "run=inversion hz=1000"),
    Boot("misuse", "run=misuse hz=1000", expect=MISUSE),
    Boot("misuse-lockdep-off", "run=misuse lockdep=off hz=1000",
         expect=[r"^# lock_orders_reported=0 deadlocks_reported=0 lockdep=off$", r"^ok 13 deadlock-abba$"]),
    Boot("counters-demo", "hz=1000", ktap=False, check=check_counters, expect=COUNTERS),
]

# ---- Several CPUs: the arch layer's bring-up (test=smp) ------------------------------

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
    # More RAM than the kernel maps (1 GiB): the ACPI tables at RAM's top, mapped to be read,
    # above 1 GiB (a page fault at boot before) and above 2 GiB; in the stack window, refused.
    Boot("smp-2-1536mib", "test=smp hz=1000", extra=["-smp", "2", "-m", "1536"], check=check_smp(2), expect=[
        r"^smp: 2 CPU\(s\) from the ACPI MADT at 0x5[0-9a-f]{7} "]),
    Boot("smp-2-3000mib", "test=smp hz=1000", extra=["-smp", "2", "-m", "3000"], check=check_smp(2), expect=[
        r"^smp: 2 CPU\(s\) from the ACPI MADT at 0xb[0-9a-f]{7} "]),
    Boot("smp-2-2300mib", "test=smp hz=1000", extra=["-smp", "2", "-m", "2300"], expect=[
        r"^acpi: cannot read the RSDT at 0x8[0-9a-f]{7} \(36 bytes\): the kernel.s stack window ",
        r"^smp: \d CPU\(s\) from the MP tables at 0x000f[0-9a-f]+ ", r"^ok 1 smp$"]),
    # Without ACPI, the MP tables (SeaBIOS then lists only the boot CPU).
    Boot("smp-mptables", "test=smp hz=1000", extra=["-machine", "pc,acpi=off", "-smp", "2"], expect=[
        r"^smp: \d CPU\(s\) from the MP tables at 0x000f[0-9a-f]+ \(APIC ids 0[ 0-9]*\), 1 I/O APIC\(s\)"]),
    Boot("smp-fault", "test=smpfault hz=1000", status=37, extra=["-smp", "2"], expect=SMP_FAULT + [
        r"^EXCEPTION: #DE Divide Error \(vector 0", r"^  EAX=00000001 EBX=a9a90001 ", r"FS=0028",
        r"^PANIC: CPU exception #DE"]),
    Boot("smp-doublefault", "test=smpdoublefault hz=1000", status=37, extra=["-smp", "2"], expect=SMP_FAULT + [
        r"^EXCEPTION: #DF Double Fault \(vector 8", r"^PANIC: double fault"]),
    # The same in French: the boot's lines, the CPUs', a kernel exception's
    # report (its tags kept) and the exit line.
    Boot("smp-fault-fr", "test=smpfault hz=1000 lang=fr", status=37, extra=["-smp", "2"], expect=[
        r"^mémoire : \d+ Kio utilisables en \d+ zones ; tas de \d+ Kio à 0x[0-9a-f]+ ; \d+ cadres de page ",
        r"^programmes : bench, .* \(programmes utilisateur du chargeur d'amorçage : run=prog:NOM, ou exec NOM ",
        r"^smp : 2 processeur\(s\) d'après les tables \(ACPI MADT\) à 0x[0-9a-f]+ \(APIC ids 0 1\), 1 I/O APIC, ",
        r"^smp : le processeur 0 \(APIC id 0\) quitte le PIC et le PIT : horloge de l'APIC local à 1000 Hz ",
        r"^smp : processeur 1 démarré \(APIC id 1\)$",
        r"^EXCEPTION: #DE Divide Error \(vecteur 0, code d'erreur 0x0\)$", r"^  sur le processeur 1 \(APIC id 1\)$",
        r"^PANIC: CPU exception #DE", r"^tourniquet : statut de sortie 37 \(panique du noyau\)$"]),
    Boot("guard-fr", "test=guard cpus=2 hz=1000 lang=fr", extra=["-smp", "2"], status=37, expect=[
        r"^cpus : 2 processeur\(s\) exécutent des tâches, une file des prêts par processeur$",
        r"^EXCEPTION: #DF Double Fault \(vecteur 8",
        r"^  dans la tâche 'runaway' \(id \d+, ÉLUE\) au tick \d+$",
        r"^  CR2 est dans la page de garde sous la pile noyau \[0x8[0-9a-f]{7}, 0x8[0-9a-f]{7}\), celle de cette "
        r"tâche : un débordement de pile noyau$"]),
]

# ---- Several CPUs: the scheduler on them (cpus=N) ------------------------------------
# Under -icount QEMU switches vCPUs round robin only at its own time
# deadlines, so a CPU that busy-waits can starve the others (a known QEMU
# limitation): the demos that busy-wait or yield in a loop boot without
# -icount, and every check they make is an invariant that holds on every run
# (exact totals under a lock, nobody eating beside a neighbour...). The
# counters spread over CPUs that halt when idle, so they boot under -icount.

# (demo, CPUs): every synchronization demo on 2 and 4 CPUs, with the CPUs
# left to their own timing (no -icount). Each check holds on every run:
# counts are atomic, and where one CPU has a preemption point that forces
# the interleaving the slides draw, the tasks wait for each other's state
# instead (WAIT_UNTIL, race.c's meet). prodcons' lost wakeup is shown on one
# CPU (a SKIP here); smprace shows it across two.
SMP_DEMOS = [(d, n) for d in ("race", "exclusion", "prodcons", "philosophers", "readers-writers", "barber",
                              "barrier", "inversion", "misuse") for n in (2, 4)] + [("smprace", 2)]
SMPRACE = [r"^ok \d smp-xchg$", r"^ok \d smp-tsl$", r"^ok \d smp-ttas$", r"^ok \d smp-ticket$",
           r"^ok \d smp-mutex$", r"^ok \d smp-sem$", r"^ok 8 smp-interrupts-off$",
           r"^# rounds=200 both_cpus_inside=200 total=200 expected=400 lost=200 ",
           r"^ok 9 smp-lost-wakeup$", r"^# consumer_asleep_with_an_item=1 wakeup_found_it_asleep=0 count=1$",
           r"^ok 10 smp-semaphore-wakeup$", r"^# consumer_asleep_with_an_item=0 up_counted=1 count=1$",
           r"^ok 11 smp-peterson-nofence", r"^ok 12 smp-peterson-mfence$",
           r"^# fence=mfence both_inside=0 total=40000 expected=40000$",
           r"^ok 13 smp-ticket-fifo$",
           r"^# cpus=\d total=(\d+) expected=\1 lost=0 overlaps=0 ticks=\d+ acquisitions=\d+ spins=\d+$"]
COUNTERS_SMP = [r"^cpus: 4 CPU\(s\) run tasks, one run queue per CPU$", r"counter .* at tick \d+, on cpu 0$",
                r"counter .* at tick \d+, on cpu 1$", r"counter .* at tick \d+, on cpu 2$"]
# The course's workload on two CPUs under rr, quantum 2: the answer worked
# out by hand in tests/host/test_smp_workload.c, in QEMU, once under -icount
# and once with the two CPUs really in parallel (the schedule must be the same).
COURSE_RR2_CPUS2 = [r"^Workload course under rr quantum=2 on 2 CPUs \(9 ticks\)$", r"^  CPU0   AAAACC---$",
                    r"^  CPU1   -BBBADDDD$",
                    r"^RESULT policy=rr quantum=2 cpus=2 workload=course schedule=A:4,C:2,\.:3/\.:1,B:3,A:1,D:4 "
                    r"avg_turnaround=3\.75 avg_waiting=0\.25 avg_response=0\.25 switches=3 idle=4 migrations=1$"]
COURSE_RR2_GLOBAL = [r"^  CPU0   AAAABA---$", r"^  CPU1   -BBCCDDDD$"]
BOOTS += [
    Boot("course-rr2-cpus2", "run=workload sched=rr quantum=2 cpus=2 hz=1000", ktap=False, extra=["-smp", "2"],
         expect=COURSE_RR2_CPUS2, check=check_gantt_cpus),
    Boot("course-rr2-cpus2-mttcg", "run=workload sched=rr quantum=2 cpus=2 hz=1000", ktap=False, icount=False,
         extra=["-smp", "2", "-accel", "tcg,thread=multi"], expect=COURSE_RR2_CPUS2),
    Boot("course-rr2-cpus2-global", "run=workload sched=rr quantum=2 cpus=2 rq=global hz=1000", ktap=False,
         extra=["-smp", "2"], expect=COURSE_RR2_GLOBAL),
]
BOOTS += [Boot(f"{d}-cpus{n}", f"run={d} cpus={n} hz=1000", extra=["-smp", str(n)], icount=False, timeout=120,
               expect=SMPRACE if d == "smprace" else ()) for d, n in SMP_DEMOS]
# ...and with their 4 vCPUs squeezed onto one host core, as on a busy
# machine: the host preempts vCPUs in the middle of everything, lock holders
# and lock waiters alike. With ticket locks in the kernel each of these took
# over 100 s instead of well under one (the lock waited for a waiter the host
# had preempted; kernel/sync/klock.h), so a minute is a generous bound.
BOOTS += [Boot(f"{d}-cpus4-one-host-core", f"run={d} cpus=4 hz=1000", extra=["-smp", "4"], icount=False, timeout=60,
               host_cores=1) for d in ("prodcons", "philosophers", "barber", "readers-writers", "exclusion", "misuse")]
# ...and again under -icount, where every run is the same run (QEMU takes
# the vCPUs in turns, so these replay exactly; the ones above do not).
BOOTS += [Boot(f"{d}-cpus{n}-icount", f"run={d} cpus={n} hz=1000", extra=["-smp", str(n)])
          for d, n in SMP_DEMOS if d != "smprace"]
BOOTS += [
    Boot("counters-cpus4", "cpus=4 hz=1000", ktap=False, extra=["-smp", "4"], expect=COUNTERS + COUNTERS_SMP,
         check=check_counters_parallel),
    Boot("counters-cpus4-global", "cpus=4 rq=global hz=1000", ktap=False, extra=["-smp", "4"],
         expect=COUNTERS + [r"^cpus: 4 CPU\(s\) run tasks, one shared run queue$"], check=check_counters_parallel),
    Boot("smprace-mttcg-2", "run=smprace cpus=2 hz=1000", extra=["-accel", "tcg,thread=multi", "-smp", "2"],
         icount=False, timeout=120, expect=SMPRACE),
    Boot("smprace-cpus1", "run=smprace hz=1000", expect=[r"^ok 8 smp-interrupts-off # SKIP needs several CPUs",
                                                           r"^ok 13 smp-ticket-fifo # SKIP needs several CPUs"]),
    # The ticket lock's fairness on 4 CPUs, where the order has room to go
    # wrong: 12 rounds of 5 entries, each in ticket order, the counters
    # wrapping from 65,528.
    Boot("smprace-cpus4", "run=smprace cpus=4 hz=1000", extra=["-smp", "4"], timeout=120,
         expect=SMPRACE + [r"^# cpus=4 rounds=12 served_in_ticket_order=12 tickets=52 served=52 \(both started at "
                           r"65528\)$"]),
    Boot("cpus-more-than-present", "cpus=8 test=join hz=1000", extra=["-smp", "2"], expect=[
        r"^cpus: cpus=8, but this machine has 2 CPU\(s\); using 2 \(under QEMU: -smp 8, or make run CPUS=8\)$",
        r"^cpus: 2 CPU\(s\) run tasks"]),
]

# ---- Stress: the stress-prone demos again, under other settings ------------------------
# Other timer rates, quanta, policies and seeded timer jitter give other
# interleavings, each one replayable. Every demo in STRESS_DEMOS boots under
# every setting, as boot/DEMO-SETTING.

STRESS = [
    ("hz100-q3", "hz=100 quantum=3"),
    ("hz5000-mlfq", "hz=5000 sched=mlfq"),
    ("fair-jitter7", "hz=2000 sched=fair jitter=40 seed=7"),
    ("lottery-jitter11", "hz=1000 sched=lottery jitter=25 seed=11"),
    ("prio-jitter3", "hz=3000 sched=prio jitter=50 seed=3"),
]
STRESS_DEMOS = ["race", "prodcons", "philosophers", "readers-writers", "barber", "barrier"]
BOOTS += [Boot(f"{demo}-{setting}", f"run={demo} {options}", timeout=120)
          for setting, options in STRESS for demo in STRESS_DEMOS]
# Every synchronization demo under every policy, one CPU: none may hang or
# fail (a yielding task under sjf or srt once kept the CPU for ever).
POLICIES = ["fifo", "sjf", "srt", "rr", "prio", "mlfq", "lottery", "stride", "fair"]
MATRIX_DEMOS = ["race", "exclusion", "prodcons", "philosophers", "readers-writers", "barber", "barrier",
                "inversion", "misuse"]
BOOTS += [Boot(f"{demo}-sched-{policy}", f"run={demo} sched={policy}", timeout=60)
          for policy in POLICIES for demo in MATRIX_DEMOS]
# The same on 2 and 4 CPUs, under -icount: other policies (the
# non-preemptive ones too), rates and seeded timer jitter on every CPU.
STRESS_SMP = [
    ("cpus2-jitter5", "cpus=2 hz=1000 jitter=30 seed=5", 2),
    ("cpus4-mlfq-jitter9", "cpus=4 hz=2000 sched=mlfq jitter=40 seed=9", 4),
    ("cpus2-fair", "cpus=2 hz=1000 sched=fair", 2),
    ("cpus4-lottery", "cpus=4 hz=1000 sched=lottery seed=3", 4),
    ("cpus2-prio-hz100-q3", "cpus=2 hz=100 quantum=3 sched=prio", 2),
    ("cpus4-sjf", "cpus=4 hz=1000 sched=sjf", 4),
]
BOOTS += [Boot(f"{demo}-{setting}", f"run={demo} {options}", extra=["-smp", str(n)], timeout=120)
          for setting, options, n in STRESS_SMP for demo in STRESS_DEMOS + ["exclusion", "misuse", "inversion"]]

# The jitter soak: 20 seeds of timer jitter (20..50 %), each with its own
# rate, quantum and policy, for the synchronization demos. Every boot is
# replayable from its name's command line.
SOAK_RATES, SOAK_QUANTA = [100, 1000, 5000], [1, 2, 3]
SOAK_POLICIES = ["rr", "prio", "mlfq", "fair", "lottery", "stride", "fifo", "sjf", "srt"]
SOAK = [(f"soak{seed}", f"hz={SOAK_RATES[seed % 3]} quantum={SOAK_QUANTA[(seed // 3) % 3]} "
         f"sched={SOAK_POLICIES[seed % len(SOAK_POLICIES)]} jitter={20 + (seed * 7) % 31} seed={seed}")
        for seed in range(1, 21)]
BOOTS += [Boot(f"{demo}-{setting}", f"run={demo} {options}", timeout=120)
          for setting, options in SOAK for demo in STRESS_DEMOS + ["exclusion", "misuse"]]

BOOTS.append(Boot("clock-jitter", "test=clock hz=1000 jitter=30 seed=5", check=check_jittered_clock))


# ---- Every GRUB menu entry ----------------------------------------------------------
# Each entry's command line boots (with -kernel and exit=1) without a
# command-line complaint and ends with status 33, as boot/grub-entry-NN.

def grub_entries():
    """A Boot for each entry of iso/boot/grub/grub.cfg but help and test=."""
    cfg = open(os.path.join(ROOT, "iso/boot/grub/grub.cfg")).read()
    entries = re.findall(r'menuentry "([^"]+)" \{\s*multiboot /boot/tourniquet.elf ?([^\n]*)', cfg)
    for i, (title, line) in enumerate(entries):
        line = line.strip()
        if line == "help" or "test=" in line:
            continue  # help and test=all are booted above
        yield Boot(f"grub-entry-{i:02d}", f"{line} hz=1000", ktap=False, timeout=120, check=no_cmdline_complaint)


BOOTS += list(grub_entries())

# ---- The kernel against the simulator -----------------------------------------------
# run=agree with these options in QEMU and in build/tourniquet-sim, as agree/NAME.

# Several CPUs (lockstep, kernel/sched/sched.c): the same agreement, per-CPU and
# shared queues, and once with the CPUs really in parallel and once with
# jittered timers - the schedule must not depend on timing.
AGREE = [
    ("agree-seed1", "seed=1"),
    ("agree-seed2-q2", "seed=2 quantum=2"),
    ("agree-seed3-q3", "seed=3 quantum=3 aging=5 boost=20"),
    ("agree-cpus2-seed1", "cpus=2 seed=1"),
    ("agree-cpus2-global-seed2-q2", "cpus=2 rq=global seed=2 quantum=2"),
    ("agree-cpus4-seed2-q2", "cpus=4 seed=2 quantum=2"),
    ("agree-cpus4-global-seed3-q3", "cpus=4 rq=global seed=3 quantum=3 aging=5 boost=20"),
    ("agree-cpus3-jitter", "cpus=3 seed=5 quantum=2 jitter=30"),
]
AGREE_MTTCG = [
    ("agree-cpus2-mttcg", "cpus=2 seed=4 quantum=2"),
]
