-- Declarations and type strings from a hostile script: deep, huge, recursive, redefined,
-- or aimed at ffi.C's __index. Every one is an error message; the runtime keeps working.
-- exit: 0
-- expect: survived
local ffi = require('ffi')
local function try(f, ...) local ok, e = pcall(f, ...); assert(not ok and type(e) == 'string', tostring(e)); return e end
try(ffi.cdef, 'typedef int a' .. string.rep('[2]', 200) .. ';')
try(ffi.cdef, 'typedef ' .. string.rep('struct { ', 300) .. 'int x;' .. string.rep(' } y;', 300))
try(ffi.cdef, 'typedef char big[0x7fffffffffffffff][16];')
try(ffi.cdef, 'enum { A = 1 / 0 };')
try(ffi.cdef, 'enum { B = 0xffffffffffffffffu };')
ffi.cdef('typedef int t; typedef t' .. string.rep('*', 40) .. ' p;')
assert(ffi.sizeof('p') == 8)
try(ffi.sizeof, 'int ' .. string.rep('(', 1500) .. '*' .. string.rep(')', 1500))
try(ffi.sizeof, 'int' .. string.rep('[1]', 1300))
try(ffi.sizeof, 'int (*)(' .. string.rep('int,', 1000) .. 'int)')
try(ffi.sizeof, 'struct S { int x; }')
try(ffi.sizeof, 'int[' .. string.rep('9', 400) .. ']')
try(ffi.buffer(8).read, ffi.buffer(8), 0, 'int[3]') -- an array reads as a view (docs/structs.md): one past the end
try(ffi.cast, ffi.buffer(8), 'void')
try(ffi.C.wrap, ffi.C, 'int (int)', 'abs', 'int')
-- Many distinct names: the caches stay bounded.
for i = 1, 5000 do ffi.sizeof('struct T' .. i .. '*'); ffi.sizeof('int[' .. i .. ']') end
-- ffi.C's __index, called by hand with anything.
local index = debug.getmetatable(ffi.C).__index
for _, k in ipairs({ 1, {}, true, string.rep('x', 100000), 'abs' }) do index(ffi.C, k); index({}, k); index(nil, k) end
debug.setmetatable(ffi.C, nil)
assert(ffi.sizeof('int') == 4)
print('survived')
