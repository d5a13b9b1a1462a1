#!/bin/sh
# embed-references.sh FILE...: the assembly that builds the teacher's reference computations
# (courses/<course>/reference/<id>.lua) into the program as lb_references, {"course/id", text}
# pairs ended by {0, 0} (lb_cases.c). Installed courses have no reference/ folder: the program
# carries them, so that a student's copy of a course holds no answer. The paths are read by the
# assembler from the repository's root, as plat_schema.S does.
set -eu
i=0
printf '    .section .rodata\n'
for f in "$@"; do
    course=$(basename "$(dirname "$(dirname "$f")")")
    id=$(basename "$f" .lua)
    printf 'ref_text_%d:\n    .incbin "%s"\n    .byte 0\nref_name_%d:\n    .asciz "%s/%s"\n' "$i" "$f" "$i" "$course" "$id"
    i=$((i + 1))
done
printf '    .section .data.rel.ro, "aw"\n    .balign 8\n    .global lb_references\n    .type lb_references, @object\nlb_references:\n'
j=0
while [ "$j" -lt "$i" ]; do
    printf '    .quad ref_name_%d, ref_text_%d\n' "$j" "$j"
    j=$((j + 1))
done
printf '    .quad 0, 0\n    .size lb_references, . - lb_references\n    .section .note.GNU-stack, "", @progbits\n'
