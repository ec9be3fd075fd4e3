-- The CRC-32 of a file, read in chunks into one Buffer and fed to zlib's crc32.
--   ./lunet examples/crc32.lua [file] [chunk size]
local ffi = require("ffi")
local z = ffi.open("z")

local path = arg and arg[1] or (arg and arg[0]) or "examples/crc32.lua"
local chunkSize = math.tointeger(arg and tonumber(arg[2]) or 4096)
assert(chunkSize and chunkSize > 0, "chunk size must be a positive integer")

-- As <zlib.h> declares it (Bytef is unsigned char); a Buffer is accepted for the pointer.
z:cdef("unsigned long crc32(unsigned long crc, const unsigned char *buf, unsigned int len);")
local crc32 = z.crc32

local f = assert(io.open(path, "rb"))
local chunk = ffi.buffer(chunkSize)     -- one Buffer reused for every chunk
local crc, total, chunks = 0, 0, 0
while true do
  local data = f:read(chunkSize)
  if not data then break end
  chunk:writeBytes(0, data)              -- the last chunk may be shorter than the Buffer
  crc = crc32(crc, chunk, #data)
  total, chunks = total + #data, chunks + 1
end
f:close()

print(("crc32 %08x  %d bytes in %d chunks of %d  %s"):format(crc, total, chunks, chunkSize, path))
