/* Structs by value: the C function the ffi calls (vec2_add) and its floor, the same work
   written by hand as a Lua C function: two full userdata holding a struct Vec2 in, a new
   full userdata holding their sum out. Linked by soname against the liblua54.so the
   runtime loaded (see floor.c). */
#include <stddef.h>

typedef struct lua_State lua_State;
typedef double lua_Number;

void *lua_touserdata(lua_State *L, int idx);
void *lua_newuserdatauv(lua_State *L, size_t sz, int nuvalue);
lua_Number luaL_checknumber(lua_State *L, int arg);
int luaL_argerror(lua_State *L, int arg, const char *extramsg);

typedef struct Vec2 { double x, y; } Vec2;

Vec2 vec2_add(Vec2 a, Vec2 b) { Vec2 r = { a.x + b.x, a.y + b.y }; return r; }

/* floor_vec2_new(x, y): a full userdata holding a Vec2. */
int floor_vec2_new(lua_State *L)
{
    double x = luaL_checknumber(L, 1), y = luaL_checknumber(L, 2);
    Vec2 *v = lua_newuserdatauv(L, sizeof(Vec2), 0);
    v->x = x;
    v->y = y;
    return 1;
}

/* floor_vec2_add(a, b): a new full userdata holding a + b (gcc inlines vec2_add here). */
int floor_vec2_add(lua_State *L)
{
    const Vec2 *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
    if (a == NULL) return luaL_argerror(L, 1, "Vec2 expected");
    if (b == NULL) return luaL_argerror(L, 2, "Vec2 expected");
    Vec2 *r = lua_newuserdatauv(L, sizeof(Vec2), 0);
    *r = vec2_add(*a, *b);
    return 1;
}

/* floor_vec2_add_called(a, b): the same, calling vec2_add as a binding of a library must, out of
   line (through a pointer the compiler cannot see through), so the floor pays the callee's own code
   as the ffi does: vec2_add's -O2 code stores its two arguments and reloads them as one 16-byte
   value, a store-forwarding stall that the inlined floor never meets. */
static Vec2 (*volatile vec2_add_out_of_line)(Vec2, Vec2) = vec2_add;

int floor_vec2_add_called(lua_State *L)
{
    const Vec2 *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
    if (a == NULL) return luaL_argerror(L, 1, "Vec2 expected");
    if (b == NULL) return luaL_argerror(L, 2, "Vec2 expected");
    Vec2 *r = lua_newuserdatauv(L, sizeof(Vec2), 0);
    *r = vec2_add_out_of_line(*a, *b);
    return 1;
}
