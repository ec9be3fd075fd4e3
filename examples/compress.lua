-- Compresses and restores text with the system's zlib through Buffers.
--   ./lunet examples/compress.lua [text]
local ffi = require("ffi")
local z = ffi.open("z")

local text = arg and arg[1] or string.rep("Lunet calls zlib through the ffi. ", 200)

-- int compress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen);
local bound = z:call("compressBound", "unsigned long", {"unsigned long"}, #text)
local packed = ffi.buffer(bound)
local packedLen = ffi.buffer(ffi.sizeof("unsigned long"))
packedLen:write(0, "unsigned long", bound)
local rc = z:call("compress", "int", {"pointer", "pointer", "string", "unsigned long"}, packed, packedLen, text, #text)
assert(rc == 0, "compress failed: " .. rc)
local n = packedLen:read(0, "unsigned long")

-- int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen);
local restored = ffi.buffer(#text)
local restoredLen = ffi.buffer(ffi.sizeof("unsigned long"))
restoredLen:write(0, "unsigned long", #text)
rc = z:call("uncompress", "int", {"pointer", "pointer", "pointer", "unsigned long"}, restored, restoredLen, packed, n)
assert(rc == 0, "uncompress failed: " .. rc)
assert(restored:readBytes(0, restoredLen:read(0, "unsigned long")) == text)

print(("zlib %s: %d bytes -> %d bytes -> %d bytes, round trip ok"):format(
  z:call("zlibVersion", "string", {}), #text, n, restoredLen:read(0, "unsigned long")))
