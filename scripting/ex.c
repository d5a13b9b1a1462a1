/* ex.c: loading exercises and courses, and grading one submission in the exercise's state (ex.h).
 *
 * Authors make mistakes that should be found by `usine course check`, not by a class: every field
 * is checked with a message that names the file, the field and, for a check, the line of its
 * function. Grading never fails: whatever a submission does ends as a record that says why. */
#include "ex.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb.h"
#include "util.h"

#define EX_MAX_FILE_BYTES (1u << 20)
#define EX_MAX_MESSAGE_BYTES 2000
#define EX_MAX_ID_BYTES 64
#define EX_DEFAULT_PASS 0.6     /* the pass mark of an exercise without `pass`: 60 % of its points */

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "course/file.lua": what messages show of an exercise's path, the same on every machine. */
static const char *short_name(const char *path)
{
    const char *p = path + strlen(path);
    int slashes = 0;
    while (p > path && !(p[-1] == '/' && ++slashes == 2)) {
        p--;
        while (slashes == 1 && p > path && p[-1] == '/' && p[0] == '/') p--;   /* "dir//file" */
    }
    return p;
}

const char *ex_text_in(const ex_text *t, const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? t->en : t->fr;
}

static void text_free(ex_text *t)
{
    free(t->fr);
    free(t->en);
}

static void strings_free(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* ---- reading the exercise table (raw access only) --------------------------------------------- */

static int field_type(lua_State *L, int t, const char *name)
{
    lua_pushstring(L, name);
    return lua_rawget(L, t);
}

static int get_string(lua_State *L, int t, const char *name, int required, char **out, const char *where,
                      char *err, size_t n)
{
    int ty = field_type(L, t, name);
    if (ty == LUA_TNIL && !required) {
        lua_pop(L, 1);
        *out = NULL;
        return 0;
    }
    if (ty != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
        lua_pop(L, 1);
        return fail(err, n, _("%s: field '%s' must be a non-empty string"), where, name);
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    *out = ut_strndup(s, len);
    lua_pop(L, 1);
    return 0;
}

static int get_text(lua_State *L, int t, const char *name, ex_text *out, const char *where, char *err, size_t n)
{
    if (field_type(L, t, name) != LUA_TTABLE) {
        lua_pop(L, 1);
        return fail(err, n, _("%s: field '%s' must be a table {fr = \"...\", en = \"...\"} (French and English)"),
                    where, name);
    }
    char sub[160];
    snprintf(sub, sizeof sub, "%s: %s", where, name);
    int t2 = lua_gettop(L);
    int rc = get_string(L, t2, "fr", 1, &out->fr, sub, err, n);
    if (rc == 0) rc = get_string(L, t2, "en", 1, &out->en, sub, err, n);
    lua_pop(L, 1);
    return rc;
}

static int get_number(lua_State *L, int t, const char *name, double lo, double hi, double def, double *out,
                      const char *where, char *err, size_t n)
{
    int ty = field_type(L, t, name);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        if (def != def) return fail(err, n, _("%s: field '%s' is missing"), where, name);
        *out = def;
        return 0;
    }
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (ty != LUA_TNUMBER || !(v >= lo && v <= hi))
        return fail(err, n, _("%s: field '%s' must be a number from %g to %g"), where, name, lo, hi);
    *out = v;
    return 0;
}

static int get_string_list(lua_State *L, int t, char ***out, int *count, const char *where, const char *name,
                           char *err, size_t n)
{
    *out = NULL;
    *count = 0;
    if (lua_type(L, t) != LUA_TTABLE || lua_rawlen(L, t) == 0)
        return fail(err, n, _("%s: '%s' must be a non-empty list of strings"), where, name);
    int len = (int)lua_rawlen(L, t);
    *out = ut_calloc((size_t)len, sizeof **out);
    for (int i = 1; i <= len; i++) {
        if (lua_rawgeti(L, t, i) != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
            lua_pop(L, 1);
            return fail(err, n, _("%s: '%s' item %d must be a non-empty string"), where, name, i);
        }
        (*out)[(*count)++] = ut_strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return 0;
}

/* An id as a message may show it: printable ASCII (others as '?'), at most 40 bytes, then "...". */
static const char *shown_id(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s[i] && i < 40 && i + 4 < n; i++) buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (s[i] && i + 4 <= n) memcpy(buf + i, "...", 3), i += 3;
    buf[i] = '\0';
    return buf;
}

static int is_identifier(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_')) return 0;
    return 1;
}

/* The first line of file where `key =` appears (a field being set), 0 if none: where to point an
 * author at a field the loaded table holds but whose line Lua does not keep. */
static int field_line(const char *file, const char *key)
{
    char *text = NULL, why[64];
    size_t len;
    if (!file || ut_read_file(file, (size_t)16 << 20, &text, &len, why, sizeof why) != 0 || !text) return 0;
    size_t kl = strlen(key);
    int line = 1, found = 0;
    for (const char *p = text; *p && !found; p++) {
        if (*p == '\n') { line++; continue; }
        int starts = (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) && !strncmp(p, key, kl);
        if (!starts) continue;
        const char *q = p + kl;
        while (*q == ' ' || *q == '\t') q++;
        if (!(isalnum((unsigned char)p[kl]) || p[kl] == '_') && q[0] == '=' && q[1] != '=') found = line;
    }
    free(text);
    return found;
}

/* A typo in a field name ("limit", "hints") must not pass silently. file: the exercise's file,
 * whose line of the field the message then gives (NULL: where already says where). */
static int unknown_field(lua_State *L, int t, const char *const *known, const char *where, const char *file, char *err, size_t n)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int ok = 0;
        for (const char *const *p = known; k && *p && !ok; p++) ok = strcmp(k, *p) == 0;
        if (!ok) {
            char list[400] = "";
            for (const char *const *p = known; *p; p++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", p == known ? "" : ", ", *p);
            int line = k ? field_line(file, k) : 0;
            char at[600];
            if (line > 0) snprintf(at, sizeof at, "%s:%d", where, line);
            else snprintf(at, sizeof at, "%s", where);
            fail(err, n, _("%s: unknown field '%s' (known: %s)"), at, k ? k : luaL_typename(L, -1), list);
            lua_pop(L, 1);
            return -1;
        }
    }
    return 0;
}

static int read_check(lua_State *L, int t, int i, ex_check *c, const char *path, char *err, size_t n)
{
    char where[512];
    if (lua_rawgeti(L, t, i) != LUA_TTABLE) {
        lua_pop(L, 1);
        return fail(err, n, _("%s: checks[%d] must be a table"), path, i);
    }
    int ct = lua_gettop(L);
    c->line = 0;
    if (field_type(L, ct, "run") == LUA_TFUNCTION) {
        lua_Debug ar;
        lua_getinfo(L, ">S", &ar);
        c->line = ar.linedefined;
    } else {
        lua_pop(L, 1);
    }
    snprintf(where, sizeof where, "%s:%d: checks[%d]", path, c->line, i);
    int rc = get_string(L, ct, "id", 1, &c->id, where, err, n);
    char shown[64];
    if (rc == 0 && (!is_identifier(c->id) || strlen(c->id) > EX_MAX_ID_BYTES))
        rc = fail(err, n, _("%s: id '%s' must be 1 to %d characters among a-z, 0-9, '-' and '_'"), where,
                  shown_id(c->id, shown, sizeof shown), EX_MAX_ID_BYTES);
    if (rc == 0) snprintf(where, sizeof where, "%s:%d: check '%s'", path, c->line, c->id);
    static const char *const known[] = { "id", "title", "points", "hint", "run", NULL };
    if (rc == 0) rc = unknown_field(L, ct, known, where, NULL, err, n);
    if (rc == 0) rc = get_text(L, ct, "title", &c->title, where, err, n);
    if (rc == 0) rc = get_text(L, ct, "hint", &c->hint, where, err, n);
    if (rc == 0) rc = get_number(L, ct, "points", 1e-9, 1e6, 0.0 / 0.0, &c->points, where, err, n);
    if (rc == 0 && field_type(L, ct, "run") != LUA_TFUNCTION)
        rc = fail(err, n, _("%s: field 'run' must be a function(s, ctx) that returns true, or false and a message"),
                  where);
    if (rc == 0) lua_pop(L, 1);
    lua_pop(L, 1);
    return rc;
}

/* allow = {"platform", "near", "platform:partition", ...}: the parts of the library submissions
 * may use (lb_parts). Absent: all of them, e->nallow = -1. */
static int read_allow(ex_exercise *e, lua_State *L, int t, char *err, size_t n)
{
    e->nallow = -1;
    int ty = field_type(L, t, "allow");
    int rc = 0;
    if (ty == LUA_TTABLE && lua_rawlen(L, -1) == 0) {
        e->nallow = 0;                                   /* allow = {}: nothing but usine.version */
    } else if (ty != LUA_TNIL) {
        rc = get_string_list(L, lua_gettop(L), &e->allow, &e->nallow, e->path, "allow", err, n);
        for (int i = 0; rc == 0 && i < e->nallow; i++) {
            if (lb_part_known(e->allow[i])) continue;
            char list[600] = "";
            for (const char *const *p = lb_parts; *p; p++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", p == lb_parts ? "" : ", ", *p);
            char shown[64];
            rc = fail(err, n, _("%s: 'allow' item %d: '%s' is not a part of the usine library (parts: %s)"), e->path,
                      i + 1, shown_id(e->allow[i], shown, sizeof shown), list);
        }
    }
    lua_pop(L, 1);
    return rc;
}

static int read_exercise(ex_exercise *e, lua_State *L, int t, char *err, size_t n)
{
    const char *path = e->path;
    static const char *const known[] = { "id", "title", "text", "concepts", "difficulty", "minutes", "pass",
                                         "platform", "scenario", "starter", "limits", "checks", "allow", NULL };
    if (unknown_field(L, t, known, path, path, err, n) != 0) return -1;
    if (get_string(L, t, "id", 1, &e->id, path, err, n) != 0) return -1;
    char shown[64];
    if (!is_identifier(e->id) || strlen(e->id) > EX_MAX_ID_BYTES)
        return fail(err, n, _("%s: id '%s' must be 1 to %d characters among a-z, 0-9, '-' and '_'"), path,
                    shown_id(e->id, shown, sizeof shown), EX_MAX_ID_BYTES);
    if (get_text(L, t, "title", &e->title, path, err, n) != 0) return -1;
    if (get_text(L, t, "text", &e->text, path, err, n) != 0) return -1;
    if (field_type(L, t, "concepts") != LUA_TTABLE) {
        lua_pop(L, 1);
        return fail(err, n, _("%s: field 'concepts' must be a table {fr = {...}, en = {...}}"), path);
    }
    int ct = lua_gettop(L);
    lua_getfield(L, ct, "fr");
    int rc = get_string_list(L, lua_gettop(L), &e->concepts_fr, &e->nconcepts_fr, path, "concepts.fr", err, n);
    lua_pop(L, 1);
    if (rc == 0) {
        lua_getfield(L, ct, "en");
        rc = get_string_list(L, lua_gettop(L), &e->concepts_en, &e->nconcepts_en, path, "concepts.en", err, n);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (rc != 0) return -1;
    if (e->nconcepts_fr != e->nconcepts_en)
        return fail(err, n, _("%s: 'concepts' must list as many concepts in French as in English (%d and %d)"),
                    path, e->nconcepts_fr, e->nconcepts_en);
    double d;
    if (get_number(L, t, "difficulty", 1, 5, 0.0 / 0.0, &d, path, err, n) != 0) return -1;
    e->difficulty = (int)d;
    if (d != e->difficulty) return fail(err, n, _("%s: field 'difficulty' must be a whole number from 1 to 5"), path);
    if (get_number(L, t, "minutes", 1, 600, 0.0 / 0.0, &e->minutes, path, err, n) != 0) return -1;
    if (get_number(L, t, "pass", 1e-9, 1, EX_DEFAULT_PASS, &e->pass_fraction, path, err, n) != 0) return -1;
    if (get_string(L, t, "platform", 0, &e->platform, path, err, n) != 0) return -1;
    if (get_string(L, t, "starter", 1, &e->starter, path, err, n) != 0) return -1;
    if (read_allow(e, L, t, err, n) != 0) return -1;
    if (field_type(L, t, "scenario") == LUA_TTABLE) {
        rc = get_string(L, lua_gettop(L), "partition", 0, &e->partition, path, err, n);
        lua_pop(L, 1);
        if (rc != 0) return -1;
    } else if (lua_type(L, -1) != LUA_TNIL) {
        lua_pop(L, 1);
        return fail(err, n, _("%s: field 'scenario' must be a table"), path);
    } else {
        lua_pop(L, 1);
    }
    if (field_type(L, t, "limits") == LUA_TTABLE) {
        int lt = lua_gettop(L);
        double instr = (double)e->limits.instructions, mem = (double)(e->limits.memory_bytes >> 20);
        rc = get_number(L, lt, "instructions", 1e5, 1e10, instr, &instr, path, err, n);
        if (rc == 0) rc = get_number(L, lt, "memory_mib", 1, 1024, mem, &mem, path, err, n);
        if (rc == 0) rc = get_number(L, lt, "seconds", 0.1, 60, e->limits.seconds, &e->limits.seconds, path, err, n);
        lua_pop(L, 1);
        if (rc != 0) return -1;
        e->limits.instructions = (long)instr;
        e->limits.memory_bytes = (size_t)mem << 20;
    } else {
        lua_pop(L, 1);
    }
    if (field_type(L, t, "checks") != LUA_TTABLE || lua_rawlen(L, -1) == 0) {
        lua_pop(L, 1);
        return fail(err, n, _("%s: field 'checks' must be a non-empty list of checks"), path);
    }
    int checks = lua_gettop(L);
    e->nchecks = (int)lua_rawlen(L, checks);
    e->checks = ut_calloc((size_t)e->nchecks, sizeof *e->checks);
    for (int i = 0; i < e->nchecks; i++) {
        if (read_check(L, checks, i + 1, &e->checks[i], path, err, n) != 0) return -1;
        for (int j = 0; j < i; j++)
            if (strcmp(e->checks[j].id, e->checks[i].id) == 0)
                return fail(err, n, _("%s:%d: two checks have the id '%s'"), path, e->checks[i].line, e->checks[i].id);
        e->max_points += e->checks[i].points;
    }
    lua_pop(L, 1);
    return 0;
}

/* Course and exercise files come from whoever wrote the course, and teachers and students open
 * courses they downloaded: the code in them is the course's, not the user's. Its global
 * environment keeps the pure libraries (string, table, math, utf8, coroutine) and the `usine`
 * library, and loses every way out of the process: io, os, package and require, debug, dofile,
 * loadfile, and load of binary chunks (a crafted bytecode string can corrupt the interpreter).
 * Submissions get their own, smaller environment (sbx_new_env), built from the library tables in
 * the registry, which stay whole. */
static int text_only_load(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, text);
    int env = !lua_isnone(L, 4);
    if (luaL_loadbufferx(L, text, len, name, "t") != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

#define EX_LOADING_KEY "usine.loading"   /* registry: true while a course or exercise file's top level runs */

/* print for course and exercise code: to stderr while the file's top level runs (an author sees
 * it under `course check` and `grade`; stdout carries reports, JSON Lines among them), nowhere in
 * checks (they run once per submission). */
static int course_print(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, EX_LOADING_KEY);
    int loading = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!loading) return 0;
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        lua_getglobal(L, "tostring");                /* the sandbox's: no addresses, "nan" */
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);
        size_t len;
        const char *t = lua_tolstring(L, -1, &len);
        if (!t) return luaL_error(L, "'tostring' must return a string to 'print'");
        if (i > 1) fputc('\t', stderr);
        fwrite(t, 1, len, stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    return 0;
}

static void confine_course_code(lua_State *L)
{
    lua_pushcfunction(L, course_print);
    lua_setglobal(L, "print");
    static const char *const removed[] = { "io", "os", "package", "require", "debug", "dofile", "loadfile", NULL };
    for (const char *const *r = removed; *r; r++) {
        lua_pushnil(L);
        lua_setglobal(L, *r);
    }
    lua_pushcfunction(L, text_only_load);
    lua_setglobal(L, "load");
}

/* Run a trusted file in the state's global environment; leaves its single result on the stack. */
static int run_trusted_file(sbx *s, const char *path, char *err, size_t n)
{
    char *text, why[256];
    size_t len;
    if (ut_read_file(path, EX_MAX_FILE_BYTES, &text, &len, why, sizeof why) != 0)
        return fail(err, n, "%s: %s", path, why);
    lua_State *L = sbx_lua(s);
    char chunk[300];
    snprintf(chunk, sizeof chunk, "@%s", short_name(path));
    lua_pushglobaltable(L);
    sbx_status st = sbx_load(s, text, len, chunk, -1);
    free(text);
    lua_remove(L, -1 - (st == SBX_OK));
    if (st != SBX_OK) return fail(err, n, "%s", sbx_message(s));
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, EX_LOADING_KEY);
    st = sbx_call(s, 0, 1);
    lua_pushboolean(L, 0);
    lua_setfield(L, LUA_REGISTRYINDEX, EX_LOADING_KEY);
    if (st != SBX_OK) {
        const char *m = sbx_message(s);
        if (strncmp(m, short_name(path), strlen(short_name(path))) == 0) return fail(err, n, "%s", m);
        return fail(err, n, "%s: %s", path, m);
    }
    if (lua_type(L, -1) != LUA_TTABLE) {
        fail(err, n, _("%s: the file must return a table (it returned %s)"), path, luaL_typename(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

/* The simulations of the usine library charge their work to the submission's budget, and the
 * parts an exercise keeps from its submissions ask whether submission code is calling. */
static const lb_meter sandbox_meter = { sbx_remaining, sbx_charge, sbx_untrusted };

int ex_feedback_from_name(const char *name)
{
    static const char *const names[] = { "full", "hints", "score" };
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

/* Where usine.reference finds the reference/ folder: the exercise file's own. */
static void set_exercise_dir(lua_State *L, const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    lb_set_exercise_dir(L, dir);
}

ex_exercise *ex_load(const char *path, const ex_host *host, char *err, size_t err_size)
{
    ex_exercise *e = ut_calloc(1, sizeof *e);
    e->path = ut_strdup(path);
    e->ref = LUA_NOREF;
    e->limits = sbx_default_limits();
    e->sb = sbx_create(&e->limits);
    if (!e->sb) {
        fail(err, err_size, _("%s: out of memory"), path);
        goto fail;
    }
    lua_State *L = sbx_lua(e->sb);
    confine_course_code(L);
    lb_set_platform_path(L, host && host->platform_path ? host->platform_path : "");
    lb_open_usine(L, LB_FILES | LB_KERNELS);
    lua_setglobal(L, "usine");
    lb_set_meter(L, &sandbox_meter);
    lb_record_parts(L);
    set_exercise_dir(L, path);
    e->seed = host && host->seed ? host->seed : EX_PRACTICE_SEED;
    e->feedback = host ? host->feedback : EX_FEEDBACK_FULL;
    sbx_set_seed(e->sb, e->seed);                    /* the cases the top level draws change with it */
    if (run_trusted_file(e->sb, path, err, err_size) != 0) goto fail;
    int rc = read_exercise(e, L, lua_gettop(L), err, err_size);
    if (rc != 0) goto fail;
    if (e->nallow >= 0) lb_deny_parts(L, (const char *const *)e->allow, e->nallow);
    e->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (e->platform && lb_preload_platform(L, e->platform, err, err_size) != 0) goto fail;
    /* The exercise may ask for other limits for its submissions. */
    sbx_set_limits(e->sb, &e->limits);
    return e;
fail:
    ex_free(e);
    return NULL;
}

void ex_free(ex_exercise *e)
{
    if (!e) return;
    sbx_destroy(e->sb);
    free(e->path);
    free(e->id);
    text_free(&e->title);
    text_free(&e->text);
    strings_free(e->concepts_fr, e->nconcepts_fr);
    strings_free(e->concepts_en, e->nconcepts_en);
    free(e->platform);
    free(e->partition);
    free(e->starter);
    strings_free(e->allow, e->nallow);
    for (int i = 0; i < e->nchecks; i++) {
        free(e->checks[i].id);
        text_free(&e->checks[i].title);
        text_free(&e->checks[i].hint);
    }
    free(e->checks);
    free(e);
}

/* ---- grading ---------------------------------------------------------------------------------- */

/* s.x for a name the submission did not define: a clear error instead of "attempt to call nil".
 * Upvalue 1: the globals that could not be copied, name -> why. */
static int results_missing(lua_State *L)
{
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    if (lua_type(L, 2) == LUA_TSTRING && lua_rawget(L, lua_upvalueindex(1)) == LUA_TSTRING)
        lua_pushfstring(L, _("the submission's global '%s' could not be copied for the checks: %s"), k, lua_tostring(L, -1));
    else lua_pushfstring(L, _("the submission does not define '%s'"), k);
    return lua_error(L);
}

/* Copy value 1 as plain data, with memo 2 (sbx_copy_plain_shared), inside sbx_call. */
static int copy_one(lua_State *L)
{
    sbx_copy_plain_shared(L, 1, 2);
    return 1;
}

static char *clean_str(const char *s);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Push the results table: every global of the submission (the table at env) that is not a
 * standard name, copied as plain data (copies charge the budget). One sandboxed call per global,
 * in name order: a global that cannot be copied (too large for the memory cap, the budget spent)
 * is left out and named, in the record's error and when a check asks for it; the others stay. */
static void copy_globals(sbx *s, int env, gr_record *rec)
{
    lua_State *L = sbx_lua(s);
    int n = 0;
    for (lua_pushnil(L); lua_next(L, env); lua_pop(L, 1))
        if (lua_type(L, -2) == LUA_TSTRING && !sbx_is_standard_name(s, lua_tostring(L, -2))) n++;
    const char **names = ut_malloc((size_t)(n > 0 ? n : 1) * sizeof *names);   /* anchored by env */
    n = 0;
    for (lua_pushnil(L); lua_next(L, env); lua_pop(L, 1))
        if (lua_type(L, -2) == LUA_TSTRING && !sbx_is_standard_name(s, lua_tostring(L, -2)))
            names[n++] = lua_tostring(L, -2);
    qsort(names, (size_t)n, sizeof *names, by_name);

    lua_newtable(L);
    int res = lua_gettop(L);
    lua_newtable(L);
    int left_out = lua_gettop(L);
    lua_newtable(L);
    int memo = lua_gettop(L);                        /* what globals share stays shared */
    for (int i = 0; i < n; i++) {
        lua_pushcfunction(L, copy_one);
        lua_pushstring(L, names[i]);
        lua_rawget(L, env);                          /* raw: no metamethod of the submission runs here */
        lua_pushvalue(L, memo);
        if (sbx_call(s, 2, 1) == SBX_OK) {
            lua_setfield(L, res, names[i]);
            continue;
        }
        lua_pushstring(L, sbx_message(s));
        lua_setfield(L, left_out, names[i]);
        if (!rec->error) {
            char m[512];
            snprintf(m, sizeof m, _("the global '%s' could not be copied for the checks: %s"), names[i], sbx_message(s));
            rec->error = clean_str(m);
        }
        lua_newtable(L);                             /* the memo may hold half-made copies: start again */
        lua_replace(L, memo);
        lua_gc(L, LUA_GCCOLLECT);                    /* what the failed copy had built */
    }
    lua_pop(L, 1);                                   /* memo */
    free(names);
    lua_newtable(L);
    lua_pushvalue(L, left_out);
    lua_pushcclosure(L, results_missing, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, res);
    lua_pop(L, 1);                                   /* left_out */
}

static char *clean(const char *s, size_t len)
{
    return gr_clean_text(s, len, EX_MAX_MESSAGE_BYTES);
}

static char *clean_str(const char *s)
{
    return clean(s, strlen(s));
}

/* The text of a message at idx: a string, or {fr=, en=} in lang; NULL when neither. */
static char *text_of(lua_State *L, int idx, const char *lang)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, lang);
        char *m = lua_type(L, -1) == LUA_TSTRING ? clean(lua_tostring(L, -1), lua_rawlen(L, -1)) : NULL;
        lua_pop(L, 1);
        if (m) return m;
    }
    if (lua_type(L, idx) == LUA_TSTRING) return clean(lua_tostring(L, idx), lua_rawlen(L, idx));
    return NULL;
}

/* The message a check returned: a string, or {fr=, en=, exam=}, as the feedback level shows it:
 * whole (FULL), its exam form only (HINTS: `exam`, a string or {fr=, en=}; none without it), or
 * nothing (SCORE). */
static char *check_message(lua_State *L, int idx, const char *lang, int feedback)
{
    char *m = NULL;
    if (feedback == EX_FEEDBACK_FULL) m = text_of(L, idx, lang);
    else if (feedback == EX_FEEDBACK_HINTS && lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, "exam");
        m = text_of(L, -1, lang);
        lua_pop(L, 1);
    }
    return m ? m : clean_str("");
}

void ex_record_begin(const ex_exercise *e, const char *name, const char *lang, gr_record *rec)
{
    gr_record_init(rec);
    rec->submission = clean_str(name);
    rec->exercise = ut_strdup(e->id);
    rec->lang = ut_strdup(strcmp(lang, "en") == 0 ? "en" : "fr");
    char seed[EX_SEED_TEXT];
    rec->seed = ut_strdup(ex_seed_text(e, seed));
    rec->feedback = ut_strdup(ex_feedback_name(e->feedback));
    for (int i = 0; i < e->nchecks; i++) {
        const ex_check *c = &e->checks[i];
        gr_check *g = gr_record_add_check(rec);
        g->id = ut_strdup(c->id);
        g->title = clean_str(ex_text_in(&c->title, rec->lang));
        g->hint = clean_str(e->feedback == EX_FEEDBACK_SCORE ? "" : ex_text_in(&c->hint, rec->lang));
        g->max = c->points;
        g->status = GR_ERROR;
        rec->max += c->points;
    }
}

const char *ex_feedback_name(ex_feedback f)
{
    static const char *const names[] = { "full", "hints", "score" };
    return f >= EX_FEEDBACK_FULL && f <= EX_FEEDBACK_SCORE ? names[f] : "full";
}

const char *ex_seed_text(const ex_exercise *e, char buf[EX_SEED_TEXT])
{
    snprintf(buf, EX_SEED_TEXT, "%llu", e->seed);
    return buf;
}

/* The context a check gets: {lang=, seed=, feedback="full"|"hints"|"score"}. A check may set
 * ctx.case to name the case it is trying, so that an error raised meanwhile names it. */
static void push_ctx(lua_State *L, const ex_exercise *e, const char *lang)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, lang);
    lua_setfield(L, -2, "lang");
    lua_pushinteger(L, (lua_Integer)e->seed);
    lua_setfield(L, -2, "seed");
    lua_pushstring(L, ex_feedback_name(e->feedback));
    lua_setfield(L, -2, "feedback");
}

/* A check's error, with the case it was trying (ctx.case, a string) in front. */
static char *check_error(lua_State *L, int ctx, const char *message)
{
    char *m;
    if (lua_getfield(L, ctx, "case") == LUA_TSTRING) {
        m = clean_str(lua_pushfstring(L, _("case %s: %s"), lua_tostring(L, -1), message));
        lua_pop(L, 1);
    } else {
        m = clean_str(message);
    }
    lua_pop(L, 1);
    return m;
}

/* Run check i with the results table and record what it says in g. Each check has a budget of
 * instructions of its own, so that an endless loop fails the check that ran it and no other. */
static void run_check(ex_exercise *e, int i, int checks, int results, gr_record *rec)
{
    sbx *s = e->sb;
    lua_State *L = sbx_lua(s);
    const ex_check *c = &e->checks[i];
    gr_check *g = &rec->checks[i];
    lua_rawgeti(L, checks, i + 1);
    lua_getfield(L, -1, "run");
    lua_remove(L, -2);
    lua_pushvalue(L, results);
    push_ctx(L, e, rec->lang);
    int ctx = lua_gettop(L);
    lua_pushvalue(L, ctx);
    lua_insert(L, ctx - 2);                          /* kept below the call, for ctx.case */
    ctx -= 2;
    sbx_renew_budget(s);
    sbx_status st = sbx_call(s, 2, 2);
    if (st != SBX_OK) {
        g->message = e->feedback == EX_FEEDBACK_SCORE ? clean_str("") : check_error(L, ctx, sbx_message(s));
    } else {
        double fraction = -1;
        if (lua_type(L, -2) == LUA_TBOOLEAN || lua_isnil(L, -2)) fraction = lua_toboolean(L, -2);
        else if (lua_type(L, -2) == LUA_TNUMBER) {
            fraction = lua_tonumber(L, -2);
            if (!(fraction >= 0 && fraction <= 1)) fraction = -1;
        }
        if (fraction < 0) {
            char m[200];
            snprintf(m, sizeof m, _("%s:%d: the check returned %s, not true, false or a fraction"),
                     base_name(e->path), c->line, luaL_typename(L, -2));
            g->message = clean_str(m);
        } else {
            g->points = c->points * fraction;
            g->status = fraction >= 1 - 1e-12 ? GR_PASSED : GR_FAILED;
            g->message = check_message(L, -1, rec->lang, e->feedback);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);                                   /* ctx */
    if (g->status == GR_PASSED) g->hint[0] = '\0';
}

void ex_grade(ex_exercise *e, const char *name, const char *text, size_t len, const char *lang, gr_record *rec)
{
    sbx *s = e->sb;
    lua_State *L = sbx_lua(s);
    int top = lua_gettop(L);
    ex_record_begin(e, name, lang, rec);

    sbx_reset_budget(s);
    sbx_new_env(s);
    int env = lua_gettop(L);
    lb_open_usine(L, 0);
    lb_remove_denied(L, -1);
    lua_setfield(L, env, "usine");
    char chunk[300];
    snprintf(chunk, sizeof chunk, "@%s", base_name(name));
    sbx_status st = sbx_load(s, text, len, chunk, env);
    if (st == SBX_SYNTAX) {
        /* Nothing to grade: say so first, and in every check, so that no format shows a check's
         * "does not define" before the reason. */
        char m[EX_MAX_MESSAGE_BYTES];
        snprintf(m, sizeof m, _("your file does not compile: %s"), sbx_message(s));
        rec->error = clean_str(m);
        for (int i = 0; i < rec->nchecks; i++) {
            free(rec->checks[i].message);
            rec->checks[i].message = clean_str(_("not run: the file does not compile"));
            rec->checks[i].hint[0] = '\0';
        }
        rec->output = clean_str("");
        gr_record_total(rec, e->pass_fraction);
        lua_settop(L, top);
        return;
    }
    if (st == SBX_OK) {
        sbx_enter_untrusted(s);
        st = sbx_call(s, 0, 0);
        sbx_leave_untrusted(s);
    }
    if (st != SBX_OK) rec->error = clean_str(sbx_message(s));

    copy_globals(s, env, rec);
    int results = lua_gettop(L);

    lua_rawgeti(L, LUA_REGISTRYINDEX, e->ref);
    lua_getfield(L, -1, "checks");
    int checks = lua_gettop(L);
    for (int i = 0; i < e->nchecks; i++) run_check(e, i, checks, results, rec);
    size_t olen;
    const char *out = sbx_output(s, &olen);
    rec->output = gr_clean_text(out, olen, 0);
    gr_record_total(rec, e->pass_fraction);
    lua_settop(L, top);
}

int ex_answer_parts(ex_exercise *e, const char *text, size_t len, char *out, size_t out_size)
{
    gr_record rec;
    ex_grade(e, "solution.lua", text, len, "en", &rec);
    gr_record_free(&rec);
    lua_State *L = sbx_lua(e->sb);
    int n = 0;
    if (out_size) out[0] = '\0';
    for (const char *const *p = lb_parts; *p; p++) {
        if (!lb_part_computes(*p) || !lb_part_used(L, *p)) continue;
        int allowed = e->nallow < 0;
        for (int i = 0; i < e->nallow && !allowed; i++) allowed = !strcmp(e->allow[i], *p);
        if (!allowed) continue;
        size_t k = strlen(out);
        snprintf(out + k, out_size - k, "%s%s", n ? ", " : "", *p);
        n++;
    }
    return n;
}

/* ---- courses ---------------------------------------------------------------------------------- */

ex_course *ex_course_load(const char *dir, char *err, size_t err_size)
{
    ex_course *c = ut_calloc(1, sizeof *c);
    c->dir = ut_strdup(dir);
    for (size_t n = strlen(c->dir); n > 1 && c->dir[n - 1] == '/'; n--) c->dir[n - 1] = '\0';   /* "DIR/" */
    dir = c->dir;
    char path[4096];
    snprintf(path, sizeof path, "%s/index.lua", dir);
    sbx *s = sbx_create(NULL);
    if (!s) {
        fail(err, err_size, _("%s: out of memory"), path);
        goto fail;
    }
    lua_State *L = sbx_lua(s);
    confine_course_code(L);
    if (run_trusted_file(s, path, err, err_size) != 0) goto fail;
    int t = lua_gettop(L);
    if (get_string(L, t, "id", 1, &c->id, path, err, err_size) != 0) goto fail;
    /* The id names the course in progress files and reports: a name, never a path. */
    if (!is_identifier(c->id) || strlen(c->id) > EX_MAX_ID_BYTES) {
        char shown[64];
        fail(err, err_size, _("%s: course id '%s' must be 1 to %d characters among a-z, 0-9, '-' and '_'"), path,
             shown_id(c->id, shown, sizeof shown), EX_MAX_ID_BYTES);
        goto fail;
    }
    if (get_text(L, t, "title", &c->title, path, err, err_size) != 0) goto fail;
    field_type(L, t, "exercises");
    if (get_string_list(L, lua_gettop(L), &c->files, &c->nfiles, path, "exercises", err, err_size) != 0) goto fail;
    for (int i = 0; i < c->nfiles; i++) {
        if (strchr(c->files[i], '/') || strstr(c->files[i], "..")) {
            fail(err, err_size, _("%s: exercise '%s' must be a file name in the course folder"), path, c->files[i]);
            goto fail;
        }
        char full[4096];
        snprintf(full, sizeof full, "%s/%s.lua", dir, c->files[i]);
        free(c->files[i]);
        c->files[i] = ut_strdup(full);
    }
    sbx_destroy(s);
    return c;
fail:
    sbx_destroy(s);
    ex_course_free(c);
    return NULL;
}

void ex_course_free(ex_course *c)
{
    if (!c) return;
    free(c->dir);
    free(c->id);
    text_free(&c->title);
    strings_free(c->files, c->nfiles);
    free(c);
}
