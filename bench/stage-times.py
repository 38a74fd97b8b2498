#!/usr/bin/env python3
"""stage-times.py LOG: the per-stage table of bench/framework-real.sh from
the log its instrumented make writes:
  call T0 T1 RC ARGS...      one engine call (host clock, $EPOCHREALTIME)
  run STARTED FINISHED       after `start`: the container's own times
  stage T0 T1 STAGE [STARTED FINISHED [HOW]]  one mk/run-stage, and the
                             times its container ran (from the stage's
                             log); HOW kept|new: its command ran (exec) in
                             a container kept from the stage before, or in
                             a new one kept running for it, and the times
                             are the client's (the exec's own start in
                             them); or (STAGE scratch) mk/scratch, on the host
  make T0 T1                 the whole make
Wall is a stage's run-stage or mk/scratch (parse: from the start of make
to the first stage; after the last, the rest of make);
script is the container's StartedAt..FinishedAt; overhead is wall - script."""
import datetime
import re
import sys


def ts(s):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", s)
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return t.timestamp() + float(m.group(2) or 0)


calls, stages, make = [], [], None
for line in open(sys.argv[1]):
    w = line.split()
    if not w:
        continue
    if w[0] == "call":
        args = w[4:]
        name = args[0] + (" " + args[1] if args[0] in ("image", "container") else "")
        if args[0] == "cp":	# the portage stage pipes one into the other
            name = "cp in" if "-" in args[1:2] else "cp out"
        calls.append({"t0": float(w[1]), "t1": float(w[2]), "name": name})
    elif w[0] == "run" and calls and len(w) == 3:
        calls[-1]["run"] = (ts(w[1]), ts(w[2]))
    elif w[0] == "stage":
        how = {"kept": " (in the kept container)", "new": " (exec, in a new container)"}.get(w[6] if len(w) > 6 else "", "")
        stages.append((float(w[1]), float(w[2]), w[3] + how))
        if len(w) >= 6:
            calls.append({"t0": float(w[1]), "t1": float(w[2]), "name": "stage", "run": (ts(w[4]), ts(w[5]))})
    elif w[0] == "make":
        make = (float(w[1]), float(w[2]))
stages.sort()
spans = [("parse", make[0], stages[0][0] if stages else make[1])]
spans += [(n, a, b) for a, b, n in stages]
if stages:
    spans.append(("make, after the last stage", stages[-1][1], make[1]))

print("| stage | wall | script | overhead | engine calls in the overhead (s; cp in and out overlap) | rest: no engine call running |")
print("|---|---|---|---|---|---|")
tot = {"wall": 0.0, "script": 0.0}
for name, a, b in spans:
    inside = [c for c in calls if c["t0"] >= a - 1e-3 and c["t1"] <= b + 1e-3]
    script = 0.0
    parts = {}
    for c in inside:
        d = c["t1"] - c["t0"]
        if "run" in c:
            s0, s1 = c["run"]
            script += s1 - s0
            parts["start→script"] = parts.get("start→script", 0) + (s0 - c["t0"])
            parts["script→exit"] = parts.get("script→exit", 0) + (c["t1"] - s1)
        else:
            parts[c["name"]] = parts.get(c["name"], 0) + d
    wall = b - a
    # what the calls cover (they overlap in a pipeline), the rest is the shell's
    covered, end = 0.0, a
    for c in sorted(inside, key=lambda c: c["t0"]):
        t0, t1 = max(c["t0"], end), c["t1"]
        if t1 > t0:
            covered += t1 - t0
            end = t1
    rest = wall - covered
    tot["wall"] += wall
    tot["script"] += script
    detail = ", ".join("%s %.3f" % (k, v) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])) or "-"
    print("| %s | %.3f | %.3f | **%.3f** | %s | %.3f |" % (name, wall, script, wall - script, detail, rest))
print("| all | %.3f | %.3f | **%.3f** | | |" % (tot["wall"], tot["script"], tot["wall"] - tot["script"]))
