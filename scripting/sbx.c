/* sbx.c: the Lua sandbox (see sbx.h for what it allows and why).
 *
 * The sandbox lives in the state's extra space (LUA_EXTRASPACE), which Lua copies into every new
 * coroutine, so the count hook finds its budget from any thread without a table lookup. The hook
 * fires every SBX_HOOK_EVERY instructions and subtracts that many from the budget; once the budget
 * or the clock has run out it sets `killed`, re-arms itself on every instruction of the thread it
 * fired in and raises. Other threads find `killed` set the next time their own hook fires. Nothing
 * clears `killed` but the start of the next sbx_call. */
#include "sbx.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define SBX_HOOK_EVERY 1000
#define SBX_MSG_MAX 4096
#define SBX_MAX_COROUTINE_DEPTH 100  /* resume/wrap/close inside one another (Lua 5.4.4 crashes near 20,000 closes) */
#define SBX_CO_HOOK_EVERY 100  /* hook period in coroutines, and the charge for creating one */
#define SBX_DEFAULT_SEED 20261125
#define SBX_MAX_RESULTS 10000   /* values a function of the submission may return to trusted code */

struct sbx {
    lua_State *L;
    sbx_limits lim;
    size_t mem_used;
    int alloc_failed;           /* the last allocation was refused (see sbx_alloc) */
    long remaining;
    long budget;
    sbx_status killed;          /* SBX_OK while the run may go on */
    int in_call;
    int untrusted;              /* the submission's code is running (its chunk, or one of its functions) */
    int co_depth;               /* coroutine.resume/wrap/close calls now running inside one another */
    unsigned long long seed;    /* of the submission's own math.random (sbx_set_seed) */
    double deadline;
    char msg[SBX_MSG_MAX];
    char *out;
    size_t out_len, out_cap;
    int out_dropped;
};

static const char STD_NAMES_KEY[] = "usine.sbx.standard";

sbx_limits sbx_default_limits(void)
{
    sbx_limits l = {
        .instructions = 20000000L,   /* about a tenth of a second of Lua on a laptop */
        .memory_bytes = 64u << 20,
        .string_bytes = 4u << 20,
        .output_bytes = 64u << 10,
        .seconds = 5.0,
    };
    return l;
}

const char *sbx_status_message(sbx_status st)
{
    switch (st) {
    case SBX_OK: return N_("ok");
    case SBX_ERROR: return N_("error");
    case SBX_SYNTAX: return N_("syntax error");
    case SBX_INSTRUCTIONS: return N_("instruction limit reached (an endless loop, or a simulation too large?)");
    case SBX_MEMORY: return N_("memory limit reached");
    case SBX_TIME: return N_("time limit reached");
    }
    return "?";
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);   /* own CPU time: the machine's load changes nothing */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

sbx *sbx_from_lua(lua_State *L)
{
    sbx *s;
    memcpy(&s, lua_getextraspace(L), sizeof s);
    return s;
}

lua_State *sbx_lua(sbx *s) { return s->L; }
void sbx_set_limits(sbx *s, const sbx_limits *lim) { s->lim = *lim; }
long sbx_instructions_used(const sbx *s) { return s->budget - (s->remaining > 0 ? s->remaining : 0); }
const char *sbx_message(const sbx *s) { return s->msg; }

const char *sbx_output(const sbx *s, size_t *len)
{
    if (len) *len = s->out_len;
    return s->out ? s->out : "";
}

void sbx_reset_budget(sbx *s)
{
    sbx_renew_budget(s);
    s->out_len = 0;
    s->out_dropped = 0;
    if (s->out) s->out[0] = '\0';
}

void sbx_renew_budget(sbx *s)
{
    s->budget = s->remaining = s->lim.instructions;
    s->killed = SBX_OK;
}

void sbx_enter_untrusted(sbx *s) { s->untrusted++; }
void sbx_leave_untrusted(sbx *s) { s->untrusted--; }
int sbx_untrusted(lua_State *L) { return sbx_from_lua(L)->untrusted > 0; }

/* ---- limits ---------------------------------------------------------------------------------- */

/* Once a limit is crossed during a call, it stays crossed: allocations past the cap keep failing,
 * and the hook raises at every instruction, whatever pcall the code wraps itself in. Lua answers a
 * failed allocation with a full collection and one more try (lmem.c), so the cap is crossed only
 * when two attempts in a row fail: garbage alone never kills a submission. */
static void *sbx_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sbx *s = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        s->mem_used -= old;
        return NULL;
    }
    if (nsize > old && s->mem_used - old + nsize > s->lim.memory_bytes) {
        if (s->in_call && s->killed == SBX_OK && s->alloc_failed) s->killed = SBX_MEMORY;
        s->alloc_failed = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p) {
        s->mem_used = s->mem_used - old + nsize;
        s->alloc_failed = 0;
    }
    return p;
}

static void sbx_hook(lua_State *L, lua_Debug *ar);

static int sbx_kill(lua_State *L, sbx *s)
{
    lua_sethook(L, sbx_hook, LUA_MASKCOUNT, 1);
    return luaL_error(L, "%s", _(sbx_status_message(s->killed)));
}

static void sbx_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    sbx *s = sbx_from_lua(L);
    if (!s->in_call) return;
    if (s->killed == SBX_OK) {
        int every = lua_gethookcount(L);
        s->remaining -= every;
        if (s->remaining <= 0) s->killed = SBX_INSTRUCTIONS;
        else if (now_s() > s->deadline) s->killed = SBX_TIME;
        else {
            if (every == 1) {                          /* re-armed by a kill in an earlier call */
                int main = lua_pushthread(L);
                lua_pop(L, 1);
                lua_sethook(L, sbx_hook, LUA_MASKCOUNT, main ? SBX_HOOK_EVERY : SBX_CO_HOOK_EVERY);
            }
            return;
        }
    }
    sbx_kill(L, s);
}

void sbx_charge(lua_State *L, long n)
{
    sbx *s = sbx_from_lua(L);
    if (!s->in_call) return;
    s->remaining -= n;
    if (s->remaining <= 0 && s->killed == SBX_OK) s->killed = SBX_INSTRUCTIONS;
    if (s->killed == SBX_OK && n >= SBX_HOOK_EVERY && now_s() > s->deadline) s->killed = SBX_TIME;
    if (s->killed != SBX_OK) sbx_kill(L, s);
}

long sbx_remaining(lua_State *L)
{
    const sbx *s = sbx_from_lua(L);
    if (!s->in_call) return -1;
    return s->remaining > 0 ? s->remaining : 0;
}

/* ---- wrappers of library functions ----------------------------------------------------------- */

/* A library function called from a C wrapper has no name Lua can find (it names it '?') and its
 * errors carry no position (the level above it is C). Re-raise the error value on top with the
 * wrapper's name and the position of the Lua code that called the wrapper. */
static int raise_renamed(lua_State *L, const char *name)
{
    size_t len;
    const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    const char *q = m ? strstr(m, " to '?'") : NULL;
    if (q && strncmp(m, "bad argument #", 14) == 0) {
        luaL_where(L, 1);
        lua_pushlstring(L, m, (size_t)(q - m) + 5);    /* "bad argument #n to '" */
        lua_pushstring(L, name);
        lua_pushstring(L, q + 6);                      /* "' (...)" */
        lua_concat(L, 4);
    }
    return lua_error(L);
}

/* Call upvalue 1 with every argument on the stack; its status, with its nres results or its error. */
static int pcall_original(lua_State *L, int nres)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    return lua_pcall(L, lua_gettop(L) - 1, nres, 0);
}

/* Call upvalue 1 with every argument on the stack, as `name`; returns its nres results. */
static int call_original(lua_State *L, const char *name, int nres)
{
    if (pcall_original(L, nres) != LUA_OK) return raise_renamed(L, name);
    return lua_gettop(L);
}

/* ---- the patched coroutine library (shared by trusted and untrusted code) -------------------- */

/* Lua 5.4.4 does not count coroutine.close against its C stack limit: closes nested through
 * __close handlers overflow the C stack near 20,000 levels (fixed upstream in 5.4.6). Every call
 * that runs another coroutine from C (resume, close, a function made by wrap) counts its nesting
 * in the sandbox and is refused past SBX_MAX_COROUTINE_DEPTH, before Lua sees it. The count is
 * restored however the call ends, so pcall cannot make it drift.
 *
 * A new thread starts with a full hook count of its own (lua_newthread resets it), and what it ran
 * since its last hook is never charged when it dies: each coroutine would run up to SBX_HOOK_EVERY
 * instructions for free. Coroutines therefore count every SBX_CO_HOOK_EVERY instructions, and
 * creating one charges that much up front, so that what a tree of short coroutines runs is paid
 * (at most SBX_CO_HOOK_EVERY too much per coroutine). */
static int co_guarded(lua_State *L, const char *name)
{
    sbx *s = sbx_from_lua(L);
    if (s->co_depth >= SBX_MAX_COROUTINE_DEPTH)
        return luaL_error(L, _("%s: coroutines nested more than %d levels deep"), name, SBX_MAX_COROUTINE_DEPTH);
    s->co_depth++;
    int st = pcall_original(L, LUA_MULTRET);
    s->co_depth--;
    if (st != LUA_OK) return raise_renamed(L, name);
    return lua_gettop(L);
}

static int co_resume(lua_State *L) { return co_guarded(L, "resume"); }
static int co_close(lua_State *L) { return co_guarded(L, "close"); }
static int co_wrapped_call(lua_State *L) { return co_guarded(L, "wrap"); }

static void co_arm(lua_State *L, lua_State *co)
{
    if (co && sbx_from_lua(L)->in_call) lua_sethook(co, sbx_hook, LUA_MASKCOUNT, SBX_CO_HOOK_EVERY);
}

static int co_create(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    sbx_charge(L, SBX_CO_HOOK_EVERY);
    call_original(L, "create", 1);
    co_arm(L, lua_tothread(L, -1));
    return 1;
}

static int co_wrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    sbx_charge(L, SBX_CO_HOOK_EVERY);
    call_original(L, "wrap", 1);
    if (lua_getupvalue(L, -1, 1)) {                    /* auxwrap's thread */
        co_arm(L, lua_tothread(L, -1));
        lua_pop(L, 1);
    }
    lua_pushcclosure(L, co_wrapped_call, 1);
    return 1;
}

static void patch_library(lua_State *L, const char *lib, const luaL_Reg *fns)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, lib);
    for (; fns->name; fns++) {
        lua_getfield(L, -1, fns->name);
        lua_pushcclosure(L, fns->func, 1);
        lua_setfield(L, -2, fns->name);
    }
    lua_pop(L, 2);
}

static void patch_coroutine_library(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "create", co_create }, { "wrap", co_wrap }, { "resume", co_resume }, { "close", co_close },
        { NULL, NULL },
    };
    patch_library(L, LUA_COLIBNAME, fns);
}

/* ---- the patched string library (shared by trusted and untrusted code) ------------------------ */

static int str_rep(lua_State *L)
{
    sbx *s = sbx_from_lua(L);
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0) {
        /* (l + lsep) * n - lsep, computed without overflow against the cap */
        size_t unit = l + lsep;
        if (unit > 0 && ((size_t)n > s->lim.string_bytes / unit + 1 || unit * (size_t)n - lsep > s->lim.string_bytes))
            return luaL_error(L, _("string.rep: the result would be longer than the limit of %d bytes"),
                              (int)s->lim.string_bytes);
        sbx_charge(L, (long)((unit * (size_t)n) / 64));
        if (unit == 0) {                               /* Lua would loop n times copying nothing */
            lua_pushliteral(L, "");
            return 1;
        }
    }
    return call_original(L, "rep", 1);
}

static int str_format(lua_State *L)
{
    const char *f = luaL_checkstring(L, 1);
    for (const char *p = f; *p; p++) {
        if (*p != '%') continue;
        p++;
        while (*p && strchr("-+ #0123456789.", *p)) p++;
        if (*p == 'p') return luaL_error(L, _("string.format: '%%p' (an address) is not available in exercises"));
        if (!*p) break;
    }
    call_original(L, "format", LUA_MULTRET);
    size_t len = 0;
    if (lua_type(L, 1) == LUA_TSTRING) lua_tolstring(L, 1, &len);
    sbx_charge(L, (long)(len / 64));
    if (len > sbx_from_lua(L)->lim.string_bytes)
        return luaL_error(L, _("string.format: the result is longer than the limit of %d bytes"),
                          (int)sbx_from_lua(L)->lim.string_bytes);
    return lua_gettop(L);
}

/* Pattern functions charge for the length of their subject times that of the pattern (a plain
 * find compares the pattern at each place of the subject); a pattern that backtracks
 * exponentially inside one call is stopped by the grading process's limits. */
static long work_units(double w)
{
    return w < 1e15 ? (long)w : 1000000000000000L;
}

static int str_charged(lua_State *L)
{
    size_t len = 0, plen = 0;
    if (lua_type(L, 1) == LUA_TSTRING) lua_tolstring(L, 1, &len);
    if (lua_type(L, 2) == LUA_TSTRING) lua_tolstring(L, 2, &plen);
    sbx_charge(L, work_units(((double)len / 16 + 1) * ((double)plen / 16 + 1)));
    return call_original(L, lua_tostring(L, lua_upvalueindex(2)), LUA_MULTRET);
}

/* ASCII only, whatever the locale: the C library's toupper follows LC_CTYPE (é under Latin-1). */
static int str_case(lua_State *L, int upper)
{
    size_t l;
    const char *p = luaL_checklstring(L, 1, &l);
    sbx_charge(L, (long)(l / 16 + 1));
    luaL_Buffer b;
    char *d = luaL_buffinitsize(L, &b, l);
    for (size_t i = 0; i < l; i++) {
        unsigned char c = (unsigned char)p[i];
        if (upper && c >= 'a' && c <= 'z') c = (unsigned char)(c - 'a' + 'A');
        else if (!upper && c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
        d[i] = (char)c;
    }
    luaL_pushresultsize(&b, l);
    return 1;
}

static int str_upper(lua_State *L) { return str_case(L, 1); }
static int str_lower(lua_State *L) { return str_case(L, 0); }

static void patch_string_library(lua_State *L)
{
    static const struct { const char *name; lua_CFunction fn; } wrap[] = {
        { "rep", str_rep }, { "format", str_format }, { "find", str_charged }, { "match", str_charged },
        { "gmatch", str_charged }, { "gsub", str_charged },
    };
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_STRLIBNAME);
    for (size_t i = 0; i < sizeof wrap / sizeof wrap[0]; i++) {
        lua_getfield(L, -1, wrap[i].name);
        lua_pushstring(L, wrap[i].name);
        lua_pushcclosure(L, wrap[i].fn, 2);
        lua_setfield(L, -2, wrap[i].name);
    }
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pushcfunction(L, str_upper);
    lua_setfield(L, -2, "upper");
    lua_pushcfunction(L, str_lower);
    lua_setfield(L, -2, "lower");
    lua_pop(L, 2);
    /* getmetatable("") answers this instead of the table whose __index is the library. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
}

/* ---- state ----------------------------------------------------------------------------------- */

static int sb_pairs(lua_State *L);
static int sb_tostring(lua_State *L);
static int sb_next(lua_State *L);
static void patch_table_library(lua_State *L);

/* Every submission, and every exercise, draws the same random numbers for a given grading seed:
 * trusted code's math.random starts again from it at each submission. */
static void seed_random(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, (lua_Integer)sbx_from_lua(L)->seed);
    lua_call(L, 1, 0);
    lua_pop(L, 2);
}

sbx *sbx_create(const sbx_limits *lim)
{
    sbx *s = ut_calloc(1, sizeof *s);
    s->lim = lim ? *lim : sbx_default_limits();
    s->L = lua_newstate(sbx_alloc, s);
    if (!s->L) {
        free(s);
        return NULL;
    }
    memcpy(lua_getextraspace(s->L), &s, sizeof s);
    sbx_reset_budget(s);
    luaL_openlibs(s->L);
    patch_string_library(s->L);
    patch_coroutine_library(s->L);
    patch_table_library(s->L);
    /* Exercise code is trusted but must be as repeatable as submissions: the same pairs order,
     * tostring without addresses. */
    lua_pushcfunction(s->L, sb_pairs);
    lua_setglobal(s->L, "pairs");
    lua_pushcfunction(s->L, sb_tostring);
    lua_setglobal(s->L, "tostring");
    lua_pushcfunction(s->L, sb_next);
    lua_setglobal(s->L, "next");
    s->seed = SBX_DEFAULT_SEED;
    seed_random(s->L);
    return s;
}

void sbx_destroy(sbx *s)
{
    if (!s) return;
    s->in_call = 0;
    lua_close(s->L);
    free(s->out);
    free(s);
}

/* ---- the environment of a submission ----------------------------------------------------------- */

static void out_append(sbx *s, const char *p, size_t n)
{
    if (s->out_dropped) return;
    if (s->out_len + n > s->lim.output_bytes) {
        n = s->lim.output_bytes - s->out_len;
        s->out_dropped = 1;
    }
    ut_grow(&s->out, &s->out_cap, s->out_len + n + 1, 1);
    memcpy(s->out + s->out_len, p, n);
    s->out_len += n;
    s->out[s->out_len] = '\0';
}

/* tostring without addresses: "table" and "function" for values without __tostring. */
static const char *sb_tolstring(lua_State *L, int idx, size_t *len)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
    case LUA_TUSERDATA:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
            lua_pop(L, 1);
            return luaL_tolstring(L, idx, len);
        }
        int name = luaL_getmetafield(L, idx, "__name");
        if (name == LUA_TSTRING) return lua_tolstring(L, -1, len);
        if (name != LUA_TNIL) lua_pop(L, 1);
        lua_pushstring(L, luaL_typename(L, idx));
        return lua_tolstring(L, -1, len);
    case LUA_TFUNCTION:
    case LUA_TTHREAD:
        lua_pushstring(L, luaL_typename(L, idx));
        return lua_tolstring(L, -1, len);
    case LUA_TNUMBER:
        if (lua_tonumber(L, idx) != lua_tonumber(L, idx)) {  /* the sign of a NaN is the machine's */
            lua_pushliteral(L, "nan");
            return lua_tolstring(L, -1, len);
        }
        return luaL_tolstring(L, idx, len);
    default:
        return luaL_tolstring(L, idx, len);
    }
}

static int sb_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    sb_tolstring(L, 1, NULL);
    return 1;
}

static int sb_print(lua_State *L)
{
    sbx *s = sbx_from_lua(L);
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *str = sb_tolstring(L, i, &len);
        sbx_charge(L, (long)(len / 16 + 1));
        if (i > 1) out_append(s, "\t", 1);
        out_append(s, str, len);
        lua_pop(L, 1);
    }
    out_append(s, "\n", 1);
    return 0;
}

static int sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, _("setmetatable: finalisers (__gc) are not allowed in exercises"));
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sb_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, _("collectgarbage: only \"count\" is available in exercises"));
    int kb = lua_gc(L, LUA_GCCOUNT), b = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, (lua_Number)kb + (lua_Number)b / 1024);
    return 1;
}

/* load: text chunks only, always into this submission's environment (upvalue 1). */
static int sb_load(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING) {
        luaL_pushfail(L);
        lua_pushstring(L, _("load: only text chunks (strings) are allowed in exercises"));
        return 2;
    }
    size_t len;
    const char *chunk = lua_tolstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    if (!strchr(mode, 't')) {
        luaL_pushfail(L);
        lua_pushstring(L, _("load: only text chunks (mode \"t\") are allowed in exercises"));
        return 2;
    }
    if (!lua_isnoneornil(L, 4) && !lua_rawequal(L, 4, lua_upvalueindex(1)))
        return luaL_error(L, _("load: chunks run in the exercise's environment; no other is allowed"));
    sbx_charge(L, (long)(len / 16 + 1));
    if (luaL_loadbufferx(L, chunk, len, name, "t") != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setupvalue(L, -2, 1);
    return 1;
}

/* pairs in a fixed order: numbers ascending, then strings (bytewise), then booleans, then the
 * rest in the table's own order. Honours __pairs like Lua's. */
typedef struct sb_key { int rank; double num; const char *str; size_t len; int pos; } sb_key;

static int sb_key_cmp(const void *pa, const void *pb)
{
    const sb_key *a = pa, *b = pb;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    if (a->rank == 0 && a->num != b->num) return a->num < b->num ? -1 : 1;
    if (a->rank == 1) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->str, b->str, n);
        if (c) return c;
        if (a->len != b->len) return a->len < b->len ? -1 : 1;
    }
    if (a->rank == 2 && a->num != b->num) return a->num < b->num ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static int sb_pairs_next(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
    lua_Integer n = (lua_Integer)lua_rawlen(L, lua_upvalueindex(1));
    while (++i <= n) {
        lua_rawgeti(L, lua_upvalueindex(1), i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, 1) != LUA_TNIL) {
            lua_pushinteger(L, i);
            lua_replace(L, lua_upvalueindex(2));
            return 2;
        }
        lua_pop(L, 2);
    }
    lua_pushinteger(L, n);
    lua_replace(L, lua_upvalueindex(2));
    return 0;
}

/* Push the keys of the table at t in the fixed order of pairs, as a sequence; returns how many. */
static int push_sorted_keys(lua_State *L, int t)
{
    t = lua_absindex(L, t);
    lua_newtable(L);                                   /* the keys, in table order */
    int all = lua_gettop(L), n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, all, ++n);
    }
    sbx_charge(L, n);
    /* The keys table anchors the strings whose pointers the sort reads. */
    sb_key *keys = lua_newuserdatauv(L, (size_t)n * sizeof *keys + 1, 0);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, all, i + 1);
        sb_key *k = &keys[i];
        memset(k, 0, sizeof *k);
        k->pos = i;
        switch (lua_type(L, -1)) {
        case LUA_TNUMBER: k->rank = 0; k->num = lua_tonumber(L, -1); break;
        case LUA_TSTRING: k->rank = 1; k->str = lua_tolstring(L, -1, &k->len); break;
        case LUA_TBOOLEAN: k->rank = 2; k->num = lua_toboolean(L, -1); break;
        default: k->rank = 3;
        }
        lua_pop(L, 1);
    }
    qsort(keys, (size_t)n, sizeof *keys, sb_key_cmp);
    lua_createtable(L, n, 0);                          /* the keys, sorted */
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, all, keys[i].pos + 1);
        lua_rawseti(L, -2, i + 1);
    }
    lua_replace(L, all);
    lua_settop(L, all);
    return n;
}

static int sb_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    push_sorted_keys(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, sb_pairs_next, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* next in the order of pairs. next(t) takes a snapshot of t's keys in that order, kept in a weak
 * table with a map from key to place; next(t, k) continues from k's place, skipping keys whose
 * value has since become nil (assigning nil during a traversal is allowed, as in Lua). A key the
 * snapshot lacks makes a new one. */
static const char NEXT_KEY[] = "usine.sbx.next";

static void next_snapshot(lua_State *L)               /* [t, k, cache] -> [t, k, cache, keys, places] */
{
    push_sorted_keys(L, 1);
    int n = (int)lua_rawlen(L, 4);
    lua_createtable(L, 0, n);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, 4, i);
        lua_pushinteger(L, i);
        lua_rawset(L, 5);
    }
    lua_pushvalue(L, 1);
    lua_createtable(L, 2, 0);
    lua_pushvalue(L, 4);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, 5);
    lua_rawseti(L, -2, 2);
    lua_rawset(L, 3);
}

static int sb_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {                             /* fast answer for the emptiness test */
        lua_pushnil(L);
        if (!lua_next(L, 1)) return luaL_pushfail(L), 1;
        lua_settop(L, 2);
    }
    if (lua_getfield(L, LUA_REGISTRYINDEX, NEXT_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, NEXT_KEY);
    }
    lua_Integer i = 0;
    if (lua_isnil(L, 2)) next_snapshot(L);
    else {
        int found = 0;
        lua_pushvalue(L, 1);
        if (lua_rawget(L, 3) == LUA_TTABLE) {
            lua_rawgeti(L, 4, 1);
            lua_rawgeti(L, 4, 2);
            lua_remove(L, 4);
            lua_pushvalue(L, 2);
            found = lua_rawget(L, 5) == LUA_TNUMBER;
            i = lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        if (!found) {
            lua_settop(L, 3);
            next_snapshot(L);
            lua_pushvalue(L, 2);
            if (lua_rawget(L, 5) != LUA_TNUMBER) return luaL_error(L, "invalid key to 'next'");
            i = lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, 4);
    while (++i <= n) {
        lua_rawgeti(L, 4, i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, 1) != LUA_TNIL) return 2;
        lua_pop(L, 2);
    }
    return luaL_pushfail(L), 1;
}

/* table.sort without a comparator compares strings byte by byte (Lua's < follows the locale's
 * collation, strcoll) and charges n log n for the C work. */
static int sort_less(lua_State *L)
{
    size_t la, lb;
    if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
        const char *a = lua_tolstring(L, 1, &la), *b = lua_tolstring(L, 2, &lb);
        int c = memcmp(a, b, la < lb ? la : lb);
        lua_pushboolean(L, c < 0 || (c == 0 && la < lb));
    } else {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    }
    return 1;
}

static int tab_sort(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1), bits = 1;
    while (bits < 62 && ((lua_Integer)1 << bits) < n) bits++;
    sbx_charge(L, (long)(n > 0 ? n * bits : 1));
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_pushcfunction(L, sort_less);
    }
    return call_original(L, "sort", 0), 0;
}

/* The submission's math library is a fresh luaopen_math: Lua's own generator, with a state of its
 * own (an upvalue of its random and randomseed), so that the numbers a submission draws do not
 * depend on those the checks draw. It starts from the grading seed, and randomseed() without an
 * argument goes back to that seed instead of reading the clock. Upvalue 1: Lua's randomseed. */
static int sb_randomseed(lua_State *L)
{
    if (lua_isnone(L, 1)) lua_pushinteger(L, (lua_Integer)sbx_from_lua(L)->seed);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static void push_submission_math(lua_State *L, sbx *s)
{
    lua_pushcfunction(L, luaopen_math);
    lua_call(L, 0, 1);
    lua_getfield(L, -1, "randomseed");
    lua_pushvalue(L, -1);
    lua_pushinteger(L, (lua_Integer)s->seed);
    lua_call(L, 1, 0);
    lua_pushcclosure(L, sb_randomseed, 1);
    lua_setfield(L, -2, "randomseed");
}

/* os.clock of a submission: the instructions it has run, at a nominal 10^8 a second, so that
 * code that times itself still runs and no grade depends on the machine or its load. */
static int sb_clock(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)sbx_instructions_used(sbx_from_lua(L)) / 1e8);
    return 1;
}

void sbx_set_seed(sbx *s, unsigned long long seed)
{
    s->seed = seed;
    seed_random(s->L);
}

/* The table functions that move or visit many slots in C charge one unit per slot, before the
 * work (table.move over 1e15 slots is refused by the budget, not run). */
static double opt_int(lua_State *L, int arg, lua_Integer def)
{
    return lua_type(L, arg) == LUA_TNUMBER ? (double)lua_tonumber(L, arg) : (double)def;
}

static void charge_span(lua_State *L, double from, double to)
{
    if (to >= from) sbx_charge(L, work_units(to - from + 1));
}

static int tab_move(lua_State *L)
{
    charge_span(L, opt_int(L, 2, 1), opt_int(L, 3, 0));
    return call_original(L, "move", 1);
}

static int tab_insert(lua_State *L)
{
    lua_Integer n = lua_type(L, 1) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, 1) : 0;
    if (lua_gettop(L) >= 3) charge_span(L, opt_int(L, 2, n + 1), n + 1);
    else sbx_charge(L, 1);
    return call_original(L, "insert", 0);
}

static int tab_remove(lua_State *L)
{
    lua_Integer n = lua_type(L, 1) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, 1) : 0;
    charge_span(L, opt_int(L, 2, n), n);
    return call_original(L, "remove", 1);
}

static int tab_concat(lua_State *L)
{
    lua_Integer n = lua_type(L, 1) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, 1) : 0;
    charge_span(L, opt_int(L, 3, 1), opt_int(L, 4, n));
    call_original(L, "concat", 1);
    sbx_charge(L, (long)(lua_rawlen(L, -1) / 16));
    return 1;
}

static int tab_unpack(lua_State *L)
{
    lua_Integer n = lua_type(L, 1) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, 1) : 0;
    charge_span(L, opt_int(L, 2, 1), opt_int(L, 3, n));
    return call_original(L, "unpack", LUA_MULTRET);
}

static void patch_table_library(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "sort", tab_sort }, { "move", tab_move }, { "insert", tab_insert }, { "remove", tab_remove },
        { "concat", tab_concat }, { "unpack", tab_unpack }, { NULL, NULL },
    };
    patch_library(L, LUA_TABLIBNAME, fns);
}

static void copy_field(lua_State *L, int from, const char *name, int to)
{
    lua_getfield(L, from, name);
    lua_setfield(L, to, name);
}

/* A fresh copy of a standard library table into env[name]: every entry, or only those in `only`. */
static void copy_library(lua_State *L, int loaded, const char *name, int env, const char *const *only)
{
    lua_getfield(L, loaded, name);
    int lib = lua_gettop(L);
    lua_newtable(L);
    if (only) {
        for (; *only; only++) copy_field(L, lib, *only, lib + 1);
    } else {
        lua_pushnil(L);
        while (lua_next(L, lib)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, lib + 1);
        }
    }
    lua_setfield(L, env, name);
    lua_pop(L, 1);
}

void sbx_new_env(sbx *s)
{
    lua_State *L = s->L;
    static const char *const base[] = {
        "assert", "error", "getmetatable", "ipairs", "pcall", "rawequal", "rawget", "rawlen",
        "rawset", "select", "tonumber", "type", "xpcall", "_VERSION", NULL,
    };
    static const luaL_Reg own[] = {
        { "pairs", sb_pairs }, { "print", sb_print }, { "tostring", sb_tostring },
        { "setmetatable", sb_setmetatable }, { "collectgarbage", sb_collectgarbage }, { "next", sb_next },
        { NULL, NULL },
    };
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    int loaded = lua_gettop(L);
    lua_newtable(L);
    int env = lua_gettop(L);
    lua_getfield(L, loaded, LUA_GNAME);
    int g = lua_gettop(L);
    for (const char *const *b = base; *b; b++) copy_field(L, g, *b, env);
    lua_pop(L, 1);
    luaL_setfuncs(L, own, 0);
    lua_pushvalue(L, env);
    lua_pushcclosure(L, sb_load, 1);
    lua_setfield(L, env, "load");
    lua_pushvalue(L, env);
    lua_setfield(L, env, LUA_GNAME);
    copy_library(L, loaded, LUA_STRLIBNAME, env, NULL);
    copy_library(L, loaded, LUA_TABLIBNAME, env, NULL);
    copy_library(L, loaded, LUA_UTF8LIBNAME, env, NULL);
    copy_library(L, loaded, LUA_COLIBNAME, env, NULL);
    push_submission_math(L, s);
    lua_setfield(L, env, LUA_MATHLIBNAME);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, sb_clock);
    lua_setfield(L, -2, "clock");
    lua_setfield(L, env, LUA_OSLIBNAME);
    seed_random(L);
    /* Remember the names a submission starts with (once per state). */
    if (lua_getfield(L, LUA_REGISTRYINDEX, STD_NAMES_KEY) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushnil(L);
        while (lua_next(L, env)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushboolean(L, 1);
            lua_rawset(L, -4);
        }
        lua_pushliteral(L, "usine");
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        lua_setfield(L, LUA_REGISTRYINDEX, STD_NAMES_KEY);
    } else {
        lua_pop(L, 1);
    }
    lua_remove(L, loaded);
}

int sbx_is_standard_name(sbx *s, const char *name)
{
    lua_State *L = s->L;
    if (lua_getfield(L, LUA_REGISTRYINDEX, STD_NAMES_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    lua_getfield(L, -1, name);
    int std = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return std;
}

/* ---- running --------------------------------------------------------------------------------- */

/* Message handler: turn any error value into a string without running a metamethod. */
static int sb_msgh(lua_State *L)
{
    switch (lua_type(L, 1)) {
    case LUA_TSTRING: break;
    case LUA_TNUMBER: sb_tolstring(L, 1, NULL); break;      /* as tostring: "nan", never "-nan" */
    default: lua_pushfstring(L, _("(error object is a %s value)"), luaL_typename(L, 1)); break;
    }
    return 1;
}

static void set_message(sbx *s, const char *m, size_t len)
{
    if (len >= sizeof s->msg) len = sizeof s->msg - 1;
    memcpy(s->msg, m, len);
    s->msg[len] = '\0';
}

static void set_status_message(sbx *s, sbx_status st)
{
    const char *m = _(sbx_status_message(st));
    set_message(s, m, strlen(m));
}

sbx_status sbx_load(sbx *s, const char *text, size_t len, const char *chunkname, int env_index)
{
    lua_State *L = s->L;
    env_index = lua_absindex(L, env_index);
    s->msg[0] = '\0';
    /* As luaL_loadfile: skip a UTF-8 byte-order mark and a first line starting with '#' (keeping
     * its newline, so that line numbers stay right). */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) text += 3, len -= 3;
    if (len > 0 && text[0] == '#') {
        const char *nl = memchr(text, '\n', len);
        size_t skip = nl ? (size_t)(nl - text) : len;
        text += skip, len -= skip;
    }
    int st = luaL_loadbufferx(L, text, len, chunkname, "t");
    if (st != LUA_OK) {
        size_t ml = 0;
        const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &ml) : "not enough memory";
        set_message(s, m, lua_type(L, -1) == LUA_TSTRING ? ml : strlen(m));
        lua_pop(L, 1);
        return st == LUA_ERRMEM ? SBX_MEMORY : SBX_SYNTAX;
    }
    lua_pushvalue(L, env_index);
    lua_setupvalue(L, -2, 1);
    return SBX_OK;
}

sbx_status sbx_call(sbx *s, int nargs, int nresults)
{
    lua_State *L = s->L;
    int base = lua_gettop(L) - nargs;                   /* the function's index */
    int outermost = !s->in_call;                        /* nested calls share the run's limits */
    s->msg[0] = '\0';
    if (outermost) {
        if (s->remaining <= 0) {
            lua_settop(L, base - 1);
            set_status_message(s, SBX_INSTRUCTIONS);
            return SBX_INSTRUCTIONS;
        }
        s->killed = SBX_OK;
        s->in_call = 1;
        s->co_depth = 0;
        s->deadline = now_s() + s->lim.seconds;
        lua_sethook(L, sbx_hook, LUA_MASKCOUNT, SBX_HOOK_EVERY);
    }
    lua_pushcfunction(L, sb_msgh);
    lua_insert(L, base);
    int st = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    if (outermost) {
        s->in_call = 0;
        lua_sethook(L, NULL, 0, 0);
    }
    sbx_status out = s->killed != SBX_OK ? s->killed
                     : st == LUA_OK ? SBX_OK : st == LUA_ERRMEM ? SBX_MEMORY : SBX_ERROR;
    if (st != LUA_OK) {
        size_t ml = 0;
        const char *m = lua_tolstring(L, -1, &ml);
        if (out == SBX_ERROR) set_message(s, m ? m : "?", m ? ml : 1);
        else set_status_message(s, out);
        lua_pop(L, 1);
    } else if (out != SBX_OK) {                         /* killed, but the code returned anyway */
        lua_settop(L, base - 1);
        set_status_message(s, out);
    }
    return out;
}

/* ---- plain copies ------------------------------------------------------------------------------ */

static void copy_value(lua_State *L, int idx, int memo, int theirs);

/* A function seen from the other side: a submission's, called by trusted code, or trusted code's
 * (a check's callback), called by the submission. Arguments and results go through plain copies,
 * and an error comes back as a string. Upvalue 1: the function; upvalue 2: true when it is the
 * submission's. While a submission's function runs the state is untrusted (sbx_untrusted); while
 * a check's callback runs, called from it, it is not, so that the callback may use what the
 * exercise keeps from submissions. */
static int sb_call_wrapped(lua_State *L)
{
    int n = lua_gettop(L);
    if (!lua_checkstack(L, n + 4)) return luaL_error(L, _("too many arguments (%d)"), n);
    lua_pushcfunction(L, sb_msgh);
    int msgh = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_newtable(L);
    int memo = lua_gettop(L);
    int theirs = lua_toboolean(L, lua_upvalueindex(2));
    for (int i = 1; i <= n; i++) copy_value(L, i, memo, !theirs);   /* what the callee is given */
    lua_remove(L, memo);
    sbx *s = sbx_from_lua(L);
    int saved = s->untrusted;
    s->untrusted = theirs ? saved + 1 : 0;
    int st = lua_pcall(L, n, LUA_MULTRET, msgh);
    s->untrusted = saved;
    if (st != LUA_OK) return lua_error(L);
    int nres = lua_gettop(L) - msgh;
    /* The copies sit above the originals: twice the results must fit in the stack. */
    if (nres > SBX_MAX_RESULTS || !lua_checkstack(L, nres + 4)) {
        lua_settop(L, msgh - 1);
        lua_pushfstring(L, _("a function of the submission returned %d values; at most %d are allowed"),
                        nres, SBX_MAX_RESULTS);
        return lua_error(L);
    }
    lua_newtable(L);
    memo = lua_gettop(L);
    for (int i = 1; i <= nres; i++) copy_value(L, msgh + i, memo, theirs);
    return nres;
}

/* Push the copy of the value at idx without looking inside it: a table copy is made empty,
 * remembered in memo and queued (source, copy) at the end of the sequence at `queue` for
 * copy_value to fill. */
static void copy_shallow(lua_State *L, int idx, int memo, int queue, int theirs)
{
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 6)) luaL_error(L, _("not enough stack space to copy a value of the submission"));
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
    case LUA_TSTRING:
        lua_pushvalue(L, idx);
        return;
    case LUA_TUSERDATA:
        if (luaL_testudata(L, idx, "usine.platform")) lua_pushvalue(L, idx);
        else lua_pushnil(L);
        return;
    case LUA_TFUNCTION:
    case LUA_TTABLE:
        break;
    default:
        lua_pushnil(L);
        return;
    }
    lua_pushvalue(L, idx);
    if (lua_rawget(L, memo) != LUA_TNIL) return;       /* already copied: share it */
    lua_pop(L, 1);
    if (lua_type(L, idx) == LUA_TFUNCTION) {
        if (lua_tocfunction(L, idx) == sb_call_wrapped) lua_pushvalue(L, idx);
        else {
            lua_pushvalue(L, idx);
            lua_pushboolean(L, theirs);
            lua_pushcclosure(L, sb_call_wrapped, 2);
        }
    } else {
        lua_createtable(L, (int)(lua_rawlen(L, idx) < 1u << 24 ? lua_rawlen(L, idx) : 0), 0);
        lua_Integer q = (lua_Integer)lua_rawlen(L, queue);
        lua_pushvalue(L, idx);
        lua_rawseti(L, queue, q + 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, queue, q + 2);
    }
    lua_pushvalue(L, idx);
    lua_pushvalue(L, -2);
    lua_rawset(L, memo);
}

/* Tables are copied breadth first from a queue rather than by recursion, so that a linked list
 * or a tree of any depth is copied with a bounded C and Lua stack; what bounds a copy is the
 * memory cap and the instruction budget (one unit per entry). */
static void copy_value(lua_State *L, int idx, int memo, int theirs)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    int queue = lua_gettop(L);
    copy_shallow(L, idx, memo, queue, theirs);
    lua_insert(L, queue);
    queue++;
    for (lua_Integer qi = 1; qi < (lua_Integer)lua_rawlen(L, queue); qi += 2) {
        lua_rawgeti(L, queue, qi);
        int src = lua_gettop(L);
        lua_rawgeti(L, queue, qi + 1);
        int copy = src + 1;
        long n = 0;
        lua_pushnil(L);
        while (lua_next(L, src)) {
            int v = lua_gettop(L);
            copy_shallow(L, v - 1, memo, queue, theirs);
            copy_shallow(L, v, memo, queue, theirs);
            if (lua_isnil(L, -2)) lua_pop(L, 2);       /* a key that cannot be copied */
            else lua_rawset(L, copy);
            lua_pop(L, 1);
            if (++n % 4096 == 0) sbx_charge(L, 4096);
        }
        sbx_charge(L, n % 4096);
        lua_pop(L, 2);                                 /* (the queue stays a sequence: rawlen is its end) */
    }
    lua_remove(L, queue);
}

void sbx_copy_plain(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    copy_value(L, idx, lua_gettop(L), 1);
    lua_remove(L, -2);
}

void sbx_copy_plain_shared(lua_State *L, int idx, int memo)
{
    copy_value(L, lua_absindex(L, idx), lua_absindex(L, memo), 1);
}
