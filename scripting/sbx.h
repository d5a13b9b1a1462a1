/* sbx.h: the Lua sandbox in which student code runs.
 *
 * One Lua state holds two kinds of code. Exercise code is trusted: it runs with Lua's standard
 * libraries and the whole `usine` library. Submission code is not: it runs in an environment
 * built from an allow-list (sbx_new_env), as text only, and every value it hands back is copied
 * as plain data (sbx_copy_plain). The limits hold for both kinds, so that a loop in a check is
 * caught as well:
 *   - an instruction budget, counted by a count hook. When it runs out the hook raises an error and
 *     re-arms itself on every instruction, so that pcall, xpcall, coroutines and __close handlers
 *     cannot swallow the kill: each later instruction raises again until the run is unwound;
 *   - a memory cap, by the allocator (an allocation that would cross it fails: "not enough
 *     memory"), sticky in the same way;
 *   - a CPU-time limit (the thread's own CPU clock, so that a busy machine changes no grade), checked by the same hook; time spent inside one C function (a pattern
 *     match, a long sort) is not seen by the hook: the grader's child process has its own CPU and
 *     wall limits for that (grade.h). C functions of the sandbox that do work proportional to their
 *     input (string.rep, pairs, print, copies) charge the budget for it;
 *   - caps on the strings string.rep and string.format may build, and on what print may write.
 * Deny-list, for the record: io, os (but os.clock, which counts instructions at 10^8 a second), package, require, debug, dofile, loadfile,
 * string.dump (removed from the state), collectgarbage (but "count"), load of bytecode or of a
 * function reader, load into another environment, setmetatable with __gc (finalisers run without
 * hooks), getmetatable of strings (protected), %p in string.format (an address). pairs visits keys
 * in a fixed order (numbers, then strings, then booleans), tostring of a table or a function
 * prints no address and math.random is seeded the same way for every submission, so that what a
 * submission prints does not change from one run or machine to the next.
 *
 * Error messages that come out of a run never come from a metamethod: an error value that is not a
 * string or a number is reported by its type. */
#ifndef USINE_SBX_H
#define USINE_SBX_H

#include <stddef.h>
#include <lua.h>

typedef struct sbx_limits {
    long instructions;          /* VM instructions for everything run in the state until reset */
    size_t memory_bytes;        /* Lua heap of the whole state */
    size_t string_bytes;        /* longest string string.rep and string.format may build */
    size_t output_bytes;        /* what print may write, in total (more is dropped and marked) */
    double seconds;             /* CPU time of the calling thread in one sbx_call */
} sbx_limits;

typedef enum sbx_status {
    SBX_OK, SBX_ERROR, SBX_SYNTAX, SBX_INSTRUCTIONS, SBX_MEMORY, SBX_TIME
} sbx_status;

typedef struct sbx sbx;

sbx_limits sbx_default_limits(void);
sbx *sbx_create(const sbx_limits *lim);  /* a state with the standard libraries for trusted code; NULL if out of memory */
void sbx_destroy(sbx *s);                /* NULL is fine */
void sbx_set_limits(sbx *s, const sbx_limits *lim); /* from the next sbx_reset_budget on */
lua_State *sbx_lua(sbx *s);
sbx *sbx_from_lua(lua_State *L);         /* the sandbox a state (or one of its coroutines) belongs to */
void sbx_reset_budget(sbx *s);           /* a new submission: full instruction budget, output cleared */
void sbx_renew_budget(sbx *s);           /* the next part of the same submission (a check): full budget, output kept */
/* Whether the submission's own code is running: its chunk (between enter and leave) or one of its
 * functions called by trusted code through a plain copy (sbx_copy_plain), but not a function of
 * trusted code (a check's callback) that the submission was given and calls. Library functions
 * that some exercises keep from submissions ask it (lb.h, lb_meter.untrusted). */
void sbx_enter_untrusted(sbx *s);
void sbx_leave_untrusted(sbx *s);
int sbx_untrusted(lua_State *L);
long sbx_instructions_used(const sbx *s);
/* The grading seed (by default 20261125): trusted code's math.random starts from it now and again
 * at each sbx_new_env, and so does each submission's own math.random, a different generator. */
void sbx_set_seed(sbx *s, unsigned long long seed);

/* A fresh environment for one submission: the allow-list, with _G pointing to itself. Pushes it. */
void sbx_new_env(sbx *s);
int sbx_is_standard_name(sbx *s, const char *name); /* a name the environment starts with */

/* Compile a text chunk with the table at env_index as its _ENV and push the function; a UTF-8
 * byte-order mark and a first line starting with '#' are skipped, as luaL_loadfile does. Returns
 * SBX_OK, or SBX_SYNTAX with the message in sbx_message (nothing pushed). */
sbx_status sbx_load(sbx *s, const char *text, size_t len, const char *chunkname, int env_index);

/* Call the function below nargs arguments on the stack under the limits (like lua_pcall with
 * nresults). On SBX_OK the results are pushed; otherwise nothing is, and sbx_message says why. */
sbx_status sbx_call(sbx *s, int nargs, int nresults);
const char *sbx_message(const sbx *s);
const char *sbx_output(const sbx *s, size_t *len);  /* what print wrote (capped) */

/* Copy the value at idx as plain data and push the copy: numbers, strings, booleans and nil as they
 * are; tables key by key with raw access, without metatables, sharing and cycles kept; userdata of
 * the usine library as they are; functions of the submission wrapped so that calling one copies
 * its arguments in and its results out the same way, under the same limits. Anything else (threads,
 * foreign userdata) becomes nil. Tables of any depth are copied (breadth first, no recursion); the
 * copy counts against the memory cap and charges one instruction per entry. */
void sbx_copy_plain(lua_State *L, int idx);
/* The same, with the table at memo (original -> copy) kept from one copy to the next, so that what
 * several copied values share stays shared. */
void sbx_copy_plain_shared(lua_State *L, int idx, int memo);

/* Charge n units of work done in C to the instruction budget; raises when it runs out. */
void sbx_charge(lua_State *L, long n);
/* What is left of the instruction budget while a submission's call runs; -1 outside one (the
 * exercise's own code, which has no budget). */
long sbx_remaining(lua_State *L);

const char *sbx_status_message(sbx_status st);  /* "instruction limit reached", ... (English; translated with _()) */

#endif
