-- Instances attacked through their metatable: metamethods called on other values, the metatable moved
-- onto a Buffer, init tables whose metamethods raise, huge arrays.
-- expect: done
local ffi = require("ffi")
local P = ffi.struct("struct P { int x; char name[4]; int a[3]; }")
local p = P{ x = 1 }
local mt = debug.getmetatable(p)
for _, f in pairs(mt) do
  if type(f) == "function" then
    for _, v in ipairs({ 1, "x", {}, ffi.buffer(64), ffi.buffer(0), ffi.nullptr, P }) do pcall(f, v, "x", 1) end
  end
end
local b = ffi.buffer(64)
debug.setmetatable(b, mt)
assert(not pcall(function() return b.x end))
assert(mt.__gc == nil) -- an instance owns nothing a finalizer would free
local hostile = setmetatable({}, { __index = function() error("no") end, __pairs = function() error("no") end, __len = function() error("no") end })
assert(P(hostile).x == 0)
assert(not pcall(P, { a = hostile, x = "y" }))
assert(not pcall(ffi.new, "int[100000000000]"))
local arr = ffi.new("int[3]")
for _, i in ipairs({ -1, 3, math.maxinteger, math.mininteger, 2^63, 0/0 }) do
  assert(not pcall(function() return arr[i] end))
  assert(not pcall(function() arr[i] = 1 end))
end
collectgarbage(); collectgarbage()
print("done")
