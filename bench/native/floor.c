/* The floor: the same work as benchlib.c + the ffi, written by hand as Lua C
   functions against the Lua 5.4 C API. Nothing can be cheaper from a Lua loop on
   this VM, so the benchmark reports every ffi call shape as a multiple of these.

   KeraLua ships liblua54.so without headers, so the few prototypes needed are
   declared here with exactly the Lua 5.4 signatures (lua_Integer = long long,
   lua_Number = double, lua_KContext = intptr_t). Link against KeraLua's
   liblua54.so by soname so the copy the runtime already loaded is the one used. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct lua_State lua_State;
typedef long long lua_Integer;
typedef double lua_Number;

#define LUA_TNIL 0
#define LUA_TLIGHTUSERDATA 2
#define LUA_TNUMBER 3
#define LUA_TSTRING 4
#define LUA_TUSERDATA 7

int lua_gettop(lua_State *L);
int lua_type(lua_State *L, int idx);
lua_Integer lua_tointegerx(lua_State *L, int idx, int *isnum);
lua_Number lua_tonumberx(lua_State *L, int idx, int *isnum);
const char *lua_tolstring(lua_State *L, int idx, size_t *len);
void *lua_touserdata(lua_State *L, int idx);
size_t lua_rawlen(lua_State *L, int idx);
void lua_pushinteger(lua_State *L, lua_Integer n);
void lua_pushnumber(lua_State *L, lua_Number n);
void lua_pushlightuserdata(lua_State *L, void *p);
const char *lua_pushlstring(lua_State *L, const char *s, size_t len);
void *lua_newuserdatauv(lua_State *L, size_t sz, int nuvalue);
lua_Integer luaL_checkinteger(lua_State *L, int arg);
lua_Number luaL_checknumber(lua_State *L, int arg);
int luaL_argerror(lua_State *L, int arg, const char *extramsg);
int luaL_error(lua_State *L, const char *fmt, ...);
void lua_pushvalue(lua_State *L, int idx);
int lua_setmetatable(lua_State *L, int objindex);
void lua_pushcclosure(lua_State *L, int (*fn)(lua_State *L), int n);

#define LUA_REGISTRYINDEX (-1000000 - 1000)
#define lua_upvalueindex(i) (LUA_REGISTRYINDEX - (i))

int floor_noop(lua_State *L) { (void)L; return 0; }

int floor_add_i32(lua_State *L)
{
    int a = (int)luaL_checkinteger(L, 1);
    int b = (int)luaL_checkinteger(L, 2);
    lua_pushinteger(L, (lua_Integer)(a + b));
    return 1;
}

int floor_add_f64(lua_State *L)
{
    double a = luaL_checknumber(L, 1);
    double b = luaL_checknumber(L, 2);
    lua_pushnumber(L, a + b);
    return 1;
}

int floor_add6_i64(lua_State *L)
{
    lua_Integer s = 0;
    for (int i = 1; i <= 6; i++) s += luaL_checkinteger(L, i);
    lua_pushinteger(L, s);
    return 1;
}

int floor_strlen(lua_State *L)
{
    const char *s = lua_tolstring(L, 1, NULL);
    if (s == NULL) return luaL_argerror(L, 1, "string expected");
    lua_pushinteger(L, (lua_Integer)strlen(s));
    return 1;
}

int floor_id_ptr(lua_State *L)
{
    lua_pushlightuserdata(L, lua_touserdata(L, 1));
    return 1;
}

/* ptr_read(buf): the memory of a full userdata as the pointer argument. */
int floor_ptr_read(lua_State *L)
{
    const int *p = lua_touserdata(L, 1);
    if (p == NULL) return luaL_argerror(L, 1, "userdata expected");
    lua_pushinteger(L, *p);
    return 1;
}

/* Buffer floors: a full userdata of n bytes, bounds-checked like a Buffer. */
int floor_newbuf(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    memset(lua_newuserdatauv(L, (size_t)n, 0), 0, (size_t)n);
    return 1;
}

static unsigned char *floor_at(lua_State *L, size_t width)
{
    unsigned char *p = lua_touserdata(L, 1);
    if (p == NULL || lua_type(L, 1) != LUA_TUSERDATA) { luaL_argerror(L, 1, "buffer expected"); return NULL; }
    lua_Integer off = luaL_checkinteger(L, 2);
    if (off < 0 || (size_t)off + width > lua_rawlen(L, 1)) { luaL_error(L, "out of bounds"); return NULL; }
    return p + off;
}

/* buf:read(off, "i32"): the type argument is accepted but not parsed. */
int floor_buf_read_i32(lua_State *L)
{
    int32_t v;
    memcpy(&v, floor_at(L, 4), 4);
    lua_pushinteger(L, v);
    return 1;
}

/* buf:write(off, "i32", v) */
int floor_buf_write_i32(lua_State *L)
{
    unsigned char *at = floor_at(L, 4);
    int32_t v = (int32_t)luaL_checkinteger(L, 4);
    memcpy(at, &v, 4);
    return 0;
}

/* buf:readBytes(off, 16) */
int floor_buf_read_bytes(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 3);
    unsigned char *at = floor_at(L, (size_t)n);
    lua_pushlstring(L, (const char *)at, (size_t)n);
    return 1;
}

/* Struct floors: struct { double x, y; } as a full userdata with a metatable, the way a
   hand-written binding does it: __index / __newindex compare the key string. */
typedef struct { double x, y; } floor_point;

static floor_point *floor_point_self(lua_State *L)
{
    floor_point *p = lua_touserdata(L, 1);
    if (p == NULL || lua_type(L, 1) != LUA_TUSERDATA || lua_rawlen(L, 1) < sizeof *p)
        luaL_argerror(L, 1, "point expected");
    return p;
}

static double *floor_point_field(lua_State *L, floor_point *p)
{
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, NULL) : NULL;
    if (k != NULL && strcmp(k, "x") == 0) return &p->x;
    if (k != NULL && strcmp(k, "y") == 0) return &p->y;
    luaL_error(L, "point has no such field");
    return NULL;
}

/* p.x */
int floor_point_index(lua_State *L)
{
    lua_pushnumber(L, *floor_point_field(L, floor_point_self(L)));
    return 1;
}

/* p.x = v */
int floor_point_newindex(lua_State *L)
{
    double *at = floor_point_field(L, floor_point_self(L));
    *at = luaL_checknumber(L, 3);
    return 0;
}

/* new(): a zero-filled point with the metatable held in upvalue 1. */
static int floor_point_new(lua_State *L)
{
    floor_point *p = lua_newuserdatauv(L, sizeof *p, 0);
    memset(p, 0, sizeof *p);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setmetatable(L, -2);
    return 1;
}

/* floor_point_constructor(mt): the new() closure over mt. */
int floor_point_constructor(lua_State *L)
{
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, floor_point_new, 1);
    return 1;
}

/* a[i] on an int array userdata (floor_newbuf(4 * n)): an integer key, bounds-checked. */
static int *floor_int_element(lua_State *L)
{
    int *a = lua_touserdata(L, 1);
    if (a == NULL || lua_type(L, 1) != LUA_TUSERDATA) { luaL_argerror(L, 1, "array expected"); return NULL; }
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 0 || (size_t)i >= lua_rawlen(L, 1) / sizeof(int)) { luaL_error(L, "index out of bounds"); return NULL; }
    return a + i;
}

int floor_int_array_index(lua_State *L)
{
    lua_pushinteger(L, *floor_int_element(L));
    return 1;
}

/* a[i] = v */
int floor_int_array_newindex(lua_State *L)
{
    int *at = floor_int_element(L);
    *at = (int)luaL_checkinteger(L, 3);
    return 0;
}

/* snprintf(buf, n, fmt, i, s, d): the variadic row's floor, the six arguments read from the
   Lua stack as a hand-written binding would (buf a full userdata of at least n bytes). */
int floor_snprintf(lua_State *L)
{
    char *buf = lua_touserdata(L, 1);
    if (buf == NULL || lua_type(L, 1) != LUA_TUSERDATA) return luaL_argerror(L, 1, "buffer expected");
    lua_Integer n = luaL_checkinteger(L, 2);
    if (n < 0 || (size_t)n > lua_rawlen(L, 1)) return luaL_argerror(L, 2, "size out of range");
    const char *fmt = lua_tolstring(L, 3, NULL);
    if (fmt == NULL) return luaL_argerror(L, 3, "string expected");
    lua_Integer i = luaL_checkinteger(L, 4);
    const char *s = lua_tolstring(L, 5, NULL);
    if (s == NULL) return luaL_argerror(L, 5, "string expected");
    lua_Number d = luaL_checknumber(L, 6);
    lua_pushinteger(L, snprintf(buf, (size_t)n, fmt, i, s, d));
    return 1;
}

/* sum_va(n, ...): the sum of n integers after n, as a Lua C function. */
int floor_sum_va(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1), s = 0;
    for (lua_Integer i = 0; i < n; i++) s += luaL_checkinteger(L, (int)(2 + i));
    lua_pushinteger(L, s);
    return 1;
}

/* ffi.errno()'s floor: errno read and pushed by a Lua C function. */
int floor_errno(lua_State *L)
{
    lua_pushinteger(L, errno);
    return 1;
}
