"""Reading and deriving for bench/report.py: the raw files of a scripts/bench
run (meta, /proc snapshots, tool JSON, Prometheus text) and the machine."""

import json
import os
import re
import subprocess

CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


# ---------------------------------------------------------------- reading

def read_meta(raw):
    meta = {}
    path = os.path.join(raw, "meta")
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    return meta


def parse_stat(text):
    """pid, comm, ticks (utime + stime), start time of a /proc/<pid>/stat line."""
    pid, rest = text.split(" ", 1)
    comm = rest[rest.index("(") + 1:rest.rindex(")")]
    fields = rest[rest.rindex(")") + 2:].split()
    return int(pid), comm, int(fields[11]) + int(fields[12]), int(fields[19])


def read_snap(path):
    snap = {"procs": {}, "mem": {}, "tasks": {}, "time": None}
    if not os.path.exists(path):
        return None
    for line in open(path):
        parts = line.rstrip("\n").split(" ", 2)
        kind = parts[0]
        try:
            if kind == "time":
                snap["time"] = float(parts[1])
            elif kind == "children":
                snap["children"] = float(parts[1])
            elif kind == "cpu":
                snap["cpu"] = [int(x) for x in line.split()[1:]]
            elif kind == "proc":
                snap["procs"][parts[1]] = parse_stat(parts[2])
            elif kind == "mem":
                vals = parts[2].split() if len(parts) > 2 else []
                snap["mem"][parts[1]] = {vals[i].rstrip(":"): int(vals[i + 1])
                                         for i in range(0, len(vals) - 1, 2)}
            elif kind == "task":
                tid, comm, ticks, _ = parse_stat(parts[2])
                snap["tasks"].setdefault(parts[1], {})[tid] = (comm, ticks)
        except (IndexError, ValueError):
            continue  # a process or thread that vanished mid-read
    return snap


def read_tool_json(path):
    if not os.path.exists(path):
        return None
    for line in reversed(open(path, errors="replace").read().splitlines()):
        line = line.strip()
        if line.startswith("BENCHJSON "):
            line = line[len("BENCHJSON "):]
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def read_metrics(path):
    """Prometheus text -> {(name, labels): value}."""
    out = {}
    if not os.path.exists(path):
        return out
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m:
            try:
                out[(m.group(1), m.group(2) or "")] = float(m.group(3))
            except ValueError:
                pass
    return out


# ---------------------------------------------------------------- deriving

def phase_cpu(before, after):
    """CPU seconds per process, generator, machine totals between two snapshots."""
    if not before or not after:
        return None
    res = {"wall": after["time"] - before["time"], "procs": {}, "restarted": []}
    for name, (pid, _, ticks, start) in after["procs"].items():
        b = before["procs"].get(name)
        if not b:
            continue
        if b[0] != pid or b[3] != start:
            res["restarted"].append(name)
            continue
        res["procs"][name] = (ticks - b[2]) / CLK_TCK
    res["generator"] = after.get("children", 0) - before.get("children", 0)
    if "cpu" in before and "cpu" in after:
        d = [a - b for a, b in zip(after["cpu"], before["cpu"])]
        user, nice, system, idle, iowait, irq, softirq, steal = (d + [0] * 8)[:8]
        total = sum(d[:8]) or 1
        busy = user + nice + system + irq + softirq
        res["busy_share"] = busy / total
        res["steal_share"] = steal / total
        res["iowait_share"] = iowait / total
        res["busy_s"] = busy / CLK_TCK
        ours = sum(res["procs"].values()) + res["generator"]
        res["other_s"] = max(0.0, res["busy_s"] - ours)
    return res


def thread_cpu(before, after, proc):
    """CPU seconds by thread name for one process between two snapshots."""
    out = {}
    tb = before["tasks"].get(proc, {}) if before else {}
    for tid, (comm, ticks) in (after["tasks"].get(proc, {}) if after else {}).items():
        prev = tb.get(tid, (comm, None))[1]
        # A thread born during the phase counts from zero.
        out[comm] = out.get(comm, 0.0) + (ticks - (prev or 0)) / CLK_TCK
    return out


def metric_delta(raw, phase, proc, name, labels=""):
    b = read_metrics(os.path.join(raw, f"{phase}.before.{proc}.metrics"))
    a = read_metrics(os.path.join(raw, f"{phase}.after.{proc}.metrics"))
    key = (name, labels)
    if key not in a:
        return None
    return a[key] - b.get(key, 0.0)


def mean_phase_ms(raw, phase, which):
    lab = '{phase="%s"}' % which
    s = metric_delta(raw, phase, "server", "semiasync_request_duration_seconds_sum", lab)
    c = metric_delta(raw, phase, "server", "semiasync_request_duration_seconds_count", lab)
    if not s or not c:
        return None
    return 1000.0 * s / c


def machine():
    info = {"cpu": "?", "cores": NCPU, "ram_gib": "?", "kernel": os.uname().release, "os": "?"}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["ram_gib"] = "%.1f" % (int(line.split()[1]) / 1024 / 1024)
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                info["os"] = line.split("=", 1)[1].strip().strip('"')
        if os.path.exists("/etc/debian_version"):
            info["os"] += " (debian_version " + open("/etc/debian_version").read().strip() + ")"
    except OSError:
        pass
    return info


def git(*args):
    try:
        return subprocess.run(["git", "--no-optional-locks", *args], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def help_default(help_text, flag):
    m = re.search(r"--%s=.*?\n.*?default ([^\n,]+)" % re.escape(flag), help_text)
    return m.group(1).strip() if m else "?"


def source_constant(path, name):
    """The initialiser of `name` in a C++ source, durations as "<n> ms"."""
    try:
        m = re.search(re.escape(name) + r"\s*=\s*([^;]+);", open(path).read())
    except OSError:
        return "?"
    if not m:
        return "?"
    text = m.group(1).strip()
    d = re.match(r"std::chrono::(milliseconds|seconds)\{(\d+)\}", text)
    if d:
        return d.group(2) + (" ms" if d.group(1) == "milliseconds" else " s")
    return text
