-- Temporary callbacks of calls that raised inside coroutines that then died leave nothing behind, and
-- calls with temporaries deep in the Lua stack cost what they cost at the top.
-- expect: temporaries released
local ffi = require("ffi")
ffi.cdef[[
  void qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *));
  void qsort_r(void *base, size_t n, size_t size, int (*compar)(const void *, const void *, void *), void *arg);
  int abs(int);
]]
local v = ffi.new("int[4]", { 3, 1, 4, 2 })
local cmp = function(a, b) return ffi.cast(a, "i32") - ffi.cast(b, "i32") end
-- a bad last argument: the call raises after its comparator became a callback, and the coroutine dies
for i = 1, 20000 do
  local co = coroutine.create(function() ffi.C.qsort_r(v, 4, 4, cmp, {}) end)
  local ok, err = coroutine.resume(co)
  assert(not ok and err:find("bad argument #5", 1, true), err)
end
collectgarbage(); collectgarbage()
local t = os.clock()
for i = 1, 20000 do ffi.C.abs(-i) end
local plain = os.clock() - t
assert(plain < 1.0, ("20000 abs() calls took %.3f s"):format(plain))
local function deep(n)
  if n > 0 then return (deep(n - 1)) end
  local t0 = os.clock()
  for i = 1, 300 do ffi.C.qsort(v, 4, 4, cmp) end
  return os.clock() - t0
end
local top, bottom = deep(0), deep(150000)
assert(bottom < 2.0 + 20 * top, ("300 calls at depth 150000 took %.3f s (%.3f s at the top)"):format(bottom, top))
assert(v[0] == 1 and v[3] == 4)
print("temporaries released")
