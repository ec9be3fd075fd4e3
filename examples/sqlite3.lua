-- An in-memory SQLite database through the system's libsqlite3: open, create a
-- table, insert rows with bound parameters, query them back.
--   ./lunet examples/sqlite3.lua
local ffi = require("ffi")
local sq = ffi.open("sqlite3")

local SQLITE_OK, SQLITE_ROW, SQLITE_DONE = 0, 100, 101
local SQLITE_TRANSIENT = ffi.pointer(-1)   -- sqlite copies the bound text before returning

-- The declarations as <sqlite3.h> has them; lib:cdef binds each to libsqlite3's function.
sq:cdef[[
  typedef struct sqlite3 sqlite3;
  typedef struct sqlite3_stmt sqlite3_stmt;
  const char *sqlite3_libversion(void);
  int sqlite3_open(const char *filename, sqlite3 **ppDb);
  int sqlite3_close(sqlite3 *);
  const char *sqlite3_errmsg(sqlite3 *);
  int sqlite3_exec(sqlite3 *, const char *sql, int (*callback)(void *, int, char **, char **), void *, char **errmsg);
  int sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt, const char **pzTail);
  int sqlite3_finalize(sqlite3_stmt *pStmt);
  int sqlite3_reset(sqlite3_stmt *pStmt);
  int sqlite3_step(sqlite3_stmt *);
  int sqlite3_bind_text(sqlite3_stmt *, int, const char *, int, void (*)(void *));
  int sqlite3_bind_int64(sqlite3_stmt *, int, long long);
  int sqlite3_bind_double(sqlite3_stmt *, int, double);
  long long sqlite3_column_int64(sqlite3_stmt *, int iCol);
  const unsigned char *sqlite3_column_text(sqlite3_stmt *, int iCol);
  double sqlite3_column_double(sqlite3_stmt *, int iCol);
]]
local open, close, errmsg, exec = sq.sqlite3_open, sq.sqlite3_close, sq.sqlite3_errmsg, sq.sqlite3_exec
local prepare, finalize, reset, step = sq.sqlite3_prepare_v2, sq.sqlite3_finalize, sq.sqlite3_reset, sq.sqlite3_step
local bindText, bindI64, bindF64 = sq.sqlite3_bind_text, sq.sqlite3_bind_int64, sq.sqlite3_bind_double
local colI64, colText, colF64 = sq.sqlite3_column_int64, sq.sqlite3_column_text, sq.sqlite3_column_double

-- sqlite3_open writes the new handle through a sqlite3** : an 8-byte Buffer.
local out = ffi.buffer(ffi.sizeof("pointer"))
local rc = open(":memory:", out)
local db = out:read(0, "pointer")
local function check(code, what)
  if code ~= SQLITE_OK and code ~= SQLITE_DONE then
    error(("%s failed (%d): %s"):format(what, code, errmsg(db)), 2)
  end
end
check(rc, "sqlite3_open")
print("sqlite " .. sq.sqlite3_libversion())

check(exec(db, "CREATE TABLE planet (name TEXT, moons INTEGER, au REAL)", nil, nil, nil), "CREATE TABLE")

local function statement(sql)
  check(prepare(db, sql, -1, out, nil), "prepare")
  return out:read(0, "pointer")
end

local insert = statement("INSERT INTO planet VALUES (?1, ?2, ?3)")
for _, p in ipairs({ {"Mercury", 0, 0.39}, {"Earth", 1, 1.0}, {"Mars", 2, 1.52}, {"Jupiter", 95, 5.2} }) do
  check(bindText(insert, 1, p[1], -1, SQLITE_TRANSIENT), "bind name")
  check(bindI64(insert, 2, p[2]), "bind moons")
  check(bindF64(insert, 3, p[3]), "bind au")
  check(step(insert), "insert " .. p[1])
  check(reset(insert), "reset")
end
check(finalize(insert), "finalize")

local query = statement("SELECT name, moons, au FROM planet WHERE moons >= ?1 ORDER BY au")
check(bindI64(query, 1, 1), "bind minimum")
local rows = 0
while true do
  rc = step(query)
  if rc ~= SQLITE_ROW then check(rc, "step"); break end
  rows = rows + 1
  -- const unsigned char * is a pointer to bytes, not a C string by type: ffi.string reads it.
  print(("%-8s moons=%d au=%.2f"):format(ffi.string(colText(query, 0)), colI64(query, 1), colF64(query, 2)))
end
check(finalize(query), "finalize")
check(close(db), "sqlite3_close")
print(("%d rows with at least one moon"):format(rows))
