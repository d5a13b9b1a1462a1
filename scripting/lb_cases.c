/* lb_cases.c: what an exercise's checks use and its submissions never reach.
 *
 *   usine.cases(ctx, list, try [, opts])  grades a list of cases with partial credit, and words
 *                                         the first wrong one for practice and for an exam;
 *   usine.reference(id)                   the teacher's reference computations of exercise id:
 *                                         reference/<id>.lua beside the exercise in the source
 *                                         tree, else the copy built into the program (the
 *                                         reference/ folders are not installed; references.S).
 *
 * Both belong to trusted code: usine.reference is removed from every submission's usine table
 * whatever the exercise allows (lb_remove_denied) and raises if submission code reaches it by
 * another way; usine.cases is a part (lb_parts) like the others, kept from submissions unless
 * allowed, though it computes nothing a submission could use. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lb.h"
#include "lb_int.h"
#include "util.h"

#define LB_REFS_KEY "usine.references"       /* registry: id -> the table its reference returned */

/* ---- usine.cases ------------------------------------------------------------------------------ */

/* The name of a case in one language: a string, or {fr=, en=}; pushes it. */
static const char *push_name(lua_State *L, int c, int fr)
{
    if (lua_getfield(L, c, "name") == LUA_TTABLE) {
        lua_getfield(L, -1, fr ? "fr" : "en");
        lua_remove(L, -2);
    }
    if (lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        luaL_error(L, _("usine.cases: each case needs a name (a string, or {fr=, en=})"));
        return NULL;
    }
    return lua_tostring(L, -1);
}

/* A received value for a message: a number as the language writes it, a string quoted, else its
 * type. Pushes it. */
static const char *push_shown(lua_State *L, int idx, int fr)
{
    if (lua_type(L, idx) == LUA_TNUMBER) return lb_push_num(L, lua_tonumber(L, idx), fr, 6);
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return n > 60 ? lua_pushfstring(L, "\"%.60s…\"", s) : lua_pushfstring(L, "\"%s\"", s);
    }
    if (lua_type(L, idx) == LUA_TBOOLEAN) return lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
    return lua_pushstring(L, luaL_typename(L, idx));
}

static int near(double a, double b, double rel, double abs_tol)
{
    if (!isfinite(a) || !isfinite(b)) return 0;
    double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b), tol = rel * scale;
    return fabs(a - b) <= (tol > abs_tol ? tol : abs_tol);
}

typedef struct {
    double rel, abs_tol;
    int exact, slip;                         /* slip: stack index of the function, or 0 */
    int classes;                             /* answers are classes: credit above chance */
    int most, most_value;                    /* classes: the commonest answer's count, its slot */
    int unit;                                /* stack index of the unit, or 0 */
} cases_opts;

/* Whether got (idx g) is want (idx w): numbers within the tolerance (equal when exact), other
 * values equal. */
static int is_right(lua_State *L, int g, int w, const cases_opts *o)
{
    if (lua_type(L, w) == LUA_TNUMBER) {
        if (lua_type(L, g) != LUA_TNUMBER) return 0;
        double a = lua_tonumber(L, g), b = lua_tonumber(L, w);
        return o->exact ? a == b : near(a, b, o->rel, o->abs_tol);
    }
    return lua_rawequal(L, g, w);
}

/* The unit in one language, with a leading space, or "". Pushes it. */
static const char *push_unit(lua_State *L, const cases_opts *o, int fr)
{
    if (!o->unit) return lua_pushliteral(L, "");
    if (lua_type(L, o->unit) == LUA_TTABLE) lua_getfield(L, o->unit, fr ? "fr" : "en");
    else lua_pushvalue(L, o->unit);
    const char *u = lua_tostring(L, -1);
    lua_pushfstring(L, " %s", u ? u : "");
    lua_remove(L, -2);
    return lua_tostring(L, -1);
}

/* "<got> is not the answer", for a value diagnose cannot weigh. Pushes it. */
static const char *push_not_the_answer(lua_State *L, int g, int fr)
{
    const char *got = push_shown(L, g, fr);
    lua_pushfstring(L, fr ? "%s n'est pas la bonne réponse" : "%s is not the answer", got);
    lua_remove(L, -2);
    return lua_tostring(L, -1);
}

/* What is wrong in kind, without the expected value: usine.diagnose for numbers, an off-by-one
 * for exact integers, "is wrong" otherwise. Pushes it. */
static const char *push_kind(lua_State *L, int g, int w, const cases_opts *o, int fr)
{
    if (lua_type(L, w) == LUA_TNUMBER && lua_type(L, g) == LUA_TNUMBER) {
        double a = lua_tonumber(L, g), b = lua_tonumber(L, w);
        if (o->exact && fabs(a - b) == 1 && b == floor(b))
            return lua_pushstring(L, fr ? (a > b ? "dépasse de 1 la valeur attendue : une erreur d'une unité ?"
                                                 : "est inférieure de 1 à la valeur attendue : une erreur d'une unité ?")
                                        : (a > b ? "is 1 too large: off by one?" : "is 1 too small: off by one?"));
        if (!isfinite(a) || !isfinite(b)) return push_not_the_answer(L, g, fr);   /* diagnose wants finite numbers */
        lua_pushcfunction(L, lb_usine_diagnose);
        lua_pushvalue(L, g);
        lua_pushvalue(L, w);
        lua_pushnumber(L, o->exact ? 0 : o->rel);
        lua_call(L, 3, 1);
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_getfield(L, -1, fr ? "fr" : "en");
            lua_remove(L, -2);
            if (lua_type(L, -1) == LUA_TSTRING) return lua_tostring(L, -1);
        }
        lua_pop(L, 1);
    }
    if (lua_type(L, w) == LUA_TNUMBER && lua_type(L, g) != LUA_TNUMBER)
        return lua_pushfstring(L, fr ? "n'est pas un nombre (%s)" : "is not a number (%s)", luaL_typename(L, g));
    if (lua_type(L, g) == LUA_TSTRING || lua_type(L, g) == LUA_TBOOLEAN) return push_not_the_answer(L, g, fr);
    return lua_pushstring(L, fr ? "est fausse" : "is wrong");
}

/* One language's message about the first case not wholly right. Slots: the case's name (n),
 * got (g), want (w), and either the explanation of the other answer it matched (alt) or the
 * slip the author's function named (slip), 0 when none. Pushes {text, exam} as two strings. */
static void push_said(lua_State *L, int fr, int right, int partly, int total, int n, int g, int w, int alt,
                      int slip, const cases_opts *o)
{
    int top = lua_gettop(L);
    const char *name = lua_tostring(L, n);
    const char *count = partly
        ? lua_pushfstring(L, fr ? "%d cas justes sur %d, %d en partie" : "%d of %d cases right, %d in part", right, total, partly)
        : lua_pushfstring(L, fr ? "%d cas justes sur %d" : "%d of %d cases right", right, total);
    if (o->classes && o->most_value) {
        push_shown(L, o->most_value, fr);
        count = lua_pushfstring(L, fr ? "%s (répondre toujours %s en donne %d : les points comptent au-delà)"
                                      : "%s (always answering %s gets %d: points count above that)",
                                count, lua_tostring(L, -1), o->most);
    }
    const char *want = lua_type(L, w) == LUA_TNUMBER ? lb_push_num(L, lua_tonumber(L, w), fr, 6) : push_shown(L, w, fr);
    const char *unit = push_unit(L, o, fr);
    const char *got = push_shown(L, g, fr);
    /* The exam form says what is wrong in kind: the other answer matched, else the slip the author
     * named (which says it better than a guess from the numbers), else usine.diagnose's guess. */
    const char *why = alt ? lua_tostring(L, alt) : slip ? lua_tostring(L, slip) : push_kind(L, g, w, o, fr);
    const char *extra = !alt && slip ? lua_pushfstring(L, fr ? " ; %s" : "; %s", lua_tostring(L, slip)) : "";
    lua_pushfstring(L, fr ? "%s ; %s : attendu %s%s, reçu %s%s%s%s" : "%s; %s: expected %s%s, got %s%s%s%s",
                    count, name, want, unit, got, alt ? (fr ? " ; " : "; ") : "", alt ? why : "", extra);
    lua_pushfstring(L, fr ? "%s ; %s : %s%s" : "%s; %s: %s%s", count, name, alt || slip ? "" : (fr ? "votre valeur " : "your value "),
                    why);
    int text = lua_gettop(L) - 1;
    lua_pushvalue(L, text);
    lua_pushvalue(L, text + 1);
    lua_replace(L, top + 2);
    lua_replace(L, top + 1);
    lua_settop(L, top + 2);
}

/* The text of {fr=, en=} (or a string) at idx in one language; pushes it (nil when absent). */
static void push_lang(lua_State *L, int idx, const char *lang)
{
    if (lua_type(L, idx) == LUA_TTABLE) lua_getfield(L, idx, lang);
    else lua_pushvalue(L, idx);
    if (lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
}

int lb_usine_cases(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    cases_opts o = { .rel = 0.01 };
    if (!lua_isnoneornil(L, 4)) {
        lb_tab t = lb_table(L, 4, 4, NULL);
        static const char *const keys[] = { "rel", "abs", "unit", "exact", "slip", "classes", NULL };
        lb_keys(L, &t, keys);
        o.rel = lb_num(L, &t, "rel", 0, 0.01, 0, 1, 0);
        o.abs_tol = lb_num(L, &t, "abs", 0, 0, 0, HUGE_VAL, 0);
        o.exact = lb_bool(L, &t, "exact", 0);
        o.classes = lb_bool(L, &t, "classes", 0);
    }
    lua_settop(L, 4);
    int unit = 0, slipfn = 0;
    if (lua_type(L, 4) == LUA_TTABLE) {
        if (lua_getfield(L, 4, "unit") != LUA_TNIL) unit = lua_gettop(L);
        else lua_pop(L, 1);
        if (lua_getfield(L, 4, "slip") == LUA_TFUNCTION) slipfn = lua_gettop(L);
        else if (lua_type(L, -1) != LUA_TNIL) return luaL_argerror(L, 4, _("slip must be a function"));
        else lua_pop(L, 1);
    }
    o.unit = unit, o.slip = slipfn;
    lua_getfield(L, 1, "lang");
    const char *lang = lua_tostring(L, -1) && !strcmp(lua_tostring(L, -1), "fr") ? "fr" : "en";
    lua_pop(L, 1);
    lua_Integer total = luaL_len(L, 2);
    if (total < 1) return luaL_argerror(L, 2, _("the list of cases is empty"));

    /* the first case not wholly right: its case table, got, want and its alt's words or slip */
    int base = lua_gettop(L);
    for (int i = 0; i < 5; i++) lua_pushnil(L);
    int s_case = base + 1, s_got = base + 2, s_want = base + 3, s_alt = base + 4, s_slip = base + 5;
    lua_pushnil(L);                          /* classes: the commonest expected answer */
    int s_most = lua_gettop(L);
    int first_wrong = 0, right = 0, partly = 0, most = 0;
    double credit = 0;
    lua_newtable(L);                         /* classes: how many cases expect each answer */
    int tally = lua_gettop(L);
    for (lua_Integer i = 1; i <= total; i++) {
        int top = lua_gettop(L);
        if (lua_geti(L, 2, i) != LUA_TTABLE) return luaL_error(L, _("usine.cases: case %d is not a table"), (int)i);
        int c = top + 1;
        push_name(L, c, !strcmp(lang, "fr"));
        lua_setfield(L, 1, "case");            /* an error in try names the case */
        lua_pushvalue(L, 3);
        lua_pushvalue(L, c);
        lua_call(L, 1, 3);
        int g = top + 2, w = top + 3, alts = top + 4;
        if (o.classes && !lua_isnil(L, w) && !(lua_type(L, w) == LUA_TNUMBER && isnan(lua_tonumber(L, w)))) {
            lua_pushvalue(L, w);
            lua_pushvalue(L, w);
            lua_Integer k = (lua_rawget(L, tally) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0) + 1;
            lua_pop(L, 1);
            lua_pushinteger(L, k);
            lua_rawset(L, tally);
            if (k > most) {
                most = (int)k;
                lua_pushvalue(L, w);
                lua_replace(L, s_most);
            }
        }
        if (is_right(L, g, w, &o)) {
            right++, credit += 1;
            lua_settop(L, top);
            continue;
        }
        /* another answer that earns part of the case */
        int matched = 0;
        if (lua_type(L, alts) == LUA_TTABLE && lua_type(L, g) == LUA_TNUMBER) {
            for (lua_Integer k = 1; !matched && lua_geti(L, alts, k) == LUA_TTABLE; k++) {
                int a = lua_gettop(L);
                lua_getfield(L, a, "value");
                lua_getfield(L, a, "credit");
                double part = lua_isnil(L, -1) ? 0.5 : lua_tonumber(L, -1);
                if (lua_type(L, -2) == LUA_TNUMBER && near(lua_tonumber(L, g), lua_tonumber(L, -2), o.rel, o.abs_tol)) {
                    matched = 1;
                    credit += part > 0 && part < 1 ? part : 0.5;
                    partly++;
                    if (!first_wrong && lua_isnil(L, s_case)) {
                        lua_pushvalue(L, c), lua_replace(L, s_case);
                        lua_pushvalue(L, g), lua_replace(L, s_got);
                        lua_pushvalue(L, w), lua_replace(L, s_want);
                        lua_pushvalue(L, a), lua_replace(L, s_alt);
                    }
                }
                lua_settop(L, a - 1);
            }
            lua_settop(L, alts);
        }
        if (!matched && !first_wrong) {
            first_wrong = 1;
            lua_pushvalue(L, c), lua_replace(L, s_case);
            lua_pushvalue(L, g), lua_replace(L, s_got);
            lua_pushvalue(L, w), lua_replace(L, s_want);
            lua_pushnil(L), lua_replace(L, s_alt);
            if (slipfn) {
                lua_pushvalue(L, slipfn);
                lua_pushvalue(L, c);
                lua_pushvalue(L, g);
                lua_pushvalue(L, w);
                lua_call(L, 3, 1);
                if (lua_type(L, -1) != LUA_TNIL && lua_type(L, -1) != LUA_TTABLE && lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(L, _("usine.cases: slip must return nil, a string or {fr=, en=}"));
                lua_replace(L, s_slip);
            }
        }
        lua_settop(L, top);
    }
    lua_pushnil(L);
    lua_setfield(L, 1, "case");
    if (right == total) {
        lua_pushboolean(L, 1);
        return 1;
    }
    double share = credit / (double)total;
    if (o.classes) {
        /* credit above what always giving the most common answer would earn */
        double chance = (double)most / (double)total;
        o.most = most, o.most_value = s_most;
        share = chance < 1 ? (share - chance) / (1 - chance) : 0;
        if (share < 0) share = 0;
    }
    lua_pushnumber(L, share);
    lua_createtable(L, 0, 3);
    int msg = lua_gettop(L);
    lua_createtable(L, 0, 2);
    int exam = lua_gettop(L);
    for (int fr = 1; fr >= 0; fr--) {
        const char *code = fr ? "fr" : "en";
        int top = lua_gettop(L);
        push_name(L, s_case, fr);
        int n = top + 1, alt = 0, slip = 0;
        if (!lua_isnil(L, s_alt)) {
            lua_getfield(L, s_alt, code);
            if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, _("usine.cases: an alternative answer needs fr= and en= words"));
            alt = lua_gettop(L);
        } else if (!lua_isnil(L, s_slip)) {
            push_lang(L, s_slip, code);
            slip = lua_isnil(L, -1) ? 0 : lua_gettop(L);
        }
        push_said(L, fr, right, partly, (int)total, n, s_got, s_want, alt, slip, &o);
        lua_setfield(L, exam, code);
        lua_setfield(L, msg, code);
        lua_settop(L, top);
    }
    lua_setfield(L, msg, "exam");
    return 2;
}

/* ---- usine.reference ---------------------------------------------------------------------------- */

/* The references built into the program (references.S, made by the Makefile from
 * courses/<course>/reference/<id>.lua): {"course/id", text} pairs, ended by {NULL, NULL}. */
struct lb_builtin_reference {
    const char *name, *text;
};
extern const struct lb_builtin_reference lb_references[];

void lb_set_exercise_dir(lua_State *L, const char *dir)
{
    lua_pushstring(L, dir ? dir : "");
    lua_setfield(L, LUA_REGISTRYINDEX, LB_EXERCISE_DIR_KEY);
}

/* The built-in text of id: "course/id" for the exercise's course (its folder's name), else the
 * one reference of that id in any course. */
static const char *builtin(const char *course, const char *id)
{
    const char *any = NULL;
    for (const struct lb_builtin_reference *r = lb_references; r->name; r++) {
        const char *slash = strrchr(r->name, '/');
        const char *rid = slash ? slash + 1 : r->name;
        if (strcmp(rid, id)) continue;
        if (slash && (size_t)(slash - r->name) == strlen(course) && !strncmp(r->name, course, strlen(course)))
            return r->text;
        if (!any) any = r->text;
    }
    return any;
}

int lb_usine_reference(lua_State *L)
{
    if (lb_untrusted(L)) return luaL_error(L, _("usine.reference is the teacher's: submissions cannot use it"));
    const char *id = luaL_checkstring(L, 1);
    for (const char *p = id; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '_')
            return luaL_argerror(L, 1, _("an exercise id: lower-case letters, digits, - and _"));
    if (!*id) return luaL_argerror(L, 1, _("an exercise id: lower-case letters, digits, - and _"));
    if (lua_getfield(L, LUA_REGISTRYINDEX, LB_REFS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, LB_REFS_KEY);
    }
    int cache = lua_gettop(L);
    if (lua_getfield(L, cache, id) == LUA_TTABLE) return 1;
    lua_pop(L, 1);

    lua_getfield(L, LUA_REGISTRYINDEX, LB_EXERCISE_DIR_KEY);
    const char *dir = lua_tostring(L, -1) ? lua_tostring(L, -1) : "";
    const char *slash = strrchr(dir, '/');
    const char *course = slash ? slash + 1 : dir;
    char path[4096], why[256];
    snprintf(path, sizeof path, "%s%sreference/%s.lua", dir, *dir ? "/" : "", id);
    char *text = NULL;
    size_t len = 0;
    int from_file = *dir && ut_read_file(path, 1 << 20, &text, &len, why, sizeof why) == 0;
    const char *src = from_file ? text : builtin(course, id);
    if (!src) {
        free(text);
        return luaL_error(L, _("usine.reference: no reference '%s': neither %s nor a copy built into usine"), id, path);
    }
    char chunk[300];
    snprintf(chunk, sizeof chunk, "@reference/%s.lua", id);
    int st = luaL_loadbufferx(L, src, from_file ? len : strlen(src), chunk, "t");
    free(text);
    if (st != LUA_OK) return lua_error(L);
    lua_call(L, 0, 1);                       /* in the global (trusted) environment of the state */
    if (lua_type(L, -1) != LUA_TTABLE)
        return luaL_error(L, _("reference/%s.lua must return a table (it returned %s)"), id, luaL_typename(L, -1));
    lua_pushvalue(L, -1);
    lua_setfield(L, cache, id);
    return 1;
}
