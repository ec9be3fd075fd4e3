/* A function that calls back into Lua and then goes on running its own code: the script
   closes this library inside the callback (tests/Lunet.Tests/Ffi/CloseDuringCallTests.cs). */

typedef int (*close_hook)(int);

static volatile int calls;

/* After the hook returns, this library's code runs on: it must still be mapped. */
int close_call_through(close_hook hook, int x) {
    int r = hook(x);
    calls++;
    return r * 2 + 1;
}

/* Calls the hook twice: a close in the first call leaves the second to run from here too. */
int close_call_twice(close_hook hook, int x) {
    int r = hook(x);
    calls++;
    return r + hook(r);
}

int close_answer(void) { return 42; }
