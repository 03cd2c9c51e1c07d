# shellcheck shell=bash
# Runtime options of the sanitizer build (build-asan/, -DSEMIASYNC_SANITIZE=ON).
# scripts/sanitize sources it; to run that build's tests or binary by hand:
#   source sanitizers/env.sh && ctest --test-dir build-asan -L unit
# The suppression files beside it hold known third-party noise only, each
# entry saying which library and why it is not ours.
_semiasync_sanitizers="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# detect_leaks: LeakSanitizer at exit (on by default on x86_64 Linux, said
# anyway). check_initialization_order: static-init order fiascos.
# detect_stack_use_after_return: use of a dead frame's locals (fake stacks).
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions='${_semiasync_sanitizers}/lsan.supp':print_suppressions=0"
# halt_on_error: the checks built recoverable (only `null`, see CMakeLists.txt)
# end the process too, unless suppressed.
export UBSAN_OPTIONS="suppressions='${_semiasync_sanitizers}/ubsan.supp':print_stacktrace=1:halt_on_error=1:print_suppressions=0"
unset _semiasync_sanitizers
