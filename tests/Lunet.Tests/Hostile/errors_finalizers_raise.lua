-- __gc finalizers that raise, during the script and when the runtime closes at exit:
-- Lua turns their errors into warnings.
-- args: -W
-- expect: Lua warning: error in __gc
-- expect: done
for i = 1, 50 do setmetatable({}, { __gc = function() error("from __gc " .. i) end }) end
collectgarbage()
keep = setmetatable({}, { __gc = function() error(setmetatable({}, { __tostring = error })) end })
print("done")
