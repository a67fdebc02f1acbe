#!/usr/bin/env python3
"""Write a bundle of user programs: one boot module that holds several.

    tools/bundle.py OUT PROGRAM.elf...

GRUB and QEMU's -initrd give each program a module of its own; a loader
that brings a single module (the web page's v86, with its `initrd`) is given
this file, and the kernel takes it apart at boot (kernel/proc/bundle.c, which
describes the layout). Each program is named after its file, without
folders or ".elf", as the kernel names modules.
"""
import os
import struct
import sys

MAGIC, VERSION, NAME_MAX = b"TQBUNDLE", 1, 32  # kernel/proc/bundle.h, kernel/boot.h


def bundle(paths):
    out = [MAGIC, struct.pack("<II", VERSION, len(paths))]
    for path in paths:
        name = os.path.basename(path)
        name = name[:-4] if name.endswith(".elf") else name
        raw = name.encode()
        if not raw or len(raw) >= NAME_MAX:
            raise ValueError(f"{path}: a program's name has 1 to {NAME_MAX - 1} bytes ({name!r} has {len(raw)})")
        data = open(path, "rb").read()
        out += [raw.ljust(NAME_MAX, b"\0"), struct.pack("<I12x", len(data)), data, b"\0" * (-len(data) % 16)]
    return b"".join(out)


def main(argv):
    if len(argv) < 3:
        print("usage: tools/bundle.py OUT PROGRAM.elf...", file=sys.stderr)
        return 2
    try:
        data = bundle(argv[2:])
    except (OSError, ValueError) as e:
        print(f"bundle: {e}", file=sys.stderr)
        return 2
    with open(argv[1], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
