#!/bin/sh
# Run each test program given as an argument from the repository root; print a summary and fail
# if any fails. The program under test for the command-line suite is $USINE.
set -u
failed=""
count=0
for t in "$@"; do
    count=$((count + 1))
    printf '== %s\n' "$t"
    if ! "$t"; then failed="$failed $t"; fi
done
if [ -n "$failed" ]; then
    printf '\nFAILED:%s\n' "$failed"
    exit 1
fi
printf '\nAll %d test programs passed.\n' "$count"
