namespace Lunet.Tests.Callbacks;

/// <summary>Callbacks into real C: libc qsort and bsearch, sqlite3_exec's row callback, an event stored and fired later.</summary>
public class CallbackRealUseTests
{
    [Fact]
    public void QsortWithALuaComparator()
    {
        var values = new int[1000];
        var rng = new Random(7);
        for (int i = 0; i < values.Length; i++) values[i] = rng.Next(int.MinValue, int.MaxValue);
        using var rt = CallbackLib.NewRuntime();
        rt.SetGlobal("VALUES", string.Join(",", values));
        var r = (string)rt.DoString(CallbackLib.Open + """
            local qsort = ffi.C:wrap('void', 'qsort', 'pointer', 'size_t', 'size_t', 'pointer')
            local t = {}
            for v in VALUES:gmatch('[^,]+') do t[#t + 1] = math.tointeger(v) end
            local buf = ffi.buffer(4 * #t)
            for i, v in ipairs(t) do buf:write((i - 1) * 4, 'i32', v) end
            local cmp = ffi.callback(function(a, b)
              local x, y = ffi.cast(a, 'i32'), ffi.cast(b, 'i32')
              return x < y and -1 or (x > y and 1 or 0)
            end, 'int', {'const void *', 'const void *'})
            qsort(buf, #t, 4, cmp)
            local out = {}
            for i = 0, #t - 1 do out[#out + 1] = buf:read(i * 4, 'i32') end
            return table.concat(out, ',')
            """)[0]!;
        Array.Sort(values);
        Assert.Equal(string.Join(",", values), r);
    }

    [Fact]
    public void BsearchWithALuaComparator()
    {
        Assert.Equal("7|nil", CallbackLib.Eval("""
            local bsearch = ffi.C:wrap('pointer', 'bsearch', 'pointer', 'pointer', 'size_t', 'size_t', 'pointer')
            local n = 16
            local arr = ffi.buffer(4 * n)
            for i = 0, n - 1 do arr:write(i * 4, 'i32', i * 3) end   -- 0, 3, 6, ..., 45
            local key = ffi.buffer(4)
            local cmp = ffi.callback(function(k, e)
              local x, y = ffi.cast(k, 'i32'), ffi.cast(e, 'i32')
              return x < y and -1 or (x > y and 1 or 0)
            end, 'int', {'const void *', 'const void *'})
            key:write(0, 'i32', 21)
            local found = bsearch(key, arr, n, 4, cmp)
            key:write(0, 'i32', 22)
            local missing = bsearch(key, arr, n, 4, cmp)
            return ((ffi.address(found) - ffi.address(arr.ptr)) // 4) .. '|' .. (ffi.isNull(missing) and 'nil' or 'found')
            """));
    }

    [Fact]
    public void Sqlite3ExecCollectsRowsThroughARowCallback()
    {
        Assert.Equal("Mercury=0;Earth=1;Mars=2;|name,moons|0", CallbackLib.Eval("""
            local sq = ffi.open('sqlite3')
            local open = sq:wrap('int', 'sqlite3_open', 'const char*', 'pointer')
            local exec = sq:wrap('int', 'sqlite3_exec', 'pointer', 'const char*', 'pointer', 'pointer', 'pointer')
            local close = sq:wrap('int', 'sqlite3_close', 'pointer')
            local out = ffi.buffer(8)
            assert(open(':memory:', out) == 0)
            local db = out:read(0, 'pointer')
            assert(exec(db, [[CREATE TABLE planet (name TEXT, moons INTEGER);
              INSERT INTO planet VALUES ('Mercury', 0), ('Earth', 1), ('Mars', 2);]], nil, nil, nil) == 0)
            local rows, names = {}, nil
            -- int (*callback)(void *user, int columns, char **values, char **names)
            local row = ffi.callback(function(user, n, values, colnames)
              local r = {}
              for i = 0, n - 1 do r[#r + 1] = ffi.cast(values + 8 * i, 'string') end
              if not names then
                names = {}
                for i = 0, n - 1 do names[#names + 1] = ffi.string(ffi.cast(colnames + 8 * i, 'pointer')) end
              end
              rows[#rows + 1] = r[1] .. '=' .. r[2]
              return 0
            end, 'int', {'void *', 'int', 'char **', 'char **'})
            local rc = exec(db, 'SELECT name, moons FROM planet ORDER BY moons', row, nil, nil)
            row:free()
            close(db)
            return table.concat(rows, ';') .. ';|' .. table.concat(names, ',') .. '|' .. rc
            """));
    }

    [Fact]
    public void AStoredCallbackFiresLater()
    {
        Assert.Equal("10,20,30|-1", CallbackLib.Eval("""
            local onEvent = lib:wrap('void', 'on_event', 'pointer')
            local fire = lib:wrap('i32', 'fire', 'i32')
            local got = {}
            local handler = ffi.callback(function(v) got[#got + 1] = v; return v * 2 end, 'int', {'int'})
            onEvent(handler)
            assert(fire(10) == 20 and fire(20) == 40)
            -- fired from inside a coroutine: it runs on that coroutine
            local co = coroutine.wrap(function() return fire(30) end)
            assert(co() == 60)
            onEvent(nil)
            handler:free()
            return table.concat(got, ',') .. '|' .. fire(1)
            """));
    }
}
