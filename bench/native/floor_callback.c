/* Callback floors: C calling a Lua function through the Lua C API by hand, the least any
   callback mechanism can cost on this VM. The benchmark compares ffi.callback with these.
   Also the C side of the ffi rows: a loop calling an int(int) function pointer.
   Prototypes as in floor.c (no Lua headers ship with KeraLua); linked by soname. */
#include <stdint.h>
#include <stdlib.h>

typedef struct lua_State lua_State;
typedef long long lua_Integer;
typedef intptr_t lua_KContext;
typedef int (*lua_KFunction)(lua_State *L, int status, lua_KContext ctx);

void lua_settop(lua_State *L, int idx);
void lua_pushvalue(lua_State *L, int idx);
void lua_pushinteger(lua_State *L, lua_Integer n);
void lua_pushlightuserdata(lua_State *L, void *p);
lua_Integer lua_tointegerx(lua_State *L, int idx, int *isnum);
void *lua_touserdata(lua_State *L, int idx);
void lua_callk(lua_State *L, int nargs, int nresults, lua_KContext ctx, lua_KFunction k);
lua_Integer luaL_checkinteger(lua_State *L, int arg);

/* The ffi rows' C: sum of f(i) for i in [0, n). */
int64_t cb_loop(int (*f)(int), int n)
{
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += f(i);
    return s;
}

/* floor_cb_loop(fn, n): the same loop, each call a lua_call of fn(i) from C. */
int floor_cb_loop(lua_State *L)
{
    int n = (int)luaL_checkinteger(L, 2);
    lua_Integer s = 0;
    for (int i = 0; i < n; i++)
    {
        lua_pushvalue(L, 1);
        lua_pushinteger(L, i);
        lua_callk(L, 1, 1, 0, NULL);
        s += (int)lua_tointegerx(L, -1, NULL);
        lua_settop(L, -2);
    }
    lua_pushinteger(L, s);
    return 1;
}

/* floor_qsort(base, n, cmp): libc qsort with a C comparator that lua_calls cmp(a, b)
   (two pointers, as the ffi passes them); returns the number of comparisons. */
static lua_State *qsort_state;
static long comparisons;

static int floor_compare(const void *a, const void *b)
{
    lua_State *L = qsort_state;
    comparisons++;
    lua_pushvalue(L, 3);
    lua_pushlightuserdata(L, (void *)a);
    lua_pushlightuserdata(L, (void *)b);
    lua_callk(L, 2, 1, 0, NULL);
    int r = (int)lua_tointegerx(L, -1, NULL);
    lua_settop(L, -2);
    return r;
}

int floor_qsort(lua_State *L)
{
    void *base = lua_touserdata(L, 1);
    size_t n = (size_t)luaL_checkinteger(L, 2);
    qsort_state = L;
    comparisons = 0;
    qsort(base, n, 4, floor_compare);
    lua_pushinteger(L, comparisons);
    return 1;
}
