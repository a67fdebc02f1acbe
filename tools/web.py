#!/usr/bin/env python3
"""Tourniquet in the browser: build, serve and time the static page.

    tools/web.py build KERNEL OUT [BUNDLE]  make web: the folder OUT (build/web/)
    tools/web.py serve OUT [PORT]           make web-serve: serve it on localhost
    tools/web.py bench OUT KERNEL           make web-bench: v86 in Chromium against QEMU

`build` puts in OUT the page (web/), v86 and xterm.js at the versions of
web/package-lock.json (installed in web/node_modules by `npm ci`), the BIOS
images v86 needs (Debian's seabios package), the kernel ELF, the user
programs as one bundle (v86 brings a single module: kernel/proc/bundle.c
takes it apart), the licences
of what is copied, and options.json: the kernel's own list of options and
their valid values, read from its `help` (booted once in QEMU), so the
page's form never drifts from the kernel. OUT can be copied to any web
host: it is plain files. It must be served over HTTP (browsers refuse to
load WebAssembly from file://).
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEB = os.path.join(ROOT, "web")
MODULES = os.path.join(WEB, "node_modules")
SEABIOS = "/usr/share/seabios"
PAGE = ["index.html", "app.mjs", "gantt.mjs", "style.css"]
COPIES = [  # (from, to): what the page loads, and the licences that come with it
    (os.path.join(MODULES, "v86/build/libv86.mjs"), "v86/libv86.mjs"),
    (os.path.join(MODULES, "v86/build/v86.wasm"), "v86/v86.wasm"),
    (os.path.join(MODULES, "v86/LICENSE"), "licenses/v86.txt"),
    (os.path.join(MODULES, "@xterm/xterm/lib/xterm.mjs"), "xterm/xterm.mjs"),
    (os.path.join(MODULES, "@xterm/xterm/css/xterm.css"), "xterm/xterm.css"),
    (os.path.join(MODULES, "@xterm/xterm/LICENSE"), "licenses/xterm.js.txt"),
    (os.path.join(SEABIOS, "bios.bin"), "bios/bios.bin"),
    (os.path.join(SEABIOS, "vgabios-stdvga.bin"), "bios/vgabios-stdvga.bin"),
    ("/usr/share/doc/seabios/copyright", "licenses/seabios.txt"),
]
QEMU = ["qemu-system-i386", "-m", "64", "-no-reboot", "-display", "none", "-monitor", "none",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "stdio"]


def die(msg):
    sys.stderr.write(f"web: {msg}\n")
    sys.exit(1)


def kernel_options(kernel, bundle=None):
    """The kernel's options as its `help` prints them:
    {key: {"about": ..., "now": ..., "valid": [...]}}, and the workload kinds;
    booted with the bundle of programs, so run= lists prog:NAME for each."""
    programs = ["-initrd", bundle] if bundle else []
    out = subprocess.run(QEMU + ["-kernel", kernel] + programs + ["-append", "help exit=1"],
                         capture_output=True, timeout=120).stdout.decode("utf-8", "replace")
    opts = {}
    for m in re.finditer(r"^  (\w+) +(.*?); now (.*?); valid: (.*)$", out, re.M):
        key, about, now, valid = m.groups()
        values = [v.strip() for v in valid.split(",")] if "," in valid else [valid.strip()]
        opts[key] = {"about": about, "now": now, "valid": values}
    for key in ("run", "test", "sched", "workload", "quantum", "hz"):
        if key not in opts:
            die(f"the kernel's help did not list '{key}' (read {len(out)} bytes from QEMU)")
    opts["exit"]["now"] = "0"  # (what the page starts from: not the exit=1 this boot needed to end)
    # "course, exercise, mixed, random, or a list like A:0:5,B:1:3": the named ones
    opts["workload"]["kinds"] = [v for v in opts["workload"]["valid"] if re.fullmatch(r"[a-z]+", v)]
    return opts


def build(kernel, out, bundle=None):
    missing = [src for src, _ in COPIES if not os.path.exists(src)]
    if missing:
        die("missing " + ", ".join(missing) + " (run `make deps`, then `make web`: it runs npm ci in web/)")
    if not os.path.exists(kernel):
        die(f"no kernel at {kernel} (run make)")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for name in PAGE:
        shutil.copy(os.path.join(WEB, name), os.path.join(out, name))
    for src, dst in COPIES:
        os.makedirs(os.path.dirname(os.path.join(out, dst)), exist_ok=True)
        shutil.copy(src, os.path.join(out, dst))
    shutil.copy(kernel, os.path.join(out, "tourniquet.elf"))
    if bundle:  # (the user programs, as one module: v86 brings one)
        if not os.path.exists(bundle):
            die(f"no bundle of user programs at {bundle} (run make)")
        shutil.copy(bundle, os.path.join(out, "programs.bundle"))
    with open(os.path.join(out, "options.json"), "w") as f:
        json.dump(kernel_options(kernel, bundle), f, indent=1)
    with open(os.path.join(out, "licenses", "index.html"), "w") as f:
        f.write("<!doctype html><title>Licences</title><ul>" +
                "".join(f'<li><a href="{n}">{n}</a></li>' for n in sorted(os.listdir(os.path.join(out, "licenses")))
                        if n.endswith(".txt")) + "</ul>\n")
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(out) for n in ns)
    print(f"web: wrote {os.path.relpath(out, ROOT)}/ ({size // 1024} KiB): serve it with `make web-serve`, "
          "or copy it to any web host")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".elf": "application/octet-stream"}

    def log_message(self, *args):
        pass  # quiet: the page makes a few requests, errors show in the browser


def server(out, port):
    """An HTTP server for `out` on localhost:port (0: any free port)."""
    handler = lambda *a, **k: Handler(*a, directory=out, **k)  # noqa: E731
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(out, port):
    if not os.path.exists(os.path.join(out, "index.html")):
        die(f"nothing to serve in {out} (run `make web` first)")
    try:
        httpd = server(out, port)
    except OSError as e:
        die(f"cannot serve on localhost:{port}: {e.strerror} (another make web-serve? try PORT=8087)")
    print(f"web: Tourniquet at http://localhost:{httpd.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print()


def counted(transcript):
    """The counters demo's three counts at its last report (same ticks of CPU
    each): how far the same loop got in the same guest time."""
    found = re.findall(r"counter +(\d+) after +(\d+) ticks of CPU", transcript)
    if len(found) < 3:
        return 0, 0
    last = found[-3:]
    return sum(int(n) for n, _ in last), int(last[0][1])


def bench(out, kernel):
    """The page in Chromium: wall time from page load to the shell prompt,
    and guest instructions per second in v86; beside it, QEMU's TCG on the
    same boot. Speed is compared where the work is the same: the counters
    demo's three tasks spin for the same ticks of CPU in both, so the ratio
    of their counts is the ratio of the emulators' speeds (wall time to the
    prompt also contains the ticks both wait for)."""
    import threading
    cmdline = "run=counters hz=1000"
    httpd = server(out, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    env = dict(os.environ, TQ_WEB_URL=f"http://127.0.0.1:{httpd.server_address[1]}/", TQ_WEB_CMDLINE=cmdline)
    p = subprocess.run(["node", os.path.join(WEB, "test/bench.mjs")], env=env, capture_output=True,
                       text=True, cwd=WEB, timeout=300)
    httpd.shutdown()
    if p.returncode != 0:
        die(f"the browser bench failed:\n{p.stdout}{p.stderr}")
    v86 = json.loads(p.stdout.strip().splitlines()[-1])
    t0 = time.monotonic()
    q = subprocess.Popen(QEMU + ["-kernel", kernel, "-append", cmdline], stdout=subprocess.PIPE, stdin=subprocess.PIPE)
    seen = b""
    while b"tourniquet> " not in seen:
        chunk = q.stdout.read1(4096)
        if not chunk:
            break
        seen += chunk
    qemu_s = time.monotonic() - t0
    q.kill()
    q.wait()
    v86_count, ticks = counted(v86.pop("transcript"))
    qemu_count, _ = counted(seen.decode("utf-8", "replace"))
    ratio = v86_count / qemu_count if qemu_count else 0
    print(f"web: {cmdline}: page load to shell prompt {v86['prompt_since_load_s']:.2f} s in Chromium "
          f"(QEMU TCG: {qemu_s:.2f} s from its start); v86 ran {v86['instructions_per_s'] / 1e6:.0f} million "
          f"guest instructions per second; the counters' loops got {ratio:.2f} x as far in v86 as in QEMU's TCG "
          f"in {ticks} ticks of CPU each ({v86_count} against {qemu_count})")
    with open(os.path.join(ROOT, "build", "web-bench.json"), "w") as f:
        json.dump({"cmdline": cmdline, "v86": v86, "qemu_tcg_prompt_s": round(qemu_s, 3),
                   "counts": {"v86": v86_count, "qemu_tcg": qemu_count, "ticks_each": ticks},
                   "v86_speed_vs_qemu_tcg": round(ratio, 3)}, f, indent=2)
        f.write("\n")
    print(f"web: wrote {os.path.relpath(os.path.join(ROOT, 'build', 'web-bench.json'), ROOT)}")


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "build":
        build(args[1], args[2], args[3] if len(args) > 3 else None)
    elif len(args) >= 2 and args[0] == "serve":
        port = args[2] if len(args) > 2 else "8086"
        if not port.isdigit() or int(port) > 65535:
            die(f"PORT={port} is not a port number (1 to 65535; 0 for any free one)")
        serve(args[1], int(port))
    elif len(args) >= 3 and args[0] == "bench":
        bench(args[1], args[2])
    else:
        die("usage:\n" + "\n".join(__doc__.strip().splitlines()[2:5]))


if __name__ == "__main__":
    main()
