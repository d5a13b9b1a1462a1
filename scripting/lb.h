/* lb.h: the `usine` library for Lua, in the style of Lua's own libraries (one file per bound type,
 * luaL_Reg tables, luaL_argerror messages: "bad argument #2 to 'predict' (...)").
 *
 * Two instances of the library live in a grading state:
 *   - the exercise's (trusted author code): everything, including platform files given by path
 *     and the real kernels (lb_open_usine with LB_FILES | LB_KERNELS);
 *   - the submission's (untrusted student code, inside the sandbox of sbx.h): platforms by preset
 *     name only, the training model, the simulator and the check helpers; no kernels, no paths.
 * Both share one cache of loaded platforms, kept in the registry, so a platform the exercise
 * loaded before the grader's system-call filter went up is still there afterwards (after the
 * filter no file can be opened: load platforms at the top level of an exercise file).
 *
 * Every function checks its arguments (types, ranges, finite numbers, sizes capped so that one
 * call cannot run for minutes) and raises a Lua error that says what is wrong; none of them
 * calls back into Lua or invokes a metamethod of a value it was given (tables are read raw).
 * C resources are never held across a call that may raise (Lua errors long-jump).
 *
 * The API, for authors, is described with types in scripting/usine.d.lua (a definitions file for
 * the Lua language server) and in courses/AUTHORING.md. */
#ifndef USINE_LB_H
#define USINE_LB_H

#include <lua.h>

enum {
    LB_FILES   = 1 << 0,   /* usine.platform accepts a file path, not only a preset name */
    LB_KERNELS = 1 << 1,   /* usine.kernels: real measurements on this computer */
};

/* Where usine.platform(name) looks for "<name>.xml": a list of folders separated by ':' (the
 * presets, then the user's data folder for "local"). Set once per state, before lb_open_usine. */
void lb_set_platform_path(lua_State *L, const char *dirs);

/* Push a new `usine` table with the functions `flags` allow. Returns 1 (values pushed). */
int lb_open_usine(lua_State *L, int flags);

/* Load a platform into the shared cache as the exercise loader does (for hosts that know which
 * platforms a course needs before the filter goes up). 0, or -1 with a message in err. */
int lb_preload_platform(lua_State *L, const char *name_or_path, char *err, size_t err_size);

/* A host that budgets the code calling the library (the sandbox) installs a meter: a simulation
 * asks it how many instructions the caller has left before it runs (-1: no budget), runs at most
 * that much work, and charges what it did (which raises once the budget is spent). The meter is
 * kept by pointer and must outlive the state; NULL removes it. */
typedef struct lb_meter {
    long (*remaining)(lua_State *L);
    void (*charge)(lua_State *L, long instructions);
    int (*untrusted)(lua_State *L);     /* nonzero while a submission's code runs; NULL: never */
} lb_meter;
void lb_set_meter(lua_State *L, const lb_meter *m);

/* The parts of the library an exercise may keep from its submissions: the functions of the usine
 * table ("predict") and the methods of a platform ("platform:totals"), in lb_parts[], NULL-ended.
 * lb_part_computes: whether the part computes a result a check could grade (the training model,
 * the simulator, amdahl_fit, params, totals), rather than reading data or helping to compare.
 *
 * lb_deny_parts installs, in the state, the parts submissions may not use: a denied function is
 * left out of every usine table lb_remove_denied is given (a read of it raises "usine.predict is
 * not available in this exercise"), a denied method raises when the meter says that submission
 * code is calling it. Parts that trusted code (the exercise's top level and checks) calls are
 * recorded once lb_record_parts is on; lb_part_used says whether one was. */
extern const char *const lb_parts[];
int lb_part_computes(const char *part);
int lb_part_known(const char *part);
void lb_deny_parts(lua_State *L, const char *const *allowed, int n);
void lb_remove_denied(lua_State *L, int usine_table);
void lb_record_parts(lua_State *L);

/* The folder of the exercise being graded: usine.reference(id) reads <dir>/reference/<id>.lua
 * there (the source tree), else the copy built into the program (an installed course has none). */
void lb_set_exercise_dir(lua_State *L, const char *dir);
int lb_part_used(lua_State *L, const char *part);

/* Kernels run only when the host allows it (grading child, app): they use OpenMP threads, which
 * must not start in a process that will fork. Off by default in every state. */
void lb_allow_kernels(lua_State *L, int allow);

#endif
