-- Every field of a library table replaced with a pointer, a Buffer or another library's handle:
-- the library's own handle is not among them, so its methods still work.
-- expect: still working
local ffi = require("ffi")
local lib = ffi.open(os.getenv("LUNET_TESTLIB"))
local other = ffi.open("m")
local _, handle = debug.getupvalue(other.call, 1)
local keys = {}
for k in pairs(lib) do keys[#keys + 1] = k end
for _, k in ipairs(keys) do
  if k ~= "call" then rawset(lib, k, ffi.buffer(8)) end
end
for _, v in ipairs({ffi.nullptr, ffi.buffer(8), handle}) do rawset(lib, v, v) end
assert(lib:getSymbol("add") ~= nil)
assert(lib:call("add", "i32", {"i32", "i32"}, 1, 2) == 3)
print("still working")
