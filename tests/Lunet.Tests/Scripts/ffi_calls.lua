-- The call path end to end: both API styles, system libraries, pointers, errors
-- caught by pcall, and calls from a coroutine. Run by Cli/ScriptTests.cs.
local TESTLIB = TESTLIB or os.getenv("LUNET_TESTLIB")
local ffi = require("pluto:ffi")
assert(ffi == require("@lune/ffi"))

local lib = ffi.open(TESTLIB)
assert(lib:value("i32", "MY_MAGIC_INT") == 69)
assert(lib:wrap("i32", "add", "i32", "i32")(38, 4) == 42)
assert(lib:call("add", "i32", { "i32", "i32" }, 38, 4) == 42)

-- Pluto's equivalence: fields on the library object
lib.add = lib:wrap("i32", "add", "i32", "i32")
assert(lib.add(1, 2) == 3)

-- libc and libm
local C = ffi.C
assert(C:call("strlen", "size_t", { "const char*" }, "four") == 4)
local m = ffi.open("m")
assert(math.abs(m:call("sin", "double", { "double" }, math.pi / 2) - 1) < 1e-12)
assert(m:wrap("float", "sqrtf", "float")(9) == 3)

-- pointers round-trip and compare
local id = lib:wrap("pointer", "id_ptr", "pointer")
local p = ffi.pointer(0x1000)
assert(id(p) == p and id(p + 16) - p == 16 and tostring(p) == "pointer: 0x1000")
assert(id(nil) == ffi.nullptr and ffi.isNull(id(nil)))

-- errors are catchable and leave everything working
local ok, err = pcall(lib.add, 1, "x")
assert(not ok and err:find("bad argument #2 to 'add' (i32 expected, got string)", 1, true), err)
ok, err = pcall(ffi.open, "no_such_library_for_lunet")
assert(not ok and err:find("tried no_such_library_for_lunet", 1, true), err)
assert(lib.add(2, 2) == 4)

-- calls from inside a coroutine
local co = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(lib.add(i, i)) end
end)
assert(co() == 2 and co() == 4 and co() == 6)

-- closing: wrappers then refuse
local lib2 = ffi.open(TESTLIB)
local add2 = lib2:wrap("int", "add", "int", "int")
lib2:close()
ok, err = pcall(add2, 1, 2)
assert(not ok and err:find("is closed", 1, true), err)
