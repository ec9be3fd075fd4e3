-- Finalizers called by hand on the live objects: afterwards they say their library was closed.
-- expect: library was closed
local ffi = require("ffi")
local lib = ffi.open(os.getenv("LUNET_TESTLIB"))
local add = lib:wrap("i32", "add", "i32", "i32")
assert(lib:call("add", "i32", {"i32", "i32"}, 1, 2) == 3)
local _, handle = debug.getupvalue(lib.call, 1)
local _, slot = debug.getupvalue(add, 1)
debug.getmetatable(handle).__gc(handle)
debug.getmetatable(slot).__gc(slot)
collectgarbage(); collectgarbage()
for _, f in ipairs({function() return add(1, 2) end,
                    function() return lib:call("add", "i32", {"i32", "i32"}, 1, 2) end,
                    function() return lib:getSymbol("add") end}) do
  local ok, err = pcall(f)
  assert(not ok)
  io.stderr:write(tostring(err), "\n")
end
