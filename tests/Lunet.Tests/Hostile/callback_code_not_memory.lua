-- A callback's code is no memory: ffi.cast, ffi.string, views and the Buffer and instance methods refuse it, whatever its metatable; it stays a function pointer.
-- expect: callback code is no memory
local ffi = require("ffi")
ffi.cdef("struct W { int a; int b; };")
local cb = ffi.callback(function() return 7 end, "int", {})
local function refused(what, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok and tostring(err):find("extent is not known", 1, true), what .. ": " .. tostring(err))
end
refused("cast to a struct", ffi.cast, cb, "struct W")
refused("a field written", function() ffi.cast(cb, "struct W").a = 1 end)
refused("16 MiB string", ffi.string, cb, 16 << 20)
refused("C string", ffi.string, cb)
refused("16 MiB view", ffi.cast, cb, "uint8_t[16777216]")
refused("scalar", ffi.cast, cb, "int32_t")
refused("string cast", ffi.cast, cb, "string")

-- The Buffer metatable moved onto it: the methods see a callback, not an empty Buffer.
local bufmt = debug.getmetatable(ffi.buffer(1))
debug.setmetatable(cb, bufmt)
for _, f in ipairs({
  function() return cb:readBytes(0, 16 << 20) end,
  function() return cb:read(0, "i32") end,
  function() return cb:write(0, "i32", 1) end,
  function() return cb:readString() end,
  function() return cb:zero() end,
  function() return cb:slice(0, 16) end,
  function() return cb.size end,
  function() return cb.ptr end,
  function() return #cb end,
}) do
  local ok, err = pcall(f)
  assert(not ok and err:find("Buffer expected", 1, true), tostring(err))
end
local ok, err = pcall(ffi.buffer(64).writeBytes, ffi.buffer(64), 0, cb)
assert(not ok and err:find("string expected", 1, true), tostring(err))
assert(ffi.sizeof("int") == 4)
ok = pcall(ffi.sizeof, cb)
assert(not ok)

-- The instance metatable moved onto it: no field reads or writes.
debug.setmetatable(cb, debug.getmetatable(ffi.new("struct W")))
ok, err = pcall(function() return cb.a end)
assert(not ok and err:find("instance expected", 1, true), tostring(err))
ok, err = pcall(function() cb.a = 1 end)
assert(not ok and err:find("instance expected", 1, true), tostring(err))

-- Stored into a struct as a value: refused; as a pointer it is an address, not memory read.
local w = ffi.new("struct W")
ok = pcall(function() w.a = cb end)
assert(not ok)

-- Still what it is: a C function pointer C can call.
local qsort = ffi.C:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
local cmp = ffi.callback(function(a, b) return ffi.cast(a, "i32") - ffi.cast(b, "i32") end, "int", { "pointer", "pointer" })
local data = ffi.buffer(12)
data:write(0, "i32", 3); data:write(4, "i32", 1); data:write(8, "i32", 2)
qsort(data, 3, 4, cmp)
assert(data:read(0, "i32") == 1 and data:read(8, "i32") == 3)
print("callback code is no memory")
