/* Nested callbacks: C that calls its callback one level deeper, and the stack address of a C
   frame, so a test can see how much C stack each level of Lua -> C -> callback takes. */
#include <stdint.h>

/* The address of this function's frame: near the top of the C stack where it is called. */
uintptr_t depth_stack(void) { return (uintptr_t)__builtin_frame_address(0); }

int depth_nest(int (*cb)(int), int d) { return cb(d); }

/* Two callbacks invoked in turn during one call: the sum of a(i) + b(i) for i in [0, n). */
int depth_two(int (*a)(int), int (*b)(int), int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) s += a(i) + b(i);
    return s;
}
