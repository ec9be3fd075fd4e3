-- io.popen and its files when a script tampers with them: replaced FILE* methods and metatable
-- fields, the registry's FILE* entry gone or replaced (the full policy reaches the registry),
-- a command too long for the kernel, close functions called on the wrong objects.
-- expect: closed twice	false	attempt to use a closed file
-- expect: registry entry gone	false	popen: the io library's FILE* metatable is missing from the registry
-- expect: replaced entry	userdata	true	exit	0
-- expect: too long	nil	true	number
-- expect: wrong self	false	bad argument #1 to
-- expect: no __gc	done
-- expect: raising __gc	done
-- expect: done all
local mt = getmetatable(io.stdout)

local f = io.popen("echo x")
f:close()
print("closed twice", pcall(f.close, f))

-- The registry's FILE* entry removed, then replaced by another table.
local registry = debug.getregistry()
local saved = registry["FILE*"]
registry["FILE*"] = nil
print("registry entry gone", pcall(io.popen, "true"))
registry["FILE*"] = 42
print("registry entry a number", pcall(io.popen, "true"))
registry["FILE*"] = { __index = { close = mt.__index.close }, __name = "FILE*" }
local p = io.popen("true")
print("replaced entry", type(p), p:close())
registry["FILE*"] = saved

-- A command past the kernel's limit for one argument: popen fails, nothing leaks.
local r1, r2, r3 = io.popen(("x"):rep(300000))
print("too long", r1, type(r2) == "string" and #r2 > 300000, type(r3))

-- Methods called with the wrong self.
print("wrong self", pcall(mt.__index.close, {}))
print(pcall(mt.__index.read, "x"))
print(pcall(mt.__gc, {}))
print(pcall(mt.__close, 42))

-- __gc removed before the pipe is made: nothing closes it but the script (lua's rule for any file).
local gc = mt.__gc
mt.__gc = nil
local leaked = io.popen("true")
mt.__gc = gc
leaked:close()
print("no __gc", "done")

-- A __gc that raises: the collector warns and goes on; the pipe is left to the script.
mt.__gc = function() error("gc raised") end
do local g = io.popen("true") end
collectgarbage() collectgarbage()
mt.__gc = gc
print("raising __gc", "done")

-- __index replaced: methods are gone, io.close still closes it.
local index = mt.__index
mt.__index = function() error("no methods") end
local q = io.popen("exit 2")
print(pcall(function() return q:read("a") end))
print(io.close(q))
mt.__index = index

-- Many pipes left for the collector and for lua_close at exit.
for i = 1, 200 do io.popen("true") end
collectgarbage()
for i = 1, 20 do io.popen("cat > /dev/null", "w"):write(("y"):rep(1000)) end
print("done all")
