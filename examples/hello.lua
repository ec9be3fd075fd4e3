-- A real script: calls the C library and the math library through the ffi.
--   ./lunet examples/hello.lua
local ffi = require("ffi")

local C = ffi.C
local greeting = "Hello from Lua through the ffi"
print(greeting)
print(("strlen(%q) = %d  (via %s)"):format(greeting, C:call("strlen", "size_t", {"const char*"}, greeting), C.path))
print(("getpid() = %d"):format(C:wrap("int", "getpid")()))

local m = ffi.open("m")
local cos, sqrt = m:wrap("double", "cos", "double"), m:wrap("double", "sqrt", "double")
print(("cos(0) = %g, sqrt(2) = %.6f  (via %s)"):format(cos(0), sqrt(2), m.path))

local z = ffi.open("z")
print(("zlib %s, crc32('hello') = 0x%08x"):format(
  z:call("zlibVersion", "string", {}),
  z:call("crc32", "unsigned long", {"unsigned long", "string", "unsigned int"}, 0, "hello", 5)))
