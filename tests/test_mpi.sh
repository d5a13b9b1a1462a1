#!/bin/sh
# test_mpi.sh: `usine train --mpi` under mpirun with 2 processes, as users run it: it trains (the
# mean loss goes down), reports 2 ranks and a measured all-reduce in its JSON, which follows its
# schema, and a bad option or
# a bad platform makes every process exit with status 2 without hanging (each run has a time limit).
# Skips (passes, with a message) where mpirun is absent or the program was built without MPI.
# The program under test is $USINE (the Makefile sets it), default build/usine.
set -u
USINE=${USINE:-build/usine}
LIMIT=120

if ! command -v mpirun >/dev/null 2>&1; then
    echo "test_mpi: skipped (no mpirun; 'make deps' installs Open MPI)"
    exit 0
fi
# Open MPI refuses root unless told; CI runs as root. --oversubscribe: 2 processes even on 1 core.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN="mpirun --oversubscribe -np 2"
# The sanitizer build: Open MPI keeps allocations until exit by design, so its leaks (and only
# its) are suppressed; the slow unwinder gives the full stacks those suppressions need (Open MPI's
# components are built without frame pointers).
supp=$(mktemp)
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$supp" "$out" "$err"' EXIT
printf 'leak:libmpi.so\nleak:libopen-pal.so\nleak:libopen-rte.so\nleak:libpmix.so\nleak:libhwloc.so\nleak:libevent\nleak:mca_\n' >"$supp"
export LSAN_OPTIONS="suppressions=$supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

passed=0
failed=0
ok() { passed=$((passed + 1)); printf '[       OK ] %s\n' "$1"; }
ko() { failed=$((failed + 1)); printf '[  FAILED  ] %s: %s\n' "$1" "$2"; sed 's/^/    /' "$err" | tail -20; }

# run NAME ARGS...: mpirun the program with a time limit; status in $rc, output in $out and $err.
run() {
    timeout -k 10 "$LIMIT" $MPIRUN "$USINE" "$@" >"$out" 2>"$err"
    rc=$?
}

# Numeric value of a top-level key in the JSON on $out (cJSON prints "key":<tab>value).
num() { sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\\([-0-9.eE+]*\\).*/\\1/p" "$out" | head -n 1; }

run train --mpi --width 64 --batch 32 --steps 1 --json
if [ "$rc" -eq 2 ] && grep -q "without MPI" "$err"; then
    echo "test_mpi: skipped ($USINE was built without MPI)"
    exit 0
fi

name="train --mpi trains on 2 ranks"
run train --mpi --width 64 --batch 32 --steps 30 --json
if [ "$rc" -ne 0 ]; then
    ko "$name" "exit status $rc, expected 0"
else
    ranks=$(num ranks) first=$(num loss_first) last=$(num loss_last) comm=$(num comm_s) step=$(num step_s)
    pstep=$(num predicted_step_s) pcomm=$(num predicted_comm_s) sps=$(num samples_per_s) gf=$(num gflops)
    why=$(awk -v r="$ranks" -v f="$first" -v l="$last" -v c="$comm" -v s="$step" -v ps="$pstep" -v pc="$pcomm" \
              -v sp="$sps" -v g="$gf" 'BEGIN {
        if (r != 2) { print "ranks is " r ", expected 2"; exit }
        if (!(l < f)) { print "loss did not go down: first " f ", last " l; exit }
        if (!(c > 0)) { print "comm_s is " c ", expected > 0"; exit }
        if (!(s > 0 && ps > 0 && pc > 0 && sp > 0 && g > 0)) { print "a time or rate is missing or not positive"; exit }
        if (!(c < s)) { print "comm_s " c " is not part of step_s " s; exit }
    }')
    if [ -n "$why" ]; then ko "$name" "$why"; else ok "$name"; fi
fi

# The JSON follows its schema (tests/test_schema.c checks the other commands' outputs the same way).
name="train --mpi --json follows assets/schema/json/train-mpi.schema.json"
if python3 tests/json_schema_check.py assets/schema/json assets/schema/json/train-mpi.schema.json "$out" 2>"$err"; then
    ok "$name"
else
    ko "$name" "see the errors below"
fi

name="text report from rank 0 only"
run train --mpi --width 64 --batch 32 --steps 5
n=$(grep -c "all-reduce of" "$out")
if [ "$rc" -ne 0 ] || [ "$n" -ne 1 ]; then ko "$name" "exit status $rc, $n reports (expected 0 and 1)"; else ok "$name"; fi

name="a bad option exits 2 on every rank, no hang"
run train --mpi --width 64 --no-such-option
if [ "$rc" -ne 2 ]; then ko "$name" "exit status $rc, expected 2 (124: it hung)"; else ok "$name"; fi

name="a bad platform exits 2 with one message, no hang"
run train --mpi --width 64 --batch 32 --steps 5 --platform no-such-platform
n=$(grep -c "no-such-platform" "$err")
if [ "$rc" -ne 2 ] || [ "$n" -ne 1 ]; then ko "$name" "exit status $rc, $n messages (expected 2 and 1)"; else ok "$name"; fi

name="a network too big exits 2 with one message, no hang"
run train --mpi --inputs 1000000 --width 1000000 --steps 2
n=$(grep -c "^usine:" "$err")
if [ "$rc" -ne 2 ] || [ "$n" -ne 1 ]; then ko "$name" "exit status $rc, $n messages (expected 2 and 1)"; else ok "$name"; fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
