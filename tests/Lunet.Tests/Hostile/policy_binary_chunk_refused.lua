-- Patched bytecode reaches any memory in PUC Lua: under --no-ffi no route loads a binary chunk.
-- args: --no-ffi
-- expect: load: attempt to load a binary chunk (mode is 't')
-- expect: loadfile: attempt to load a binary chunk (mode is 't')
-- expect: dofile: false
-- expect: require: false
-- expect: survived
local dumped = string.dump(function() return 1 end)
-- A corrupted chunk: what a crafted one would look like to the loader.
local patched = dumped:sub(1, 20) .. ("\255"):rep(#dumped - 20)
print("load: " .. select(2, load(dumped)))
assert(load(patched) == nil and load(patched, "x", "b") == nil and load(patched, "x", "bt", {}) == nil)
local name = os.tmpname()
local f = assert(io.open(name, "wb")) f:write(patched) f:close()
print("loadfile: " .. select(2, loadfile(name)))
print("dofile: " .. tostring(pcall(dofile, name)))
package.path = name:gsub("[^/]+$", "?")
print("require: " .. tostring(pcall(require, name:match("[^/]+$"))))
os.remove(name)
print("survived")
