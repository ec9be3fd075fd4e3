-- ffi.callback with bad arguments: each a clear error, and the runtime keeps working.
-- expect: all bad callback arguments refused
local ffi = require("ffi")
local function refuses(pattern, ...)
  local ok, err = pcall(ffi.callback, ...)
  assert(not ok, "accepted: " .. pattern)
  assert(tostring(err):find(pattern, 1, true), tostring(err))
end
local f = function() return 0 end
refuses("bad argument #1 to 'callback' (function expected, got number)", 42, "int", {})
refuses("bad argument #1 to 'callback' (function expected, got no value)")
refuses("bad argument #1 to 'callback' (function expected, got table)", setmetatable({}, { __call = f }), "int", {})
refuses("unknown C type 'i33'", f, "i33", {})
refuses("unknown C type 'nosuch_t'", f, "int", { "int", "nosuch_t" })
refuses("bad argument #2 to 'callback' (string expected, got nil)", f, nil, {})
refuses("bad argument #3 to 'callback' (table of argument type names expected, got string)", f, "int", "int")
refuses("argument type #2 must be a type name, got number", f, "int", { "int", 5 })
refuses("void is not a parameter type", f, "int", { "int", "void" })
local many = {}
for i = 1, 300 do many[i] = "int" end
refuses("too many parameters (300", f, "int", many)
refuses("cannot return a string", f, "string", {})
ffi.cdef("struct Pair { int a, b; }; struct Opaque;")
refuses("struct Opaque cannot be returned by value: it is incomplete", f, "struct Opaque", {})
refuses("struct Opaque cannot be passed by value: it is incomplete", f, "int", { "struct Pair", "struct Opaque" })
refuses("i32[4] cannot be passed by value", f, "int", { "int[4]" })
-- structs by value are fine
ffi.callback(f, "struct Pair", { "struct Pair" }):free()
refuses("bad argument #4 to 'callback' (options table expected, got string)", f, "int", {}, "queue")
refuses("threads must be \"error\" or \"queue\", got \"sometimes\"", f, "int", {}, { threads = "sometimes" })
refuses("threads must be \"error\" or \"queue\", got table", f, "int", {}, { threads = {} })
refuses("contains a NUL byte", f, "int\0x", {})
-- the argument-type table is read raw: __len and __index do not run
local raw = ffi.callback(f, "int", setmetatable({}, { __len = function() error("ran") end, __index = function() error("ran") end }))
assert(raw.argCount == 0)
raw:free()
-- the options table is read raw: its metatable does not run
local cb = ffi.callback(f, "int", {}, setmetatable({}, { __index = function() error("ran") end }))
assert(cb.isValid)
cb:free()
io.stderr:write("all bad callback arguments refused\n")
