"""GDB commands for looking inside Tourniquet (loaded by tourniquet.gdb).

  tq-tasks              every task: id, name, state, policy fields, CPU ticks,
                        saved EIP and ESP, what it waits on
  tq-ready              the ready queue(s), in the order the policy will pick
  tq-cpus               each CPU: its current task, run queue, counts
  tq-bt TASK            backtrace a task that is not running, from its saved
                        context (TASK: a name or an id)
  tq-break-switch TASK  stop when the scheduler switches to TASK
  tq-trace [N]          the last N scheduler events (default 20)
  tq-count-switch [N]   single-step the next N timer interrupts that switch
                        tasks (default 5): the instructions from the timer's
                        stub to the iret into the next task, counted one by one
  tq-count-yield [N]    the same for the next N task_yield calls that switch
  tq-count-sem [N] [SEM] [functions]
                        the same for N semaphore round trips: a task's sem_up
                        (on SEM, if given) and its next sem_down, which sleeps
                        until another task's sem_up wakes it; `functions`
                        adds where the first one's instructions went

They read the kernel's own structures through its debug information, so
they work on a kernel stopped anywhere (best at a breakpoint or after ^C).
"""
import os

import gdb

STATES = ["NEW", "READY", "RUNNING", "BLOCKED", "SLEEPING", "DEAD"]


def sym(name):
    return gdb.parse_and_eval(name)


def task_type():
    return gdb.lookup_type("struct task")


def offset_of(struct, field):
    for f in struct.fields():
        if f.name == field:
            return f.bitpos // 8
    raise gdb.GdbError(f"no field {field}")


def list_tasks(lst, member):
    """The tasks on an intrusive list (struct list), through `member`."""
    head = lst["head"].address
    node = lst["head"]["next"]
    tptr = task_type().pointer()
    off = offset_of(task_type(), member)
    out = []
    while node != head and len(out) < 100000:
        out.append((node.cast(gdb.lookup_type("char").pointer()) - off).cast(tptr))
        node = node["next"]
    return out


def all_tasks():
    return list_tasks(sym("'task.c'::all_tasks"), "all_node")


def cpu_index():
    """The CPU GDB has selected: QEMU's stub shows CPU n as thread n + 1."""
    th = gdb.selected_thread()
    return th.num - 1 if th is not None else 0


def cpu_data(i):
    return sym(f"'sched.c'::cpus[{i}]")


def ncpus():
    return int(sym("'sched.c'::ncpus"))


def current():
    """The task running on the CPU GDB has selected."""
    return cpu_data(cpu_index())["current"]


class CurrentFunction(gdb.Function):
    """$current(): the task running on the selected CPU (GDB's thread n is
    CPU n-1); during arch_switch, the task being switched to."""

    def __init__(self):
        super().__init__("current")

    def invoke(self):
        return current()


CurrentFunction()


def find_task(arg):
    arg = arg.strip()
    for t in all_tasks():
        if t["name"].string() == arg or (arg.isdigit() and int(t["id"]) == int(arg)):
            return t
    raise gdb.GdbError(f"no task named or numbered '{arg}' (tq-tasks lists them)")


def saved_context(t):
    """(eip, esp) a task not running will resume at: arch_switch left EBP,
    EDI, ESI, EBX then its return address on the task's stack."""
    esp = int(t["ctx"]["esp"])
    u32 = gdb.lookup_type("unsigned int").pointer()
    ret = int(gdb.Value(esp + 16).cast(u32).dereference())
    return ret, esp


class as_task:
    """Within `with as_task(t):`, the registers are those of task t (not
    running) as if its arch_switch had just returned, so bt and the frame
    API unwind its stack; they are put back afterwards."""
    REGS = ["eip", "esp", "ebp", "edi", "esi", "ebx"]

    def __init__(self, t):
        self.t = t

    def __enter__(self):
        eip, esp = saved_context(self.t)
        u32 = gdb.lookup_type("unsigned int").pointer()
        slot = lambda k: int(gdb.Value(esp + 4 * k).cast(u32).dereference())
        new = {"ebp": slot(0), "edi": slot(1), "esi": slot(2), "ebx": slot(3), "eip": eip, "esp": esp + 20}
        self.saved = {r: int(gdb.parse_and_eval("$" + r)) for r in self.REGS}
        try:
            self.write(new)
        except gdb.error:
            self.restore()
            raise
        return self

    @staticmethod
    def write(regs):
        # Into the CPU's registers: with the innermost frame selected, `set
        # $reg` writes the register itself, not a caller's saved copy.
        for r, v in regs.items():
            gdb.newest_frame().select()
            gdb.execute(f"set ${r} = {v}", to_string=True)

    def restore(self):
        self.write(self.saved)

    def __exit__(self, *exc):
        self.restore()
        return False


# The scheduler's own files: where a task that is not running is parked.
CORE = ("kernel/sched/sched.c", "kernel/sched/sched.h", "kernel/sync/klock.h", "arch/arch.h", "arch/x86/switch.S")


def resume_point(t):
    """The first function outside the scheduler core that task t returns
    into when it runs again (what it was doing when it left the CPU)."""
    try:
        with as_task(t):
            f = gdb.newest_frame()
            while f is not None:
                fn, sal = f.function(), f.find_sal()
                if fn is not None and sal.symtab is not None and not sal.symtab.filename.endswith(CORE):
                    return fn.name
                f = f.older()
    except gdb.error:
        pass
    return None


def describe_wait(t):
    state = STATES[int(t["state"])] if 0 <= int(t["state"]) < len(STATES) else "?"
    if state == "BLOCKED":
        what = t["wait_what"].string() if int(t["wait_what"]) else "?"
        name = t["wait_name"].string() if int(t["wait_name"]) else ""
        return f"{what} '{name}'" if name else what
    if state in ("SLEEPING", "NEW"):
        return f"until tick {int(t['wake_tick'])}"
    return ""


def needs_target(invoke):
    """A tq- command reads the kernel's memory: without a target, or stopped
    outside the kernel, one line says so instead of a Python traceback."""
    def wrapped(self, arg, from_tty):
        name = self.__class__.command
        if gdb.selected_inferior().pid == 0:
            print(f"{name}: no target to read: start one (make debug; or make qemu-gdb, then tourniquet-connect)")
            return
        try:
            invoke(self, arg, from_tty)
        except gdb.MemoryError as e:
            print(f"{name}: cannot read the kernel's memory ({e}): is the guest stopped inside Tourniquet?")
    return wrapped


class Tasks(gdb.Command):
    """List every task: tq-tasks"""
    command = "tq-tasks"

    def __init__(self):
        super().__init__("tq-tasks", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        cur = current()
        print(f"{'id':>3} {'name':<15} {'state':<9} {'on':>2} {'prio':>4} {'tkts':>5} {'lvl':>3} {'slice':>5} "
              f"{'ticks':>6} {'eip':>10} {'esp':>10}  waits on")
        elsewhere = {int(cpu_data(i)["current"]): i for i in range(ncpus()) if i != cpu_index()}
        cpu_esp = int(gdb.parse_and_eval("$esp"))
        for t in all_tasks():
            state = STATES[int(t["state"])] if 0 <= int(t["state"]) < len(STATES) else "?"
            # Leaving this CPU: the CPU names the next task already, but runs
            # on t's stack still (on one CPU on_cpu is not kept: the stack
            # says it; on several, on_cpu too).
            base = int(t["stack"])
            on_its_stack = base <= cpu_esp < base + int(t["stack_size"])
            leaving = t != cur and int(t) not in elsewhere and (bool(t["on_cpu"]) or on_its_stack)
            if int(t) in elsewhere and t != cur:
                regs = f"{'-':>10} {'-':>10}"
                state, where = "RUNNING", f" (on cpu {elsewhere[int(t)]}: select its thread for its registers)"
            elif t == cur:
                regs = f'{int(gdb.parse_and_eval("$eip")):#010x} {int(gdb.parse_and_eval("$esp")):#010x}'
                state, where = "RUNNING", ""
            elif leaving:
                # Stopped inside the switch away from it: its registers are
                # still the CPU's, and its saved context is not written yet.
                regs, where = f"{'-':>10} {'-':>10}", " (leaving the CPU: saved context not yet written)"
            else:
                eip, esp = saved_context(t)
                fn = resume_point(t)
                regs, where = f"{eip:#010x} {esp:#010x}", f" ({fn})" if fn else ""
            if int(t["proc"]):
                where += f" [process {int(t['proc']['pid'])}]"
            print(f"{int(t['id']):>3} {t['name'].string():<15} {state:<9} {int(t['cpu']):>2} {int(t['priority']):>4} "
                  f"{int(t['tickets']):>5} {int(t['level']):>3} {int(t['slice']):>5} {int(t['ticks']):>6} "
                  f"{regs}  {describe_wait(t)}{where}")


class User(gdb.Command):
    """Load a user program's symbols (they all live at 1 GiB, so one at a
time): tq-user PROGRAM, e.g. tq-user hello (build/user/hello.elf beside the
kernel). Then `break main`, or `bt` in a system call, go into the process."""
    command = "tq-user"

    def __init__(self):
        super().__init__("tq-user", gdb.COMMAND_USER)
        self.loaded = None

    def invoke(self, arg, from_tty):
        name = arg.strip()
        kernel = gdb.objfiles()[0].filename if gdb.objfiles() else "build/tourniquet.elf"
        folder = os.path.join(os.path.dirname(os.path.abspath(kernel)), "user")
        programs = sorted(f[:-4] for f in os.listdir(folder) if f.endswith(".elf")) if os.path.isdir(folder) else []
        if name not in programs:
            print(f"tq-user: no program '{name}' in {folder}; programs: {', '.join(programs) or 'none (make)'}")
            return
        if self.loaded:
            gdb.execute(f"remove-symbol-file {self.loaded}", to_string=True)
        self.loaded = os.path.join(folder, name + ".elf")
        gdb.execute(f"add-symbol-file {self.loaded}", to_string=True)
        print(f"tq-user: symbols of {name} loaded (user code at 0x40000000)")


class Ready(gdb.Command):
    """The ready queue in the policy's order: tq-ready"""
    command = "tq-ready"

    def __init__(self):
        super().__init__("tq-ready", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        policy = sym("'sched.c'::policy")["name"].string()
        # Ask the kernel itself: its policy's for_each_ready hook lists the
        # queue in pick order (tools need no copy of any policy's layout).
        # Interrupts stay off during the call, and EFLAGS is put back after.
        eflags = int(sym("$eflags"))
        gdb.execute(f"set $eflags = {eflags & ~0x200}", to_string=True)
        try:
            n = int(gdb.parse_and_eval("sched_debug_ready_fill()"))
        finally:
            gdb.execute(f"set $eflags = {eflags}", to_string=True)
        shown = min(n, int(sym("sizeof(sched_debug_ready) / sizeof(sched_debug_ready[0])")))
        order = []
        for i in range(shown):
            t = sym(f"sched_debug_ready[{i}]")
            order.append((t, f"level {int(t['level'])}" if policy in ("prio", "mlfq") else ""))
        note = " (lottery draws among them at random)" if policy == "lottery" else ""
        if n > shown:
            note += f" (showing the first {shown})"
        print(f"policy {policy}: {n} ready{note}")
        for i, (t, extra) in enumerate(order):
            print(f"  {i + 1:>2}. {t['name'].string():<15} id {int(t['id']):<4} {extra}")


class Cpus(gdb.Command):
    """Each CPU: its current task, its run queue, its counts: tq-cpus"""
    command = "tq-cpus"

    def __init__(self):
        super().__init__("tq-cpus", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        mode = "global" if int(sym("'sched.c'::rq_mode")) == 1 else "percpu"
        print(f"{ncpus()} CPU(s), rq={mode}; GDB thread n is CPU n-1")
        print(f"{'cpu':>3} {'running':<15} {'ready':>5} {'resched':>7} {'ticks':>7} {'idle':>7} {'switches':>8} {'pulled':>6}")
        for i in range(ncpus()):
            c = cpu_data(i)
            cur = c["current"]
            name = cur["name"].string() if int(cur) else "?"
            print(f"{i:>3} {name:<15} {int(c['rq']['nr_ready']):>5} {'yes' if bool(c['need_resched']) else 'no':>7} "
                  f"{int(c['ticks']):>7} {int(c['idle_ticks']):>7} {int(c['switches']):>8} {int(c['pulled']):>6}")


class TaskBacktrace(gdb.Command):
    """Backtrace a task that is not running, from its saved context: tq-bt TASK"""
    command = "tq-bt"

    def __init__(self):
        super().__init__("tq-bt", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        t = find_task(arg)
        if t == current():
            gdb.execute("bt")
            return
        eip, _ = saved_context(t)
        with as_task(t):
            print(f"task '{t['name'].string()}' (id {int(t['id'])}), {STATES[int(t['state'])]}, "
                  f"would resume at {eip:#x}:")
            gdb.execute("bt")


class BreakSwitch(gdb.Command):
    """Stop when the scheduler switches to a task: tq-break-switch NAME"""
    command = "tq-break-switch"

    def __init__(self):
        super().__init__("tq-break-switch", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        name = arg.strip()
        if not name:
            raise gdb.GdbError("usage: tq-break-switch NAME")
        # arch_switch(from, to): `to` is in EDX (-mregparm=3), and a task's
        # context is its first field, so EDX is the task itself.
        gdb.execute(f'break arch_switch if $_streq(((struct task *)$edx)->name, "{name}")')


class Trace(gdb.Command):
    """The last N scheduler events: tq-trace [N]"""
    command = "tq-trace"

    def __init__(self):
        super().__init__("tq-trace", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        n = int(arg) if arg.strip() else 20
        ring = sym("trace_ring")
        size = int(ring.type.range()[1]) + 1
        total = int(sym("trace_next"))
        names = sym("'trace.c'::names")
        nnames = int(names.type.range()[1]) + 1

        def name_of(i):
            if i == 0:
                return "idle"
            e = names[i % nnames]
            return e["name"].string() if int(e["id"]) == i and int(e["name"][0]) else f"#{i}"

        kinds = {1: "arrives", 3: "blocks on", 4: "wakes up", 5: "exits", 6: "finds taken"}
        reasons = {1: "preempted", 2: "yielded", 3: "blocked", 4: "slept", 5: "exited"}
        n = min(n, total, size)
        print(f"the last {n} of {total} events (tick, task, event):")
        for k in range(total - n, total):
            e = ring[k % size]
            typ, task = int(e["type"]), name_of(int(e["task"]))
            if typ == 2:
                text = f"{reasons.get(int(e['reason']), '?')} -> {name_of(int(e['other']))}"
            else:
                named = typ in (3, 6) and int(e["name"][0])  # (blocks and contention carry a name)
                text = kinds.get(typ, "?") + (f" {e['name'].string()}" if named else "")
            print(f"  {int(e['tick']):>6}  {task:<12} {text}")


CAP = 5000  # steps before tq-count-switch or tq-count-yield gives up on one path


def count_switches(command, where, n, ends, what, label):
    """Stop at `where` (a breakpoint location) n times over, each time
    single-stepping until ends(op, state) says the path is over: None goes
    on, True ends the path counted, False ends it left out (op: the
    mnemonic just executed; state: a dict it may keep). Counted: the paths
    that changed the running task. A path that reaches a task's first run
    (arch_task_start_ret: it leaves by no iret and no ret) is left out; one
    longer than CAP stops the count. Prints a line per path, at the end (a
    captured `continue` would swallow them), and a summary."""
    stop = gdb.Breakpoint(where, internal=True)
    arch = gdb.selected_frame().architecture()
    first_run = int(sym("arch_task_start_ret").address)
    counts, lines, hits = [], [], 0
    try:
        while len(counts) < n and hits < 50 * n:
            gdb.execute("continue", to_string=True)
            hits += 1
            before = current()
            before_name = before["name"].string()  # (read now: a gdb.Value is fetched when first used)
            before = int(before)
            steps, ended, state = 0, None, {}
            while steps < CAP and ended is None:
                pc = int(gdb.parse_and_eval("$pc"))
                if pc == first_run:
                    break
                op = arch.disassemble(pc)[0]["asm"].split()[0]
                gdb.execute("stepi", to_string=True)
                steps += 1
                ended = ends(op, state)
            if ended is None and steps == CAP:
                lines.append(f"{what} {hits}: more than {CAP} instructions without its end (stopped counting there)")
                break
            after = current()
            if ended is True and int(after) != before:
                counts.append(steps)
                lines.append(f"{label} {len(counts)}: {steps} instructions, '{before_name}' -> "
                             f"'{after['name'].string()}'")
    finally:
        stop.delete()
    for line in lines:
        print(line)
    if counts:
        print(f"{command}: {len(counts)} switches, {min(counts)} to {max(counts)} instructions")
    else:
        print(f"{command}: no switch in {hits} {what}s")


class CountSwitch(gdb.Command):
    """Count, one stepi at a time, the instructions of the next N timer
    interrupts that switch tasks: tq-count-switch [N] [VECTOR]

    From the first instruction of the timer's stub (isr_stub_VECTOR; 32,
    the PIT's, by default) to its iret into the next task, included. Ticks
    that do not switch (the same task goes on) are left out. Under QEMU's
    -icount, the same path is the same count every time: the independent
    check of make bench's timer_switch."""
    command = "tq-count-switch"

    def __init__(self):
        super().__init__("tq-count-switch", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        words = arg.split()
        try:
            n = int(words[0]) if words else 5
            vector = int(words[1]) if len(words) > 1 else 32
        except ValueError:
            raise gdb.GdbError("usage: tq-count-switch [N] [VECTOR] (N switches to count; VECTOR: the timer's, 32)")
        count_switches(self.command, f"*isr_stub_{vector}", n, lambda op, state: op.startswith("iret") or None,
                       "timer interrupt", "switch")


class CountYield(gdb.Command):
    """Count, one stepi at a time, the instructions of the next N calls of
    task_yield that switch tasks: tq-count-yield [N]

    From task_yield's first instruction in the task that yields to its ret
    in the task that runs next, included (calls and rets are counted to
    know which ret that is: the other task left the CPU through a
    task_yield too). A yield that switches to a task's first run, or finds
    nobody to switch to, is left out. The independent check of make
    bench's yield_switch."""
    command = "tq-count-yield"

    def __init__(self):
        super().__init__("tq-count-yield", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        try:
            n = int(arg) if arg.strip() else 5
        except ValueError:
            raise gdb.GdbError("usage: tq-count-yield [N] (N switches to count)")

        arch = gdb.selected_frame().architecture()

        def returned(op, state):  # the ret that takes the depth below task_yield's own...
            if op.startswith("iret"):
                return False  # the next task had been preempted: it goes back through the interrupt's tail
            state["depth"] = state.get("depth", 0) + (op.startswith("call") - op.startswith("ret"))
            if state["depth"] >= 0:
                return None
            # ...into a caller of task_yield: the next task had yielded too (a
            # task preempted by the timer goes back through the interrupt's
            # tail instead, another path: not counted)
            pc = int(gdb.parse_and_eval("$pc"))
            before = arch.disassemble(pc - 5)[0]
            return before["length"] == 5 and "task_yield" in before["asm"]
        count_switches(self.command, "*task_yield", n, returned, "call of task_yield", "yield")


def function_of(pc):
    """The function (and, when pc is in inlined code, the one inlined into
    it) that holds pc: 'caller/inlined', or the address."""
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    names = []
    while block is not None:
        if block.function is not None:
            names.append(block.function.name)
        block = block.superblock
    return "/".join(reversed(names[:2])) if names else hex(pc)


class CountSem(gdb.Command):
    """Count, one stepi at a time, the instructions of the next N semaphore
    round trips: tq-count-sem [N] [SEM] [functions]

    From sem_up's first instruction in a task T (an up on SEM, an
    expression for a struct semaphore's address, if given) to the ret of
    T's next call at the same level, a sem_down that slept: T wakes a
    task, sleeps, the other task runs and ups T's semaphore, T returns.
    Both tasks' instructions are counted (each task has its own stack, so
    T's returns are told apart by its stack pointer). A round trip whose
    sem_down did not sleep, whose second call was no sem_down, or that
    went through a task's first run, is left out. With `functions`, the
    first counted round trip's instructions per function
    ('caller/inlined'). The independent check of make bench's
    sem_pingpong."""
    command = "tq-count-sem"

    def __init__(self):
        super().__init__("tq-count-sem", gdb.COMMAND_USER)

    @needs_target
    def invoke(self, arg, from_tty):
        words = arg.split()
        by_function = "functions" in words
        words = [w for w in words if w != "functions"]
        try:
            n = int(words[0]) if words else 5
        except ValueError:
            raise gdb.GdbError("usage: tq-count-sem [N] [SEM] [functions] (N round trips to count; SEM: the "
                               "address of the semaphore whose up starts one, e.g. &ping)")
        start = int(sym("sem_up").address)
        stop = gdb.Breakpoint(f"*{start}", internal=True)
        if len(words) > 1:
            expr = " ".join(words[1:])
            try:
                sym(expr)
            except gdb.error as e:
                stop.delete()
                raise gdb.GdbError(f"tq-count-sem: SEM '{expr}' is not an expression GDB can read here ({e})")
            stop.condition = f"s == ({expr})"
        arch = gdb.selected_frame().architecture()
        downs = {int(sym(f).address) for f in ("sem_down", "sem_down_timeout")}
        first_run = int(sym("arch_task_start_ret").address)
        counts, lines, hits, profile = [], [], 0, None
        try:
            while len(counts) < n and hits < 50 * n:
                gdb.execute("continue", to_string=True)
                hits += 1
                me = current()
                name = me["name"].string()
                me = int(me)
                top = int(gdb.parse_and_eval("$sp")) + 4  # T's stack pointer once sem_up has returned
                steps, returns, second, switched, fresh, seen = 0, 0, None, False, False, {}
                while steps < CAP and returns < 2:
                    pc = int(gdb.parse_and_eval("$pc"))
                    fresh = fresh or pc == first_run
                    op = arch.disassemble(pc)[0]["asm"].split()[0]
                    if by_function and profile is None:
                        where = function_of(pc)
                        seen[where] = seen.get(where, 0) + 1
                    gdb.execute("stepi", to_string=True)
                    steps += 1
                    sp = int(gdb.parse_and_eval("$sp"))
                    if op.startswith("call") and sp == top - 4 and second is None and returns == 1:
                        second = int(gdb.parse_and_eval("$pc"))  # T's second call: its target
                    elif op.startswith("ret") and sp == top:
                        returns += 1
                    if not switched and int(current()) != me:
                        switched = True
                if returns < 2:
                    lines.append(f"round trip {hits}: more than {CAP} instructions without its end (stopped counting there)")
                    break
                if switched and second in downs and not fresh:
                    counts.append(steps)
                    lines.append(f"round trip {len(counts)}: {steps} instructions, '{name}' and back")
                    if by_function and profile is None:
                        profile = seen
        finally:
            stop.delete()
        for line in lines:
            print(line)
        if counts:
            print(f"{self.command}: {len(counts)} round trips, {min(counts)} to {max(counts)} instructions")
        else:
            print(f"{self.command}: no round trip in {hits} calls of sem_up")
        if profile:
            print(f"where the first one's {counts[0]} instructions went (function/inlined function):")
            for where, k in sorted(profile.items(), key=lambda kv: -kv[1]):
                print(f"  {k:5}  {where}")


Tasks()
Ready()
User()
Cpus()
TaskBacktrace()
BreakSwitch()
Trace()
CountSwitch()
CountYield()
CountSem()
