-- C++ exceptions thrown through the ffi (tests/native/cxx_exceptions.cpp, as LUNET_CXXLIB):
-- every way in, in loops, coroutines, nested callbacks, with a callback's error waiting, huge
-- messages and memory at the limit. Each is a Lua error; the last one, uncaught, ends the
-- script as any error does, never the process through std::terminate.
-- args: --memory-limit 8000000
-- exit: 1
-- expect: survived
-- expect: C++ exception: the last one
local ffi = require("ffi")
local lib = ffi.open(os.getenv("LUNET_CXXLIB"))
lib:cdef[[
  int cxx_throw_runtime(int x);
  int cxx_throw_int(int x);
  double cxx_throw_message(const char *message);
  long long cxx_sum_or_throw(int n, ...);
  int cxx_apply(int (*f)(int), int x);
  int cxx_apply_then_throw(int (*f)(int), int x);
  int cxx_throw_deep(int n);
  int cxx_live(void);
  int cxx_uncaught(void);
  void *cxx_thrower_address(void);
]]
local function fails(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "no error")
  return e
end

-- every way in, many times
local viaPointer = ffi.func(lib.cxx_thrower_address(), "int (*)(int)")
for i = 1, 500 do
  fails(lib.cxx_throw_runtime, i)
  fails(lib.call, lib, "cxx_throw_int", "i32", { "i32" }, i)
  fails(lib.cxx_sum_or_throw, 2, i, -2 * i)
  fails(viaPointer, i)
  fails(lib.cxx_throw_deep, i % 50)
end

-- what() of any size: cut, never read past its end
for _, n in ipairs({ 0, 1, 4095, 4096, 4097, 1 << 20 }) do
  local e = fails(lib.cxx_throw_message, ("w"):rep(n))
  assert(#e <= #"C++ exception: " + 4096 + 3, #e)
end

-- in coroutines, left suspended and collected
for _ = 1, 200 do
  local co = coroutine.wrap(function()
    coroutine.yield(fails(lib.cxx_throw_runtime, 1))
    lib.cxx_throw_int(1)
  end)
  co()
end
collectgarbage()

-- callbacks: caught inside, left to the outer call, a callback's error and a throw in one call,
-- and a callback freed during its own call before the throw
local cb = ffi.callback(function(x) return lib.cxx_throw_runtime(x) end, "i32", { "i32" })
for _ = 1, 200 do
  fails(lib.cxx_apply, cb, 1)
  assert(lib.cxx_apply(ffi.callback(function(x) return select(2, pcall(lib.cxx_throw_int, x)) and 1 or 0 end, "i32", { "i32" }), 1) == 2)
  fails(lib.cxx_apply_then_throw, ffi.callback(function() error("callback first") end, "i32", { "i32" }), 1)
end
local self
self = ffi.callback(function(x) self:free(); return lib.cxx_throw_runtime(x) end, "i32", { "i32" })
fails(lib.cxx_apply, self, 1)

-- the message handler and error objects see an ordinary string
local ok, e = xpcall(lib.cxx_throw_runtime, function(m) return { m } end, 1)
assert(not ok and e[1] == "C++ exception: oh no")

-- at the memory limit: the message is made even when nothing else can be
local keep = {}
pcall(function() for i = 1, 1e7 do keep[i] = ("m"):rep(40) .. i end end)
for _ = 1, 100 do pcall(lib.cxx_throw_runtime, 1) end
keep = nil
collectgarbage()

assert(lib.cxx_live() == 0 and lib.cxx_uncaught() == 0)
assert(lib.cxx_throw_runtime(-3) == 3)
print("survived")
lib.cxx_throw_message("the last one")
