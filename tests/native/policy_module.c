/* A Lua C module that leaves evidence it ran: luaopen_* writes the file named by
   LUNET_POLICY_MARKER. The policy tests put it where require's C searchers look. */
#include <stdio.h>
#include <stdlib.h>

static int leave_marker(void *L) {
    (void)L;
    const char *path = getenv("LUNET_POLICY_MARKER");
    if (path) { FILE *f = fopen(path, "w"); if (f) { fputs("ran\n", f); fclose(f); } }
    return 0;
}

int luaopen_ffi(void *L) { return leave_marker(L); }
int luaopen_policymod(void *L) { return leave_marker(L); }
