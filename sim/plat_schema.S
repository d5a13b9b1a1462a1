/* plat_schema.S: the platform schema (assets/schema/platform.rng), built into the core so that the
 * loader validates against exactly the schema it was compiled with, with no file to find at run
 * time. The Makefile makes this object depend on the .rng file. */
    .section .rodata
    .global plat_schema_rng
    .type plat_schema_rng, @object
plat_schema_rng:
    .incbin "assets/schema/platform.rng"
    .byte 0
    .size plat_schema_rng, . - plat_schema_rng
    .section .note.GNU-stack, "", @progbits
