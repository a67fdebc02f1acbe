# tools/gdb/tourniquet.gdb - GDB setup for debugging Tourniquet under QEMU.
#
# `make debug` loads this file, connects, and puts a breakpoint on
# arch_switch, the context switch. Useful from there:
#   continue            run to the next switch
#   bt                  how we got here (a tick: trap_dispatch; a yield: task_yield)
#   info registers      the CPU state; x/8wx $esp the stack being switched from
#   stepi / nexti       one instruction at a time through arch_switch
#   next / step         one C line at a time (after `finish` back into C)
#   p *$current()             the task on this CPU (during arch_switch: the one switched to)
#   p *'sched.c'::policy      the scheduling policy's hook table
#   tq-tasks, tq-ready, tq-bt TASK, tq-break-switch TASK, tq-trace [N]
#   tq-user PROGRAM           a user program's symbols (then: hbreak main)
#                             (tools/gdb/tourniquet.py: `help user-defined`)

# The tq- commands (tq-tasks, tq-ready, tq-bt, tq-break-switch, tq-trace),
# written with GDB's Python API, beside this file: found from the kernel's
# ELF (loaded before this runs: build/tourniquet.elf, build/clang/...), by
# looking up from its folder, so that GDB may run from any folder; else
# from the current folder.
python
import os as _tq_os
def _tq_find():
    for objfile in gdb.objfiles():
        d = _tq_os.path.dirname(_tq_os.path.abspath(objfile.filename))
        while d != _tq_os.path.dirname(d):
            p = _tq_os.path.join(d, "tools", "gdb", "tourniquet.py")
            if _tq_os.path.exists(p):
                return p
            d = _tq_os.path.dirname(d)
    return "tools/gdb/tourniquet.py"
gdb.execute("source " + _tq_find())
end

set confirm off
set pagination off
set print pretty on
set disassembly-flavor intel

define tourniquet-connect
    if $argc == 1
        target remote localhost:$arg0
    else
        target remote localhost:1234
    end
end
document tourniquet-connect
Connect to QEMU's GDB stub: tourniquet-connect [PORT] (default 1234).
end

define switch-break
    break arch_switch
end
document switch-break
Stop at every context switch (arch/x86/switch.S).
end

define current-task
    print *$current()
end
document current-task
Print the task running on the selected CPU (GDB thread n is CPU n-1;
during arch_switch: the task being switched to).
end
