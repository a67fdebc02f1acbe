#!/usr/bin/env bash
# tools/deps.sh - make sure the Debian packages Tourniquet needs are installed.
#
# Run by `make deps` and before `make run`, `make test`, `make debug` and
# `make bench`. As root it installs what is missing with apt-get; otherwise it
# prints the exact command to type and fails. On a system without dpkg it
# only checks that the commands exist. With --say (make deps itself, not the
# targets that run it first) it also says so when nothing is missing.
set -u
say=false
[ "${1:-}" = "--say" ] && say=true

PACKAGES="make gcc gcc-multilib nasm binutils qemu-system-x86 grub-pc-bin grub-common xorriso mtools libcmocka-dev gdb python3 bear"

if ! command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for cmd in gcc nasm ld qemu-system-i386 grub-mkrescue xorriso gdb python3; do
        command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
    done
    if [ -n "$missing" ]; then
        echo "deps: not a Debian system, and these commands are missing:$missing" >&2
        echo "deps: install them with your package manager (and cmocka for the host tests)" >&2
        exit 1
    fi
    $say && echo "deps: every command Tourniquet needs is present"
    exit 0
fi

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
if [ -z "$missing" ]; then
    $say && echo "deps: every package Tourniquet needs is installed ($(echo $PACKAGES | wc -w) of them)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
        echo "deps: apt-get install failed for:$missing" >&2
        exit 1
    }
    exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: install them with:" >&2
echo "    sudo apt-get install$missing" >&2
exit 1
