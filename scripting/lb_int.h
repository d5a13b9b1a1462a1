/* lb_int.h: what the files of the `usine` Lua library (lb_*.c) share and nobody else sees.
 *
 * Conventions of the library, relied on by every function:
 *   - each function of a `usine` table has one upvalue, the flags (LB_FILES, LB_KERNELS) of the
 *     table it was registered in, read with lb_flags; the platform methods have none;
 *   - argument tables are read raw (lua_rawget, lua_next, lua_rawlen): no metamethod of a value
 *     handed in ever runs, so a student's table cannot make the library call back into Lua;
 *   - tables of named fields are checked for unknown keys first (lb_keys), so that a typo is an
 *     error naming it rather than a default silently used;
 *   - no C resource is held across a call that may raise (errors long-jump): C objects are created
 *     after the arguments are read and freed before results are pushed, scratch arrays are Lua
 *     userdata, and what must live across Lua calls sits in a box (lb_box_new) freed by __gc if
 *     the call is unwound. */
#ifndef USINE_LB_INT_H
#define USINE_LB_INT_H

#include <lauxlib.h>
#include <lua.h>

#include "plat.h"
#include "train.h"

#define LB_PLATFORM_MT "usine.platform"      /* metatable of platform userdata */
#define LB_BOX_MT "usine.box"                /* metatable of boxes */
#define LB_CACHE_KEY "usine.platforms"       /* registry: name or path -> platform userdata */
#define LB_PATH_KEY "usine.platform_path"    /* registry: the folders of lb_set_platform_path */
#define LB_KERNELS_KEY "usine.kernels"       /* registry: true once lb_allow_kernels(L, 1) */
#define LB_METER_KEY "usine.meter"           /* registry: light userdata, the lb_meter of lb_set_meter */
#define LB_DENIED_KEY "usine.denied"         /* registry: part -> true, the parts kept from submissions */
#define LB_USED_KEY "usine.used"             /* registry: part -> true, the parts trusted code called */
#define LB_EXERCISE_DIR_KEY "usine.exercise_dir" /* registry: the folder of the exercise (lb_set_exercise_dir) */

/* At the top of a function or method that an exercise may keep from its submissions (lb.h):
 * raises when submission code calls a denied part, records the call of trusted code. */
void lb_use(lua_State *L, const char *part);
int lb_untrusted(lua_State *L);              /* whether submission code is calling */

/* lb_cases.c: usine.cases and usine.reference (checks only); lb_usine.c: usine.diagnose, and a
 * number as check messages write it (sig significant figures, trailing zeros dropped; pushed). */
int lb_usine_cases(lua_State *L);
int lb_usine_reference(lua_State *L);
int lb_usine_diagnose(lua_State *L);
int lb_usine_json(lua_State *L);
const char *lb_push_num(lua_State *L, double x, int fr, int sig);

/* The work of one simulation (ds_stats.work: events and the network's flow-link visits) is capped
 * per call, and charged to the caller's instruction budget. On this project's 2-core reference
 * machine a unit costs 20-50 ns (`make bench`, bench_sim: "ns/work") and a Lua VM
 * instruction about 5 ns, hence 8 instructions a unit; the cap, 2^25 units, is a second or two. */
#define LB_SIM_MAX_WORK (1ull << 25)
#define LB_WORK_INSTRUCTIONS 8

typedef struct lb_platform {
    plat_platform *p;                        /* NULL until loaded (liolib style), then owned */
} lb_platform;

/* A box owns one C resource: push the empty box first, then acquire the resource into it.
 * lb_box_close frees it at once and empties the box; __gc does the same after an error. */
typedef struct lb_box {
    void *p;
    void (*free)(void *p);
} lb_box;
lb_box *lb_box_new(lua_State *L);            /* pushes an empty box */
void lb_box_close(lb_box *b);                /* frees what it holds; an empty box is fine */

int lb_flags(lua_State *L);                  /* flags upvalue of the running function */

/* Before a simulation: the work it may do (LB_SIM_MAX_WORK, or less when the caller's budget is
 * lower). After it, with ds_run's result: charge the work to the caller (raises when the budget
 * ran out), then raise `too_much` (a translated message) if the run stopped at the cap. */
unsigned long long lb_sim_work_limit(lua_State *L);
void lb_sim_charge(lua_State *L, unsigned long long work, int stopped, const char *too_much);
int lb_raise(lua_State *L, const char *msg); /* luaL_error(L, "%s", msg): msg may be on the C stack */
const char *lb_describe(lua_State *L, int idx); /* a value for messages: 42, 'text' or its type; pushes */

/* A table of named fields being read: its stack index, the argument it came from (for "bad
 * argument #arg to 'f'"), and its path in messages (NULL: top level; "model", "steps[2][1]"). */
typedef struct lb_tab {
    int idx, arg;
    const char *path;
} lb_tab;

/* Readers of lb_tab fields. They leave the stack as they found it. A missing field gives def, or
 * raises when `required`. Integers are numbers with an integral value (8.0 is 8, "8" is not);
 * numbers are finite and within [lo, hi] (lo excluded when lo_open). */
lb_tab lb_table(lua_State *L, int idx, int arg, const char *path); /* checks that idx is a table */
void lb_keys(lua_State *L, const lb_tab *t, const char *const *allowed); /* NULL-terminated */
int lb_get(lua_State *L, const lb_tab *t, const char *key);      /* push t[key] (raw), return its type */
long lb_int(lua_State *L, const lb_tab *t, const char *key, int required, long def, long lo, long hi);
double lb_num(lua_State *L, const lb_tab *t, const char *key, int required, double def, double lo, double hi, int lo_open);
int lb_bool(lua_State *L, const lb_tab *t, const char *key, int def);
const char *lb_str(lua_State *L, const lb_tab *t, const char *key, const char *def); /* valid while the table lives */
/* "field 'path.key' must be <what> (got <value at vidx>)" as an argument error. */
int lb_field_error(lua_State *L, const lb_tab *t, const char *key, const char *what, int vidx);

/* Results: fields of the table on top of the stack. */
void lb_setnum(lua_State *L, const char *key, double v);
void lb_setint(lua_State *L, const char *key, long v);
void lb_setstr(lua_State *L, const char *key, const char *s);   /* NULL: the field stays nil */
void lb_setbool(lua_State *L, const char *key, int v);

/* A model: a preset id or a table with the tm_model fields (the value of key in t, or t's own
 * argument when key is NULL), checked with tm_model_check. */
void lb_check_model(lua_State *L, const lb_tab *t, const char *key, tm_model *out);

/* Platforms (lb_plat.c). */
void lb_open_platform(lua_State *L);         /* metatable and registry cache; idempotent */
/* Push the platform userdata named by spec (a preset name, or with LB_FILES a file path), from the
 * cache or loaded into it. Raises with the loader's message ("file.xml:42: ..."). */
const plat_platform *lb_push_platform(lua_State *L, int flags, int arg, const char *spec);
/* The fields "platform" (userdata or name, required), "partition" (id, default the first) and
 * "nodes" (the partition resized to that many, plat_resize_partition's what-if machine; default as
 * the file has it) of t. Pushes the platform userdata (pop it when done: with nodes, a private
 * resized copy, not the cached one) and gives the partition and its GPUs; raises for a partition
 * without accelerators and for a resize the network's rules refuse. */
const plat_platform *lb_platform_field(lua_State *L, const lb_tab *t, int flags, int *partition, long *gpus);
int lb_preload(lua_State *L);                /* lua_CFunction (spec) -> userdata, as with LB_FILES */

/* The functions of the `usine` table, by file. */
int lb_usine_platform(lua_State *L);         /* lb_plat.c */
int lb_usine_platforms(lua_State *L);
int lb_usine_predict(lua_State *L);          /* lb_train.c */
int lb_usine_plan(lua_State *L);
int lb_usine_step(lua_State *L);
int lb_usine_collective(lua_State *L);       /* lb_sim.c */
int lb_usine_schedule(lua_State *L);
void lb_push_kernels(lua_State *L, int flags); /* lb_kn.c: the usine.kernels table */

#endif
