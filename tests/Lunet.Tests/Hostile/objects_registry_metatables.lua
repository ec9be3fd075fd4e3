-- The registry entries of the ffi's metatables replaced through debug.getregistry: each is made again.
-- expect: still working
local ffi = require("ffi")
local reg = debug.getregistry()
for _, k in ipairs({"Buffer", "ffi.binding", "ffi.libhandle", "NativeLibrary", "ffi.bufferstate", "ffi.table",
              "ffi.module", "ffi.C", "ffi.anchors"}) do
  reg[k] = 5
end
local b = ffi.buffer(8)
b:write(0, "i32", 3)
local lib = ffi.open(os.getenv("LUNET_TESTLIB"))
assert(ffi.C:call("strlen", "size_t", {"string"}, "abc") == 3 and lib:call("add", "i32", {"i32", "i32"}, 2, 2) == 4)
assert(b:read(0, "i32") == 3 and lib:wrap("i32", "add", "i32", "i32")(1, 2) == 3)
assert(getmetatable(b) == "Buffer" and getmetatable(lib) == "NativeLibrary")
collectgarbage(); collectgarbage()
print("still working")
