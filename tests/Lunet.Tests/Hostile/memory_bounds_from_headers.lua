-- Sizes and kinds come from an object's header, never its metatable: removed, swapped or moved, the bounds hold.
-- expect: bounds come from headers
local ffi = require("ffi")
ffi.cdef("struct W { int a; int b; };")
local bufmt = debug.getmetatable(ffi.buffer(1))
local instmt = debug.getmetatable(ffi.new("struct W"))

-- A Buffer without its metatable is still a 16-byte Buffer.
local buf = ffi.buffer(16)
buf:writeString(0, "hello")
debug.setmetatable(buf, nil)
local ok, err = pcall(ffi.string, buf, 4096)
assert(not ok and err:find("out of bounds", 1, true), tostring(err))
assert(ffi.string(buf) == "hello")
assert(#ffi.string(buf, 16) == 16)
assert(ffi.sizeof(buf) == 16)
ok, err = pcall(ffi.cast, buf, "uint8_t[4096]")
assert(not ok and err:find("out of bounds", 1, true), tostring(err))
assert(ffi.cast(buf, "uint8_t[16]")[0] == 104)
assert(bufmt.__index(buf, "size") == 16)
ok, err = pcall(bufmt.__index(buf, "readBytes"), buf, 0, 4096)
assert(not ok and err:find("out of bounds", 1, true), tostring(err))

-- A slice too.
local slice = ffi.buffer(64):slice(8, 8)
debug.setmetatable(slice, nil)
ok = pcall(ffi.string, slice, 9)
assert(not ok)

-- An instance given the Buffer metatable is no Buffer: no read at its tag's "size".
local w = ffi.new("struct W")
debug.setmetatable(w, bufmt)
for _, f in ipairs({
  function() return w:read(4096, "i32") end,
  function() return w:readBytes(4096, 4) end,
  function() return w:readBytes(0, 4096) end,
  function() return w:write(4096, "i32", 1) end,
  function() return w:writeBytes(4096, "x") end,
  function() return w:readString(4096) end,
  function() return w:slice(0, 4096) end,
  function() return w:zero() end,
  function() return w.size end,
  function() return #w end,
  function() return tostring(w) end,
}) do
  ok, err = pcall(f)
  assert(not ok and err:find("Buffer expected", 1, true), tostring(err))
end
-- ... and keeps its own bounds elsewhere.
ok, err = pcall(ffi.string, w, 4096)
assert(not ok and err:find("object of 8 bytes", 1, true), tostring(err))
ok, err = pcall(ffi.read, w)
assert(not ok and err:find("Buffer expected", 1, true), tostring(err))
ok, err = pcall(ffi.write, "x", w)
assert(not ok and err:find("Buffer expected", 1, true), tostring(err))
ok, err = pcall(ffi.buffer(4).writeBytes, ffi.buffer(4), 0, w)
assert(not ok and err:find("string expected", 1, true), tostring(err))

-- An instance without a metatable is still an instance of 8 bytes.
local v = ffi.new("struct W", { a = 1, b = 2 })
debug.setmetatable(v, nil)
ok, err = pcall(ffi.string, v, 4096)
assert(not ok and err:find("object of 8 bytes", 1, true), tostring(err))
assert(instmt.__index(v, "b") == 2)

-- A Buffer given the instance metatable is no instance.
local b = ffi.buffer(4096)
debug.setmetatable(b, instmt)
ok, err = pcall(function() return b.a end)
assert(not ok and err:find("instance expected", 1, true), tostring(err))
ok, err = pcall(function() b[0] = 1 end)
assert(not ok and err:find("instance expected", 1, true), tostring(err))
ok, err = pcall(ffi.string, b, 4097)
assert(not ok and err:find("out of bounds", 1, true), tostring(err))
print("bounds come from headers")
