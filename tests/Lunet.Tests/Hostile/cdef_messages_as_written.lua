-- Declarations a script gets wrong (or valid C the ffi once refused): each message names what the script wrote, with one position in the text.
-- exit: 0
-- expect: all named as written
local ffi = require('ffi')

local function refused(pattern, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, 'accepted: ' .. pattern)
  assert(e:find(pattern, 1, true), e)
  local places = 0
  for _ in e:gmatch('cdef:%d+:%d+') do places = places + 1 end
  for _ in e:gmatch('type name:%d+:%d+') do places = places + 1 end
  assert(places <= 1, 'two positions: ' .. e)
  assert(not e:find('<anonymous>', 1, true), e)
  assert(not e:find('float32/4', 1, true), e)
end

-- Valid C: an enum without a tag, in a typedef and as a member.
ffi.cdef('typedef enum { RED, GREEN } colour_t; struct paint { enum { MATT, GLOSS } finish; colour_t c; };')
assert(ffi.sizeof('colour_t') == 4 and ffi.sizeof('struct paint') == 8 and ffi.C.GREEN == 1)

refused('cdef:3:10: division by zero', ffi.cdef, 'struct sized {\n  int x;\n  int a[1/0];\n};')
refused('type name:1:17: division by zero', ffi.sizeof, 'struct { int a[1/0]; }')
refused("cdef:2:9: struct bits: member 'f': a bitfield must have an integer, enum or _Bool type (got float)",
  ffi.cdef, 'struct bits {\n  float f : 3;\n};')
refused("(got long double)", ffi.sizeof, 'struct { long double d : 2; }')

ffi.cdef('typedef struct { int a; } first_t; typedef struct { int a; } second_t; struct holder { first_t f; struct { int x; } inner; };')
local h = ffi.new('struct holder')
refused('to a second_t: first_t expected', function() h.f = ffi.new('second_t') end)
refused('to a first_t: struct { int x; } expected', function() h.inner = ffi.new('first_t') end)
refused('struct { double d; }', function() h.f = ffi.new('struct { double d; }') end)

print('all named as written')
