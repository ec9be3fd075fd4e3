---@meta ffi
-- Definitions of Lunet's ffi module for lua-language-server (LuaLS): add this folder to
-- "workspace.library" in .luarc.json. tests/Lunet.Tests/Embedding/DefinitionsFileTests.cs
-- compares the names declared here with the module's own table, so the two cannot drift.

---A C type name: "i32", "int", "double", "size_t", "pointer", "string", "void", ...
---(`ffi.types` lists them).
---@alias ffi.ctype string

---A native pointer (a light userdata); NULL is `ffi.nullptr`, never nil.
---@alias ffi.pointer lightuserdata

---@class ffi
---@field C ffi.NativeLibrary The running process and the libraries loaded with it (`ffi.open()`).
local ffi = {}

---The NULL pointer.
---@type ffi.pointer
ffi.nullptr = nil

---The NULL pointer (the same value as `ffi.nullptr`).
---@type ffi.pointer
ffi.null = nil

---Every type name, each mapped to its canonical name (`ffi.types.int == "i32"`).
---@type table<string, string>
ffi.types = {}

---Opens a native library by path or bare name (`"m"`, `"z"`, `"libz.so.1"`); no name: the process.
---@param name? string
---@return ffi.NativeLibrary
function ffi.open(name) end

---True for a NULL pointer or nil.
---@param p ffi.pointer|ffi.Buffer|nil
---@return boolean
function ffi.isNull(p) end

---A pointer's (or a Buffer's) address as an integer.
---@param p ffi.pointer|ffi.Buffer|nil
---@return integer
function ffi.address(p) end

---The pointer at an integer address.
---@param n integer|ffi.pointer
---@return ffi.pointer
function ffi.pointer(n) end

---Size in bytes of a type name, a struct type object or a Buffer.
---@param t ffi.ctype|ffi.StructType|ffi.Buffer
---@return integer
function ffi.sizeof(t) end

---Alignment in bytes of a type name or struct type object (1 for a Buffer).
---@param t ffi.ctype|ffi.StructType|ffi.Buffer
---@return integer
function ffi.alignof(t) end

---Byte offset of a field of a struct or union (`"a.b"` for a field of a nested member).
---@param t ffi.ctype|ffi.StructType
---@param field string
---@return integer
function ffi.offsetof(t, field) end

---Parses C declarations (typedefs, structs, unions, enums, functions, variables) and
---registers their names: types for later type strings, enum constants and declared
---functions and variables on `ffi.C`.
---@param src string
function ffi.cdef(src) end

---Parses one C struct declaration and returns its struct type (the name is registered too).
---@param src string
---@return ffi.StructType
function ffi.struct(src) end

---A new zero-filled struct, union or array instance in native memory owned by Lua
---(`ffi.new("Color", { r = 255 })`, `ffi.new("int[16]")`); fields read and write as
---`inst.field`, array elements as `arr[i]` from 0.
---@param t ffi.ctype|ffi.StructType
---@param init? table|string
---@return ffi.Instance
function ffi.new(t, init) end

---A new zero-filled Buffer of `size` bytes, freed by the garbage collector.
---@param size integer
---@return ffi.Buffer
function ffi.buffer(size) end

---The same function as `ffi.buffer`.
---@param size integer
---@return ffi.Buffer
function ffi.alloc(size) end

---A region allocator whose allocations are Buffers (docs/memory.md, "Arenas").
---@return ffi.Arena
function ffi.arena() end

---Reads the `ctype` value stored at `p`, as `buf:read(0, ctype)` would.
---@param p ffi.pointer|ffi.Buffer
---@param ctype ffi.ctype
---@return any
function ffi.cast(p, ctype) end

---The C string at `p`, or exactly `len` bytes from it; nil for NULL.
---@param p ffi.pointer|ffi.Buffer
---@param len? integer
---@return string?
function ffi.string(p, len) end

---The whole Buffer as a Lua string.
---@param buf ffi.Buffer
---@return string
function ffi.read(buf) end

---Copies the bytes of `str` to the start of `buf` (an error if they do not fit).
---@param str string
---@param buf ffi.Buffer
function ffi.write(str, buf) end

---Makes a Lua function a C function pointer (docs/callbacks.md). `retType` and `argTypes` are
---type names: scalars, `pointer`, typed pointers, `string` (an argument only: a `const char *`
---that arrives as a Lua string, NULL as nil). `options.threads`: `"error"` (the default: a call
---from another thread returns 0 and the next ffi call raises) or `"queue"` (such calls return 0
---and run on the runtime's thread at the end of the next ffi call or at `ffi.poll()`).
---@param fn function
---@param retType ffi.ctype
---@param argTypes ffi.ctype[]
---@param options? { threads: "error"|"queue" }
---@return ffi.Callback
function ffi.callback(fn, retType, argTypes, options) end

---A C function pointer as a callable Lua function (docs/ffi.md, "Function pointers"): `ret` is a
---function type or a pointer to one (`"int (*)(int, int)"`) when no argument types follow, else
---the result's type name, followed by the argument types' names as `lib:wrap` takes them.
---NULL is an error.
---@param ptr ffi.pointer|ffi.Callback|integer
---@param ret ffi.ctype
---@param ... ffi.ctype
---@return function
function ffi.func(ptr, ret, ...) end

---Runs the callback invocations other threads queued; returns how many ran.
---@return integer
function ffi.poll() end

---`errno` as the last ffi call on this runtime left it (saved as that call returned). With
---`v`, also sets the `errno` the next ffi call starts with. Returns the old value.
---@param v? integer
---@return integer
function ffi.errno(v) end

---A Lua function as a C function pointer (`ffi.callback`): valid until `free()`.
---@class ffi.Callback
---@field ptr ffi.pointer The C function pointer.
---@field retType string The result's type name.
---@field argCount integer How many arguments C passes.
---@field isValid boolean False once freed.
local Callback = {}

---The C function pointer (the same value as `ptr`).
---@return ffi.pointer
function Callback:getPtr() end

---Releases the callback: its pointer then returns 0 to C and the next ffi call raises an error.
function Callback:free() end

---A loaded native library (`ffi.open`).
---A struct or union type made by `ffi.struct` (its name is registered as a type name).
---@class ffi.StructType
---@overload fun(init?: table): ffi.Instance
---@field new fun(init?: table): ffi.Instance

---A struct, union or array instance made by `ffi.new`, or a view into one.
---@class ffi.Instance

---@class ffi.NativeLibrary
---@field path string The file the loader mapped.
---@field [string] any What `lib:cdef` bound: functions and variables by their C names.
local NativeLibrary = {}

---Calls the C function `name`: `lib:call("cos", "double", {"double"}, 0)`.
---@param name string
---@param ret ffi.ctype
---@param argTypes ffi.ctype[]
---@param ... any
---@return any
function NativeLibrary:call(name, ret, argTypes, ...) end

---A Lua function calling the C function `name`: `lib:wrap("f64", "sqrt", "f64")`.
---@param ret ffi.ctype
---@param name string
---@param ... ffi.ctype|ffi.ctype[]
---@return function
function NativeLibrary:wrap(ret, name, ...) end

---The value of an exported variable.
---@param ctype ffi.ctype
---@param name string
---@return any
function NativeLibrary:value(ctype, name) end

---Declares C text as `ffi.cdef` does, then binds each function and variable it declares as a
---field of the library: `lib:cdef("int add(int, int);")` then `lib.add(38, 4)`. Variables hold
---their value read when `cdef` ran (arrays and structs: a view of the library's memory). A name
---the library cannot give raises why when it is read.
---@param src string
function NativeLibrary:cdef(src) end

---The address of an exported symbol (an error if absent).
---@param name string
---@return ffi.pointer
function NativeLibrary:getSymbol(name) end

---Whether the library itself exports `name`.
---@param name string
---@return boolean
function NativeLibrary:hasSymbol(name) end

---Every function the library defines and exports: `{ name = ..., ordinal = ... }` (ordinal on Windows).
---@return { name: string, ordinal: integer? }[]
function NativeLibrary:listExports() end

---Closes the library; later calls through it (and its wrappers) are errors. Twice is fine.
function NativeLibrary:close() end

---Native memory owned by Lua, bounds-checked (`ffi.buffer`).
---@class ffi.Buffer
---@field size integer The size in bytes (also `#buf`).
---@field ptr ffi.pointer The address of the first byte.
local Buffer = {}

---The `ctype` value stored at `offset`.
---@param offset integer
---@param ctype ffi.ctype
---@return any
function Buffer:read(offset, ctype) end

---Stores `value` as a `ctype` at `offset`.
---@param offset integer
---@param ctype ffi.ctype
---@param value any
function Buffer:write(offset, ctype, value) end

---Sets every byte to 0.
function Buffer:zero() end

---Exactly `len` bytes from `offset`, as a Lua string.
---@param offset integer
---@param len integer
---@return string
function Buffer:readBytes(offset, len) end

---Copies the bytes of a string (or of another Buffer) to `offset`.
---@param offset integer
---@param bytes string|ffi.Buffer
function Buffer:writeBytes(offset, bytes) end

---The NUL-terminated string at `offset` (default 0); without a NUL it ends at the buffer's end.
---@param offset? integer
---@return string
function Buffer:readString(offset) end

---Writes `s` and a terminating NUL at `offset` (an error if both do not fit).
---@param offset integer
---@param s string
function Buffer:writeString(offset, s) end

---A Buffer over `size` bytes of the same memory from `offset`; it keeps this one alive.
---@param offset integer
---@param size integer
---@return ffi.Buffer
function Buffer:slice(offset, size) end

---A region allocator (`ffi.arena`): its allocations are Buffers that stay valid until collected.
---@class ffi.Arena
---@field totalAllocated integer Bytes asked for since the arena was made or last reset.
---@field allocationCount integer Allocations since then.
local Arena = {}

---A zero-filled Buffer of `size` bytes at an address that is a multiple of `align` (a power of two up to 4096; default 16).
---@param size integer
---@param align? integer
---@return ffi.Buffer
function Arena:alloc(size, align) end

---A zero-filled Buffer for `n` elements of `ctype`, aligned to the type.
---@param ctype ffi.ctype|ffi.StructType
---@param n integer
---@return ffi.Buffer
function Arena:allocArray(ctype, n) end

---Lets go of the arena's memory and zeroes its counters; Buffers handed out stay valid until collected.
function Arena:reset() end

return ffi
