/* lb_usine.c: the `usine` table itself (lb.h): registration, the per-state settings, the readers of
 * argument tables every binding uses, the models and the small helpers of checks (near, finite,
 * rel_error, amdahl_fit). The bound types and heavier functions live in lb_plat.c, lb_train.c,
 * lb_sim.c and lb_kn.c; lb_int.h states the conventions they share. */
#include "lb.h"
#include "lb_int.h"

#include "kn.h"
#include "util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Boxes and errors */

static int box_gc(lua_State *L)
{
    lb_box_close(luaL_checkudata(L, 1, LB_BOX_MT));
    return 0;
}

lb_box *lb_box_new(lua_State *L)
{
    lb_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    b->free = NULL;
    if (luaL_newmetatable(L, LB_BOX_MT)) {
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "usine.box");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    return b;
}

void lb_box_close(lb_box *b)
{
    if (b->p && b->free) b->free(b->p);
    b->p = NULL;
}

int lb_flags(lua_State *L)
{
    return (int)lua_tointeger(L, lua_upvalueindex(1));
}

void lb_set_meter(lua_State *L, const lb_meter *m)
{
    if (m) lua_pushlightuserdata(L, (void *)m);
    else lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LB_METER_KEY);
}

static const lb_meter *meter(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LB_METER_KEY);
    const lb_meter *m = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return m;
}

/* ---- parts kept from submissions ------------------------------------------------------------ */

const char *const lb_parts[] = {
    "platform", "platforms", "model", "models", "params", "predict", "plan", "step", "collective", "schedule",
    "amdahl_fit", "near", "finite", "rel_error", "num", "diagnose", "cases", "json",
    "platform:partitions", "platform:partition", "platform:totals", "platform:facility", NULL,
};

int lb_part_known(const char *part)
{
    for (const char *const *p = lb_parts; *p; p++)
        if (!strcmp(*p, part)) return 1;
    return 0;
}

int lb_part_computes(const char *part)
{
    static const char *const computing[] = { "params", "predict", "plan", "step", "collective", "schedule",
                                             "amdahl_fit", "platform:totals", NULL };
    for (const char *const *p = computing; *p; p++)
        if (!strcmp(*p, part)) return 1;
    return 0;
}

/* How a message names a part: "usine.predict", or "p:totals()" for a method. */
static const char *part_shown(lua_State *L, const char *part)
{
    const char *colon = strchr(part, ':');
    return colon ? lua_pushfstring(L, "p:%s()", colon + 1) : lua_pushfstring(L, "usine.%s", part);
}

static int raise_denied(lua_State *L, const char *part)
{
    return luaL_error(L, _("%s is not available in this exercise: it would compute what the exercise asks you to compute"),
                      part_shown(L, part));
}

static int part_in(lua_State *L, const char *key, const char *part)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, key) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    int in = lua_getfield(L, -1, part) != LUA_TNIL;
    lua_pop(L, 2);
    return in;
}

void lb_deny_parts(lua_State *L, const char *const *allowed, int n)
{
    lua_newtable(L);
    for (const char *const *p = lb_parts; *p; p++) {
        int ok = 0;
        for (int i = 0; i < n && !ok; i++) ok = !strcmp(allowed[i], *p);
        if (ok) continue;
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, *p);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, LB_DENIED_KEY);
}

/* __index of a submission's usine table: a denied function says so; any other name is nil. */
static int denied_index(lua_State *L)
{
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    if (k && !strcmp(k, "reference")) return luaL_error(L, _("usine.reference is the teacher's: submissions cannot use it"));
    if (k && !strchr(k, ':') && part_in(L, LB_DENIED_KEY, k)) return raise_denied(L, k);
    return 0;
}

void lb_remove_denied(lua_State *L, int t)
{
    t = lua_absindex(L, t);
    lua_pushnil(L);                          /* the teacher's, whatever the exercise allows */
    lua_setfield(L, t, "reference");
    if (lua_getfield(L, LUA_REGISTRYINDEX, LB_DENIED_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
        lua_pushvalue(L, -2);
        lua_pushnil(L);
        lua_rawset(L, t);
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, denied_index);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, t);
}

void lb_record_parts(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LB_USED_KEY);
}

int lb_part_used(lua_State *L, const char *part)
{
    return part_in(L, LB_USED_KEY, part);
}

int lb_untrusted(lua_State *L)
{
    const lb_meter *m = meter(L);
    return m && m->untrusted && m->untrusted(L);
}

void lb_use(lua_State *L, const char *part)
{
    const lb_meter *m = meter(L);
    if (m && m->untrusted && m->untrusted(L)) {
        if (part_in(L, LB_DENIED_KEY, part)) raise_denied(L, part);
        return;
    }
    if (lua_getfield(L, LUA_REGISTRYINDEX, LB_USED_KEY) == LUA_TTABLE) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, part);
    }
    lua_pop(L, 1);
}

unsigned long long lb_sim_work_limit(lua_State *L)
{
    const lb_meter *m = meter(L);
    long left = m ? m->remaining(L) : -1;
    unsigned long long max = LB_SIM_MAX_WORK;
    if (left >= 0 && (unsigned long long)left / LB_WORK_INSTRUCTIONS + 1 < max)
        max = (unsigned long long)left / LB_WORK_INSTRUCTIONS + 1;   /* one past: the charge then raises */
    return max;
}

void lb_sim_charge(lua_State *L, unsigned long long work, int stopped, const char *too_much)
{
    const lb_meter *m = meter(L);
    if (m && m->remaining(L) >= 0) {
        unsigned long long n = work * LB_WORK_INSTRUCTIONS;
        m->charge(L, n > (unsigned long long)LONG_MAX ? LONG_MAX : (long)n);
    }
    if (stopped) lb_raise(L, too_much);
}

int lb_raise(lua_State *L, const char *msg)
{
    return luaL_error(L, "%s", msg);
}

/* ------------------------------------------------------------------------------------------ */
/* Argument tables */

lb_tab lb_table(lua_State *L, int idx, int arg, const char *path)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE) {
        if (path) {
            lb_tab up = { idx, arg, NULL };
            lb_field_error(L, &up, path, _("a table"), idx);
        }
        luaL_typeerror(L, arg, "table");
    }
    return (lb_tab){ idx, arg, path };
}

/* What a value is, for messages: the number itself, or its type. Never runs a metamethod. */
const char *lb_describe(lua_State *L, int vidx)
{
    if (lua_type(L, vidx) == LUA_TNUMBER) {
        lua_pushvalue(L, vidx);
        return lua_tostring(L, -1);
    }
    if (lua_type(L, vidx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, vidx, &n);
        return lua_pushfstring(L, "'%s%s'", n > 40 ? lua_pushlstring(L, s, 40) : s, n > 40 ? "..." : "");
    }
    return lua_typename(L, lua_type(L, vidx));
}

static const char *field_name(lua_State *L, const lb_tab *t, const char *key)
{
    return t->path ? lua_pushfstring(L, "%s.%s", t->path, key) : key;
}

int lb_field_error(lua_State *L, const lb_tab *t, const char *key, const char *what, int vidx)
{
    vidx = lua_absindex(L, vidx);
    const char *name = field_name(L, t, key);
    const char *got = lua_type(L, vidx) == LUA_TNIL ? NULL : lb_describe(L, vidx);
    if (!got) return luaL_argerror(L, t->arg, lua_pushfstring(L, _("field '%s' is missing (%s)"), name, what));
    return luaL_argerror(L, t->arg, lua_pushfstring(L, _("field '%s' must be %s (got %s)"), name, what, got));
}

void lb_keys(lua_State *L, const lb_tab *t, const char *const *allowed)
{
    lua_pushnil(L);
    while (lua_next(L, t->idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            int i = 0;
            while (allowed[i] && strcmp(allowed[i], k)) i++;
            if (allowed[i]) continue;
        }
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = 0; allowed[i]; i++) {
            if (i) luaL_addstring(&b, ", ");
            luaL_addstring(&b, allowed[i]);
        }
        luaL_pushresult(&b);
        const char *known = lua_tostring(L, -1);
        if (lua_type(L, -2) == LUA_TSTRING)
            luaL_argerror(L, t->arg, lua_pushfstring(L, _("unknown field '%s' (known: %s)"),
                                                     field_name(L, t, lua_tostring(L, -2)), known));
        luaL_argerror(L, t->arg, lua_pushfstring(L, _("%s has a key %s that is not a field name (known: %s)"),
                                                 t->path ? t->path : _("the table"), lb_describe(L, -2), known));
    }
}

int lb_get(lua_State *L, const lb_tab *t, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, t->idx);
}

long lb_int(lua_State *L, const lb_tab *t, const char *key, int required, long def, long lo, long hi)
{
    int ty = lb_get(L, t, key);
    if (ty == LUA_TNIL && !required) {
        lua_pop(L, 1);
        return def;
    }
    if (ty == LUA_TNUMBER) {
        lua_Number d = lua_tonumber(L, -1);
        if (lua_isinteger(L, -1) ? lua_tointeger(L, -1) >= lo && lua_tointeger(L, -1) <= hi
                                 : d == floor(d) && d >= (lua_Number)lo && d <= (lua_Number)hi) {
            lua_pop(L, 1);
            return (long)d;
        }
    }
    char what[96];
    snprintf(what, sizeof what, _("an integer from %ld to %ld"), lo, hi);
    lb_field_error(L, t, key, what, -1);
    return 0;
}

double lb_num(lua_State *L, const lb_tab *t, const char *key, int required, double def, double lo, double hi, int lo_open)
{
    int ty = lb_get(L, t, key);
    if (ty == LUA_TNIL && !required) {
        lua_pop(L, 1);
        return def;
    }
    double v = ty == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
    if (isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi) {
        lua_pop(L, 1);
        return v;
    }
    char what[96];
    if (isinf(hi)) snprintf(what, sizeof what, lo_open ? _("a finite number above %.14g") : _("a finite number from %.14g"), lo);
    else if (lo_open) snprintf(what, sizeof what, _("a number above %.14g and at most %.14g"), lo, hi);
    else snprintf(what, sizeof what, _("a number from %.14g to %.14g"), lo, hi);
    lb_field_error(L, t, key, what, -1);
    return 0;
}

int lb_bool(lua_State *L, const lb_tab *t, const char *key, int def)
{
    int ty = lb_get(L, t, key);
    if (ty == LUA_TNIL) def = def ? 1 : 0;
    else if (ty == LUA_TBOOLEAN) def = lua_toboolean(L, -1);
    else lb_field_error(L, t, key, _("a boolean"), -1);
    lua_pop(L, 1);
    return def;
}

const char *lb_str(lua_State *L, const lb_tab *t, const char *key, const char *def)
{
    int ty = lb_get(L, t, key);
    if (ty == LUA_TSTRING) def = lua_tostring(L, -1);  /* anchored in the table */
    else if (ty != LUA_TNIL) lb_field_error(L, t, key, _("a string"), -1);
    lua_pop(L, 1);
    return def;
}

void lb_setnum(lua_State *L, const char *key, double v) { lua_pushnumber(L, v); lua_setfield(L, -2, key); }
void lb_setint(lua_State *L, const char *key, long v) { lua_pushinteger(L, v); lua_setfield(L, -2, key); }
void lb_setbool(lua_State *L, const char *key, int v) { lua_pushboolean(L, v); lua_setfield(L, -2, key); }
void lb_setstr(lua_State *L, const char *key, const char *s)
{
    if (!s) return;
    lua_pushstring(L, s);
    lua_setfield(L, -2, key);
}

/* ------------------------------------------------------------------------------------------ */
/* Models */

/* The integer fields of tm_model; names and ranges are the core's (tm_limit_of). */
static const struct { tm_field f; size_t off; } model_ints[] = {
    { TM_LAYERS, offsetof(tm_model, layers) }, { TM_HIDDEN, offsetof(tm_model, hidden) },
    { TM_HEADS, offsetof(tm_model, heads) }, { TM_KV_HEADS, offsetof(tm_model, kv_heads) },
    { TM_FFN, offsetof(tm_model, ffn) }, { TM_VOCAB, offsetof(tm_model, vocab) }, { TM_SEQ, offsetof(tm_model, seq) },
    /* optional, 0 when not given: attention variants and the mixture of experts (from TM_HEAD_DIM on) */
    { TM_HEAD_DIM, offsetof(tm_model, head_dim) }, { TM_Q_LORA_RANK, offsetof(tm_model, q_lora_rank) },
    { TM_KV_LORA_RANK, offsetof(tm_model, kv_lora_rank) }, { TM_QK_NOPE_DIM, offsetof(tm_model, qk_nope_dim) },
    { TM_QK_ROPE_DIM, offsetof(tm_model, qk_rope_dim) }, { TM_V_HEAD_DIM, offsetof(tm_model, v_head_dim) },
    { TM_EXPERTS, offsetof(tm_model, experts) }, { TM_TOP_K, offsetof(tm_model, top_k) },
    { TM_EXPERT_FFN, offsetof(tm_model, expert_ffn) }, { TM_SHARED_EXPERTS, offsetof(tm_model, shared_experts) },
    { TM_SHARED_FFN, offsetof(tm_model, shared_ffn) }, { TM_DENSE_FIRST, offsetof(tm_model, dense_first) },
    { TM_MOE_EVERY, offsetof(tm_model, moe_every) },
};

static int push_model_ids(lua_State *L)
{
    int n;
    const tm_model *m = tm_model_presets(&n);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, m[i].id);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static const char *model_ids(lua_State *L)
{
    luaL_Buffer b;
    int n;
    const tm_model *m = tm_model_presets(&n);
    luaL_buffinit(L, &b);
    for (int i = 0; i < n; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, m[i].id);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* A model table: every tm_model field; kv_heads defaults to heads, ffn to 4 x hidden, the flags to
 * false, the attention variants and the mixture of experts to 0 (dense, grouped-query), capacity and
 * imbalance to 1 when there are experts; "params" and "active_params" are accepted (the output of
 * usine.model) and ignored, as they are derived. The core's check names the field that is wrong. */
static void model_from_table(lua_State *L, const lb_tab *m, tm_model *out)
{
    static const char *const keys[] = { "id", "name", "layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "seq", "gated",
                                        "tied", "pos_emb", "params", "active_params", "head_dim", "q_lora_rank", "kv_lora_rank",
                                        "qk_nope_dim", "qk_rope_dim", "v_head_dim", "experts", "top_k", "expert_ffn",
                                        "shared_experts", "shared_ffn", "dense_first", "moe_every", "capacity", "imbalance", NULL };
    lb_keys(L, m, keys);
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof model_ints / sizeof *model_ints; i++) {
        const tm_limit *l = tm_limit_of(model_ints[i].f);
        int optional = model_ints[i].f == TM_KV_HEADS || model_ints[i].f == TM_FFN || model_ints[i].f >= TM_HEAD_DIM;
        *(int *)((char *)out + model_ints[i].off) = (int)lb_int(L, m, l->name, !optional, 0, l->min, l->max);
    }
    double moe_default = out->experts > 0 ? 1 : 0;     /* out of range: tm_model_check says which way */
    out->capacity = lb_num(L, m, "capacity", 0, moe_default, -1e9, 1e9, 0);
    out->imbalance = lb_num(L, m, "imbalance", 0, moe_default, -1e9, 1e9, 0);
    if (!out->kv_heads) out->kv_heads = out->heads;
    if (!out->ffn) out->ffn = 4 * out->hidden;
    out->gated = lb_bool(L, m, "gated", 0);
    out->tied = lb_bool(L, m, "tied", 0);
    out->pos_emb = lb_bool(L, m, "pos_emb", 0);
    const char *id = lb_str(L, m, "id", "custom"), *name = lb_str(L, m, "name", NULL);
    if (strlen(id) >= sizeof out->id) lb_field_error(L, m, "id", _("a string of at most 31 bytes"), -1);
    if (name && strlen(name) >= sizeof out->name) lb_field_error(L, m, "name", _("a string of at most 63 bytes"), -1);
    ut_strlcpy(out->id, id, sizeof out->id);
    if (name) ut_strlcpy(out->name, name, sizeof out->name);
    else snprintf(out->name, sizeof out->name, "L%d H%d", out->layers, out->hidden);
    (void)lb_num(L, m, "params", 0, 0, 0, 1e18, 0);     /* a number if given */
    (void)lb_num(L, m, "active_params", 0, 0, 0, 1e18, 0);
    char err[256];
    if (tm_model_check(out, NULL, err, sizeof err) != 0)
        luaL_argerror(L, m->arg, m->path ? lua_pushfstring(L, _("field '%s': %s"), m->path, err) : err);
}

void lb_check_model(lua_State *L, const lb_tab *t, const char *key, tm_model *out)
{
    int vidx;
    if (key) {
        lua_pushstring(L, key);
        lua_rawget(L, t->idx);
        vidx = lua_gettop(L);
    } else vidx = t->arg;
    if (lua_type(L, vidx) == LUA_TSTRING) {
        const tm_model *m = tm_model_preset(lua_tostring(L, vidx));
        if (!m) {
            const char *what = lua_pushfstring(L, _("a model id (%s) or a table"), model_ids(L));
            if (key) lb_field_error(L, t, key, what, vidx);
            luaL_argerror(L, t->arg, lua_pushfstring(L, _("%s expected, got %s"), what, lb_describe(L, vidx)));
        }
        *out = *m;
    } else if (lua_type(L, vidx) == LUA_TTABLE) {
        const char *path = key ? lua_pushstring(L, key) : NULL;
        lb_tab m = { vidx, t->arg, path };
        model_from_table(L, &m, out);
        if (key) lua_pop(L, 1);
    } else {
        const char *what = _("a model id or a table");
        if (key) lb_field_error(L, t, key, what, vidx);
        luaL_argerror(L, t->arg, lua_pushfstring(L, _("%s expected, got %s"), what, lb_describe(L, vidx)));
    }
    if (key) lua_pop(L, 1);
}

static void push_model(lua_State *L, const tm_model *m)
{
    lua_createtable(L, 0, 14);
    lb_setstr(L, "id", m->id);
    lb_setstr(L, "name", m->name);
    for (size_t i = 0; i < sizeof model_ints / sizeof *model_ints; i++) {
        int v = *(const int *)((const char *)m + model_ints[i].off);
        if (model_ints[i].f < TM_HEAD_DIM || v) lb_setint(L, tm_limit_of(model_ints[i].f)->name, v);  /* the optional ones when set */
    }
    if (m->experts > 0) {
        lb_setnum(L, "capacity", m->capacity);
        lb_setnum(L, "imbalance", m->imbalance);
    }
    lb_setbool(L, "gated", m->gated);
    lb_setbool(L, "tied", m->tied);
    lb_setbool(L, "pos_emb", m->pos_emb);
    lb_setnum(L, "params", tm_model_params(m));
    lb_setnum(L, "active_params", tm_model_active_params(m));
}

/* usine.model(id) a preset; usine.model{...} a model's table checked and completed (defaults,
 * parameters). */
static int usine_model(lua_State *L)
{
    lb_tab t = { 1, 1, NULL };
    tm_model m;
    lb_check_model(L, &t, NULL, &m);
    push_model(L, &m);
    return 1;
}

static int usine_models(lua_State *L)
{
    return push_model_ids(L);
}

static int usine_params(lua_State *L)
{
    lb_use(L, "params");
    lb_tab t = { 1, 1, NULL };
    tm_model m;
    lb_check_model(L, &t, NULL, &m);
    lua_pushnumber(L, tm_model_params(&m));
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers for checks. near and finite never raise on the values they judge: a check written as
 * usine.near(answer, expected) must fail, not crash, when the answer is nil or a string. */

static int is_finite_number(lua_State *L, int i)
{
    return lua_type(L, i) == LUA_TNUMBER && isfinite(lua_tonumber(L, i));
}

static double check_finite(lua_State *L, int arg)
{
    double v = luaL_checknumber(L, arg);
    luaL_argcheck(L, isfinite(v), arg, _("a finite number expected"));
    return v;
}

static int usine_near(lua_State *L)
{
    double rel = lua_isnoneornil(L, 3) ? 1e-6 : check_finite(L, 3);
    double abs_tol = lua_isnoneornil(L, 4) ? 0 : check_finite(L, 4);
    luaL_argcheck(L, rel >= 0, 3, _("a tolerance is not negative"));
    luaL_argcheck(L, abs_tol >= 0, 4, _("a tolerance is not negative"));
    if (!is_finite_number(L, 1) || !is_finite_number(L, 2)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    double a = lua_tonumber(L, 1), b = lua_tonumber(L, 2);
    double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    double d = fabs(a - b), tol = rel * scale;
    lua_pushboolean(L, d <= (tol > abs_tol ? tol : abs_tol));
    return 1;
}

/* usine.diagnose(got, want [, rel]): nil when got is within rel of want (usine.near), else what
 * is wrong in kind, {fr=, en=}, without the expected value, for the messages of an exam: not a
 * number, not finite, the sign, a factor that names a usual slip (a power of 1,000: units; 2^30
 * against 10^9: GiB and GB; 8: bits and bytes; 2 or 3), or a band of relative error. Both
 * languages are returned, so that a check picks ctx.lang's. */
static void push_said(lua_State *L, const char *fr, const char *en)
{
    lua_createtable(L, 0, 2);
    lua_pushstring(L, fr);
    lua_setfield(L, -2, "fr");
    lua_pushstring(L, en);
    lua_setfield(L, -2, "en");
}

int lb_usine_diagnose(lua_State *L)
{
    double want = check_finite(L, 2);
    double rel = lua_isnoneornil(L, 3) ? 1e-6 : check_finite(L, 3);
    luaL_argcheck(L, rel >= 0, 3, _("a tolerance is not negative"));
    if (lua_type(L, 1) != LUA_TNUMBER) {
        lua_pushfstring(L, "n'est pas un nombre (%s)", luaL_typename(L, 1));
        lua_pushfstring(L, "is not a number (%s)", luaL_typename(L, 1));
        push_said(L, lua_tostring(L, -2), lua_tostring(L, -1));
        return 1;
    }
    double got = lua_tonumber(L, 1);
    if (!isfinite(got)) {
        push_said(L, "n'est pas un nombre fini (nan ou inf) : une division par zéro ?",
                  "is not a finite number (nan or inf): a division by zero?");
        return 1;
    }
    double scale = fabs(got) > fabs(want) ? fabs(got) : fabs(want);
    if (fabs(got - want) <= rel * scale) {
        lua_pushnil(L);
        return 1;
    }
    if (want == 0) {
        push_said(L, "devrait valoir zéro", "should be zero");
        return 1;
    }
    if (got == 0) {
        push_said(L, "vaut zéro, ce qui n'est pas la réponse", "is zero, which is not the answer");
        return 1;
    }
    if ((got < 0) != (want < 0)) {
        push_said(L, "a le mauvais signe", "has the wrong sign");
        return 1;
    }
    double q = got / want, big = q > 1 ? q : 1 / q;
    const char *fr_dir = q > 1 ? "dépasse la valeur attendue" : "est en deçà de la valeur attendue", *en_dir = q > 1 ? "too large" : "too small";
    static const struct { double factor, within; const char *fr, *en; } slips[] = {
        { 1e3, 0.05, "d'un facteur 1\u202f000 environ : vérifiez les unités (k, M, G, T)",
          "by a factor of about 1,000: check the units (k, M, G, T)" },
        { 1e6, 0.05, "d'un facteur un million environ : vérifiez les unités",
          "by a factor of about a million: check the units" },
        { 1e9, 0.05, "d'un facteur un milliard environ : vérifiez les unités",
          "by a factor of about a billion: check the units" },
        { 1e12, 0.05, "d'un facteur 10¹² environ : vérifiez les unités", "by a factor of about 10^12: check the units" },
        { 1.073741824, 0.002, "de 7 % environ : Gio (2³⁰) et Go (10⁹) ?", "by about 7 %: GiB (2^30) against GB (10^9)?" },
        { 1.048576, 0.002, "de 5 % environ : Mio (2²⁰) et Mo (10⁶) ?", "by about 5 %: MiB (2^20) against MB (10^6)?" },
        { 1.099511627776, 0.002, "de 10 % environ : Tio (2⁴⁰) et To (10¹²) ?", "by about 10 %: TiB (2^40) against TB (10^12)?" },
        { 8, 0.01, "d'un facteur 8 : bits et octets ?", "by a factor of 8: bits against bytes?" },
        { 2, 0.01, "d'un facteur 2 : un facteur 2 de trop ou oublié ?", "by a factor of 2: a factor 2 too many or missing?" },
        { 3, 0.01, "d'un facteur 3", "by a factor of 3" },
    };
    for (size_t i = 0; i < sizeof slips / sizeof *slips; i++) {
        if (fabs(big / slips[i].factor - 1) > slips[i].within) continue;
        lua_pushfstring(L, "%s %s", fr_dir, slips[i].fr);
        lua_pushfstring(L, "is %s %s", en_dir, slips[i].en);
        push_said(L, lua_tostring(L, -2), lua_tostring(L, -1));
        return 1;
    }
    const char *fr, *en;
    if (big < 1.01) fr = "de moins de 1 %", en = "by less than 1 %";
    else if (big < 1.05) fr = "de 1 à 5 %", en = "by 1 to 5 %";
    else if (big < 1.5) fr = "de 5 à 50 %", en = "by 5 to 50 %";
    else if (big < 10) fr = "d'un facteur 1,5 à 10", en = "by a factor of 1.5 to 10";
    else fr = "de plus d'un facteur 10", en = "by more than a factor of 10";
    lua_pushfstring(L, "%s %s", fr_dir, fr);
    lua_pushfstring(L, "is %s %s", en_dir, en);
    push_said(L, lua_tostring(L, -2), lua_tostring(L, -1));
    return 1;
}

static int usine_finite(lua_State *L)
{
    lua_pushboolean(L, is_finite_number(L, 1));
    return 1;
}

static int usine_rel_error(lua_State *L)
{
    double a = check_finite(L, 1), b = check_finite(L, 2);
    lua_pushnumber(L, b == 0 ? fabs(a) : fabs(a - b) / fabs(b));
    return 1;
}

/* Two arrays of 2..256 numbers, equal lengths: threads (whole, >= 1) and speed-ups (> 0). */
static int usine_amdahl_fit(lua_State *L)
{
    lb_use(L, "amdahl_fit");
    enum { MAX = 256 };
    int threads[MAX];
    double speedup[MAX];
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Unsigned n = lua_rawlen(L, 1);
    luaL_argcheck(L, n >= 2 && n <= MAX, 1, _("an array of 2 to 256 thread counts expected"));
    luaL_argcheck(L, lua_rawlen(L, 2) == n, 2, _("as many speed-ups as thread counts expected"));
    for (int i = 0; i < (int)n; i++) {
        lua_rawgeti(L, 1, i + 1);
        lua_rawgeti(L, 2, i + 1);
        int ok;
        lua_Integer p = lua_tointegerx(L, -2, &ok);
        if (lua_type(L, -2) != LUA_TNUMBER || !ok || p < 1 || p > 1000000)
            luaL_argerror(L, 1, lua_pushfstring(L, _("element %d must be a whole number of threads from 1 to 1000000 (got %s)"),
                                                i + 1, lb_describe(L, -2)));
        if (!is_finite_number(L, -1) || !(lua_tonumber(L, -1) > 0))
            luaL_argerror(L, 2, lua_pushfstring(L, _("element %d must be a positive finite speed-up (got %s)"),
                                                i + 1, lb_describe(L, -1)));
        threads[i] = (int)p;
        speedup[i] = lua_tonumber(L, -1);
        lua_pop(L, 2);
    }
    lua_pushnumber(L, kn_amdahl_fit(threads, speedup, (int)n));
    return 1;
}

/* usine.num(x [, {lang =, sig = | decimals =, group =, trim =}]): x as the student reads numbers,
 * for check messages: "21,03" and "1 246 913" in French, "21.03" and "1,246,913" in English,
 * never "-0". sig (default 3) keeps that many significant figures, with an exponent only for
 * magnitudes of 1e15 and more or below 1e-5 ("3,14e+23": 24 digits would be unreadable, and all
 * but sig of them noise), unless exp = false; decimals writes exactly that many; group = false
 * drops the thousands separator; trim = true drops trailing zeros. util.h's formatter, the one
 * the program's own screens use. */
static void push_num_styled(lua_State *L, double x, ut_numstyle st, int use_exp)
{
    char buf[512];
    double a = fabs(x);
    if (use_exp && st.sig > 0 && isfinite(x) && a != 0 && (a >= 1e15 || a < 1e-5)) {
        st.decimals = st.sig - 1;
        lua_pushstring(L, ut_fmt_sci(buf, sizeof buf, x, &st));
    } else {
        lua_pushstring(L, ut_fmt_num(buf, sizeof buf, x, &st));
    }
}

static int usine_num(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TNUMBER);
    double x = lua_tonumber(L, 1);
    ut_numstyle st = { .mark = ".", .group = ",", .sig = 3, .decimals = 17 };
    int use_exp = 1;
    if (!lua_isnoneornil(L, 2)) {
        lb_tab t = lb_table(L, 2, 2, NULL);
        static const char *const keys[] = { "lang", "sig", "decimals", "group", "trim", "exp", NULL };
        lb_keys(L, &t, keys);
        const char *lang = lb_str(L, &t, "lang", "en");
        if (strcmp(lang, "fr") && strcmp(lang, "en")) lb_field_error(L, &t, "lang", _("\"fr\" or \"en\""), -1);
        int fr = !strcmp(lang, "fr");
        st.mark = fr ? "," : ".";
        st.group = !lb_bool(L, &t, "group", 1) ? "" : fr ? "\u202f" : ",";
        int has_dec = lb_get(L, &t, "decimals") != LUA_TNIL, has_sig = lb_get(L, &t, "sig") != LUA_TNIL;
        lua_pop(L, 2);
        if (has_dec && has_sig) luaL_argerror(L, 2, _("give sig (significant figures) or decimals, not both"));
        if (has_dec) st.sig = 0, st.decimals = (int)lb_int(L, &t, "decimals", 1, 0, 0, 17);
        else st.sig = (int)lb_int(L, &t, "sig", 0, 3, 1, 17);
        st.trim = lb_bool(L, &t, "trim", 0);
        use_exp = lb_bool(L, &t, "exp", 1);
    }
    push_num_styled(L, x, st, use_exp);
    return 1;
}

const char *lb_push_num(lua_State *L, double x, int fr, int sig)
{
    ut_numstyle st = { .mark = fr ? "," : ".", .group = fr ? "\u202f" : ",", .sig = sig, .decimals = 17, .trim = 1 };
    push_num_styled(L, x, st, 1);
    return lua_tostring(L, -1);
}

/* ------------------------------------------------------------------------------------------ */
/* Per-state settings and registration */

void lb_set_platform_path(lua_State *L, const char *dirs)
{
    lua_pushstring(L, dirs ? dirs : "");
    lua_setfield(L, LUA_REGISTRYINDEX, LB_PATH_KEY);
}

void lb_allow_kernels(lua_State *L, int allow)
{
    lua_pushboolean(L, allow);
    lua_setfield(L, LUA_REGISTRYINDEX, LB_KERNELS_KEY);
}

int lb_preload_platform(lua_State *L, const char *name_or_path, char *err, size_t err_size)
{
    lua_pushcfunction(L, lb_preload);
    lua_pushstring(L, name_or_path);
    if (lua_pcall(L, 1, 0, 0) == LUA_OK) return 0;
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : _("cannot load the platform");
    if (err && err_size) ut_strlcpy(err, msg, err_size);
    lua_pop(L, 1);
    return -1;
}

static const luaL_Reg usine_funcs[] = {
    { "platform", lb_usine_platform },   { "platforms", lb_usine_platforms }, { "model", usine_model },
    { "models", usine_models },          { "params", usine_params },          { "predict", lb_usine_predict },
    { "plan", lb_usine_plan },           { "step", lb_usine_step },           { "collective", lb_usine_collective },
    { "schedule", lb_usine_schedule },   { "amdahl_fit", usine_amdahl_fit },  { "near", usine_near },
    { "finite", usine_finite },          { "rel_error", usine_rel_error },    { "num", usine_num },
    { "diagnose", lb_usine_diagnose },   { "cases", lb_usine_cases },         { "json", lb_usine_json },
    { "reference", lb_usine_reference },
    { NULL, NULL },
};

int lb_open_usine(lua_State *L, int flags)
{
    lb_open_platform(L);
    lua_createtable(L, 0, sizeof usine_funcs / sizeof *usine_funcs + 2);
    lua_pushinteger(L, flags);
    luaL_setfuncs(L, usine_funcs, 1);
    lua_pushliteral(L, USINE_VERSION);
    lua_setfield(L, -2, "version");
    if (flags & LB_KERNELS) {
        lb_push_kernels(L, flags);
        lua_setfield(L, -2, "kernels");
    }
    return 1;
}
