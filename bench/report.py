#!/usr/bin/env python3
"""Turns the raw data of one scripts/bench run into a Markdown report and a CSV.

Usage: bench/report.py RAW_DIR OUT.md OUT.csv

RAW_DIR holds what scripts/bench wrote (read by report_data.py): `meta` (key=value), `<phase>.before`
and `.after` snapshots (CPU ticks, RSS, threads, /proc/stat), `<phase>.out`
(the tool's JSON; wrk's is the `BENCHJSON` line), server and worker /metrics
text around each phase, `rss.tsv`, `events` (drains), and with tracing
modes the trace receiver's counts (`<phase>.before|after|settled.receiver.count`,
`mode-<i>.start|end.receiver.count`). Only the standard
library: the report must build wherever the benchmark runs.
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from report_data import (NCPU, git, help_default, machine, mean_phase_ms, phase_cpu,
                         read_meta, read_snap, read_tool_json, source_constant, thread_cpu)

PROCS = ["server", "worker", "kafka", "mariadb"]
PROC_LABEL = {"server": "server", "worker": "consumer (worker)", "kafka": "Kafka broker",
              "mariadb": "MariaDB", "hold": "hold server"}
# The rate whose latency the tracing comparison shows in full (issue 18).
KEY_RATE = "1000"

TARGET_RATE = 8000
TARGET_P50, TARGET_P99, TARGET_P999 = 3.0, 15.0, 50.0
TARGET_RSS_MIB = 64


def fmt(x, digits=1):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def ms(x):
    return "–" if x is None else (f"{x:,.2f}" if x < 100 else f"{x:,.0f}")


# ---------------------------------------------------------------- report

class Report:
    def __init__(self, raw):
        self.raw = raw
        self.meta = read_meta(raw)
        self.lines = []
        self.csv = [("section", "phase", "metric", "value", "unit")]
        self.quick = self.meta.get("quick") == "1"
        self.rates = self.meta.get("open_rates", "").split()
        self.conns = self.meta.get("closed_conns", "").split()
        self.notes = []
        # Tracing modes (SEMIASYNC_BENCH_TRACING), in the order they ran; the
        # first one's phases have plain names, the others' carry "@<mode>".
        self.modes = self.meta.get("trace_modes", "off").split() or ["off"]
        self.sfx = {m: ("" if i == 0 else "@" + m) for i, m in enumerate(self.modes)}

    def w(self, text=""):
        self.lines.append(text)

    def c(self, section, phase, metric, value, unit=""):
        if value is not None:
            self.csv.append((section, phase, metric,
                             f"{value:.6g}" if isinstance(value, float) else str(value), unit))

    def table(self, header, rows, numeric=True):
        self.w("| " + " | ".join(header) + " |")
        self.w("|" + "|".join("---" if i == 0 or not numeric else "---:"
                              for i in range(len(header))) + "|")
        for r in rows:
            self.w("| " + " | ".join(str(x) for x in r) + " |")
        self.w()

    def tool(self, phase):
        return read_tool_json(os.path.join(self.raw, f"{phase}.out"))

    def cpu(self, phase):
        return phase_cpu(read_snap(os.path.join(self.raw, f"{phase}.before")),
                         read_snap(os.path.join(self.raw, f"{phase}.after")))

    # -- sections

    def header(self):
        m = self.meta
        commit = git("rev-parse", "HEAD") or "?"
        subject = git("log", "-1", "--format=%s")
        dirty = [l for l in git("status", "--porcelain", "--untracked-files=no").splitlines() if l]
        kind = "quick (`--quick`, short phases: numbers are indicative only)" if self.quick \
            else "full"
        self.w(f"# semiasync benchmark {m.get('run_id', '?')}")
        self.w()
        self.w(f"Run {m.get('started', '?')} → {m.get('finished', '?')}, {kind}. "
               "Reproduce with `" + (f"SEMIASYNC_BENCH_TRACING={','.join(self.modes)} "
                                     if self.modes != ["off"] else "")
               + "scripts/bench" + (" --quick" if self.quick else "") + "`.")
        self.w()
        self.w(f"- **Commit** `{commit}` — {subject}")
        if dirty:
            self.w(f"- **Working tree**: {len(dirty)} tracked file(s) modified; the binaries "
                   "were built from the working tree, so the numbers describe the commit plus "
                   "those changes.")
        mi = machine()
        self.w(f"- **Machine**: {mi['cpu']}, {mi['cores']} cores, {mi['ram_gib']} GiB RAM, "
               f"kernel {mi['kernel']}, {mi['os']}")
        self.w(f"- **Load average** before {m.get('load_before', '?')}, after "
               f"{m.get('load_after', '?')}")
        self.w("- Everything on this machine: Kafka, MariaDB, one server, one consumer, the "
               "load generators (they compete for the same cores).")
        self.w()
        self.disturbance()

    def disturbance(self):
        m = self.meta
        problems = []
        if m.get("kafka_pid_end") and m.get("kafka_pid_end") != m.get("kafka_pid"):
            problems.append("the Kafka broker was restarted during the run (pid "
                            f"{m.get('kafka_pid')} → {m.get('kafka_pid_end')})")
        if m.get("db_pid_end") and m.get("db_pid_end") != m.get("db_pid"):
            problems.append("MariaDB was restarted during the run (pid "
                            f"{m.get('db_pid')} → {m.get('db_pid_end')})")
        for who in ("server", "worker"):
            if m.get(f"{who}_alive_end") == "no":
                problems.append(f"the {who} died during the run")
            for mode in self.modes:
                if m.get(f"{who}_died_in_mode_{mode}") == "yes":
                    problems.append(f"the {who} died during tracing mode {mode}")
        noisy = []
        for phase in self.phases():
            cpu = self.cpu(phase)
            if not cpu:
                continue
            if cpu["restarted"]:
                problems.append(f"{', '.join(cpu['restarted'])} restarted during {phase}")
            other = cpu.get("other_s", 0) / max(cpu["wall"], 1e-9)
            if other > 0.15 * NCPU or cpu.get("steal_share", 0) > 0.10:
                noisy.append(f"{phase} ({other:.2f} cores elsewhere, "
                             f"{100 * cpu.get('steal_share', 0):.0f} % steal)")
        if problems:
            self.w("> **DISTURBED RUN**: " + "; ".join(problems) + ". Re-run before trusting "
                   "these numbers.")
            self.w()
        if noisy:
            self.w("> **Noisy machine**: processes outside the benchmark used CPU during: "
                   + "; ".join(noisy) + ". Those phases are pessimistic.")
            self.w()

    def phases(self):
        names = ["idle"] + [f"floor-http-c{c}" for c in self.conns] + \
                [f"floor-http-r{r}" for r in self.rates] + ["floor-kafka", "floor-db"] + \
                [f"closed-c{c}" for c in self.conns] + [f"open-r{r}" for r in self.rates] + ["hold"]
        for mode in self.modes[1:]:
            names += self.mode_phases(mode)
        return [p for p in names if os.path.exists(os.path.join(self.raw, f"{p}.before"))]

    def mode_phases(self, mode):
        """The measured phases of one tracing mode, as they ran."""
        return [f"closed-c{c}{self.sfx[mode]}" for c in self.conns] + \
               [f"open-r{r}{self.sfx[mode]}" for r in self.rates]

    def settings(self):
        help_text = ""
        p = os.path.join(self.raw, "help.txt")
        if os.path.exists(p):
            help_text = open(p).read()
        kf = self.tool("floor-kafka") or {}
        db = (self.tool("floor-db") or {}).get("server", {})
        props = {}
        p = os.path.join(self.raw, "kafka.properties")
        if os.path.exists(p):
            for line in open(p):
                if "=" in line and not line.startswith("#"):
                    k, v = line.strip().split("=", 1)
                    props[k] = v
        heap = " ".join(re.findall(r"-Xm[sx]\S+", open(os.path.join(self.raw, "kafka.cmdline")).read())) \
            if os.path.exists(os.path.join(self.raw, "kafka.cmdline")) else "?"
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.w("## Settings that matter")
        self.w()
        rows = [
            ("server, worker", "extra flags (SEMIASYNC_BENCH_SERVER_ARGS / _WORKER_ARGS)",
             f"{self.meta.get('server_args') or 'none'} / {self.meta.get('worker_args') or 'none'}"),
            ("server, worker", "tracing (SEMIASYNC_BENCH_TRACING)", self.tracing_setting()),
            ("server", "replyTimeoutMs / produceTimeoutMs",
             f"{help_default(help_text, 'reply-timeout-ms')} / {help_default(help_text, 'produce-timeout-ms')} (defaults)"),
            ("server", "httpThreads / maxInFlight",
             f"{help_default(help_text, 'http-threads')} / {help_default(help_text, 'max-in-flight')} (defaults)"),
            ("server", "outcome poll timeout",
             source_constant(os.path.join(root, "app/server_command.cpp"), "outcome_poll_timeout")),
            ("server", "HTTP read buffer per connection, bytes (read_buffer_bytes)",
             source_constant(os.path.join(root, "http/restinio_reply.hpp"), "read_buffer_bytes")),
            ("worker", "records per poll and per transaction (request_batch_size)",
             source_constant(os.path.join(root, "app/worker_command.cpp"), "request_batch_size")),
            ("worker", "poll timeout",
             source_constant(os.path.join(root, "app/worker_command.cpp"), "request_poll_timeout")),
            ("librdkafka producer", "kafka/client_config.cpp producer_defaults",
             ", ".join(f"{k}={v}" for k, v in sorted(kf.get("producer_settings", {}).items())) or "?"),
            ("librdkafka consumer", "kafka/client_config.cpp consumer_defaults",
             ", ".join(f"{k}={v}" for k, v in sorted(kf.get("consumer_settings", {}).items())) or "?"),
            ("topics", "partitions (requests, outcomes)", self.meta.get("partitions", "?")),
            ("Kafka broker", "threads, heap",
             f"num.network.threads={props.get('num.network.threads', '?')}, "
             f"num.io.threads={props.get('num.io.threads', '?')}, heap {heap}, "
             f"log.flush.interval.messages={props.get('log.flush.interval.messages', 'default (no fsync)')}"),
            ("MariaDB", "durability and memory",
             ", ".join(f"{k}={v}" for k, v in db.items()) or "?"),
            ("load", "closed loop",
             f"wrk -t2, connections {', '.join(self.conns)}, {self.meta.get('closed_s')} s each after "
             f"{self.meta.get('warmup_s')} s warm-up, --timeout 10s"),
            ("load", "open loop",
             f"semiasync_openloop, rates {', '.join(self.rates)}/s, {self.meta.get('open_s')} s each, "
             f"{self.meta.get('open_pool', '?')} warm connections, cap {self.meta.get('open_cap', '?')}, "
             f"timeout {self.meta.get('open_timeout_ms', '?')} ms, latency from the scheduled send"),
        ]
        self.table(["component", "setting", "value"], rows, numeric=False)
        self.all_settings()
        for comp, k, v in rows:
            self.c("settings", comp, k, v)

    def tracing_setting(self):
        if self.modes == ["off"]:
            return "off (no endpoint)"
        return (f"modes {', '.join(self.modes)}, in this order, each on its own server and worker; "
                "with a ratio: OTLP/HTTP (protobuf) to scripts/otlp-receiver --count-only on "
                f":{self.meta.get('receiver_port', '?')}, OTEL_TRACES_SAMPLER="
                f"{self.meta.get('trace_sampler', '?')}, OTEL_TRACES_SAMPLER_ARG=<ratio>; "
                "the load sends no traceparent")

    def all_settings(self):
        """Every setting's default as `semiasync --help` printed it (secrets
        never have one shown), so a setting added later is not missed."""
        p = os.path.join(self.raw, "help.txt")
        if not os.path.exists(p):
            return
        found = re.findall(r"^  --([\w-]+)=.*?\n\s+env \S+(?:, yaml \w+)?, (default [^\n]*|secret[^\n]*)",
                           open(p).read(), flags=re.M)
        if not found:
            return
        self.w("<details><summary>Every setting's default (<code>semiasync --help</code>); the "
               "benchmark's server and worker override only ports, topics and the worker group, "
               "plus the extra flags above</summary>")
        self.w()
        self.table(["flag", "default"], [(f"`--{k}`", re.sub(r"^default ", "", v)) for k, v in found],
                   numeric=False)
        self.w("</details>")
        self.w()

    # -- tracing (issue 18)

    def receiver_ran(self):
        return bool(self.meta.get("receiver_port"))

    def count_file(self, name):
        """A GET /count answer of the trace receiver that scripts/bench kept."""
        try:
            with open(os.path.join(self.raw, f"{name}.receiver.count")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def span_delta(self, first, last):
        """(spans, server spans, {service: spans}) between two counts."""
        a, b = self.count_file(first), self.count_file(last)
        if not a or not b:
            return None
        services = {k: v - a["by_service"].get(k, 0) for k, v in b["by_service"].items()}
        server = b["by_kind"].get("SPAN_KIND_SERVER", 0) - a["by_kind"].get("SPAN_KIND_SERVER", 0)
        return b["spans"] - a["spans"], server, {k: v for k, v in services.items() if v}

    def phase_spans(self, phase):
        """Spans of one phase: from its start to the settled count after its
        drain (spans leave each process within a second of ending)."""
        last = f"{phase}.settled" if self.count_file(f"{phase}.settled") else f"{phase}.after"
        return self.span_delta(f"{phase}.before", last)

    def tracing(self):
        if self.modes == ["off"]:
            return
        modes, first = self.modes, self.modes[0]
        self.w("## Tracing, mode by mode")
        self.w()
        self.w("Each mode ran its own warm-up, closed and open loop on a fresh server and worker "
               f"(fresh topics), one after the other: {', '.join(modes)}. *off*: no endpoint, "
               "tracing not started. A ratio: server and worker export to scripts/otlp-receiver "
               "on this machine, sampler parentbased_traceidratio with that ratio; the load "
               "carries no traceparent, so the server's sampler decides per request and the "
               "worker follows the context in the record. CPU per create is the semiasync "
               "processes' own (utime + stime of server and worker from /proc, their exporter "
               "threads included) over the phase's 201 answers; the receiver's CPU is shown "
               "apart and is not the product's cost. In brackets: the change against "
               f"*{first}*. Compare modes at the fixed rate first: in a closed loop CPU per "
               "create also follows the rate a mode reached (a slower pipeline gives the worker "
               "smaller batches, so more of its per-batch work per create). Modes ran minutes "
               "apart on a shared machine: read small differences against the *other (cores)* "
               "rows.")
        self.w()
        rows = []

        def add(label, cells, metric=None, values=None, unit=""):
            rows.append([label] + cells)
            if metric and values:
                for mode, v in zip(modes, values):
                    self.c("tracing", mode, metric, v, unit)

        def vs(values, digits=3):
            base = values[0]
            out = []
            for i, v in enumerate(values):
                if v is None:
                    out.append("–")
                elif i == 0 or not base:
                    out.append(f"{v:,.{digits}f}")
                else:
                    out.append(f"{v:,.{digits}f} ({100 * (v / base - 1):+.0f} %)")
            return out

        def per_create(phase, proc):
            t, cpu = self.tool(phase), self.cpu(phase)
            if not t or not cpu or proc not in cpu["procs"]:
                return None
            n = int(t["statuses"].get("201", 0))
            return cpu["procs"][proc] * 1000 / n if n else None

        def cpu_rows(base, what):
            phases = [base + self.sfx[m] for m in modes]
            srv = [per_create(p, "server") for p in phases]
            wrk = [per_create(p, "worker") for p in phases]
            both = [a + b if a is not None and b is not None else None for a, b in zip(srv, wrk)]
            add(f"{what}: server CPU ms per create", vs(srv), f"{base}_server_cpu_ms_per_create", srv, "ms")
            add(f"{what}: worker CPU ms per create", vs(wrk), f"{base}_worker_cpu_ms_per_create", wrk, "ms")
            add(f"{what}: **server + worker** CPU ms per create", [f"**{x}**" for x in vs(both)],
                f"{base}_semiasync_cpu_ms_per_create", both, "ms")

        def cores(phase, proc):
            cpu = self.cpu(phase)
            if not cpu:
                return None
            v = cpu.get("other_s") if proc == "other" else cpu["procs"].get(proc)
            return None if v is None else v / max(cpu["wall"], 1e-9)

        for c in self.conns:
            base = f"closed-c{c}"
            rates = []
            for m in modes:
                t = self.tool(base + self.sfx[m])
                rates.append(int(t["statuses"].get("201", 0)) / t["duration_s"] if t else None)
            add(f"closed loop {c} connections: creates/s", vs(rates, 0), f"{base}_creates_per_s",
                rates, "1/s")
            cpu_rows(base, f"closed loop {c} connections")
        key = KEY_RATE if KEY_RATE in self.rates else (self.rates[0] if self.rates else None)
        for r in self.rates:
            base = f"open-r{r}"
            ts = [self.tool(base + self.sfx[m]) for m in modes]
            if r != key:
                add(f"open loop {r}/s: p50 / p99 / p99.9 ms",
                    [" / ".join(ms(t["latency_ms"][q]) for q in ("p50", "p99", "p999")) if t else "–"
                     for t in ts])
                continue
            cpu_rows(base, f"open loop {r}/s")
            for q, label in (("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p999", "p99.9"),
                             ("max", "max")):
                vals = [t["latency_ms"][q] if t else None for t in ts]
                add(f"open loop {r}/s: latency {label} ms",
                    [f"**{ms(v)}**" if q in ("p50", "p99", "p999") else ms(v) for v in vals],
                    f"{base}_latency_{q}_ms", vals, "ms")
            cells = []
            for t in ts:
                if not t:
                    cells.append("–")
                    continue
                done = t["completed"]
                bad = done - int(t["statuses"].get("201", 0))
                errs = t["connect_errors"] + t["io_errors"] + t["protocol_errors"]
                cells.append(f"{bad} / {errs} / {t['timeouts']}")
            add(f"open loop {r}/s: non-201 / errors / timeouts", cells)
        # Spans: what the receiver got, per mode and per measured phase.
        if self.receiver_ran():
            totals = [self.span_delta(f"mode-{i}.start", f"mode-{i}.end") for i in range(len(modes))]
            add("spans received, whole mode (warm-ups included)",
                [fmt(t[0]) if t else "–" for t in totals], "spans_received",
                [t[0] if t else None for t in totals])
            add("… by service", ["; ".join(f"{k} {fmt(v)}" for k, v in sorted(t[2].items())) or "0"
                                 if t else "–" for t in totals])
            for base in ([f"closed-c{self.conns[-1]}"] if self.conns else []) + \
                        ([f"open-r{key}"] if key else []):
                per_k, share, per_trace = [], [], []
                for m in modes:
                    sp, t = self.phase_spans(base + self.sfx[m]), self.tool(base + self.sfx[m])
                    n = (t.get("requests", t.get("completed", 0)) if t else 0)
                    per_k.append(sp[0] * 1000 / n if sp and n else None)
                    share.append(100 * sp[1] / n if sp and n else None)
                    per_trace.append(sp[0] / sp[1] if sp and sp[1] else None)
                add(f"{base}: spans per 1,000 answers", [fmt(v, 0) for v in per_k],
                    f"{base}_spans_per_1k", per_k)
                add(f"{base}: requests sampled (server spans / answers), %", [fmt(v, 2) for v in share],
                    f"{base}_sampled_pct", share, "%")
                add(f"{base}: spans per sampled request", [fmt(v, 1) for v in per_trace],
                    f"{base}_spans_per_trace", per_trace)
                rc = [cores(base + self.sfx[m], "receiver") for m in modes]
                add(f"{base}: trace receiver CPU, cores (not semiasync)", [fmt(v, 2) for v in rc],
                    f"{base}_receiver_cores", rc, "cores")
        for base in ([f"closed-c{self.conns[-1]}"] if self.conns else []) + \
                    ([f"open-r{key}"] if key else []):
            oc = [cores(base + self.sfx[m], "other") for m in modes]
            add(f"{base}: other (cores), CPU outside the benchmark", [fmt(v, 2) for v in oc],
                f"{base}_other_cores", oc, "cores")
        if key:
            for proc in ("server", "worker"):
                vals = []
                for m in modes:
                    snap = read_snap(os.path.join(self.raw, f"open-r{key}{self.sfx[m]}.after"))
                    kb = (snap["mem"].get(proc, {}) if snap else {}).get("VmRSS")
                    vals.append(kb / 1024 if kb else None)
                add(f"{PROC_LABEL[proc]} RSS MiB after open-r{key}", [fmt(v) for v in vals],
                    f"{proc}_rss_after_open_r{key}_mib", vals, "MiB")
        self.table(["tracing"] + modes, rows)
        self.w("Spans per phase run from the phase's start to the moment, after its drain, when "
               "the receiver's count stopped moving; a phase whose backlog was abandoned (see Run "
               "notes) loses the spans of what its worker had not processed. A closed loop's "
               "sampled share can pass 100 %: requests in flight when wrk stopped were traced "
               "but are no answers. The hold phase and "
               "the floors ran in the first mode only; the sections below describe the first "
               f"mode ({first}) except where a phase is named @<mode>.")
        self.w()

    def throughput(self):
        self.w("## Throughput (closed loop, wrk)")
        self.w()
        rows = []
        for c in self.conns:
            t = self.tool(f"closed-c{c}")
            f = self.tool(f"floor-http-c{c}")
            if not t:
                rows.append((c, "missing", "", "", "", "", "", ""))
                continue
            st = {k: int(v) for k, v in t["statuses"].items()}
            total = t["requests"]
            created = st.get("201", 0)
            dur = t["duration_s"]
            non201 = (total - created) / total if total else 0
            errs = t["errors"]
            sock = errs["connect"] + errs["read"] + errs["write"]
            floor = f["requests"] / f["duration_s"] if f else None
            rows.append((c, fmt(dur), fmt(total), f"**{fmt(created / dur)}**",
                         f"{100 * non201:.2f} %",
                         ", ".join(f"{k}: {v}" for k, v in sorted(st.items())),
                         f"{sock} / {errs['timeout']}",
                         f"{ms(t['latency_ms']['p50'])} / {ms(t['latency_ms']['p99'])}",
                         fmt(floor)))
            p = f"closed-c{c}"
            self.c("throughput", p, "creates_per_s", created / dur, "1/s")
            self.c("throughput", p, "responses", total)
            self.c("throughput", p, "non201_share", non201)
            for k, v in st.items():
                self.c("throughput", p, f"status_{k}", v)
            self.c("throughput", p, "socket_errors", sock)
            self.c("throughput", p, "timeouts", errs["timeout"])
            self.c("throughput", p, "wrk_p50_ms", t["latency_ms"]["p50"], "ms")
            self.c("throughput", p, "wrk_p99_ms", t["latency_ms"]["p99"], "ms")
            self.c("floor", f"floor-http-c{c}", "healthz_per_s", floor, "1/s")
        self.table(["connections", "seconds", "answers", "creates/s (201)", "non-201",
                    "answers by status", "socket errors / timeouts",
                    "closed-loop p50 / p99 ms", "HTTP floor: /healthz req/s"], rows)
        self.w("Closed-loop latencies are wrk's (coordinated omission: they hide queueing); "
               "the open-loop table below is the latency to trust.")
        self.w()

    def latency(self):
        self.w("## Latency (open loop, from the scheduled send)")
        self.w()
        kf = self.tool("floor-kafka") or {}
        hop = kf.get("one_hop_ms", {})
        rows = []
        for r in self.rates:
            t = self.tool(f"open-r{r}")
            f = self.tool(f"floor-http-r{r}")
            p = f"open-r{r}"
            if not t:
                rows.append((r, "missing") + ("",) * 11)
                continue
            st = {k: int(v) for k, v in t["statuses"].items()}
            done = t["completed"]
            non201 = (done - st.get("201", 0)) / done if done else 0
            lat = t["latency_ms"]
            errs = t["connect_errors"] + t["io_errors"] + t["protocol_errors"]
            rows.append((f"{r}/s", fmt(t["achieved_send_rate"]), fmt(done),
                         ms(lat["p50"]), ms(lat["p90"]), ms(lat["p99"]), ms(lat["p999"]),
                         ms(lat["max"]),
                         f"{100 * non201:.2f} %" + (" (" + ", ".join(
                             f"{k}: {v}" for k, v in sorted(st.items()) if k != "201") + ")"
                             if non201 else ""),
                         f"{errs} / {t['timeouts']}",
                         fmt(t["queued"]), ms(t["send_lag_ms"]["p99"]),
                         f"{ms(mean_phase_ms(self.raw, p, 'publish_ack'))} / "
                         f"{ms(mean_phase_ms(self.raw, p, 'outcome_wait'))}"))
            for q in ("p50", "p90", "p99", "p999", "max", "mean"):
                self.c("latency", p, f"latency_{q}_ms", lat[q], "ms")
                if f:
                    self.c("floor", f"floor-http-r{r}", f"healthz_{q}_ms", f["latency_ms"][q], "ms")
            self.c("latency", p, "achieved_rate", t["achieved_send_rate"], "1/s")
            self.c("latency", p, "non201_share", non201)
            self.c("latency", p, "errors", errs)
            self.c("latency", p, "timeouts", t["timeouts"])
            self.c("latency", p, "queued_sends", t["queued"])
            self.c("latency", p, "send_lag_p99_ms", t["send_lag_ms"]["p99"], "ms")
            for k, v in st.items():
                self.c("latency", p, f"status_{k}", v)
        self.table(["offered", "sent/s", "answers", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                    "max ms", "non-201", "errors / timeouts", "queued sends",
                    "send lag p99 ms", "server: publish-ack / outcome-wait mean ms"], rows)
        self.w("*Queued sends* found no idle connection when due (a new one was opened); *send "
               "lag* is how late requests left, already included in the latency; a large one "
               "means a starved generator. The server's split is from its own histograms.")
        self.w()
        # The pipeline beside its floors, per rate.
        db = (self.tool("floor-db") or {}).get("create_user", {}).get("latency_ms", {})
        rows = []
        for r in self.rates:
            t = self.tool(f"open-r{r}")
            f = self.tool(f"floor-http-r{r}")
            if not t:
                continue
            for q, label in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
                floor_sum = None
                if f and hop and db:
                    floor_sum = f["latency_ms"][q] + 2 * hop.get(q, 0) + db.get(q, 0)
                rows.append((f"{r}/s {label}", ms(t["latency_ms"][q]),
                             ms(f["latency_ms"][q]) if f else "–",
                             ms(hop.get(q)), ms(2 * hop[q]) if q in hop else "–",
                             ms(db.get(q)), ms(floor_sum)))
        self.w("Beside its floors (same run, same settings): an answer needs the HTTP round "
               "trip, two Kafka hops (request, outcome) and the worker's database work.")
        self.w()
        self.table(["rate, percentile", "pipeline ms", "HTTP floor ms (/healthz, same rate)",
                    "Kafka one hop ms", "2 hops ms", "DB create_user ms",
                    "sum of floors ms"], rows)

    def floors(self):
        self.w("## Floors")
        self.w()
        kf = self.tool("floor-kafka")
        db = self.tool("floor-db")
        rows = []
        for c in self.conns:
            f = self.tool(f"floor-http-c{c}")
            if f:
                rows.append((f"HTTP GET /healthz, wrk {c} connections",
                             f"{fmt(f['requests'] / f['duration_s'])} req/s",
                             f"{ms(f['latency_ms']['p50'])} / {ms(f['latency_ms']['p99'])} (closed loop)"))
        for r in self.rates:
            f = self.tool(f"floor-http-r{r}")
            if f:
                lat = f["latency_ms"]
                rows.append((f"HTTP GET /healthz, open loop {r}/s", f"{fmt(f['achieved_send_rate'])} req/s",
                             f"{ms(lat['p50'])} / {ms(lat['p99'])} / {ms(lat['p999'])} / {ms(lat['max'])}"))
        if kf:
            h, a = kf["one_hop_ms"], kf["ack_ms"]
            rows.append(("Kafka one hop produce → consume, one at a time",
                         f"{fmt(1000 / h['mean'] if h['mean'] else 0)} /s",
                         f"{ms(h['p50'])} / {ms(h['p99'])} / {ms(h['p999'])} / {ms(h['max'])}"))
            rows.append(("Kafka produce → acknowledged (acks=all, idempotent)", "",
                         f"{ms(a['p50'])} / {ms(a['p99'])} / {ms(a['p999'])} / {ms(a['max'])}"))
            tp = kf["throughput"]
            rows.append((f"Kafka {fmt(tp['messages'])} records back to back, produce → consume",
                         f"{fmt(tp['per_s'])} records/s" + ("" if tp["complete"] else " (incomplete)"), ""))
            self.c("floor", "floor-kafka", "one_hop_p50_ms", h["p50"], "ms")
            self.c("floor", "floor-kafka", "one_hop_p99_ms", h["p99"], "ms")
            self.c("floor", "floor-kafka", "one_hop_p999_ms", h["p999"], "ms")
            self.c("floor", "floor-kafka", "ack_p50_ms", a["p50"], "ms")
            self.c("floor", "floor-kafka", "throughput_per_s", tp["per_s"], "1/s")
        if db:
            for key, label in (("single", "DB INSERT one row, autocommit (repository insert)"),
                               ("create_user", "DB create_user decision (2 lookups + insert)")):
                d = db[key]
                lat = d["latency_ms"]
                rows.append((label, f"{fmt(d['per_s'])} /s",
                             f"{ms(lat['p50'])} / {ms(lat['p99'])} / {ms(lat['p999'])} / {ms(lat['max'])}"))
                self.c("floor", "floor-db", f"{key}_per_s", d["per_s"], "1/s")
                self.c("floor", "floor-db", f"{key}_p50_ms", lat["p50"], "ms")
                self.c("floor", "floor-db", f"{key}_p99_ms", lat["p99"], "ms")
            b = db["batched"]
            lat = b["batch_latency_ms"]
            rows.append((f"DB multi-row INSERT, {b['batch']} rows per statement",
                         f"{fmt(b['rows_per_s'])} rows/s",
                         f"{ms(lat['p50'])} / {ms(lat['p99'])} per batch"))
            self.c("floor", "floor-db", "batched_rows_per_s", b["rows_per_s"], "1/s")
        self.table(["floor", "rate", "latency ms p50 / p99 / p99.9 / max"], rows)

    def cpu_table(self):
        self.w("## CPU")
        self.w()
        self.w("CPU seconds per 1,000 answers, per process (utime + stime from /proc), and in "
               "brackets the cores it kept busy. *Other* is CPU used on this machine by "
               "processes outside the benchmark (noise). The broker and MariaDB are the shared "
               "local stack: their numbers include whatever else uses it (the *idle* row shows "
               "that baseline with nothing offered).")
        receiver = self.receiver_ran()
        if receiver:
            self.w()
            self.w("*Trace receiver* is scripts/otlp-receiver taking the spans (phases "
                   "named @<mode> ran with that tracing mode): a stand-in for a collector, "
                   "not semiasync's cost, so it is counted in neither *all of these* nor "
                   "*other*.")
        self.w()
        rows = []
        for phase in self.phases():
            if phase in ("floor-kafka", "floor-db"):
                continue
            t = self.tool(phase) or {}
            cpu = self.cpu(phase)
            if not cpu or (not t and phase != "idle"):
                continue
            n = t.get("requests", t.get("completed", 0))
            wall = max(cpu["wall"], 1e-9)
            cells = [phase + (" (hold server)" if phase == "hold" else ""), fmt(n), fmt(wall)]
            for name in PROCS:
                # During hold the measured server is the hold server; the
                # main one idles.
                if phase == "hold" and name == "server":
                    name = "hold"
                s = cpu["procs"].get(name)
                if s is None:
                    cells.append("–")
                    continue
                cells.append(f"{s * 1000 / n:.3f} ({s / wall:.2f})" if n else f"({s / wall:.2f})")
                self.c("cpu", phase, f"{name}_cpu_s", s, "s")
                self.c("cpu", phase, f"{name}_cores", s / wall, "cores")
                if n:
                    self.c("cpu", phase, f"{name}_cpu_s_per_1k", s * 1000 / n, "s")
            g = cpu["generator"]
            cells.append(f"{g * 1000 / n:.3f} ({g / wall:.2f})" if n else f"({g / wall:.2f})")
            ours = sum(cpu["procs"].get(x, 0) for x in PROCS + ["hold"]) + g
            cells.append(f"**{ours * 1000 / n:.3f}** ({ours / wall:.2f})" if n else f"({ours / wall:.2f})")
            if n:
                self.c("cpu", phase, "benchmark_cpu_s_per_1k", ours * 1000 / n, "s")
            if receiver:
                rs = cpu["procs"].get("receiver")
                cells.append("–" if rs is None else f"({rs / wall:.2f})")
                if rs is not None:
                    self.c("cpu", phase, "receiver_cores", rs / wall, "cores")
            cells.append(f"{cpu.get('other_s', 0) / wall:.2f}")
            cells.append(f"{100 * cpu.get('busy_share', 0):.0f} % / {100 * cpu.get('steal_share', 0):.0f} %")
            self.c("cpu", phase, "generator_cpu_s", g, "s")
            self.c("cpu", phase, "other_cores", cpu.get("other_s", 0) / wall, "cores")
            self.c("cpu", phase, "machine_busy_share", cpu.get("busy_share"))
            self.c("cpu", phase, "steal_share", cpu.get("steal_share"))
            rows.append(cells)
        self.table(["phase", "answers", "seconds", "server", "consumer", "Kafka broker", "MariaDB",
                    "load generator", "all of these"] + (["trace receiver"] if receiver else [])
                   + ["other (cores)", "machine busy / steal"], rows)
        self.w(f"With {NCPU} cores, a pipeline that is CPU-bound answers at most about "
               f"{NCPU} / (*all of these* per answer) per second, less what *other* takes.")
        self.w()
        self.threads()

    def threads(self):
        rows, shown = [], None
        # Per tracing mode, its heaviest closed-loop phase: where the
        # exporter's thread shows, if anywhere.
        for mode in self.modes:
            best = None
            for c in reversed(self.conns):
                if self.cpu(f"closed-c{c}{self.sfx[mode]}"):
                    best = f"closed-c{c}{self.sfx[mode]}"
                    shown = shown or f"closed-c{c}"
                    break
            if not best:
                continue
            b = read_snap(os.path.join(self.raw, f"{best}.before"))
            a = read_snap(os.path.join(self.raw, f"{best}.after"))
            wall = max(a["time"] - b["time"], 1e-9)
            for proc in ("server", "worker"):
                per = thread_cpu(b, a, proc)
                top = sorted(per.items(), key=lambda kv: -kv[1])
                label = PROC_LABEL[proc] + (f", tracing {mode}" if len(self.modes) > 1 else "")
                rows.append((label, ", ".join(f"{n} {s / wall:.2f}" for n, s in top if s > 0)))
                for n, s in top:
                    self.c("threads", best, f"{proc}:{n}_cores", s / wall, "cores")
        if not rows:
            return
        self.w(f"Threads during {shown}" + (" of each tracing mode" if len(self.modes) > 1 else "")
               + " (cores busy, by thread name):")
        self.w()
        self.table(["process", "threads"], rows, numeric=False)

    def memory(self):
        self.w("## Memory")
        self.w()
        # The first tracing mode's phases; the tracing section has the others'.
        shown = [p for p in self.phases()
                 if (p.startswith(("closed", "open")) and "@" not in p) or p == "idle"]
        peaks = self.peaks()
        rows = []
        for i, proc in enumerate(("server", "worker")):
            cells = [PROC_LABEL[proc]]
            for phase in shown:
                s = read_snap(os.path.join(self.raw, f"{phase}.after"))
                mem = s["mem"].get(proc, {}) if s else {}
                cells.append(f"{mem['VmRSS'] / 1024:.1f}" if "VmRSS" in mem else "–")
                if "VmRSS" in mem:
                    self.c("memory", phase, f"{proc}_rss_mib", mem["VmRSS"] / 1024, "MiB")
            cells.append(", ".join(f"{kb[i] / 1024:.1f}" for kb in peaks) or "–")
            for g, kb in enumerate(peaks, 1):
                self.c("memory", f"pipeline-{g}", f"{proc}_vmhwm_mib", kb[i] / 1024, "MiB")
            rows.append(cells)
        header = ["process"] + [f"RSS MiB after {p}" for p in shown] + \
            ["peak (VmHWM) MiB" + (" per server/worker pair" if len(peaks) > 1 else "")]
        self.table(header, rows)
        rss = self.rss_series()
        if rss:
            self.w(f"Sampled every second: server RSS {rss[0]:.1f}–{rss[1]:.1f} MiB, consumer "
                   f"{rss[2]:.1f}–{rss[3]:.1f} MiB over the run.")
            self.w()
        m = self.meta
        hold = self.tool("hold")
        hb = read_snap(os.path.join(self.raw, "hold.before"))
        idle = hb["mem"].get("hold", {}).get("VmRSS") if hb else None
        held = int(m["hold_rss_kb"]) if m.get("hold_rss_kb", "").isdigit() else None
        inflight = m.get("hold_in_flight", "?")
        self.w("**10,000 requests in flight** (worker paused with SIGSTOP; a second server with "
               "replyTimeoutMs 60000, produceTimeoutMs 10000, maxInFlight 20000, same topics):")
        self.w()
        rows = [("requests in flight reached (semiasync_requests_in_flight)", inflight),
                ("seconds to get there", m.get("hold_fill_s", "?")),
                ("server RSS idle, before the load", f"{idle / 1024:.1f} MiB" if idle else "?"),
                ("server RSS with them in flight", f"**{held / 1024:.1f} MiB**" if held else "?")]
        if idle and held and inflight.isdigit() and int(inflight) > 0:
            rows.append(("per request in flight", f"{(held - idle) * 1024 / int(inflight):,.0f} bytes"))
        if hold:
            rows.append(("after SIGCONT: answers by status",
                         ", ".join(f"{k}: {v}" for k, v in sorted(hold["statuses"].items()))
                         + f"; timeouts {hold['timeouts']}, errors "
                         f"{hold['connect_errors'] + hold['io_errors'] + hold['protocol_errors']}"
                         + (f"; {hold.get('abandoned', 0)} still unanswered when the benchmark "
                            "stopped waiting (the worker drains them later)"
                            if hold.get("abandoned") else "")))
            rows.append(("slowest answer, from its scheduled send", f"{hold['latency_ms']['max'] / 1000:.1f} s"))
        self.table(["", ""], rows)
        self.c("memory", "hold", "in_flight", inflight)
        if held:
            self.c("memory", "hold", "server_rss_mib", held / 1024, "MiB")
        if idle:
            self.c("memory", "hold", "server_idle_rss_mib", idle / 1024, "MiB")

    def rss_flat(self):
        """Flat: under steady closed-loop load (a fixed number of connections
        and requests in flight) the server's RSS, sampled every second, ends
        each phase within max(2 MiB, 5 %) of where it stood after the phase's
        first quarter. Growth from more connections or more requests in
        flight (open loop above capacity) is not a leak and not judged here;
        the hold phase measures it."""
        samples = self.rss_samples()
        verdicts, parts = [], []
        for c in self.conns:
            phase = f"closed-c{c}"
            b = read_snap(os.path.join(self.raw, f"{phase}.before"))
            a = read_snap(os.path.join(self.raw, f"{phase}.after"))
            if not b or not a:
                continue
            span = [(t, srv) for t, srv, _ in samples if b["time"] <= t <= a["time"]]
            if len(span) < 4:
                continue
            q = len(span) // 4
            start = span[q][1]
            end = span[-1][1]
            ok = end - start <= max(2.0, 0.05 * start)
            verdicts.append(ok)
            t = self.tool(phase) or {}
            # Growth per request tells a bounded cache filling up from a leak
            # only over a longer run; it sizes either.
            n = t.get("requests", 0) * (len(span) - 1 - q) / max(len(span) - 1, 1)
            per = f", {(end - start) * 1048576 / n:,.0f} B per request" if n > 0 else ""
            parts.append(f"{phase} {start:.1f} → {end:.1f} MiB{per}")
            self.c("memory", phase, "server_rss_start_mib", start, "MiB")
            self.c("memory", phase, "server_rss_end_mib", end, "MiB")
        if not verdicts:
            return False, "no RSS samples under steady load"
        return all(verdicts), "steady load (" + ", ".join(parts) + ")"

    def rss_samples(self):
        """[(epoch, server MiB, worker MiB)] from rss.tsv."""
        p = os.path.join(self.raw, "rss.tsv")
        out = []
        if os.path.exists(p):
            for line in open(p):
                parts = line.split()
                if len(parts) == 3:
                    out.append((float(parts[0]), int(parts[1]) / 1024, int(parts[2]) / 1024))
        return out

    def peaks(self):
        """[(server kB, worker kB)] per server/worker pair, from `hwm` events."""
        out = []
        p = os.path.join(self.raw, "events")
        if os.path.exists(p):
            for line in open(p):
                e = line.split()
                if e[0] == "hwm" and len(e) == 4 and e[2].isdigit() and e[3].isdigit():
                    out.append((int(e[2]), int(e[3])))
        return out

    def rss_series(self):
        samples = self.rss_samples()
        if not samples:
            return None
        s = [x[1] for x in samples]
        w = [x[2] for x in samples]
        self.c("memory", "run", "server_rss_min_mib", min(s), "MiB")
        self.c("memory", "run", "server_rss_max_mib", max(s), "MiB")
        return min(s), max(s), min(w), max(w)

    def targets(self):
        self.w("## Targets")
        self.w()
        rows = []
        # 1. Throughput.
        best = None
        for c in self.conns:
            t = self.tool(f"closed-c{c}")
            if not t:
                continue
            st = {k: int(v) for k, v in t["statuses"].items()}
            rate = st.get("201", 0) / t["duration_s"]
            errs = sum(t["errors"][k] for k in ("connect", "read", "write", "timeout"))
            bad = t["requests"] - st.get("201", 0)
            if not best or rate > best[1]:
                best = (c, rate, errs, bad, st.get("504", 0), t["duration_s"])
        if best:
            c, rate, errs, bad, t504, dur = best
            ok = rate >= TARGET_RATE and errs == 0 and bad == 0 and dur >= 59
            note = " (quick run: too short to judge 60 s)" if dur < 59 else ""
            rows.append((f"≥ {TARGET_RATE:,} creates/s for 60 s, 0 errors, 0 timeouts",
                         f"{rate:,.0f}/s at {c} connections over {dur:.0f} s; {bad} non-201 "
                         f"({t504} × 504), {errs} socket errors/timeouts{note}",
                         "met" if ok else "**not met**"))
        # 2. Latency at 1,000/s.
        t = self.tool("open-r1000")
        if t:
            lat = t["latency_ms"]
            ok = lat["p50"] <= TARGET_P50 and lat["p99"] <= TARGET_P99 and lat["p999"] <= TARGET_P999
            rows.append((f"at 1,000 req/s: p50 ≤ {TARGET_P50:g} ms, p99 ≤ {TARGET_P99:g} ms, "
                         f"p99.9 ≤ {TARGET_P999:g} ms",
                         f"p50 {ms(lat['p50'])}, p99 {ms(lat['p99'])}, p99.9 {ms(lat['p999'])} ms",
                         "met" if ok else "**not met**"))
        # 3. Memory.
        m = self.meta
        held = int(m["hold_rss_kb"]) / 1024 if m.get("hold_rss_kb", "").isdigit() else None
        inflight = int(m["hold_in_flight"]) if m.get("hold_in_flight", "").isdigit() else 0
        flat, spread = self.rss_flat()
        if held is not None:
            ok = held <= TARGET_RSS_MIB and inflight >= 10000 and flat
            rows.append((f"server RSS ≤ {TARGET_RSS_MIB} MiB with 10,000 in flight; flat over the run",
                         f"{held:.1f} MiB with {inflight:,} in flight ({'within' if held <= TARGET_RSS_MIB else 'over'} "
                         f"the limit); RSS {'flat' if flat else 'NOT flat'} under {spread}",
                         "met" if ok else "**not met**"))
        self.table(["target", "measured", "verdict"], rows, numeric=False)
        for r in rows:
            self.c("targets", "", r[0], r[2].strip("*"))

    def run_notes(self):
        self.w("## Run notes")
        self.w()
        p = os.path.join(self.raw, "events")
        if os.path.exists(p):
            events = [l.split() for l in open(p)]
            drains = [e for e in events if e[0] == "drain"]
            self.w("Drain after each phase (seconds until nothing was in flight and the worker had "
                   "no lag): " + ", ".join(f"{d[1]} {d[2]} s" for d in drains) + ".")
            self.w()
            for e in events:
                if e[0] == "rotate":
                    self.w(f"- After **{e[1]}** the worker still had {e[2]} requests queued "
                           f"(offered load above what it clears): that backlog was abandoned with "
                           "its server and worker, and the next phase ran on a fresh pair with "
                           "fresh topics.")
            if any(e[0] == "rotate" for e in events):
                self.w()
        m = self.meta
        # (label in the users' names, phase, connections of a closed loop):
        # scripts/bench names a mode's users t<mode>-<label>, but the first's.
        checked = [("hold", "hold", 0)]
        for i, mode in enumerate(self.modes):
            nl = f"t{mode}-" if i else ""
            checked += [(f"{nl}c{c}", f"closed-c{c}{self.sfx[mode]}", int(c)) for c in self.conns]
            checked += [(f"{nl}r{r}", f"open-r{r}{self.sfx[mode]}", 0) for r in self.rates]
        created = 0
        for _, phase, _ in checked:
            t = self.tool(phase)
            if t:
                created += int(t["statuses"].get("201", 0))
        self.w(f"Rows the run left in `users`: {m.get('db_rows', '?')} (measured phases answered "
               f"{created:,} × 201; warm-ups come on top). Deleted afterwards unless "
               "`--keep-rows`.")
        self.w()
        rows = []
        for label, phase, conns in checked[1:] + checked[:1]:
            t = self.tool(phase)
            have = m.get(f"db_rows_{label}", "?")
            if not t or not have.isdigit():
                continue
            ok201 = int(t["statuses"].get("201", 0))
            # Requests whose creation this run cannot see: answered otherwise
            # (a 504 may still be created later), unanswered, or in flight
            # when wrk stopped (at most one per connection).
            unsure = sum(int(v) for k, v in t["statuses"].items() if k != "201")
            unsure += t.get("abandoned", 0)
            if isinstance(t.get("timeouts"), int):
                unsure += t["timeouts"]
            if isinstance(t.get("errors"), dict):
                unsure += sum(t["errors"].values()) + conns
            verdict = ok201 <= int(have) <= ok201 + unsure
            rows.append((phase, fmt(ok201), fmt(int(have)), "ok" if verdict else "**mismatch**"))
            self.c("integrity", phase, "answers_201", ok201)
            self.c("integrity", phase, "rows", int(have))
        if rows:
            self.w("Every 201 is a row (rows ≥ 201s; surplus rows only from requests answered "
                   "504/503, timed out or abandoned):")
            self.w()
            self.table(["phase", "201 answers", "rows with the phase's names", "check"], rows)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.w(f"Raw data: `{os.path.relpath(os.path.abspath(self.raw), root)}` (snapshots, tool output, logs). Topics, names and ports "
               f"were the run's own (`{m.get('tag', '?')}-*`).")
        self.w()

    def write(self, md_path, csv_path):
        self.header()
        self.settings()
        self.tracing()
        self.throughput()
        self.latency()
        self.floors()
        self.cpu_table()
        self.memory()
        self.targets()
        self.run_notes()
        with open(md_path, "w") as f:
            f.write("\n".join(self.lines).rstrip() + "\n")
        with open(csv_path, "w") as f:
            for row in self.csv:
                f.write(",".join('"%s"' % str(x).replace('"', '""') if ("," in str(x) or '"' in str(x))
                                 else str(x) for x in row) + "\n")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    Report(sys.argv[1]).write(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
