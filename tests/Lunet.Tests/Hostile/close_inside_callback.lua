-- lib:close() from a callback while the library's own function is on the stack (zlib's
-- deflateInit_ calling the zalloc it was given): the function returns into its code, which
-- stays mapped until the call returns; the library is closed for new calls at once and
-- unmapped afterwards.
-- args: --allow-lib /usr/lib/x86_64-linux-gnu/libz.so.1
-- expect: deflateInit_ returned -4 after the close
-- expect: is closed
-- expect: unmapped after the call: true
local ffi = require("ffi")
local LIBZ = "/usr/lib/x86_64-linux-gnu/libz.so.1"
local function mapped()
  for line in io.lines("/proc/self/maps") do
    if line:find("libz.so", 1, true) then return true end
  end
  return false
end
local before = mapped()
local z = ffi.open(LIBZ)
ffi.cdef[[
typedef struct z_stream_s {
  const unsigned char *next_in; unsigned int avail_in; unsigned long total_in;
  unsigned char *next_out; unsigned int avail_out; unsigned long total_out;
  const char *msg; void *state;
  void *(*zalloc)(void *, unsigned int, unsigned int);
  void (*zfree)(void *, void *);
  void *opaque; int data_type; unsigned long adler; unsigned long reserved;
} z_stream;
]]
assert(ffi.sizeof("z_stream") == 112)
z:cdef[[int deflateInit_(z_stream *strm, int level, const char *version, int stream_size);]]
local version = z:call("zlibVersion", "string", {})
local s = ffi.new("z_stream")
local inside
s.zalloc = function(opaque, items, size)
  z:close()
  inside = mapped()
  return nil -- no memory: zlib's code goes on and reports Z_MEM_ERROR
end
local rc = z.deflateInit_(s, 6, version, 112)
print("deflateInit_ returned " .. rc .. " after the close")
assert(inside, "unmapped while its code was running")
local ok, err = pcall(z.call, z, "zlibVersion", "string", {})
assert(not ok)
print(err)
-- unmapped, unless something else in the process holds libz
print("unmapped after the call: " .. tostring(before or not mapped()))
-- the same again, with a library a runtime closes from a callback nested two ffi calls deep
local z2 = ffi.open(LIBZ)
z2:cdef[[int deflateInit_(z_stream *strm, int level, const char *version, int stream_size);]]
local s2 = ffi.new("z_stream")
s2.zalloc = function()
  local s3 = ffi.new("z_stream")
  s3.zalloc = function() z2:close() return nil end
  assert(z2.deflateInit_(s3, 6, version, 112) == -4)
  return nil
end
assert(z2.deflateInit_(s2, 6, version, 112) == -4)
assert(before or not mapped())
print("survived nested closes (libz mapped before the script opened it: " .. tostring(before) .. ")")
