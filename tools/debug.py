#!/usr/bin/env python3
"""make debug: QEMU waiting for GDB, and GDB connected to it, in one terminal.

    tools/debug.py GDB_PORT GDB KERNEL -- QEMU ARGS...

QEMU runs in a session of its own, so no key typed at the terminal reaches
it. GDB runs in a process group of its own that becomes the terminal's
foreground group (as a shell's job control would do), so Ctrl-C interrupts
the guest in GDB - and reaches neither QEMU nor make, which would otherwise
stop with an "Interrupt" error when GDB quits. Quitting GDB stops QEMU and
ends with status 0.
"""
import os
import signal
import subprocess
import sys


def main():
    if len(sys.argv) < 5 or "--" not in sys.argv:
        sys.exit("usage: tools/debug.py GDB_PORT GDB KERNEL -- QEMU ARGS...")
    cut = sys.argv.index("--")
    if cut != 4:
        sys.exit("usage: tools/debug.py GDB_PORT GDB KERNEL -- QEMU ARGS... (three words before --)")
    port, gdb, kernel = sys.argv[1:cut]
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        sys.exit(f"debug: GDB_PORT={port} is not a port number (1 to 65535; make debug GDB_PORT=1234)")
    # A GDB port already taken (another QEMU's, say) would make QEMU give up
    # and GDB attach to that other one: say so instead. Then wait until
    # this QEMU listens.
    import socket
    import time
    try:
        probe = socket.socket()
        probe.bind(("127.0.0.1", int(port)))
        probe.close()
    except OSError as e:
        sys.exit(f"debug: GDB's port {port} is in use ({e.strerror}: another make debug or qemu-gdb?); "
                 f"try make debug GDB_PORT={int(port) + 1}")
    qemu = subprocess.Popen(sys.argv[cut + 1:], start_new_session=True, stdin=subprocess.DEVNULL)
    for _ in range(100):
        if qemu.poll() is not None:
            sys.exit(f"debug: QEMU ended (status {qemu.returncode}) before GDB could attach: its lines above say "
                     f"why (a GDB port in use? make debug GDB_PORT=1235)")
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=0.1).close()
        except OSError:
            time.sleep(0.05)
            continue
        if qemu.poll() is None:
            break
    else:
        qemu.kill()
        sys.exit(f"debug: QEMU does not listen on port {port} (after 5 s)")
    tty = sys.stdin.fileno() if os.isatty(sys.stdin.fileno()) else None
    gdb_cmd = [gdb, "-q", "-x", "tools/gdb/tourniquet.gdb", "-ex", f"tourniquet-connect {port}",
               "-ex", "switch-break", kernel]
    # GDB gets its own process group; with a terminal, that group is put in
    # the foreground (from the parent and the child both, so neither races).
    old_ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from a background group

    def own_group():
        os.setpgid(0, 0)
        if tty is not None:
            os.tcsetpgrp(tty, os.getpgrp())

    try:
        child = subprocess.Popen(gdb_cmd, preexec_fn=own_group)
    except OSError as e:
        qemu.kill()  # (not left paused, holding the port)
        qemu.wait()
        sys.exit(f"debug: cannot run {gdb}: {e.strerror} (make deps installs gdb)")
    if tty is not None:
        try:
            os.tcsetpgrp(tty, child.pid)
        except OSError:
            pass  # the child did it already, or has exited
    status = child.wait()
    if tty is not None:
        os.tcsetpgrp(tty, os.getpgrp())  # the terminal back to make
    signal.signal(signal.SIGTTOU, old_ttou)
    qemu.terminate()
    try:
        qemu.wait(timeout=5)
    except subprocess.TimeoutExpired:
        qemu.kill()
        qemu.wait()
    return 0 if status >= 0 else 1  # GDB's own exit code says nothing about the kernel; a crash does


if __name__ == "__main__":
    sys.exit(main())
