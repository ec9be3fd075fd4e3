-- The native field path, ffi.new and array indexing attacked: keys of every Lua type, a light
-- userdata carrying an interned field name's address, huge and NaN indices, values of the wrong
-- type, metamethods called on other values, the metatable moved, the registry entries the native
-- ffi.new reads replaced with anything. Every case is a Lua error or a right answer; the runtime keeps working.
-- expect: done
local ffi = require("ffi")
local P = ffi.struct("struct FP { double x; int i; unsigned char u; _Bool b; void *p; struct { int z; } in; char name[4]; unsigned bits : 3; }")
local p = ffi.new(P)
local a = ffi.new("int[8]")
local keys = table.pack(nil, true, false, 0, 1, -1, 2^53, 2^63, -2^63, math.maxinteger, math.mininteger, 0.5, 0/0, 1/0, -1/0,
  "", "x\0", "X", string.rep("x", 1000), {}, print, coroutine.create(print), ffi.nullptr, ffi.buffer(8), p, a, P,
  ffi.pointer(tonumber(string.format("%p", "x"))), ffi.pointer(tonumber(string.format("%p", "i"))))
local values = table.pack(nil, true, false, 0, -1, 2^63, math.mininteger, 0/0, 1/0, "1", "x", {}, print, ffi.nullptr,
  ffi.pointer(1), ffi.buffer(8), p, a, coroutine.create(print))
for i = 1, keys.n do
  local k = keys[i]
  for _, o in ipairs({ p, a, p["in"] }) do
    local ok, v = pcall(function() return o[k] end)
    assert(not ok or k == nil or type(k) == "string" or type(k) == "number", "read with key " .. tostring(k))
    for j = 1, values.n do pcall(function() o[k] = values[j] end) end
  end
end
-- The forged keys found nothing: only the string "x" names the field.
assert(not pcall(function() return p[ffi.pointer(tonumber(string.format("%p", "x")))] end))
-- Fields still read what was last written through the C# or the native path.
p.x = 2.5; p.i = -3; p.u = 511; p.b = true; p.bits = 9
assert(p.x == 2.5 and p.i == -3 and p.u == 255 and p.b == true and p.bits == 1)
for _, i in ipairs({ -1, 8, 2^31, 2^32, 2^63, math.maxinteger, math.mininteger, 0/0, 1.5, "1" }) do
  assert(not pcall(function() return a[i] end), "index " .. tostring(i))
  assert(not pcall(function() a[i] = 1 end), "index " .. tostring(i))
end
-- The metamethods called on anything.
local mt = debug.getmetatable(p)
for _, f in ipairs({ mt.__index, mt.__newindex }) do
  for _, self in ipairs({ 1, "x", {}, ffi.buffer(64), ffi.buffer(0), ffi.nullptr, ffi.pointer(64), P, print }) do
    assert(not pcall(f, self, "x", 1))
    assert(not pcall(f, self, 0, 1))
  end
  assert(not pcall(f))
  assert(not pcall(f, p))
end
local b = ffi.buffer(64)
debug.setmetatable(b, mt)
assert(not pcall(function() return b.x end) and not pcall(function() return b[0] end))
-- ffi.new: bad arguments, and its upvalues (the type cache, the instance metatable) replaced.
for _, t in ipairs({ nil, 1, true, {}, print, "", "int", "struct Nope", "int[]", ffi.buffer(8), ffi.nullptr }) do
  assert(not pcall(ffi.new, t))
end
assert(ffi.new(P, nil).x == 0 and ffi.new(P, { x = 4 }).x == 4 and ffi.new("struct FP").x == 0)
for i = 1, 300 do assert(ffi.new("int[" .. i .. "]")[i - 1] == 0) end -- more names than the cache has entries
-- The registry rewritten: the cache's anchors (tables of type objects and names) and the metatable native
-- ffi.new sets (registered by a light userdata key) replaced with anything, then removed.
local saved = {}
for k, v in pairs(debug.getregistry()) do if type(k) == "userdata" then saved[k] = v end end
for _, fake in ipairs({ 1, "x", print, ffi.pointer(16), {}, setmetatable({}, { __index = error, __newindex = error }) }) do
  for k in pairs(saved) do debug.getregistry()[k] = fake end
  local ok = pcall(function() return ffi.new(P).x end)
  assert(ffi.new("struct FP", { i = 1 }).i == 1)
  collectgarbage()
  for i = 1, 3 do pcall(ffi.new, P); pcall(ffi.new, "struct FP"); pcall(ffi.new, "int[" .. i .. "]") end
end
for k in pairs(saved) do debug.getregistry()[k] = nil end
collectgarbage(); collectgarbage()
for i = 1, 3 do assert(ffi.new(P).x == 0 and ffi.new("struct FP").i == 0) end
for k, v in pairs(saved) do debug.getregistry()[k] = v end
collectgarbage(); collectgarbage()
assert(ffi.new("struct FP", { i = 5 }).i == 5)
print("done")
