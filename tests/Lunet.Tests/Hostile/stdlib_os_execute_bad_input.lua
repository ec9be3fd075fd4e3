-- os.execute and os.tmpname (Modules/OsProcesses.cs) given what a script can pass: wrong
-- types, a __name that is not a string, a command too long for the kernel, NULs, many calls.
-- expect: bad argument #1 to 'execute' (string expected, got table)
-- expect: bad argument #1 to 'execute' (string expected, got Named)
-- expect: bad argument #1 to 'execute' (string expected, got table)
-- expect: bad argument #1 to 'execute' (string expected, got boolean)
-- expect: too long	nil	Argument list too long	7
-- expect: nul	true	exit	0
-- expect: number	nil	exit	127
-- expect: tmpnames	100
-- expect: extra arguments	true	true
local function try(label, ...)
  print(label, pcall(function(...) local a, b, c = os.execute(...) return a, b, c end, ...))
end
try("table", {})
try("named", setmetatable({}, { __name = "Named" }))
try("odd name", setmetatable({}, { __name = 42 }))
try("pointer", true)
print("too long", os.execute(("x"):rep(300000)))
print("nul", os.execute("true\0; exit 9"))
print("number", os.execute(12345))
local names = {}
for i = 1, 100 do
  local n = os.tmpname()
  names[n] = true
end
local count = 0
for n in pairs(names) do count = count + 1 os.remove(n) end
print("tmpnames", count)
local ok, extra = pcall(os.tmpname, "ignored", {})
print("extra arguments", ok, os.remove(extra))
