-- Functions in ffi.new initialisers for function-pointer fields: owned callbacks, released with the
-- instance, also when the initialiser fails half-way; bad values are clear errors.
-- expect: owned initialisers all checked
local ffi = require("ffi")
ffi.cdef([[
  typedef int (*binop_t)(int, int);
  struct ops_t { binop_t f; int tag; binop_t g[2]; };
  struct opaque_t;
  struct bad_t { int (*h)(struct opaque_t); };
]])
local function fails(pattern, ...)
  local ok, err = pcall(ffi.new, ...)
  assert(not ok, "accepted: " .. pattern)
  assert(tostring(err):find(pattern, 1, true), tostring(err))
end
fails("cannot set struct ops_t.f to \"x\" (a string)", "struct ops_t", { f = "x" })
fails("cannot set struct ops_t.tag to function", "struct ops_t", { tag = print })
fails("cannot set struct ops_t.g[1]", "struct ops_t", { g = { function() return 1 end, {} } })
fails("struct ops_t has no field 'h'", "struct ops_t", { f = function() return 1 end, h = function() end })
fails("struct opaque_t cannot be passed by value", "struct bad_t", { h = function() end })
-- a C function where a Lua function would go is still a function (a callback of it, run through Lua)
local o = ffi.new("struct ops_t", { f = math.max })
assert(o.f(3, 9) == 9)
-- the initialiser is read raw: its metatable never runs
local trap = setmetatable({ f = function(a, b) return a + b end }, { __index = function() error("ran") end, __pairs = function() error("ran") end })
assert(ffi.new("struct ops_t", trap).f(1, 2) == 3)
-- many half-made and whole instances: their callbacks go with them
for i = 1, 3000 do
  pcall(ffi.new, "struct ops_t", { f = function() return i end, g = { function() return i end, "bad" } })
  ffi.new("struct ops_t", { f = function() return i end, g = { function() return -i end } })
  if i % 500 == 0 then collectgarbage() end
end
collectgarbage(); collectgarbage()
local kept = ffi.new("struct ops_t", { g = { nil, function(a, b) return a * b end } })
assert(kept.g[1](6, 7) == 42 and kept.g[0] == nil)
io.stderr:write("owned initialisers all checked\n")
