-- expect: survived
-- ffi.C keeps the functions it found in its table: a script tampers with the table, the
-- metatable's "bound" field and the __index itself; every call still works or is an error.
local ffi = require("ffi")
ffi.cdef("int abs(int); int snprintf(char *buf, size_t n, const char *fmt, ...);")
local C = ffi.C
assert(C.abs(-3) == 3)
local mt = debug.getmetatable(C)
local index = mt.__index
-- The __index called with anything.
for _, t in ipairs({ {}, setmetatable({}, {}), 1, "x", print, C }) do
  for _, k in ipairs({ "abs", "snprintf", "no_such_function", 1, {}, ("y"):rep(100000) }) do
    pcall(index, t, k)
  end
end
-- "bound" replaced by a non-table, by a table with metamethods, removed; the table's field overwritten.
for _, bound in ipairs({ 42, "s", setmetatable({}, { __newindex = function() error("no") end, __index = error }), false }) do
  rawset(mt, "bound", bound)
  rawset(C, "abs", nil)
  assert(C.abs(-4) == 4)
  ffi.cdef("int abs(int);")
  assert(C.abs(-5) == 5)
end
rawset(mt, "bound", nil)
C.abs = function() return "mine" end
ffi.cdef("int abs(int);")
assert(C.abs() == "mine")
rawset(C, "abs", nil)
assert(C.abs(-6) == 6)
-- The registry's ffi.C replaced: a cdef still works.
local reg = debug.getregistry()
local saved = rawget(reg, "ffi.C")
rawset(reg, "ffi.C", 7)
ffi.cdef("int abs(int);")
rawset(reg, "ffi.C", setmetatable({}, { __index = error }))
ffi.cdef("int abs(int);")
rawset(reg, "ffi.C", saved)
-- Many names looked up: each a field.
for i = 1, 200 do pcall(function() return C["f" .. i] end) end
local b = ffi.buffer(32)
assert(C.snprintf(b, 32, "%s %d", "still", 1) == 7 and b:readString(0) == "still 1")
print("survived")
