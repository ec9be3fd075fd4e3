-- An arena given sizes near 2^63, alignments past the limit or not powers of two, a forged self,
-- a swapped block and a reset during use: clear errors, and no Buffer it hands out reaches outside memory it owns.
-- expect: arena held
local ffi = require("ffi")
local arena = ffi.arena()

local function refused(pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "accepted: " .. pattern)
  assert(tostring(err):find(pattern, 1, true), tostring(err))
end

-- Sizes near 2^63, negative, fractional, and counts whose product overflows.
for _, size in ipairs({ math.maxinteger, math.maxinteger - 4095, math.mininteger, -1, (1 << 40) + 1, 2^63, -2^63 }) do
  refused("to 'alloc'", arena.alloc, arena, size)
  refused("to 'alloc'", arena.alloc, arena, size, 4096)
end
refused("size must be an integer", arena.alloc, arena, 0.5)
refused("size expected, got nil", arena.alloc, arena, nil)
for _, n in ipairs({ math.maxinteger, math.maxinteger // 4 + 1, (1 << 61) + 1, -1, math.mininteger }) do
  refused("to 'allocArray'", arena.allocArray, arena, "int", n)
  refused("to 'allocArray'", arena.allocArray, arena, "double", n)
end
ffi.cdef("struct Big { char b[1 << 30]; };")
refused("more than the limit", arena.allocArray, arena, "struct Big", 1025)

-- Alignments: 8192 and beyond, 3, zero, negative, huge.
for _, align in ipairs({ 8192, 1 << 20, 1 << 62, math.mininteger }) do
  refused("to 'alloc'", arena.alloc, arena, 8, align)
end
for _, align in ipairs({ 3, 0, -1, 4095, 4097, 24 }) do
  refused("align must be a power of two", arena.alloc, arena, 8, align)
end
ffi.cdef("struct Huge { int x; } __attribute__((aligned(8192)));")
refused("at most 4096", arena.allocArray, arena, "struct Huge", 1)

-- A forged self: other ffi objects, the arena's metatable on another userdata, tables, nothing.
local mt = debug.getmetatable(arena)
local alloc, reset = arena.alloc, arena.reset
local buf = ffi.buffer(64)
local inst = ffi.new("struct { int a[4]; }")
for _, fake in ipairs({ buf, buf:slice(0, 32), inst, {}, 1, "arena", io.stdout }) do
  refused("Arena expected", alloc, fake, 16)
  refused("Arena expected", reset, fake)
  refused("Arena expected", arena.allocArray, fake, "int", 1)
end
local other = ffi.buffer(48)
debug.setmetatable(other, mt)
refused("Arena expected", alloc, other, 16)
refused("Arena expected", function() return other.totalAllocated end)
assert(mt.__index(buf, "nope") == nil)

-- An arena is no memory to the bounded operations.
refused("pointer or Buffer expected", ffi.string, arena, 64)
refused("Buffer expected", ffi.read, arena)

-- A block swapped for a small Buffer by debug.setuservalue: the arena cuts only what that Buffer holds.
local a2 = ffi.arena()
a2:alloc(8)
debug.setuservalue(a2, ffi.buffer(4))
local b = a2:alloc(16)
assert(#b == 16)
b:writeBytes(0, string.rep("x", 16))
refused("out of bounds", b.readBytes, b, 0, 17)
debug.setuservalue(a2, "not a buffer")
assert(#a2:alloc(32) == 32)

-- Reset during use: Buffers handed out stay readable and writable, and are never handed out again.
local a3 = ffi.arena()
local held = {}
for round = 1, 50 do
  for i = 1, 40 do
    local x = a3:alloc(i * 37, 1 << (i % 13))
    x:writeBytes(0, string.rep(string.char(round), #x))
    held[#held + 1] = x
    if i % 7 == 0 then a3:reset() end
  end
  if round % 10 == 0 then
    for k = 1, #held - 200 do held[k] = false end  -- let some go
    collectgarbage()
  end
end
for k, x in ipairs(held) do
  if x then
    local c = x:readBytes(0, 1)
    assert(x:readBytes(0, #x) == string.rep(c, #x), "allocation " .. k .. " was overwritten")
  end
end
assert(a3.allocationCount >= 0 and a3.totalAllocated >= 0)
a3:reset(); a3:reset()
assert(a3.allocationCount == 0 and a3.totalAllocated == 0)

print("arena held")
