-- Lua functions passed where C takes a function pointer: bad results, errors, yields, and refusals;
-- each a clear error, and the runtime keeps working.
-- expect: temporary callbacks survived
local ffi = require("ffi")
ffi.cdef[[void qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *));
          void *memset(void *s, int c, size_t n);]]
local v = ffi.new("int[8]", { 8, 7, 6, 5, 4, 3, 2, 1 })
local function fails(pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "accepted: " .. pattern)
  assert(tostring(err):find(pattern, 1, true), tostring(err))
end
fails("bad result from callback", ffi.C.qsort, v, 8, 4, function() return "seven" end)
fails("boom", ffi.C.qsort, v, 8, 4, function() error("boom") end)
fails("cannot yield inside callback", coroutine.wrap(function() ffi.C.qsort(v, 8, 4, function() coroutine.yield() end) end))
fails("bad argument #1 to 'memset' (pointer expected, got function)", ffi.C.memset, function() end, 0, 4)
fails("bad argument #4 to 'qsort'", ffi.C.qsort, v, 8, 4, setmetatable({}, { __call = function() return 0 end }))
-- a comparator that replaces itself mid-sort and collects garbage
for _ = 1, 200 do
  ffi.C.qsort(v, 8, 4, function(a, b) collectgarbage("step") return ffi.cast(a, "i32") - ffi.cast(b, "i32") end)
end
assert(v[0] == 1 and v[7] == 8)
io.stderr:write("temporary callbacks survived\n")
