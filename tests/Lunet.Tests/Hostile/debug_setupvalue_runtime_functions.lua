-- expect: refused everywhere
-- The runtime's own C functions read their upvalues as trusted pointers (the C# function a
-- closure runs, a native stub's slot, a Buffer's state block): debug.setupvalue must refuse to
-- change them, whatever value is given, and everything keeps working. Lua functions and
-- liblua's own C functions keep lua's behaviour.
local ffi = require("ffi")
local TESTLIB = TESTLIB or os.getenv("LUNET_TESTLIB")
local lib = ffi.open(TESTLIB)
ffi.cdef("struct P { double x, y; };")
local p = ffi.new("struct P")
local b = ffi.buffer(16)
local targets = {
  ffi.sizeof, ffi.open, ffi.cast, ffi.new, ffi.string, ffi.buffer, ffi.cdef,
  b.read, b.write, b.readBytes, b.zero, lib.call, lib.wrap, lib.getSymbol,
  lib:wrap("i32", "add", "i32", "i32"), ffi.C:wrap("size_t", "strlen", "string"),
  getmetatable(ffi).__index, getmetatable(b).__index, getmetatable(p).__index, getmetatable(p).__newindex,
  getmetatable(ffi.pointer(1)).__tostring,
}
local refused = 0
for i, f in ipairs(targets) do
  for n = 1, 4 do
    for _, v in ipairs({ ffi.pointer(16), ffi.pointer(-1), 0, "x", {}, b, p, print }) do
      local ok, err = pcall(debug.setupvalue, f, n, v)
      assert(not ok and err:find("runtime's own functions", 1, true), tostring(err))
      refused = refused + 1
    end
  end
end
-- Everything still works.
assert(ffi.sizeof("int") == 4 and b:read(0, "i32") == 0 and lib:call("add", "i32", {"i32", "i32"}, 2, 3) == 5)
p.x = 1.5; assert(p.x == 1.5)
-- Lua closures and liblua's C closures behave as in lua.
local up = 1
local function g() return up end
assert(debug.setupvalue(g, 1, 7) == "up" and g() == 7)
assert(select("#", debug.setupvalue(g, 9, 1)) == 0)
local it = string.gmatch("ab", ".")
assert(debug.setupvalue(it, 1, "zz") == "")
print("refused everywhere", refused)
