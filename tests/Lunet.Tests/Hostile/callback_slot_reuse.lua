-- A freed callback's slot never goes to a callback of another signature, nor to any callback while a
-- Lua value holds its address: a function-pointer value read from a collected owner's field, called
-- after its slot was offered to callbacks returning a 32-byte struct (through a hidden pointer), is an error.
-- args: --allow-lib /usr/lib/x86_64-linux-gnu/libz.so.1
-- expect: points to a freed callback
-- expect: slot reuse held
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { int64_t a, b, c, d; } reuse_s32;
  struct reuse_ops { int64_t (*combine)(int64_t, int64_t); };
]]
local o = ffi.new("struct reuse_ops")
o.combine = function(a, b) return a * b end
local f = o.combine
assert(f(6, 7) == 42)
local addr = string.unpack("<i8", ffi.string(o, 8))
o = nil
collectgarbage(); collectgarbage()
for i = 1, 4200 do ffi.callback(function() end, "void", {}):free() end
-- made and freed until one takes the old slot (the pool once handed the oldest freed slot to any signature)
local taken
for i = 1, 20000 do
  local s = ffi.callback(function() return { a = 1, b = 2, c = 3, d = 4 } end, "reuse_s32", { "i64", "i64" })
  if ffi.address(s) == addr then taken = s break end
  s:free()
end
assert(taken == nil, "a callback of another signature took the slot")
local ok, err = pcall(f, 6, 7)
assert(not ok)
print(err)
-- the same address as a plain number, made callable again: refused before C runs (under the
-- allow-list by the policy, as the freed callback is no live callback; under Full the call says freed)
ok, err = pcall(function() return ffi.func(addr, "int64_t (*)(int64_t, int64_t)")(6, 7) end)
assert(not ok and err:find("may reach only the code of a library it opened from its allow-list (and has not closed) or a live callback", 1, true), err)
print("slot reuse held")
