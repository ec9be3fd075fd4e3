-- lib:cdef from a hostile script: bad text, missing and mis-kinded symbols, redefinitions,
-- bound functions called with anything, the library's metatable and __index replaced or
-- called by hand, forged selves. Every one is an error message; the runtime keeps working.
-- expect: survived
local ffi = require('ffi')
local t = ffi.open(os.getenv('LUNET_TESTLIB'))
local function try(f, ...) local ok, e = pcall(f, ...); assert(not ok and type(e) == 'string', tostring(e)); return e end

-- Bad text: every error names its place, nothing is bound from a failing text's later part.
for _, text in ipairs({ 'int add(int, int)', 'int add(int int);', '#include <stdio.h>\n', 'int a\0;',
    string.rep('(', 5000), 'typedef ' .. string.rep('struct { ', 300) .. 'int x;' .. string.rep(' } y;', 300),
    'struct S { int x; }; struct S { long x; };', 'int f(a, b);', 'enum { A = 1 / 0 };' }) do
  try(t.cdef, t, text)
end
for _, bad in ipairs({ 1, true, {}, t, ffi.buffer(4) }) do try(t.cdef, t, bad) end
try(t.cdef, t, string.rep(' ', 16 * 1024 * 1024 + 1))
-- Bad selves: anything that is not a library table.
for _, self in ipairs({ {}, 1, 'x', ffi.buffer(8), ffi.new('int[2]'), setmetatable({}, debug.getmetatable(t)) }) do
  try(t.cdef, self, 'int add(int, int);')
end

-- Symbols the library lacks, data declared as code, code declared as data, wrong sizes:
-- cdef succeeds, and reading each name raises its reason.
t:cdef[[
  int add(int, int);
  int no_such_function(int);
  int MY_MAGIC_INT(void);
  extern double add_as_data __asm__("add");
  extern char MY_DOUBLE_TOO_BIG[4096] __asm__("MY_DOUBLE");
  extern struct never_defined opaque_var;
  int variadic_one(int, ...) __asm__("add");
  struct by_value { int a, b; };
  int takes_struct(struct by_value) __asm__("add");
  extern long double ld_var __asm__("MY_DOUBLE");
]]
for _, name in ipairs({ 'no_such_function', 'MY_MAGIC_INT', 'add_as_data', 'MY_DOUBLE_TOO_BIG', 'opaque_var',
    'ld_var' }) do
  local e = try(function() return t[name] end)
  io.stderr:write(name, ': ', e, '\n')
end
assert(t.add(40, 2) == 42)
assert(type(t.takes_struct) == 'function') -- structs by value are bound (docs/calls.md)
assert(t.variadic_one(40, 2) == 42)          -- and variadic functions

-- Redefinitions with another meaning are errors; the first meaning stays.
try(t.cdef, t, 'long add(long, long);')
try(t.cdef, t, 'struct by_value { long a; };')
try(t.cdef, t, 'typedef int by_value_t; typedef long by_value_t;')
assert(t.add(1, 2) == 3)

-- Bound functions called with anything.
for _, args in ipairs({ {}, { 1 }, { 'x', 1 }, { 1, {} }, { 2 ^ 63, 1 }, { 1.5, 1 }, { nil, nil }, { 1, 2, 3 } }) do
  try(t.add, table.unpack(args, 1, 3))
end
t:cdef('int64_t cdef_point_sum(const struct cdef_point *p); struct cdef_point { int32_t x, y; };')
for _, p in ipairs({ 1, 'str', {}, true, ffi.buffer(0) }) do pcall(t.cdef_point_sum, p) end

-- __index called by hand with anything, then the metatable replaced and removed.
local index = debug.getmetatable(t).__index
for _, k in ipairs({ 1, {}, true, string.rep('x', 100000), 'add', 'no_such_function', 'wrap' }) do
  pcall(index, t, k); pcall(index, {}, k); pcall(index, nil, k); pcall(index, ffi.C, k)
  pcall(index, setmetatable({}, { __metatable = 1, unavailable = 5, methods = 'x' }), k)
end
local cdef = t.cdef
local mt = debug.getmetatable(t)
mt.unavailable = 'not a table'; mt.methods = 42
assert(t.no_such_function == nil and t.add(1, 1) == 2)
mt.unavailable = { no_such_function = {} }
assert(t.no_such_function == nil)
debug.setmetatable(t, { __index = function() error('script __index') end })
try(function() return t.anything end)
cdef(t, 'int add(int, int);')               -- a library with a foreign metatable still takes cdef
assert(t.add(2, 2) == 4 and type(t.wrap) == 'function')
debug.setmetatable(t, nil)
cdef(t, 'int add(int, int); int no_such_function(int);')   -- and one without a metatable
assert(t.add(3, 4) == 7)
try(function() return t.no_such_function end)
debug.getregistry().NativeLibrary = nil     -- the shared metatable gone: made again
debug.setmetatable(t, nil)
cdef(t, 'int add(int, int);')
assert(t.add(1, 4) == 5)

-- Declarations that ffi.C and another library also see stay consistent.
local m = ffi.open('m')
try(m.cdef, m, 'double add(double, double);')  -- add is already int (int, int) in this runtime
m:cdef('double cos(double);')
assert(m.cos(0) == 1)
collectgarbage()
print('survived')
