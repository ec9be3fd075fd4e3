/* The C functions the benchmark calls through the ffi. Kept trivial on purpose:
   what is measured is the cost of getting from a Lua loop into C and back. */
#include <stdarg.h>
#include <stdint.h>

void noop(void) {}
int add_i32(int a, int b) { return a + b; }
double add_f64(double a, double b) { return a + b; }
int64_t add6_i64(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f)
{
    return a + b + c + d + e + f;
}
void *id_ptr(void *p) { return p; }
int ptr_read(const int *p) { return *p; }

/* The variadic rows' cheap function: what is measured is the variadic call path, not the callee. */
long long sum_va(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    long long s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, long long);
    va_end(ap);
    return s;
}
