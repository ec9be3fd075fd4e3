// C++ that throws through the ffi: std::exception and its subclasses (what() is the message),
// values of other types (the type names the error), exceptions rethrown from an exception_ptr,
// destructors that must run while the exception unwinds, and C++ calling a Lua callback.
#include <cstdarg>
#include <cstring>
#include <dlfcn.h>
#include <exception>
#include <execinfo.h>
#include <new>
#include <stdexcept>
#include <string>

namespace {

// Counts the destructors run while an exception unwinds (the cleanups of C++ frames).
int destroyed = 0;
struct Guard
{
    ~Guard() { destroyed++; }
};

struct Plain
{
    int code;
};

// std::exception as the second base: the object must be adjusted before what() is called.
struct Other
{
    virtual ~Other() {}
    long filler[3] = {1, 2, 3};
};
struct Both : Other, std::logic_error
{
    explicit Both(const char *m) : std::logic_error(m) {}
};

// Counts the exception objects alive: each one the ffi catches must be destroyed.
int live = 0;
struct Tracked : std::runtime_error
{
    Tracked() : std::runtime_error("tracked") { live++; }
    Tracked(const Tracked &o) : std::runtime_error(o) { live++; }
    ~Tracked() override { live--; }
};

struct Custom : std::exception
{
    const char *what() const noexcept override { return "custom what"; }
};

} // namespace

namespace lunet_test {
struct Named
{
    int v;
};
} // namespace lunet_test

extern "C" {

int cxx_throw_runtime(int x)
{
    Guard g;
    if (x > 0) throw std::runtime_error("oh no");
    return -x;
}

int cxx_throw_int(int x)
{
    if (x > 0) throw 42;
    return x;
}

// The message is the caller's: a long one, or one with any bytes.
double cxx_throw_message(const char *message) { throw std::runtime_error(message); }

int cxx_throw_plain(void) { throw Plain{7}; }
int cxx_throw_named(void) { throw lunet_test::Named{1}; }
int cxx_throw_string_literal(void) { throw "a string literal"; }
int cxx_throw_both(void) { throw Both("second base"); }
int cxx_throw_custom(void) { throw Custom(); }
int cxx_throw_bad_alloc(void) { throw std::bad_alloc(); }

// A dependent exception: rethrown from an exception_ptr, as std::rethrow_exception makes it.
int cxx_rethrow_pointer(void)
{
    auto p = std::make_exception_ptr(std::out_of_range("from an exception_ptr"));
    std::rethrow_exception(p);
}

// Caught and rethrown inside C++ (throw;) before it leaves.
int cxx_rethrow_inside(void)
{
    try {
        throw std::invalid_argument("rethrown");
    } catch (...) {
        Guard g;
        throw;
    }
}

// Deep C++ frames, each with a destructor to run.
static int deep(int n)
{
    Guard g;
    if (n == 0) throw std::runtime_error("deep");
    return deep(n - 1) + 1;
}
int cxx_throw_deep(int n) { return deep(n); }

int cxx_destroyed(void) { return destroyed; }

int cxx_throw_tracked(void) { throw Tracked(); }
int cxx_live(void) { return live; }

// What the C++ runtime holds for this thread once every exception was caught: nothing.
int cxx_uncaught(void) { return std::uncaught_exceptions(); }
int cxx_has_current(void) { return std::current_exception() != nullptr; }

// Variadic: sums n ints, throws when the sum is negative.
long long cxx_sum_or_throw(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    long long s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap);
    if (s < 0) throw std::range_error("negative sum " + std::to_string(s));
    return s;
}

// C++ calling a function pointer (a Lua callback): its frames hold a destructor.
int cxx_apply(int (*f)(int), int x)
{
    Guard g;
    return f(x) + 1;
}

// Calls the callback, then throws: a callback's error and an exception in one ffi call.
int cxx_apply_then_throw(int (*f)(int), int x)
{
    f(x);
    throw std::runtime_error("after the callback");
}

// A C++ exception caught inside C++ never reaches the ffi.
int cxx_catch_inside(int x)
{
    try {
        if (x > 0) throw std::runtime_error("caught");
    } catch (const std::exception &) {
        return 1;
    }
    return 0;
}

// Structs by value and stack arguments: the stubs with the larger frames.
struct Pair
{
    long long a, b;
};
Pair cxx_pair_or_throw(long long a, long long b)
{
    if (a < 0) throw std::runtime_error("pair");
    return {a, b};
}
struct Big
{
    long long v[4];
};
Big cxx_big_or_throw(long long x)
{
    if (x < 0) throw std::runtime_error("big");
    return {{x, x + 1, x + 2, x + 3}};
}
long long cxx_many_or_throw(long long a, long long b, long long c, long long d, long long e, long long f,
                            long long g, long long h, long long i, long long j)
{
    long long s = a + b + c + d + e + f + g + h + i + j;
    if (s < 0) throw std::runtime_error("many");
    return s;
}

// The frames the system unwinder walks from here (backtrace), counted by the file that holds
// them: past a stub only when the stub's frame is described to it.
int cxx_frames_in(const char *file)
{
    void *frames[256];
    int n = backtrace(frames, 256), found = 0;
    for (int k = 0; k < n; k++) {
        Dl_info info;
        if (dladdr(frames[k], &info) && info.dli_fname && strstr(info.dli_fname, file)) found++;
    }
    return found;
}

// A function pointer to the thrower (for ffi.func).
void *cxx_thrower_address(void) { return (void *)&cxx_throw_runtime; }

} // extern "C"
