#!/usr/bin/env python3
"""Draw a workload run as an SVG Gantt chart.

    tools/gantt.py SERIAL_LOG [-o out.svg]

Reads the machine-readable lines the kernel (run=workload) or the simulator
prints,

    TASK name=A arrival=0 burst=5 first=0 completion=5 turnaround=5 waiting=0 response=0
    RESULT policy=fifo workload=course schedule=A:5,B:3,... avg_turnaround=7.00 ...

and draws the last run in the file: a row per task, one cell per tick along
the x axis, a colour per task, a mark where each task arrives and where it
completes, its I/O waits hatched (a TASK line's io=start:length,...) apart
from its time ready, the level it ran at in each cell (the RESULT line's
levels=, for mlfq and prio), and the table of turnaround, waiting and
response times beside it, in the transcript's language (lang=fr: French).
Standard library only. `make gantt` runs a workload in QEMU and calls
this script.
"""
import argparse
import html
import re
import sys

# Task i's colour, as on the VGA screen and in the terminal (kernel/sched/workload.c's
# task_colours: ANSI backgrounds 41..46, then 41 and 42 again), in VGA's palette.
COLOURS = ["#aa0000", "#00aa00", "#aa5500", "#0000aa", "#aa00aa", "#00aaaa", "#aa0000", "#00aa00"]

# The picture's words, in the transcript's language: the kernel's table
# opens with "Workload NAME under POLICY", or with lang=fr "Charge NAME sous
# POLICY" (the TASK and RESULT lines are the same in both). web/gantt.mjs
# has the same table.
LABELS = {
    "en": {"under": "under", "on_cpus": " on {n} CPUs", "legend": "triangle: arrival; bar: completion; pale band: "
           "time in the system; grey: idle", "io": "; hatched: I/O", "digits": "; digits: {d}", "and": " and ",
           "the_cpu": "the CPU", "the_level": "the level",
           "cols": ["task", "arrival", "burst", "first", "completion", "turnaround", "waiting", "response"],
           "average": "average", "switches": "{s} context switches, {i} idle {cpu}ticks{more}", "cpu_": "CPU-",
           "migrations": ", {m} migrations"},
    "fr": {"under": "sous", "on_cpus": " sur {n} processeurs", "legend": "triangle : arrivée ; barre : fin ; "
           "bande pâle : temps de séjour ; gris : inactif", "io": " ; hachures : entrées-sorties",
           "digits": " ; chiffres : {d}", "and": " et ", "the_cpu": "le processeur", "the_level": "le niveau",
           "cols": ["tâche", "arrivée", "durée", "début", "fin", "séjour", "attente", "réponse"],
           "average": "moyenne", "switches": "{s} commutations de contexte, {i} ticks {cpu}inactifs{more}",
           "cpu_": "de CPU ", "migrations": ", {m} migrations"},
}


def parse(text):
    """The last run in the text: (tasks, result, language), the first two
    dicts of key=value, the language that of the table before them."""
    runs, tasks, lang = [], [], "en"
    for line in text.replace("\r", "").splitlines():
        if line.startswith("Workload "):
            lang = "en"
        elif line.startswith("Charge "):
            lang = "fr"
        elif line.startswith("TASK "):
            tasks.append(dict(kv.split("=", 1) for kv in line[5:].split()))
        elif line.startswith("RESULT "):
            runs.append((tasks, dict(kv.split("=", 1) for kv in line[7:].split()), lang))
            tasks = []
    if not runs:
        raise SystemExit("gantt: no TASK/RESULT lines found (run the kernel or the simulator with run=workload)")
    if not runs[-1][0]:
        raise SystemExit("gantt: the last RESULT line has no TASK lines before it (the kernel prints one per task "
                         "first): nothing to draw")
    return runs[-1]


MAX_TICKS = 2048  # WL_MAX_TICKS (kernel/sched/workload.h): a schedule is never longer


def segments(schedule):
    """'A:5,B:3,.:1' -> [(start, length, name)] ('.' is idle)."""
    out, t = [], 0
    for part in schedule.split(","):
        name, length = part.rsplit(":", 1)
        n = int(length)
        if not 1 <= n <= MAX_TICKS or t + n > MAX_TICKS:
            raise ValueError(f"schedule segment {part!r}: a length of 1 to {MAX_TICKS} ticks in all "
                             f"(the kernel's workloads end within {MAX_TICKS})")
        out.append((t, n, name))
        t += n
    return out


def draw(tasks, result, lang="en"):
    """The picture: a row per task (where it ran, on which CPU), then with
    several CPUs a row per CPU (what it ran), and the metrics table, in
    `lang`'s words."""
    words = LABELS[lang]
    cell, row, left, top = 24, 28, 70, 60
    rows = [segments(r) for r in result["schedule"].split("/")]  # several CPUs: one list each
    ncpus = len(rows)
    segs = [(start, n, name, k) for k, r in enumerate(rows) for start, n, name in r]
    length = max(sum(n for _, n, _ in r) for r in rows)
    names = [t["name"] for t in tasks]
    colour = {n: COLOURS[i % len(COLOURS)] for i, n in enumerate(names)}
    chart_w = left + cell * length + 20
    table_x = chart_w + 20
    width = table_x + 560
    cpu_top = top + row * len(names) + (20 if ncpus > 1 else 0)
    bottom = cpu_top + (row * ncpus if ncpus > 1 else 0)
    height = max(bottom + 60, top + 22 * (len(names) + 3) + 20)
    params = " ".join(f"{k}={v}" for k, v in result.items()
                      if k not in ("policy", "workload", "schedule", "cpus") and not k.startswith("avg_")
                      and k not in ("switches", "idle", "migrations", "levels"))
    title = f"{result['workload']} {words['under']} {result['policy']}" + (f" ({params})" if params else "") + \
        (words["on_cpus"].format(n=ncpus) if ncpus > 1 else "")
    levels = result["levels"].split("/") if "levels" in result else None
    has_io = any("io" in t for t in tasks)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="13">',
           f'<title>{html.escape(title)}</title>',
           f'<rect class="background" x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
           '<defs><pattern id="io" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
           '<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="2"/>'
           '</pattern></defs>',
           f'<text class="axis-label" x="{left - 10}" y="{top - 10}" text-anchor="end" font-size="11">tick</text>',
           f'<text x="{left}" y="24" font-size="16" font-weight="bold">{html.escape(title)}</text>']
    # The tick axis.
    for t in range(length + 1):
        x = left + t * cell
        out.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{bottom}" stroke="#ddd"/>')
        if t % 5 == 0 or length <= 20:
            out.append(f'<text x="{x}" y="{top - 10}" text-anchor="middle" font-size="11">{t}</text>')
    # A row per task.
    for i, t in enumerate(tasks):
        y = top + i * row
        out.append(f'<text x="{left - 10}" y="{y + 18}" text-anchor="end">{html.escape(t["name"])}</text>')
        # waiting: from arrival to completion, a pale band
        a, c = int(t["arrival"]), int(t["completion"])
        out.append(f'<rect class="waiting" x="{left + a * cell}" y="{y + 8}" width="{(c - a) * cell}" height="8" '
                   f'fill="{colour[t["name"]]}" fill-opacity="0.18"/>')
        # I/O waits: hatched over that band, apart from the time ready
        for start, n in (map(int, part.split(":")) for part in t["io"].split(",")) if "io" in t else ():
            out.append(f'<rect class="io" x="{left + start * cell}" y="{y + 6}" width="{n * cell}" height="12" '
                       f'fill="url(#io)" stroke="#555"/>')
        for start, n, name, k in segs:
            if name == t["name"]:
                out.append(f'<rect class="run" data-task="{html.escape(name)}" data-cpu="{k}" '
                           f'x="{left + start * cell}" y="{y + 2}" '
                           f'width="{n * cell}" height="{row - 6}" fill="{colour[name]}" stroke="#333"/>')
                for x in range(start, start + n) if ncpus > 1 or levels else ():  # the CPU, the level
                    label = ":".join(([str(k)] if ncpus > 1 else []) + ([levels[k][x]] if levels else []))
                    out.append(f'<text x="{left + x * cell + cell / 2}" y="{y + 18}" text-anchor="middle" '
                               f'font-size="10" fill="#fff">{label}</text>')
        # arrival: a triangle; completion: a bar
        ax, cx = left + a * cell, left + c * cell
        out.append(f'<path class="arrival" d="M{ax - 5},{y + row - 2} L{ax + 5},{y + row - 2} L{ax},{y + row - 10} Z" '
                   f'fill="#000"/>')
        out.append(f'<rect class="completion" x="{cx - 1}" y="{y}" width="3" height="{row - 2}" fill="#000"/>')
    if ncpus == 1:  # idle ticks along the bottom
        y = top + row * len(names) + 6
        for start, n, name, _ in segs:
            if name == ".":
                out.append(f'<rect class="idle" x="{left + start * cell}" y="{y}" width="{n * cell}" height="6" '
                           f'fill="#999"/>')
    else:  # a row per CPU: what it ran, grey where it idled
        for k, r in enumerate(rows):
            y = cpu_top + k * row
            out.append(f'<text x="{left - 10}" y="{y + 18}" text-anchor="end">CPU{k}</text>')
            for start, n, name in r:
                fill = "#999" if name == "." else colour.get(name, "#999")
                out.append(f'<rect class="{"idle" if name == "." else "cpu-run"}" data-cpu="{k}" '
                           f'data-task="{html.escape(name)}" x="{left + start * cell}" y="{y + 2}" '
                           f'width="{n * cell}" height="{row - 6 if name != "." else 6}" fill="{fill}"/>')
                if name != ".":
                    out.append(f'<text x="{left + start * cell + 4}" y="{y + 18}" font-size="11" '
                               f'fill="#fff">{html.escape(name)}</text>')
        y = bottom - 6
    digits = words["and"].join(([words["the_cpu"]] if ncpus > 1 else []) + ([words["the_level"]] if levels else []))
    out.append(f'<text x="{left}" y="{y + 26}" font-size="11">' + html.escape(words["legend"]) +
               (html.escape(words["io"]) if has_io else '') +
               (html.escape(words["digits"].format(d=digits)) if digits else '') + '</text>')
    # The metrics table.
    keys = ["name", "arrival", "burst", "first", "completion", "turnaround", "waiting", "response"]
    cols = list(zip(words["cols"], keys))
    widths = [50, 65, 50, 45, 90, 90, 70, 75]
    xs = [table_x + sum(widths[:k]) for k in range(len(cols))]
    for (label, _), x in zip(cols, xs):
        out.append(f'<text x="{x}" y="{top}" font-weight="bold">{label}</text>')
    for i, t in enumerate(tasks):
        for (_, key), x in zip(cols, xs):
            out.append(f'<text x="{x}" y="{top + 22 * (i + 1)}">{html.escape(t[key])}</text>')
    y = top + 22 * (len(tasks) + 1)
    out.append(f'<text x="{xs[0]}" y="{y}" font-weight="bold">{words["average"]}</text>')
    for key, x in (("avg_turnaround", xs[5]), ("avg_waiting", xs[6]), ("avg_response", xs[7])):
        out.append(f'<text x="{x}" y="{y}" font-weight="bold">{result[key]}</text>')
    more = words["migrations"].format(m=result["migrations"]) if "migrations" in result else ""
    out.append(f'<text x="{xs[0]}" y="{y + 24}">' + html.escape(words["switches"].format(
        s=result["switches"], i=result["idle"], cpu=words["cpu_"] if ncpus > 1 else "", more=more)) + '</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="Draw a workload run (TASK/RESULT lines) as an SVG Gantt chart.")
    ap.add_argument("log", help="a serial transcript or simulator output; - for standard input")
    ap.add_argument("-o", "--output", default="-", help="the SVG file to write (default: standard output)")
    args = ap.parse_args()
    try:
        text = sys.stdin.read() if args.log == "-" else open(args.log, encoding="utf-8", errors="replace").read()
    except OSError as e:
        raise SystemExit(f"gantt: {args.log}: {e.strerror}")
    try:
        svg = draw(*parse(text))
    except (KeyError, ValueError, IndexError) as e:  # (a line cut short, or not the kernel's)
        raise SystemExit(f"gantt: {args.log}: a TASK or RESULT line is not one the kernel prints "
                         f"({type(e).__name__}: {e}); expected, e.g., RESULT policy=rr workload=course "
                         f"schedule=A:2,B:3 avg_turnaround=... avg_waiting=... avg_response=... switches=... idle=...")
    if args.output == "-":
        sys.stdout.buffer.write(svg.encode("utf-8"))
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(svg)
        except OSError as e:
            raise SystemExit(f"gantt: {args.output}: {e.strerror}")
        print(f"gantt: wrote {args.output}")


if __name__ == "__main__":
    main()
