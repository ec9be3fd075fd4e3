-- The registry's _LOADED removed and an __index given to the registry: the traceback the
-- message handler builds (luaL_traceback reads _LOADED) must not run it inside C#.
-- exit: 1
-- expect: after tampering
local reg = debug.getregistry()
local loaded = reg._LOADED
reg._LOADED = nil
debug.setmetatable(reg, { __index = function(_, k) error("registry index " .. tostring(k)) end })
print(pcall(error, "caught"))
error("after tampering")
