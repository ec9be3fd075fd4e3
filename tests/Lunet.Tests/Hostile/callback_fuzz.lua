-- Random sequences (fixed seed, bounded time) of create, free, cast, call, close and collect over
-- callbacks, function-pointer values, owned fields and views: no signal, no write outside an object
-- (a guarded Buffer stays as it was), and every call either returns the function's own result or
-- raises a clear error.
-- expect: fuzz done
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { int64_t a, b, c, d; } fz_s32;
  typedef struct { double x, y; } fz_v2;
  struct fz_ops { int64_t (*f)(int64_t, int64_t); int (*g)(int); };
  void qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *));
]]
math.randomseed(15)
local guard = ffi.buffer(256)
for i = 0, 255 do guard:write(i, "u8", 0xA5) end
local function guarded()
  for i = 0, 255 do if guard:read(i, "u8") ~= 0xA5 then error("a byte outside every object changed at " .. i) end end
end
local shapes = {
  { "i64", { "i64", "i64" }, function(a, b) return a + b end, function(f) return f(20, 22) == 42 end },
  { "i32", { "i32" }, function(x) return x * 2 end, function(f) return f(21) == 42 end },
  { "fz_s32", { "i64", "i64" }, function(a, b) return { a = a, b = b, c = 3, d = 4 } end,
    function(f) local r = f(1, 2) return r.a == 1 and r.d == 4 end },
  { "fz_v2", { "fz_v2" }, function(v) return { x = v.y, y = v.x } end,
    function(f) local r = f({ x = 1, y = 2 }) return r.x == 2 end },
  { "i32", { "string" }, function(s) return #s end, function(f) return f("four") == 4 end },
}
local live, values, owners = {}, {}, {}
local ops, errors = 0, 0
local function pick(t) return t[math.random(#t)] end
local function try(f, ...)
  local ok, err = pcall(f, ...)
  if not ok then
    errors = errors + 1
    assert(type(err) == "string" and not err:find("Exception", 1, true), tostring(err))
  end
  return ok, err
end
local actions = {
  function() -- create
    local s = pick(shapes)
    live[#live + 1] = { cb = ffi.callback(s[3], s[1], s[2]), shape = s }
  end,
  function() -- free (sometimes twice)
    if #live == 0 then return end
    local e = table.remove(live, math.random(#live))
    try(e.cb.free, e.cb)
    if math.random(4) == 1 then try(e.cb.free, e.cb) end
    if math.random(2) == 1 then values[#values + 1] = { f = ffi.func(ffi.address(e.cb), e.shape[1], table.unpack(e.shape[2])), shape = e.shape } end
  end,
  function() -- a function-pointer value from a live callback, checked when called
    if #live == 0 then return end
    local e = pick(live)
    values[#values + 1] = { f = ffi.func(e.cb, e.shape[1], table.unpack(e.shape[2])), shape = e.shape, cb = e.cb }
  end,
  function() -- call a value: its own result, or an error
    if #values == 0 then return end
    local v = pick(values)
    local ok, r = try(v.shape[4], v.f)
    if ok then assert(r, "a call ran another function") end
  end,
  function() -- a callback's code is no memory: casting it or reading it as bytes is refused, at any size
    if #live == 0 then return end
    local e = pick(live)
    assert(not try(ffi.cast, e.cb, pick({ "i32", "i64", "struct fz_ops" })), "a callback was cast as memory")
    assert(not try(ffi.string, e.cb, pick({ 0, 1, 16, 1 << 20, 16 << 20 })), "a callback was read as memory")
  end,
  function() -- an owned callback in a field, then read, overwritten or its owner dropped
    local o = ffi.new("struct fz_ops")
    o.f = function(a, b) return a * b end
    if math.random(2) == 1 then o.g = function(x) return x end end
    values[#values + 1] = { f = o.f, shape = { nil, nil, nil, function(f) return f(6, 7) == 42 end } }
    if math.random(3) == 1 then o.f = nil end
    owners[#owners + 1] = o
    if #owners > 8 then table.remove(owners, 1) end
  end,
  function() -- a view over a Buffer with a function-pointer field
    local b = ffi.buffer(ffi.sizeof("struct fz_ops"))
    local v = ffi.cast(b, "struct fz_ops")
    try(function() v.g = function(x) return x + 1 end; assert(v.g(1) == 2) end)
    if math.random(2) == 1 then try(function() v.g = nil end) end
  end,
  function() -- a temporary callback through qsort
    local n = ffi.new("int[4]", { 4, 2, 3, 1 })
    ffi.C.qsort(n, 4, 4, function(a, b) return ffi.cast(a, "i32") - ffi.cast(b, "i32") end)
    assert(n[0] == 1 and n[3] == 4)
  end,
  function() -- open a library, bind it, close it (at times from a callback it is running): calls after are errors
    local c = ffi.open("c")
    local qsort = c:wrap("void", "qsort", "pointer", "size_t", "size_t", "pointer")
    local n = ffi.new("int[4]", { 4, 2, 3, 1 })
    local early = math.random(2) == 1
    local cmp = ffi.callback(function(a, b)
      if early then c:close() end
      return ffi.cast(a, "i32") - ffi.cast(b, "i32")
    end, "int", { "pointer", "pointer" })
    qsort(n, 4, 4, cmp)
    assert(n[0] == 1 and n[3] == 4, "a library closed during its own call did not finish it")
    c:close()
    assert(not try(qsort, n, 4, 4, cmp), "a closed library's function ran")
    cmp:free()
  end,
  function() -- drop values and collect
    if #values > 64 or math.random(8) == 1 then values = {} end
    if math.random(4) == 1 then owners = {} end
    collectgarbage(pick({ "collect", "step" }))
  end,
  function() -- churn: many callbacks made and freed, so slots come round again
    for i = 1, math.random(200, 1200) do
      local s = pick(shapes)
      ffi.callback(s[3], s[1], s[2]):free()
    end
  end,
}
local deadline = os.clock() + 8
while os.clock() < deadline and ops < 12000 do
  pick(actions)()
  ops = ops + 1
  if ops % 50 == 0 then guarded() end
end
guarded()
for _, e in ipairs(live) do e.cb:free() end
print(("fuzz done: %d operations, %d refused with an error"):format(ops, errors))
