/* errno and variadic calls (tests/Lunet.Tests/Ffi/ErrnoTests.cs, VariadicTests.cs). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* The C library's values, so the tests compare with C rather than with a number they assume. */
int errno_enoent(void) { return ENOENT; }
int errno_erange(void) { return ERANGE; }

/* Sets errno and returns v: what ffi.errno() must read after the call. */
int errno_set(int v) { errno = v; return v; }
/* errno as the call found it: what ffi.errno(v) must have stored before the call. */
int errno_get(void) { return errno; }
/* Touches nothing. */
int errno_none(int v) { return v + 1; }

/*
 * Reads its variadic arguments as fmt says, with va_arg: 'i' long long, 'd' double,
 * 's' const char * (its length), 'b' int, 'p' void * (1 if not NULL). Returns a checksum:
 * the sum of each value times its position (1, 2, ...).
 */
double va_checksum(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    double sum = 0;
    for (int i = 0; fmt[i]; i++) {
        double w = i + 1;
        switch (fmt[i]) {
        case 'i': sum += w * (double)va_arg(ap, long long); break;
        case 'd': sum += w * va_arg(ap, double); break;
        case 's': { const char *s = va_arg(ap, const char *); sum += w * (double)(s ? strlen(s) : 0); break; }
        case 'b': sum += w * (double)va_arg(ap, int); break;
        case 'p': sum += w * (va_arg(ap, void *) != 0 ? 1 : 0); break;
        }
    }
    va_end(ap);
    return sum;
}
