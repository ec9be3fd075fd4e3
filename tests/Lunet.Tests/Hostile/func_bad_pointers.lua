-- ffi.func and function-pointer fields with bad input: each a clear error, never a call through NULL.
-- expect: all bad function pointers refused
local ffi = require("ffi")
local function refuses(pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "accepted: " .. pattern)
  assert(tostring(err):find(pattern, 1, true), tostring(err))
end
refuses("ffi.func: NULL function pointer", ffi.func, nil, "int (*)(int)")
refuses("ffi.func: NULL function pointer", ffi.func, 0, "i32", "i32")
refuses("ffi.func: NULL function pointer", ffi.func, ffi.nullptr, "void (void)")
refuses("function type or pointer to a function expected, got i32*", ffi.func, ffi.pointer(16), "int *")
refuses("cannot call a variadic function type", ffi.func, ffi.pointer(16), "int (*)(const char *, ...)")
refuses("bad argument #1 to 'func' (pointer expected, got string)", ffi.func, "0x1000", "int (*)(int)")
refuses("bad argument #2 to 'func' (string expected, got no value)", ffi.func, ffi.pointer(16))
refuses("bad argument #1 to 'func' (pointer expected, got table)", ffi.func, setmetatable({}, { __index = function() error("ran") end }), "int (*)(int)")
refuses("too many parameters", ffi.func, ffi.pointer(16), "int", table.unpack((function() local t = {} for i = 1, 300 do t[i] = "int" end return t end)()))
-- a NULL function-pointer field reads as nil; calling it is Lua's own error
ffi.cdef[[struct func_hostile { void (*hook)(int); int (*many[3])(void); };]]
local s = ffi.new("struct func_hostile")
assert(s.hook == nil and s.many[2] == nil)
refuses("attempt to call", function() s.hook(1) end)
-- a callback freed, then called through ffi.func: returns 0 and the next ffi call raises, no crash
local cb = ffi.callback(function(x) return x end, "int", { "int" })
local f = ffi.func(cb, "int (*)(int)")
assert(f(5) == 5)
cb:free()
pcall(f, 5)
pcall(f, 5)
io.stderr:write("all bad function pointers refused\n")
