/* Nested callbacks: C that calls its callback one level deeper, and the stack address of a C
   frame, so a test can see how much C stack each level of Lua -> C -> callback takes. */
#include <stdint.h>

/* The address of this function's frame: near the top of the C stack where it is called. */
uintptr_t depth_stack(void) { return (uintptr_t)__builtin_frame_address(0); }

int depth_nest(int (*cb)(int), int d) { return cb(d); }
