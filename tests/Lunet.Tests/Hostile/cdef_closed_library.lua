-- What lib:cdef bound, used after the library was closed or collected: calls raise, views of
-- the library's variables still read its (still mapped) memory, nothing crashes.
-- expect: cannot call 'add'
-- expect: survived
local ffi = require('ffi')
local path = os.getenv('LUNET_TESTLIB')
local function try(f, ...) local ok, e = pcall(f, ...); assert(not ok and type(e) == 'string', tostring(e)); return e end
local decls = [[
  struct cdef_point { int32_t x, y; };
  int add(int, int); extern int32_t CDEF_TABLE[4]; extern struct cdef_point CDEF_ORIGIN; extern int MY_MAGIC_INT;
  int64_t cdef_point_sum(const struct cdef_point *p);
]]

local t = ffi.open(path)
t:cdef(decls)
local add, view, origin, magic = t.add, t.CDEF_TABLE, t.CDEF_ORIGIN, t.MY_MAGIC_INT
t:close()
t:close()
io.stderr:write(try(add, 1, 2), '\n')
try(t.cdef_point_sum, origin)
try(t.cdef, t, decls)
-- The views read and write the library's memory, which close() left mapped for them.
assert(view[3] == 40 and origin.y == -4 and magic == 69)
view[0] = 11
assert(view[0] == 11 and #view == 4)
t = nil
for _ = 1, 3 do collectgarbage() end
assert(view[0] == 11 and origin.x == 3)
try(add, 1, 2)

-- Collected without close(): the views keep the library; the last of them lets it go.
do
  local u = ffi.open(path)
  u:cdef(decls)
  view = u.CDEF_TABLE
end
for _ = 1, 3 do collectgarbage() end
assert(view[1] == 20)
view = nil
for _ = 1, 3 do collectgarbage() end

-- A finalizer brings back a bound function and a view after their library went away.
local kept
do
  local u = ffi.open(path)
  u:cdef(decls)
  setmetatable({}, { __gc = function() kept = { u.add, u.CDEF_ORIGIN } end })
end
u = nil
for _ = 1, 4 do collectgarbage() end
if kept then
  pcall(kept[1], 1, 2)
  pcall(function() return kept[2].y end)   -- finalized with its library: an error, never a read of unmapped memory
end
kept = nil
for _ = 1, 3 do collectgarbage() end

-- The library's handle finalized by hand, then every object but a view collected.
do
  local u = ffi.open(path)
  u:cdef(decls)
  view = u.CDEF_TABLE
  local _, handle = debug.getupvalue(u.call, 1)
  debug.getmetatable(handle).__gc(handle)
end
for _ = 1, 4 do collectgarbage() end
assert(view[2] == 30)
print('survived')
