-- expect: survived
-- A variadic function's kinds cache (its upvalue) reached with debug.getupvalue and abused: its
-- __gc run by hand between calls, user values set, the block passed as an argument; kinds that
-- fill the cache, struct instances where pointers were cached, callbacks re-entering. Each call
-- works or is an error; never a crash.
local ffi = require("ffi")
ffi.cdef("int snprintf(char *buf, size_t n, const char *fmt, ...);")
ffi.cdef("struct VK { double a; };")
local b = ffi.buffer(256)
local f = ffi.C.snprintf
local kinds = { 1, 2.5, "s", true, b, ffi.pointer(8), ffi.new("int[2]"), ffi.new("struct VK"), {}, print, nil }
-- Every pair of kinds, twice: fills the cache (16 entries) and goes past it.
for round = 1, 2 do
  for i = 1, #kinds + 1 do
    for j = 1, #kinds + 1 do
      pcall(f, b, 256, "%.0s%.0s", kinds[i], kinds[j])
    end
  end
end
-- A struct where a pointer is cached, in every position.
for _ = 1, 3 do
  assert(pcall(f, b, 256, "%p", b))
  assert(not pcall(f, b, 256, "%p", ffi.new("struct VK")))
end
-- The upvalue: a userdata with a __gc; run it by hand, set its user values, pass it along.
local _, block = debug.getupvalue(f, 1)
pcall(debug.setuservalue, block, {}, 1)
pcall(f, b, 256, "%p", block)
local mt = debug.getmetatable(block)
pcall(mt.__gc, b)
pcall(mt.__gc, 1)
pcall(mt.__gc, block)
pcall(mt.__gc, block)
for _ = 1, 3 do assert(not pcall(f, b, 256, "%d", 1)) end
-- A fresh lookup after a cdef binds a new value: it works.
ffi.cdef("int snprintf(char *buf, size_t n, const char *fmt, ...);")
local g = ffi.C.snprintf
assert(g(b, 256, "%s %lld", "still", 1) == 7 and b:readString(0) == "still 1")
-- Re-entry: a qsort comparator calls the same variadic function with new kinds each time.
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
local n = 0
local cmp = ffi.callback(function(x, y)
  n = n + 1
  local args = {}
  for k = 1, n % 12 do args[k] = (k % 2 == 0) and k or k + 0.5 end
  g(b, 256, "%g", table.unpack(args))
  return ffi.cast(x, "int") - ffi.cast(y, "int")
end, "int", { "pointer", "pointer" })
local arr = ffi.buffer(4 * 64)
for k = 0, 63 do arr:write(4 * k, "i32", (k * 37) % 64) end
qsort(arr, 64, 4, cmp)
for k = 1, 63 do assert(arr:read(4 * k, "i32") >= arr:read(4 * (k - 1), "i32")) end
assert(g(b, 256, "%s %lld", "still", 2) == 7 and b:readString(0) == "still 2")
-- From coroutines (each its own Lua stack), deep in calls and with the stack grown between calls.
local function deep(n, ...) if n == 0 then return g(b, 256, "%s %lld %g", ...) end return deep(n - 1, ...) end
for depth = 0, 200, 50 do
  local co = coroutine.wrap(function(...)
    local r = deep(depth, ...)
    coroutine.yield(r)
    return deep(depth, "again", 3, 0.25)
  end)
  assert(co("co", depth, 1.5) == #("co " .. depth .. " 1.5") and co() == #"again 3 0.25")
end
print("survived")
