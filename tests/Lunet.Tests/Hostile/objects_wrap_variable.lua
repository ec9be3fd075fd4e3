-- A variable wrapped and called as a function: its bytes are data, not code.
-- expect: is a variable, not a function
local ffi = require("ffi")
local lib = ffi.open(os.getenv("LUNET_TESTLIB"))
local ok, err = pcall(lib.wrap, lib, "i32", "MY_MAGIC_INT")
assert(not ok)
io.stderr:write(tostring(err), "\n")
ok, err = pcall(lib.call, lib, "MY_MAGIC_INT", "i32", {})
assert(not ok)
io.stderr:write(tostring(err), "\n")
