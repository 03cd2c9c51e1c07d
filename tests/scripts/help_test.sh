#!/usr/bin/env bash
# Every script in scripts/ and scripts/*/ (and .ci/run) answers -h and --help with
# its usage on stdout and exit 0, in under 5 s and before doing any work; every
# script that reads options of its own refuses an unknown one with its usage on
# stderr and exit 2.
# Usage: tests/scripts/help_test.sh <repository root>
# The scripts run from a copy (scripts/ and .ci/ only) with every tool that does
# work (package manager, build, compilers, databases, Kafka, git, curl, ...)
# replaced by a stub that records its call and fails: a script that starts
# working before it reads its options is caught, and cannot touch the checkout,
# the running stack or the machine.
set -euo pipefail

root=${1:?usage: help_test.sh <repository root>}
limit_ms=5000
# Their extra arguments go to another tool (cmake, ctest), which is the judge of
# an unknown option: only their help is checked.
passthrough=" scripts/build scripts/test .ci/run "

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
mkdir -p "${tmp}/repo/.ci" "${tmp}/stubs" "${tmp}/cwd"
cp -R "${root}/scripts" "${tmp}/repo/"
cp "${root}/.ci/run" "${tmp}/repo/.ci/"
work_log="${tmp}/work.log"
for tool in apt-get sudo dpkg-query cmake ctest make g++ clang clang++ clang-format git mvn java javac \
    mariadbd mariadb mysql mariadb-install-db mariadb-admin docker docker-compose curl wrk python3; do
    printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 97\n' "${tool}" "${work_log}" >"${tmp}/stubs/${tool}"
    chmod +x "${tmp}/stubs/${tool}"
done
export PATH="${tmp}/stubs:${PATH}"

scripts=()
# Also one folder down: scripts/interop/ holds the foreign services' scripts.
while IFS= read -r file; do
    scripts+=("${file#"${tmp}/repo/"}")
done < <(find "${tmp}/repo/scripts" -maxdepth 2 -type f -perm -u+x | sort)
scripts+=(.ci/run)
# Guards against a vacuous pass (a wrong path, lost permissions).
((${#scripts[@]} >= 10)) || { echo "FAIL: only ${#scripts[@]} scripts found under ${root}/scripts"; exit 1; }

failures=0
checks=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
# run <script> <args...>: sets rc and ms; stdout, stderr in ${tmp}/out, ${tmp}/err.
run() {
    local start end
    : >"${work_log}"
    start=$(date +%s%N)
    rc=0
    (cd "${tmp}/cwd" && timeout -k 2 20 "${tmp}/repo/$1" "${@:2}" </dev/null >"${tmp}/out" 2>"${tmp}/err") || rc=$?
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    checks=$((checks + 1))
}
show() {
    sed -n '1,3s/^/    stdout: /p' "${tmp}/out"
    sed -n '1,3s/^/    stderr: /p' "${tmp}/err"
    sed -n '1,3s/^/    called: /p' "${work_log}"
}

for script in "${scripts[@]}"; do
    for flag in --help -h; do
        run "${script}" "${flag}"
        bad=0
        ((rc == 0)) || { fail "${script} ${flag}: exit ${rc}, want 0"; bad=1; }
        grep -qi usage "${tmp}/out" || { fail "${script} ${flag}: no usage on stdout"; bad=1; }
        ((ms < limit_ms)) || { fail "${script} ${flag}: took ${ms} ms, want < ${limit_ms}"; bad=1; }
        [[ ! -s ${work_log} ]] || { fail "${script} ${flag}: did work before reading its options"; bad=1; }
        ((bad)) && show
        ((bad)) || echo "ok: ${script} ${flag} (${ms} ms)"
    done
    [[ ${passthrough} == *" ${script} "* ]] && continue
    run "${script}" --no-such-option
    bad=0
    ((rc == 2)) || { fail "${script} --no-such-option: exit ${rc}, want 2"; bad=1; }
    grep -qi usage "${tmp}/err" || { fail "${script} --no-such-option: no usage on stderr"; bad=1; }
    [[ ! -s ${work_log} ]] || { fail "${script} --no-such-option: did work before reading its options"; bad=1; }
    ((bad)) && show
    ((bad)) || echo "ok: ${script} --no-such-option (exit 2, usage on stderr)"
done

echo "${#scripts[@]} scripts, ${checks} runs, ${failures} failures"
((failures == 0))
