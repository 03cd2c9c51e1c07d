# shellcheck shell=bash disable=SC2034 # variables here are for the sourcing scripts
# Shared helpers for the scripts in this folder. Source it, do not run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It only defines variables and functions; the caller owns `set -euo pipefail`.

# Repository root, derived from this file's location so the scripts work from any
# working directory and in any checkout path.
SEMIASYNC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# Service state (data, logs, pid files) lives in the ignored .state/ folder.
SEMIASYNC_STATE="${SEMIASYNC_ROOT}/.state"
export SEMIASYNC_ROOT SEMIASYNC_STATE
# The script that sourced this file, as an absolute path (it may `cd` before it
# prints its usage).
SEMIASYNC_SCRIPT_FILE="$(cd "$(dirname "${BASH_SOURCE[-1]}")" && pwd -P)/${BASH_SOURCE[-1]##*/}"

# Local stack ports (the reference's demo ports; the controller port is ours).
KAFKA_PORT=9093            # PLAINTEXT host listener, what clients use
KAFKA_CONTROLLER_PORT=9094 # KRaft controller listener, internal to the broker
DB_PORT=3306
# `scripts/stack up --brokers N` runs N Kafka nodes instead; node i (1-based)
# listens on KAFKA_PORT + KAFKA_NODE_PORT_STEP*(i-1), its controller likewise.
KAFKA_NODE_PORT_STEP=100
# Where scripts/stack records the broker count of the last `up`.
KAFKA_BROKERS_FILE="${SEMIASYNC_STATE}/kafka/brokers"

# The broker count of the last `scripts/stack up` (1 when none is recorded).
kafka_broker_count() {
    local n=""
    [[ -s ${KAFKA_BROKERS_FILE} ]] && n="$(<"${KAFKA_BROKERS_FILE}")"
    [[ ${n} =~ ^[1-9]$ ]] || n=1
    echo "${n}"
}

# The client bootstrap list of that layout ("127.0.0.1:9093" for one broker).
# It names every node, so a client started while node 1 is down still connects.
kafka_bootstrap() {
    local n i list=""
    n="$(kafka_broker_count)"
    for ((i = 1; i <= n; i++)); do
        list+="${list:+,}127.0.0.1:$((KAFKA_PORT + KAFKA_NODE_PORT_STEP * (i - 1)))"
    done
    echo "${list}"
}

_ts() { date '+%H:%M:%S'; }
# Messages go to stderr so stdout stays usable for data (e.g. `stack status`).
say() { printf '[%s %s] %s\n' "$(_ts)" "${SEMIASYNC_SCRIPT:-${0##*/}}" "$*" >&2; }
warn() { say "WARNING: $*"; }
die() {
    say "ERROR: $*"
    exit 1
}

# Prints the script's leading comment block (after the shebang) without its "# "
# prefixes: every script's header is its usage, so the two cannot drift apart.
usage_text() {
    awk 'NR == 1 && /^#!/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${SEMIASYNC_SCRIPT_FILE}"
}

# handle_help "$@": with -h or --help among the arguments (before a "--"), prints
# the usage on stdout and exits 0. Scripts call it first, before any work, so
# asking for help never installs, builds or starts anything.
handle_help() {
    local arg
    for arg in "$@"; do
        case ${arg} in
        --) return 0 ;;
        -h | --help)
            usage_text
            exit 0
            ;;
        esac
    done
}

# usage_error <message>: a command line the script cannot read. The message and
# the usage go to stderr; exit status 2, as getopt(1) and most tools use for it.
usage_error() {
    say "ERROR: $*"
    usage_text >&2
    exit 2
}

# Sets SUDO to "" (root) or "sudo" (non-root with sudo), or fails: package
# installation is the only step that needs privileges.
need_root_or_sudo() {
    if [[ ${EUID} -eq 0 ]]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        die "this step needs root: run as root or install sudo"
    fi
}

# True when something accepts TCP connections on 127.0.0.1:<port>. Uses bash's
# /dev/tcp so it works without iproute2/netcat (absent on minimal Debian).
port_in_use() {
    local port=$1
    (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null
}

# wait_for <timeout-seconds> <description> <command...>
# Polls the command (quietly) every 0.5 s until it succeeds. On timeout it fails
# with a message naming what was awaited. If WAIT_FOR_ALIVE_PID is set and that
# process dies meanwhile, it fails at once instead of waiting out the timeout.
wait_for() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if [[ -n ${WAIT_FOR_ALIVE_PID:-} ]] && ! pid_running "${WAIT_FOR_ALIVE_PID}"; then
            say "ERROR: process ${WAIT_FOR_ALIVE_PID} exited while waiting for ${what}"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            say "ERROR: timed out after ${timeout}s waiting for ${what}"
            return 1
        fi
        sleep 0.5
    done
}

# pid_running <pid>: the process exists and is not a zombie. A child that exited
# stays a zombie until its parent reaps it, and `kill -0` still succeeds on it.
pid_running() {
    local pid=$1 stat
    kill -0 "${pid}" 2>/dev/null || return 1
    stat="$(cat "/proc/${pid}/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }" # fields after "(comm) ", comm may contain spaces
    [[ ${stat%% *} != Z ]]
}

# pid_alive <pidfile> <cmdline-substring>: prints the pid and succeeds when the pid
# file names a live process whose command line contains the substring. The
# substring check guards against a stale pid file whose pid was reused.
pid_alive() {
    local pidfile=$1 needle=$2 pid
    [[ -s ${pidfile} ]] || return 1
    pid="$(<"${pidfile}")"
    [[ ${pid} =~ ^[0-9]+$ ]] || return 1
    pid_running "${pid}" || return 1
    tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF -- "${needle}" || return 1
    echo "${pid}"
}

# stop_pid <pid> <name> [grace-seconds]: SIGTERM, wait, then SIGKILL.
stop_pid() {
    local pid=$1 name=$2 grace=${3:-30}
    kill -TERM "${pid}" 2>/dev/null || return 0
    local deadline=$((SECONDS + grace))
    while pid_running "${pid}"; do
        if ((SECONDS >= deadline)); then
            warn "${name} (pid ${pid}) still running after ${grace}s, sending SIGKILL"
            kill -KILL "${pid}" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.3
    done
}

# Prints the last lines of a log file, indented, to help explain a failure.
show_log_tail() {
    local file=$1 lines=${2:-30}
    if [[ -f ${file} ]]; then
        say "last ${lines} lines of ${file}:"
        tail -n "${lines}" "${file}" | sed 's/^/    /' >&2
    else
        say "(no log at ${file})"
    fi
}
