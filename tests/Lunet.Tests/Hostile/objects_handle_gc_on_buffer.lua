-- A library handle's and a wrapper's __gc called by hand on a Buffer, and their metatables
-- moved onto Buffers that are then collected: nothing is freed that is not theirs.
-- expect: still working
local ffi = require("ffi")
local lib = ffi.open(os.getenv("LUNET_TESTLIB"))
local add = lib:wrap("i32", "add", "i32", "i32")
local _, handle = debug.getupvalue(lib.call, 1)
local _, slot = debug.getupvalue(add, 1)
local buf = ffi.buffer(4096)
for _, mt in ipairs({debug.getmetatable(handle), debug.getmetatable(slot)}) do
  mt.__gc(buf)
  mt.__gc(buf:slice(0, 16))
  for i = 1, 20 do debug.setmetatable(ffi.buffer(i * 700), mt) end
end
collectgarbage(); collectgarbage()
buf:write(0, "i32", 5)
assert(buf:read(0, "i32") == 5 and add(2, 3) == 5)
print("still working")
