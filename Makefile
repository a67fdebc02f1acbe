# Tourniquet - the Makefile is the table of contents.
#
#   make            build build/tourniquet.elf (the kernel)
#   make run        boot it through GRUB in QEMU (ARGS="..." adds QEMU options)
#   make test       host unit tests (cmocka) + QEMU boot tests; ends "N passed, N failed"
#   make debug      boot paused under QEMU's GDB stub and attach GDB
#   make qemu-gdb   boot paused, waiting for your own debugger (VS Code) on port 1234
#   make bench      instruction counts of the hot paths, into build/bench.json
#   make bench-readme   make bench, then its one-CPU figures into the README's table
#   make sim        build/tourniquet-sim: the scheduler and the workloads on the host
#   make gantt SCHED=rr QUANTUM=2 WORKLOAD=course   run it, draw build/gantt.svg, trace in build/trace.json
#   make iso        build/tourniquet.iso, a GRUB CD image
#   make boot CMDLINE="..."   boot the kernel directly (-kernel), serial on the terminal
#   CPUS=N          with run, boot, debug, qemu-gdb, gantt: N CPUs (QEMU -smp N; default 1)
#   make disasm     build/tourniquet.asm, the annotated disassembly
#   make web        build/web/: the kernel in a web page (v86), to serve or copy to any host
#   make web-serve  build it and serve it on http://localhost:8086/ (PORT=N for another)
#   make web-bench  the page in Chromium against QEMU: time to the shell prompt, speed
#   make web-deps   install what the page and its browser tests need (npm ci, chromium)
#   make labs       the labs a course can hand out, with their points
#   make handout LAB=NAME   build/handout-NAME/ (+ .tar.gz): the tree with that lab's code left out
#   make grade LAB=NAME     run that lab's checks: points per check, a total, build/grade-NAME.json
#   make deps       install the Debian packages (as root) or say which are missing
#   make host-tests the host unit tests and the simulator, without running them
#   make compile_commands.json   the compilation database for clangd & co. (bear)
#   make help       this list
#   make clean      remove build/
#   V=1 shows the full compiler command lines.

CC      = gcc
HOST_CC = cc
NASM    = nasm
LD      = ld
QEMU    = qemu-system-i386
GDB     = gdb
PYTHON  = python3
# Each compiler builds in its own folder, so `make CC=clang` after a gcc
# build rebuilds everything (and build/tourniquet.elf stays the gcc kernel
# the tests use). BUILD= on the command line still wins.
BUILD  ?= $(if $(findstring clang,$(notdir $(CC))),build/clang,build)
KERNEL  = $(BUILD)/tourniquet.elf
ISO     = $(BUILD)/tourniquet.iso
SIM     = $(BUILD)/tourniquet-sim

# ---- Sources, one line each ---------------------------------------------

BOOT_SRC := boot/boot.asm              # Multiboot header, entry, boot stack
BOOT_SRC += boot/trampoline.asm        # real mode to protected mode for a started CPU, copied to 0x8000

# GNU as, not NASM, for these two: GDB needs their call-frame information.
ARCH_GAS := arch/x86/isr.S             # 256 interrupt stubs, the trap frame, IRET
ARCH_GAS += arch/x86/switch.S          # arch_switch: the context switch (both kinds)
ARCH_SRC := \
	arch/x86/start.c                   # Multiboot hand-off to kernel_main
ARCH_SRC += arch/x86/gdt.c             # flat segments, TSS, double-fault TSS
ARCH_SRC += arch/x86/idt.c             # 256 gates (a task gate for #DF)
ARCH_SRC += arch/x86/trap.c            # exception dumps, IRQ dispatch, preemption point
ARCH_SRC += arch/x86/pic.c             # 8259 PICs remapped to 32..47
ARCH_SRC += arch/x86/pit.c             # PIT channel 0 at hz=
ARCH_SRC += arch/x86/arch.c            # new contexts, timer start, leaving QEMU
ARCH_SRC += arch/x86/acpi.c            # CPUs and I/O APICs: ACPI MADT, else MP tables
ARCH_SRC += arch/x86/apic.c            # local APIC (EOI, IPIs, timer), I/O APIC, PIT delays
ARCH_SRC += arch/x86/smp.c             # CPUs: probe, INIT-SIPI-SIPI, per-CPU data, IPIs, stop
ARCH_SRC += arch/x86/paging.c          # the kernel's window, address spaces, CR3 and ESP0 at a switch

DRIVER_SRC := drivers/serial.c         # COM1, the console tests read
DRIVER_SRC += drivers/vga.c            # VGA text screen, ANSI colours
DRIVER_SRC += drivers/console.c        # kprintf's output: both of the above
DRIVER_SRC += drivers/keyboard.c       # PS/2 keyboard: scancodes to characters

# Portable: compiles for the kernel and for the host (tests, simulator).
CORE_SRC := kernel/sched/sched.c             # scheduler core: states, switching, ticks, sleep
# Policies: every kernel/sched/sched_NAME.c is one (registered in kernel/sched/policies.c).
#   sched_rr.c       round robin (the default)     sched_prio.c     priorities with aging
#   sched_fifo.c     first come, first served      sched_mlfq.c     multi-level feedback queue
#   sched_sjf.c      shortest job first            sched_lottery.c  lottery
#   sched_srt.c      shortest remaining time       sched_stride.c   stride
#   sched_fair.c     fair share (CFS-like)         sched_hrrn.c     highest response ratio next
CORE_SRC += $(sort $(wildcard kernel/sched/sched_*.c))
CORE_SRC += kernel/sync/spinlock.c          # spinlocks: XCHG, TSL, TTAS, ticket; acquisitions and spins
CORE_SRC += kernel/sync/sync_report.c       # misuse reports and counts, shared by every primitive
CORE_SRC += kernel/sync/sem.c               # Dijkstra's semaphores
CORE_SRC += kernel/sync/mutex.c             # mutexes: owner, wait-for graph, priority inheritance
CORE_SRC += kernel/sync/lockdep.c           # lock-order validator: orders that can deadlock
CORE_SRC += kernel/sync/cond.c              # condition variables (Mesa) and barriers
CORE_SRC += kernel/sync/mailbox.c           # bounded mailboxes: message passing
CORE_SRC += kernel/sync/rwlock.c            # readers-writers locks
CORE_SRC += kernel/sched/workload.c          # workloads: build, run, measure, report
CORE_SRC += kernel/sched/trace.c             # scheduler event ring buffer, Chrome trace JSON
CORE_SRC += kernel/input.c             # typed characters: interrupt handlers in, the shell out
CORE_SRC += kernel/sched/policies.c          # policy table (one line per policy)
CORE_SRC += kernel/sched/task.c              # create, exit, join, sleep, yield
CORE_SRC += kernel/lib/kmem.c              # the heap: best fit by a tree of free blocks
CORE_SRC += kernel/lib/rbtree.c            # red-black tree: ordered policies, timer queue, heap, lottery
CORE_SRC += kernel/mm/frames.c             # page frames for processes, with reference counts
CORE_SRC += kernel/proc/elf.c              # ELF32 checks: what a program loads where
CORE_SRC += kernel/proc/bundle.c           # several programs in one boot module (the web page's)
CORE_SRC += kernel/lib/format.c            # the printf engine (the user library's too)
CORE_SRC += kernel/lib/lang.c              # lang=: English or French for what people read
CORE_SRC += kernel/lib/kprintf.c           # kprintf: the engine to the consoles
CORE_SRC += kernel/cmdline.c           # key=value options
CORE_SRC += kernel/ktest.c             # KTAP test runner, over the tests registered with KTESTS()
CORE_SRC += kernel/demo.c              # the demos registered with DEMOS(): run=NAME
# Kernel-only portable files.
KERNEL_SRC := kernel/main.c            # boot sequence, then the idle loop
KERNEL_SRC += kernel/lib/panic.c           # panic, KASSERT, exit statuses
KERNEL_SRC += kernel/lib/string.c          # memcpy & co. for the compiler
KERNEL_SRC += kernel/proc/proc.c           # processes: spawn, exit, kill, wait, faults
KERNEL_SRC += kernel/proc/syscall.c        # system calls: arguments checked, pointers copied

DEMO_SRC := demos/counters.c            # default demo (registered first): three tasks that never yield
DEMO_SRC += demos/workloads.c           # run=workload, run=agree: the course's exercises, measured
DEMO_SRC += demos/race.c                # run=race, run=exclusion: the racing counter, mutual exclusion
DEMO_SRC += demos/smprace.c             # run=smprace: the racing counter on several CPUs, for real
DEMO_SRC += demos/prodcons.c            # run=prodcons: lost wakeup, semaphores, messages
DEMO_SRC += demos/philosophers.c        # run=philosophers: two solutions and the deadlock
DEMO_SRC += demos/classics.c            # run=readers-writers, run=barber, run=barrier
DEMO_SRC += demos/inversion.c           # run=inversion: priority inversion and inheritance
DEMO_SRC += demos/misuse.c              # run=misuse: misuse reports, lock-order deadlock
DEMO_SRC += demos/shell.c               # run=shell, and after any demo: the interactive shell
DEMO_SRC += demos/bench.c               # run=bench: instruction counts

KTEST_SRC := tests/kernel/test_tasks.c # preempt, yield, sleep, join (each file registers its tests: KTESTS)
KTEST_SRC += tests/kernel/test_faults.c # divzero, canary (expected panics)
KTEST_SRC += tests/kernel/test_smp.c   # smp: start every CPU, atomics, APIC timers, IPIs
KTEST_SRC += tests/kernel/test_memory.c # nomem: every frame allocation fails in turn

# User programs (ring 3): each user/NAME.c is one, built as an ELF and handed
# to the kernel as a Multiboot module (QEMU -initrd, GRUB `module`).
#   hello.c      its pid and arguments          victim.c     one bad thing, for usertests
#   usertests.c  the kernel's promises to a process, one check per line
#   fuzz.c       random system calls from several threads; no leak, no panic
#   bench.c      a system call's and a spawn's cost, for make bench
#   threads.c    the race, producer/consumer, a monitor and a barrier with pthreads
#   pshared.c    the race between two processes: shared memory, a shared semaphore
#   mqueue.c     producer and consumer by message passing, as two processes
#   philosophers.c  the dining philosophers: five threads, mutexes for forks
#   bonjour.c    the course's sequence.py and concurrent.py: two threads that greet
#   compteur.c   the course's racing counter, 4 threads x 100, then with its lock
USER_PROGS := $(sort $(basename $(notdir $(wildcard user/*.c))))
USER_LIB_SRC := user/lib/crt0.S user/lib/libtq.c  # entry, system calls, printf & co. (on kernel/lib/format.c)
UBUILD = $(BUILD)/user
USER_ELFS = $(patsubst %,$(UBUILD)/%.elf,$(USER_PROGS))
# The programs in one boot module, for a loader that brings only one (the web
# page's v86): the kernel takes it apart at boot (kernel/proc/bundle.c).
BUNDLE = $(BUILD)/programs.bundle

# ---- Kernel build ----------------------------------------------------------

WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes
KCFLAGS = -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fomit-frame-pointer -mregparm=3 -mno-sse -mno-sse2 -mno-mmx \
	-mno-80387 -O2 -g $(WARN) -MMD -MP -Iarch/x86/include -Iarch/include -Ikernel
# The kernel uses no SSE, so a 4-byte stack alignment is enough (as Linux on
# i386): it saves the stack adjustments around calls. gcc and clang spell it
# differently.
KCFLAGS += $(if $(shell $(CC) -m32 -mpreferred-stack-boundary=2 -c -x c /dev/null -o /dev/null 2>&1),-mstack-alignment=4,-mpreferred-stack-boundary=2)
# arch/ and drivers/ may also see x86 internals and kernel headers by path.
X86_CFLAGS = -I.
NASMFLAGS = -f elf32 -g -F dwarf

KOBJS = $(patsubst %.asm,$(BUILD)/%.o,$(BOOT_SRC)) $(patsubst %.S,$(BUILD)/%.o,$(ARCH_GAS)) \
	$(patsubst %.c,$(BUILD)/%.o,$(ARCH_SRC) $(DRIVER_SRC) $(CORE_SRC) $(KERNEL_SRC) $(DEMO_SRC) $(KTEST_SRC))

all: $(KERNEL) $(KERNEL)-gdb.gdb $(USER_ELFS) $(BUNDLE)

# GDB's auto-load file for the kernel: plain `gdb build/tourniquet.elf` gets
# the tq- commands once ~/.gdbinit allows it (README: add-auto-load-safe-path).
$(KERNEL)-gdb.gdb: tools/gdb/tourniquet.gdb
	@mkdir -p $(dir $@)
	$(Q)echo "source $(abspath tools/gdb/tourniquet.gdb)" > $@

V ?= 0
Q = $(if $(filter 1,$(V)),,@)

$(KERNEL): $(KOBJS) linker.ld
	@echo "  LD      $@"
	$(Q)$(LD) -m elf_i386 -z noexecstack -T linker.ld -o $@ $(KOBJS)

$(BUILD)/arch/%.o $(BUILD)/drivers/%.o: EXTRA_CFLAGS = $(X86_CFLAGS)
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) -m32 -g -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

-include $(KOBJS:.o=.d)

# ---- User programs ------------------------------------------------------------

# Plain i386 code for ring 3: no kernel flags (-mregparm), no floating point
# (the kernel keeps no FPU state for processes), linked at the user window.
# -fstack-clash-protection: a frame bigger than a page touches each of its
# pages in turn as it is made, so a stack overflow meets the guard page
# under the stack first, instead of stepping over it into the stack of the
# thread under it (victim big-frame).
UCFLAGS = -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fstack-clash-protection -mno-sse -mno-sse2 -mno-mmx -mno-80387 -O2 -g $(WARN) -MMD -MP -Iuser/include \
	-Ikernel/proc
USER_LIB_OBJS = $(patsubst user/%,$(UBUILD)/%.o,$(basename $(USER_LIB_SRC))) $(UBUILD)/lib/format.o
# QEMU -initrd: the programs, comma-separated (the kernel names each after its file).
INITRD = -initrd $(subst $(space),$(comma),$(strip $(USER_ELFS)))
space := $(subst ,, )
comma := ,

$(UBUILD)/%.o: user/%.c
	@mkdir -p $(dir $@)
	@echo "  UCC     $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

# The kernel's printf engine, the same source (it needs nothing but the
# compiler's headers); the library, alone of user code, sees its header.
$(UBUILD)/lib/format.o $(UBUILD)/lib/libtq.o: UCFLAGS += -Ikernel
$(UBUILD)/lib/format.o: kernel/lib/format.c
	@mkdir -p $(dir $@)
	@echo "  UCC     $<"
	$(Q)$(CC) $(UCFLAGS) -c $< -o $@

$(UBUILD)/%.o: user/%.S
	@mkdir -p $(dir $@)
	@echo "  UAS     $<"
	$(Q)$(CC) -m32 -g -MMD -MP -c $< -o $@

$(UBUILD)/%.elf: $(UBUILD)/%.o $(USER_LIB_OBJS) user/user.ld
	@echo "  ULD     $@"
	$(Q)$(LD) -m elf_i386 -z noexecstack -z max-page-size=4096 -T user/user.ld -o $@ $(USER_LIB_OBJS) $<

$(BUNDLE): $(USER_ELFS) tools/bundle.py
	@echo "  BUNDLE  $@"
	$(Q)$(PYTHON) tools/bundle.py $@ $(USER_ELFS)

.SECONDARY: $(USER_LIB_OBJS) $(USER_ELFS:.elf=.o)
-include $(USER_LIB_OBJS:.o=.d) $(USER_ELFS:.elf=.d)

# ---- Host build: cmocka tests of the portable code -----------------------

HOST_CFLAGS = -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-DUNIT_TESTING $(WARN) -Wno-missing-prototypes -MMD -MP -Itests/host/fake -Iarch/include -Ikernel -Idemos
HOST_LIBS = -lcmocka
HOST = $(BUILD)/host
FAKE_SRC := tests/host/fake/fake.c     # fake arch and panic for the host (tests and sim)
FAKE_SRC += tests/host/fake/fake_console.c # console output captured for the tests

# Each host test: its own file plus the portable sources it exercises.
HOST_TESTS := test_list test_kprintf test_kmem test_frames test_elf test_bundle test_cmdline test_sched test_rbtree test_policies test_sync test_smp test_smp_workload test_trace
test_list_SRC    := tests/host/test_list.c
test_kprintf_SRC := tests/host/test_kprintf.c kernel/lib/kprintf.c kernel/lib/format.c
test_kmem_SRC    := tests/host/test_kmem.c kernel/lib/kmem.c kernel/lib/rbtree.c kernel/lib/kprintf.c kernel/lib/format.c
test_frames_SRC  := tests/host/test_frames.c
test_elf_SRC     := tests/host/test_elf.c
test_bundle_SRC  := tests/host/test_bundle.c
# The whole portable core, for the tests that schedule.
SCHED_CORE := $(filter-out kernel/cmdline.c kernel/ktest.c,$(CORE_SRC))
test_cmdline_SRC := tests/host/test_cmdline.c $(CORE_SRC)
test_sched_SRC   := tests/host/test_sched.c
test_smp_SRC     := tests/host/test_smp.c
test_smp_workload_SRC := tests/host/test_smp_workload.c
test_rbtree_SRC := tests/host/test_rbtree.c kernel/lib/rbtree.c
test_policies_SRC := tests/host/test_policies.c docs/sched_template.c
test_sync_SRC    := tests/host/test_sync.c
test_trace_SRC   := tests/host/test_trace.c

HOST_BINS = $(addprefix $(HOST)/,$(HOST_TESTS))

# Every test links the scheduling core too: the fake arch calls into it.
define host_test_rule
$(HOST)/$(1): $$(patsubst %.c,$(HOST)/%.o,$$(sort $$($(1)_SRC) $$(SCHED_CORE) $(FAKE_SRC)))
	@echo "  HOSTLD  $$@"
	$(Q)$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $$^ $$(HOST_LIBS)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

$(HOST)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

-include $(shell find $(HOST) -name '*.d' 2>/dev/null)

host-tests: $(HOST_BINS) $(SIM)

# ---- The simulator: the portable core on the host ---------------------------

SIM_SRC := sim/sim.c                   # main: the kernel's command line, then a demo
SIM_OBJS = $(patsubst %.c,$(HOST)/%.o,$(SIM_SRC) $(CORE_SRC) demos/workloads.c tests/host/fake/fake.c)
# Built like the tests, sanitizers included: it doubles as a check of the core.
$(SIM): $(SIM_OBJS)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

sim: $(SIM)

# ---- Running -------------------------------------------------------------

# CPUS=4: QEMU's -smp, for run, boot, debug, qemu-gdb and gantt.
CPUS ?= 1
QEMU_COMMON = -m 64 -no-reboot -smp $(CPUS) -device isa-debug-exit,iobase=0xf4,iosize=0x04
# With a display, QEMU opens its window (the VGA console); without one, the
# serial console alone is on the terminal. Either way Ctrl-A X quits.
QEMU_DISPLAY = $(if $(DISPLAY)$(WAYLAND_DISPLAY),,-display none)
CMDLINE ?=
# COM2, where the kernel writes the trace as JSON (after run=workload, or
# `trace json` in the shell), goes to a file in every target that boots.
COM2 = -serial file:$(BUILD)/trace.json
COM2_SAYS = COM2 (the trace JSON): $(BUILD)/trace.json.
# QEMU's exit status, in words: 0 (quit by hand) and 33 (exit=1, all passed)
# are success; 35 (a test failed) and 37 (a panic) are failures.
EXIT_STATUS = s=$$?; case $$s in 0|33) exit 0;; 35) echo "QEMU exit status 35: a test failed"; exit 1;; \
	37) echo "QEMU exit status 37: kernel panic"; exit 1;; *) echo "QEMU exit status $$s"; exit 1;; esac

deps:
	@tools/deps.sh $(if $(filter deps,$(MAKECMDGOALS)),--say)

# Every menu entry gets the user programs as modules, after its `multiboot` line;
# each module's string, which is all the kernel sees of it, is its name (GRUB
# passes what follows the file, QEMU's -initrd the file's path).
$(ISO): $(KERNEL) $(USER_ELFS) iso/boot/grub/grub.cfg
	@mkdir -p $(BUILD)/iso/boot/grub $(BUILD)/iso/boot/user
	cp $(KERNEL) $(BUILD)/iso/boot/tourniquet.elf
	cp $(USER_ELFS) $(BUILD)/iso/boot/user/
	awk -v progs="$(USER_PROGS)" '{ print } /^[ \t]*multiboot / { match($$0, /^[ \t]*/); n = split(progs, p, " "); \
		for (i = 1; i <= n; i++) print substr($$0, 1, RLENGTH) "module /boot/user/" p[i] ".elf " p[i] }' \
		iso/boot/grub/grub.cfg > $(BUILD)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/iso 2>$(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

iso: deps $(ISO)

run: deps $(ISO)
	@echo "Booting through GRUB. Quit: Ctrl-A then X (or close the window)."
	@$(QEMU) $(QEMU_COMMON) -cdrom $(ISO) -serial mon:stdio $(COM2) $(QEMU_DISPLAY) $(ARGS); $(EXIT_STATUS)

boot: deps $(KERNEL) $(USER_ELFS)
	@echo "Booting $(KERNEL) with: $(CMDLINE). Quit: Ctrl-A then X. $(COM2_SAYS)"
	@$(QEMU) $(QEMU_COMMON) -kernel $(KERNEL) $(INITRD) -append "$(CMDLINE)" -serial mon:stdio $(COM2) $(QEMU_DISPLAY) $(ARGS); $(EXIT_STATUS)

GDB_PORT ?= 1234
# tools/debug.py starts QEMU in a session of its own and GDB in the
# terminal's foreground process group: Ctrl-C interrupts the guest in GDB
# and reaches neither QEMU nor make; quitting GDB stops QEMU.
debug: deps $(KERNEL) $(USER_ELFS)
	@echo "QEMU waits for GDB on port $(GDB_PORT); the kernel's serial output goes to $(BUILD)/debug-serial.log. $(COM2_SAYS)"
	@$(PYTHON) tools/debug.py $(GDB_PORT) $(GDB) $(KERNEL) -- $(QEMU) $(QEMU_COMMON) -kernel $(KERNEL) $(INITRD) \
		-append "$(CMDLINE)" -serial file:$(BUILD)/debug-serial.log $(COM2) -display none -S -gdb tcp::$(GDB_PORT)

# QEMU waiting for a debugger, for front ends that connect themselves (VS Code:
# .vscode/launch.json). Ctrl-A X quits.
qemu-gdb: deps $(KERNEL) $(USER_ELFS)
	@echo "QEMU waits for a debugger on localhost:$(GDB_PORT). Ctrl-A X quits. $(COM2_SAYS)"
	@$(QEMU) $(QEMU_COMMON) -kernel $(KERNEL) $(INITRD) -append "$(CMDLINE)" -serial mon:stdio $(COM2) -display none \
		-S -gdb tcp::$(GDB_PORT); $(EXIT_STATUS)

test: deps $(KERNEL) $(KERNEL)-gdb.gdb $(USER_ELFS) $(ISO) host-tests
	$(PYTHON) tests/run_tests.py

# make gantt SCHED=rr QUANTUM=2 WORKLOAD=course: run it in QEMU, draw it.
SCHED ?= fifo
QUANTUM ?= 1
WORKLOAD ?= course
gantt: deps $(KERNEL)
	@$(QEMU) $(QEMU_COMMON) -display none -icount shift=0,sleep=off -kernel $(KERNEL) \
		-append "run=workload sched=$(SCHED) quantum=$(QUANTUM) workload=$(WORKLOAD) cpus=$(CPUS) hz=1000 exit=1" \
		-serial file:$(BUILD)/gantt.log -serial file:$(BUILD)/trace.json; $(EXIT_STATUS)
	@! grep -a "^cmdline: " $(BUILD)/gantt.log || { echo "gantt: the kernel refused these options (above): nothing drawn"; exit 1; }
	@$(PYTHON) tools/gantt.py $(BUILD)/gantt.log -o $(BUILD)/gantt.svg
	@echo "trace: $(BUILD)/trace.json (open it in Perfetto or chrome://tracing)"

bench: deps $(KERNEL) $(USER_ELFS)
	$(PYTHON) tools/bench.py

bench-readme: bench
	$(PYTHON) tools/bench.py --readme

# ---- The web page ---------------------------------------------------------------

WEB  = $(BUILD)/web
PORT ?= 8086

web: $(KERNEL) $(BUNDLE)
	@tools/web-deps.sh --npm
	@$(PYTHON) tools/web.py build $(KERNEL) $(WEB) $(BUNDLE)

web-serve: web
	@$(PYTHON) tools/web.py serve $(WEB) $(PORT)

# Labs (tools/lab.py): a student tree with a lab's code left out, and its grader.
LAB ?=
labs:
	@$(PYTHON) tools/lab.py list

handout:
	@$(PYTHON) tools/lab.py handout $(LAB)

# (The last report goes first: a tree that no longer builds must not leave
# an old grade behind for a course's system to collect.)
grade:
	@rm -f build/grade-$(LAB).json
	@$(MAKE) --no-print-directory deps $(KERNEL) $(USER_ELFS) host-tests || \
		{ echo "grade: the tree does not build (the lines above say why): no report, no points"; exit 2; }
	@$(PYTHON) tools/lab.py grade $(LAB)

web-bench: web
	@tools/web-deps.sh
	@$(PYTHON) tools/web.py bench $(WEB) $(KERNEL)

web-deps:
	tools/web-deps.sh

disasm: $(KERNEL)
	objdump -d -S -M intel $(KERNEL) > $(BUILD)/tourniquet.asm
	@echo "wrote $(BUILD)/tourniquet.asm"

# ---- Editors -------------------------------------------------------------------

# The compilation database at the top, for clangd and other tools: every
# kernel and host compile, recorded by bear from a full rebuild.
compile_commands.json: deps
	bear --output $@ -- $(MAKE) -B all host-tests

# The targets, from the comment block at the top of this file.
help:
	@awk 'NR > 1 && !/^#/ { exit } /^#   make/ { sub(/^#   /, "  "); print }' $(firstword $(MAKEFILE_LIST))

.PHONY: compile_commands.json help

clean:
	rm -rf $(BUILD)

.PHONY: all deps iso run boot debug qemu-gdb test bench bench-readme disasm clean host-tests sim gantt web web-serve web-bench web-deps labs handout grade
