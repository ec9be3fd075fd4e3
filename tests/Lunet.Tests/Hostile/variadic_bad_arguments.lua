-- expect: survived
-- A declared variadic function called with anything: every bad value is an error, never a crash.
local ffi = require("ffi")
ffi.cdef("int snprintf(char *buf, size_t n, const char *fmt, ...);")
local b = ffi.buffer(64)
ffi.cdef("struct VQ { double a, b; };")
local values = { {}, print, coroutine.create(print), ffi.new("struct VQ"), ffi.new("int[4]"), b, ffi.pointer(0),
  math.huge, -math.huge, 0/0, math.mininteger, math.maxinteger, true, false, ("x"):rep(100000), "" }
for i = 1, #values do
  for j = 1, #values do
    pcall(ffi.C.snprintf, b, 64, "%.0s", values[i], values[j])
    pcall(ffi.C.snprintf, values[i], 64, "%d", values[j])
  end
end
local many = {}
for i = 1, 300 do many[i] = i end
assert(not pcall(ffi.C.snprintf, b, 64, "%d", table.unpack(many)))
local mt = debug.getmetatable(ffi.C.snprintf)
assert(ffi.C.snprintf(b, 64, "%s %d", "still", 1) == 7 and b:readString(0) == "still 1")
print("survived")
