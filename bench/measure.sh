# shellcheck shell=bash disable=SC2154 # raw, server_port, worker_port: set by the caller
# Measurement helpers for scripts/bench; source it after scripts/lib.sh.
# The caller sets: raw (the run's data folder), proc_pid (associative array
# name -> pid of every process to account for), server_port, worker_port,
# and receiver_port when a trace receiver runs (empty: none).

# metric <port> <name>: the value of an unlabelled metric, or nothing.
metric() {
    curl -s --max-time 2 "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

# vmrss <pid>: resident set in kB, or nothing.
vmrss() {
    awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# vmhwm <pid>: peak resident set in kB, or nothing.
vmhwm() {
    awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# snap <file>: CPU ticks, RSS and threads of every process we account for,
# plus the machine's /proc/stat line; bench/report.py takes the differences.
snap() {
    local file=$1 name pid task
    # `times` runs in this shell, not in a $(...) subshell: a fork starts its
    # children's times from zero.
    times >"${file}.times"
    {
        echo "time $(date +%s.%N)"
        echo "children $(children_cpu "${file}.times")"
        head -n1 /proc/stat
        # receiver: the trace receiver, snapped so that its CPU is neither
        # semiasync's nor counted as noise.
        for name in server worker kafka mariadb hold receiver; do
            pid=${proc_pid[${name}]:-}
            [[ -n ${pid} && -r /proc/${pid}/stat ]] || continue
            echo "proc ${name} $(cat "/proc/${pid}/stat" 2>/dev/null)"
            echo "mem ${name} $(awk '/^VmRSS|^VmHWM/ { printf "%s %s ", $1, $2 }' "/proc/${pid}/status" 2>/dev/null)"
            if [[ ${name} == server || ${name} == worker ]]; then
                for task in /proc/"${pid}"/task/*; do
                    echo "task ${name} $(cat "${task}/stat" 2>/dev/null)"
                done
            fi
        done
    } >"${file}"
}

# children_cpu <file holding the output of `times`>: CPU seconds of the
# shell's finished children (wrk, the tools, curl).
children_cpu() {
    tail -n1 "$1" | awk '{ gsub(/s/, "", $1); gsub(/s/, "", $2); split($1, u, "m");
        split($2, s, "m"); printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
    rm -f "$1"
}

# scrape <prefix>: the server's and the worker's own metrics (the server
# splits each request's time into publish-ack and outcome-wait).
scrape() {
    curl -s --max-time 2 "http://127.0.0.1:${server_port}/metrics" >"$1.server.metrics" || true
    curl -s --max-time 2 "http://127.0.0.1:${worker_port}/metrics" >"$1.worker.metrics" || true
    [[ -z ${receiver_port:-} ]] || spans_count >"$1.receiver.count"
}

# spans_count: what the trace receiver has counted so far (its GET /count,
# one JSON line), or nothing.
spans_count() {
    [[ -n ${receiver_port:-} ]] || return 0
    curl -s --max-time 2 "http://127.0.0.1:${receiver_port}/count" || true
}

# phase <name> <command...>: snapshots around one measured command; its
# stdout goes to <name>.out, stderr to <name>.err.
phase() {
    local name=$1
    shift
    say "phase ${name}"
    scrape "${raw}/${name}.before"
    snap "${raw}/${name}.before"
    "$@" >"${raw}/${name}.out" 2>"${raw}/${name}.err" || warn "phase ${name}: exit $? (see ${raw}/${name}.err)"
    snap "${raw}/${name}.after"
    scrape "${raw}/${name}.after"
    tail -n1 "${raw}/${name}.err" >&2 || true
}

# rss_sampler: prints "<epoch> <server kB> <worker kB>" every second, the
# pids read from ${raw}/server.pid and worker.pid (they change on rotation).
rss_sampler() {
    while :; do
        printf '%s %s %s\n' "$(date +%s)" "$(vmrss "$(cat "${raw}/server.pid" 2>/dev/null)")" \
            "$(vmrss "$(cat "${raw}/worker.pid" 2>/dev/null)")"
        sleep 1
    done
}
