-- Plain Lua, a module required from next to this script, and the test library
-- through the ffi. Run by Cli/ScriptTests.cs through DoFile and through lunet.
local TESTLIB = TESTLIB or os.getenv("LUNET_TESTLIB")

-- plain Lua
assert(_VERSION == "Lua 5.4", _VERSION)
assert(math.type(1) == "integer" and math.type(1.0) == "float")
assert(("%d-%s"):format(7, "x") == "7-x")
assert(select("#", table.unpack({ 1, 2, 3 })) == 3)
local t = {}
for i = 1, 10 do t[#t + 1] = i * i end
assert(#t == 10 and t[10] == 100)
assert(table.concat({ "a", "b", "c" }, ",") == "a,b,c")
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
assert(co(1) == 2 and co(21) == 42)
local ok, err = pcall(error, { code = 5 })
assert(not ok and err.code == 5)
ok, err = pcall(function() local x = nil; return x.y end)
assert(not ok and err:find("attempt to index a nil value", 1, true), err)
assert(string.pack("<i4", 1) == "\1\0\0\0")
local mt = { __add = function(a, b) return a.v + b.v end }
assert(setmetatable({ v = 1 }, mt) + setmetatable({ v = 2 }, mt) == 3)
assert(utf8.len("héllo") == 5)

-- a module next to this script
local helper = require("helper_module")
assert(helper.name == "helper_module")
assert(helper.greet("lunet") == "hello, lunet")
assert(require("helper_module") == helper, "modules are loaded once")

-- the ffi with the test library
assert(TESTLIB, "TESTLIB not set")
local ffi = require("ffi")
local lib = ffi.open(TESTLIB)
assert(lib:call("add", "i32", { "i32", "i32" }, 40, 2) == 42)
