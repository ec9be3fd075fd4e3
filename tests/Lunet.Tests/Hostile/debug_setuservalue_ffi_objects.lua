-- A view or slice keeps what owns its bytes alive through its user value: debug.setuservalue refuses
-- the ffi's objects (once a view read a freed Buffer: SIGSEGV), and keeps lua's behaviour elsewhere.
-- expect: user values kept
local ffi = require("ffi")
ffi.cdef("struct W { int a[4096]; };")
local function refused(obj)
  local ok, err = pcall(debug.setuservalue, obj, nil, 1)
  assert(not ok and err:find("user values of the ffi's objects cannot be changed", 1, true), tostring(err))
end
local b = ffi.buffer(1 << 20)
local v = b:read(0, "struct W")
local s = b:slice(0, 64)
refused(v); refused(s); refused(b); refused(ffi.new("struct W"))
refused(ffi.callback(function() end, "void", {}))
b = nil
collectgarbage(); collectgarbage()
for i = 1, 50 do local _ = ffi.buffer(1 << 20) end
collectgarbage()
v.a[5] = 1
assert(v.a[5] == 1 and s:read(20, "i32") == 1)
-- any other userdata: lua's own
local u = io.tmpfile()
assert(debug.setuservalue(u, 42, 1) == u or debug.setuservalue(u, 42, 1) == nil)
local ok, err = pcall(debug.setuservalue, 1, 2)
assert(not ok and err:find("userdata expected", 1, true), err)
ok, err = pcall(debug.setuservalue, u)
assert(not ok and err:find("value expected", 1, true), err)
print("user values kept")
