-- The native field path, ffi.new and array indexing attacked: keys of every Lua type, a light
-- userdata carrying an interned field name's address, huge and NaN indices, values of the wrong
-- type, metamethods called on other values, the metatable moved, the native ffi.new's cache
-- replaced with anything and its tokens' metatables changed. Every case is a Lua error or a right answer; the runtime keeps working.
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
for i = 1, 300 do ffi.new("int[" .. i .. "]") end -- more names than the cache keeps
local name, cache = debug.getupvalue(ffi.new, 2)
for k, v in pairs(cache) do assert(not pcall(function() return v.x end)) end -- a token is no instance
for _, fake in ipairs({ 1, "x", print, ffi.pointer(16), { [P] = ffi.pointer(16), ["struct FP"] = p }, setmetatable({}, { __index = error }) }) do
  debug.setupvalue(ffi.new, 2, fake)
  assert(ffi.new(P).x == 0 and ffi.new("struct FP").i == 0)
end
debug.setupvalue(ffi.new, 2, cache)
-- The tokens' metatables (what native instances get) removed, then replaced.
for k, v in pairs(cache) do debug.setmetatable(v, nil) end
assert(ffi.new(P).x == 0 and ffi.new("struct FP").i == 0)
for k, v in pairs(cache) do debug.setmetatable(v, {}) end
assert(not pcall(function() return ffi.new(P).x end)) -- a script's own metatable: its own business
collectgarbage(); collectgarbage()
assert(ffi.new("struct FP", { i = 5 }).i == 5)
print("done")
