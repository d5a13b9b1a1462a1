/* lb_kn.c: usine.kernels, the real kernels of kn.h measured on this computer (the CPU, the
 * matrix-multiplication ladder, STREAM). The table exists only in a library opened with LB_KERNELS,
 * and each function raises "kernels are not available here" until the host calls
 * lb_allow_kernels(L, 1): the kernels start OpenMP threads, which a process that forks afterwards
 * (the grader before its children) must not have.
 *
 * Sizes are capped so that one call takes seconds, not minutes: n <= 2048 for the ladder (the naive
 * rung, whose every access misses the cache, up to NAIVE_MAX_N), 1 GiB for STREAM's arrays. */
#include "lb.h"
#include "lb_int.h"

#include "kn.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { GEMM_MAX_N = 2048, NAIVE_MAX_N = 1024, CHECK_NAIVE_N = 256, STREAM_MAX_MIB = 1024, MAX_THREADS = 1024 };
#define GEMM_MIN_S 0.05

static void check_allowed(lua_State *L)
{
    int allowed = lua_getfield(L, LUA_REGISTRYINDEX, LB_KERNELS_KEY) == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!allowed) luaL_error(L, "%s", _("kernels are not available here"));
}

/* The CPU is detected once, when the exercise's library is opened: that happens before the
 * grading child's system-call filter, after which /proc and /sys can no longer be read. */
#define LB_CPU_KEY "usine.kernels.cpu"

static const kn_cpu *detected_cpu(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LB_CPU_KEY);
    const kn_cpu *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c;
}

static int kn_cpu_fn(lua_State *L)
{
    check_allowed(L);
    const kn_cpu c = *detected_cpu(L);
    lua_createtable(L, 0, 13);
    lb_setstr(L, "model", c.model);
    lb_setstr(L, "isa", c.isa);
    lb_setint(L, "cores", c.cores);
    lb_setint(L, "logical", c.logical);
    lb_setnum(L, "ghz", c.ghz);
    lb_setnum(L, "nominal_ghz", c.nominal_ghz);
    lb_setbool(L, "clock_measured", c.clock_measured);
    lb_setint(L, "flops_per_cycle", c.flops_per_cycle);
    lb_setnum(L, "peak_gflops", c.peak_gflops);
    lb_setstr(L, "peak_basis", c.peak_basis ? _(c.peak_basis) : NULL);
    lb_setnum(L, "l3_bytes", c.l3_bytes);
    lb_setnum(L, "memory_bytes", c.memory_bytes);
    lb_setbool(L, "has_bf16", c.has_bf16);
    return 1;
}

static int kn_rungs_fn(lua_State *L)
{
    check_allowed(L);
    lua_createtable(L, KN_RUNGS, 0);
    for (int r = 0; r < KN_RUNGS; r++) {
        lua_pushstring(L, kn_rung_name((kn_rung)r));
        lua_rawseti(L, -2, r + 1);
    }
    return 1;
}

static kn_rung check_rung(lua_State *L, int arg)
{
    const char *name = luaL_checkstring(L, arg);
    for (int r = 0; r < KN_RUNGS; r++)
        if (!strcmp(name, kn_rung_name((kn_rung)r))) return (kn_rung)r;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int r = 0; r < KN_RUNGS; r++) {
        if (r) luaL_addstring(&b, ", ");
        luaL_addstring(&b, kn_rung_name((kn_rung)r));
    }
    luaL_pushresult(&b);
    luaL_argerror(L, arg, lua_pushfstring(L, _("a rung of the ladder (%s) expected, got '%s'"), lua_tostring(L, -1), name));
    return KN_NAIVE;
}

static lua_Integer check_int(lua_State *L, int arg, lua_Integer lo, lua_Integer hi)
{
    int ok;
    lua_Integer v = lua_tointegerx(L, arg, &ok);
    if (lua_type(L, arg) == LUA_TNUMBER && ok && v >= lo && v <= hi) return v;
    char what[96];
    snprintf(what, sizeof what, _("an integer from %lld to %lld expected"), (long long)lo, (long long)hi);
    return luaL_argerror(L, arg, what);
}

/* A measurement taken while other programs held the processors is slower than this computer is,
 * and a student should be told. The share is the CPU time the process got over what its threads
 * asked for (wall time x threads): near 1 on an idle machine, 0.5 when another program took half
 * of the cores (OpenMP's waiting threads spin, so they count as asking). */
typedef struct cpu_meter { double wall, cpu; } cpu_meter;

static cpu_meter meter_start(void)
{
    cpu_meter m = { ut_now_s(), ut_cpu_s() };
    return m;
}

#define BUSY_SHARE 0.75   /* below it, the measurement says the machine was busy */

static void set_cpu_share(lua_State *L, cpu_meter m, int threads)
{
    double wall = ut_now_s() - m.wall, cpu = ut_cpu_s() - m.cpu;
    double share = wall > 0 && threads > 0 ? cpu / (wall * threads) : 1;
    if (share > 1) share = 1;
    lb_setnum(L, "cpu_share", share);
    lb_setbool(L, "busy", share < BUSY_SHARE);
}

/* gemm(rung, n [, threads]): the best time of C = A x B for at least GEMM_MIN_S seconds, and the
 * largest relative difference from a reference (the naive loop up to n = CHECK_NAIVE_N, beyond
 * it OpenBLAS's sgemm, as the naive loop would take too long). */
static int kn_gemm_fn(lua_State *L)
{
    check_allowed(L);
    kn_rung r = check_rung(L, 1);
    int n = (int)check_int(L, 2, 1, r == KN_NAIVE ? NAIVE_MAX_N : GEMM_MAX_N);
    int threads = lua_isnoneornil(L, 3) ? kn_threads() : (int)check_int(L, 3, 1, MAX_THREADS);
    size_t nn = (size_t)n * n;
    float *A = kn_alloc(nn * 4), *B = kn_alloc(nn * 4), *C = kn_alloc(nn * 4), *R = kn_alloc(nn * 4);
    if (!A || !B || !C || !R) {
        kn_free(A), kn_free(B), kn_free(C), kn_free(R);
        return luaL_error(L, "%s", _("not enough memory for the matrices"));
    }
    kn_fill(A, nn, 1);
    kn_fill(B, nn, 2);
    int before = kn_threads();
    kn_set_threads(threads);
    kn_timing t;
    cpu_meter m = meter_start();
    kn_gemm_time(r, n, A, B, C, GEMM_MIN_S, &t);
    double wall = ut_now_s() - m.wall, cpu = ut_cpu_s() - m.cpu;
    kn_gemm(n <= CHECK_NAIVE_N ? KN_NAIVE : KN_SGEMM, n, A, B, R);
    kn_set_threads(before);
    double err = kn_max_rel_diff(C, R, nn);
    kn_free(A), kn_free(B), kn_free(C), kn_free(R);
    lua_createtable(L, 0, 8);
    m.wall = ut_now_s() - wall, m.cpu = ut_cpu_s() - cpu;   /* the timed runs only */
    set_cpu_share(L, m, r >= KN_BLOCKED_OMP ? threads : 1);   /* the first three rungs run on one thread */
    lb_setnum(L, "gflops", t.gflops);
    lb_setnum(L, "seconds", t.seconds);
    lb_setint(L, "reps", t.reps);
    lb_setint(L, "threads", threads);
    lb_setnum(L, "max_rel_error", err);
    lb_setnum(L, "tolerance", kn_gemm_tolerance(n));
    return 1;
}

/* stream([mib]): STREAM's four kernels on three arrays of mib MiB together (default: STREAM's rule,
 * four times the last-level cache, within 1 GiB), best of 5 trials, in GB/s. */
static int kn_stream_fn(lua_State *L)
{
    check_allowed(L);
    size_t n;
    if (lua_isnoneornil(L, 1)) {
        n = kn_stream_elements(detected_cpu(L), (double)STREAM_MAX_MIB * 1048576);
    } else {
        n = (size_t)check_int(L, 1, 1, STREAM_MAX_MIB) * 1048576 / (3 * sizeof(double));
    }
    kn_stream_result s;
    cpu_meter m = meter_start();
    if (kn_stream(n, 5, &s) != 0) return luaL_error(L, "%s", _("not enough memory for STREAM's arrays"));
    lua_createtable(L, 0, 8);
    set_cpu_share(L, m, kn_threads());
    for (int k = 0; k < 4; k++) lb_setnum(L, kn_stream_names[k], s.gbs[k]);
    lb_setint(L, "elements", (long)s.n);
    lb_setnum(L, "max_error", s.max_error);
    return 1;
}

static const luaL_Reg kn_funcs[] = {
    { "cpu", kn_cpu_fn }, { "gemm", kn_gemm_fn }, { "stream", kn_stream_fn }, { "rungs", kn_rungs_fn }, { NULL, NULL },
};

void lb_push_kernels(lua_State *L, int flags)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, LB_CPU_KEY) == LUA_TNIL) {
        kn_cpu_detect(lua_newuserdatauv(L, sizeof(kn_cpu), 0));
        lua_setfield(L, LUA_REGISTRYINDEX, LB_CPU_KEY);
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, flags);
    luaL_setfuncs(L, kn_funcs, 1);
}
