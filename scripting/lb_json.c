/* lb_json.c: usine.json(text), a JSON text as Lua values, for checks that read what a student
 * pasted from a command's --json output (the mpi exercise reads `usine train --mpi --json`).
 *
 * Objects become tables with string keys, arrays sequences from 1, true and false booleans,
 * numbers integers where they are whole and exact in a double (|x| < 2^53), else floats; null
 * becomes nil, so an array holding null has a hole there. A text that is not JSON returns nil and
 * a message naming its line and column; nothing raises but a wrong argument. cJSON parses (its
 * nesting limit, 1,000, holds the C stack); the Lua stack grows one slot per level. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lb.h"
#include "lb_int.h"
#include "util.h"

static int push_json(lua_State *L, const cJSON *j)
{
    if (!lua_checkstack(L, 4)) return -1;
    if (cJSON_IsObject(j)) {
        lua_newtable(L);
        for (const cJSON *c = j->child; c; c = c->next) {
            if (push_json(L, c) != 0) return -1;
            lua_setfield(L, -2, c->string ? c->string : "");
        }
    } else if (cJSON_IsArray(j)) {
        lua_newtable(L);
        lua_Integer i = 0;
        for (const cJSON *c = j->child; c; c = c->next) {
            if (push_json(L, c) != 0) return -1;
            lua_seti(L, -2, ++i);
        }
    } else if (cJSON_IsString(j)) {
        lua_pushstring(L, j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        double x = j->valuedouble;
        if (isfinite(x) && x == floor(x) && fabs(x) < 9007199254740992.0)
            lua_pushinteger(L, (lua_Integer)x);
        else
            lua_pushnumber(L, x);
    } else if (cJSON_IsBool(j)) {
        lua_pushboolean(L, cJSON_IsTrue(j));
    } else {
        lua_pushnil(L);
    }
    return 0;
}

/* Line and column (from 1) of byte `at` in text. */
static void where(const char *text, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && text[i]; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

int lb_usine_json(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j) {
        int line, col;
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        where(text, at, &line, &col);
        lua_pushnil(L);
        size_t k = 0;
        while (k < len && strchr(" \t\r\n", text[k])) k++;
        if (k >= len)
            lua_pushstring(L, _("not JSON: the text is empty"));
        else
            lua_pushfstring(L, _("not JSON: line %d, column %d"), line, col);
        return 2;
    }
    /* Anything but blanks after the value is an error too (cJSON stops at the value's end). */
    size_t at = (size_t)(end - text);
    while (at < len && strchr(" \t\r\n", text[at])) at++;
    if (at < len) {
        int line, col;
        where(text, at, &line, &col);
        cJSON_Delete(j);
        lua_pushnil(L);
        lua_pushfstring(L, _("not JSON: line %d, column %d: text after the value"), line, col);
        return 2;
    }
    int top = lua_gettop(L);
    int rc = push_json(L, j);
    cJSON_Delete(j);
    if (rc != 0) {
        lua_settop(L, top);
        lua_pushnil(L);
        lua_pushstring(L, _("not JSON that fits: nested too deeply"));
        return 2;
    }
    return 1;
}
