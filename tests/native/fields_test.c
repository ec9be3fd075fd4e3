/* Structs of every scalar field kind for the instance field tests: C fills them and reports
   what it sees, so Lua's reads and writes are checked against the compiler. fields_short
   has names Lua interns (the native field path); fields_long has the same fields under names
   longer than Lua interns (41+ bytes), which the native path leaves to the C# path. */
#include <stdint.h>
#include <string.h>

enum fields_colour { FIELDS_RED = 1, FIELDS_GREEN = -7 };

#define FIELDS(X) \
    X(int8_t, i8) X(uint8_t, u8) X(int16_t, i16) X(uint16_t, u16) X(int32_t, i32) X(uint32_t, u32) \
    X(int64_t, i64) X(uint64_t, u64) X(float, f32) X(double, f64) X(_Bool, b) X(void *, p) \
    X(const char *, s) X(enum fields_colour, e) X(long, l) X(char, c)

#define LONG_NAME(n) a_field_name_long_enough_not_to_be_interned_##n
#define SHORT_MEMBER(t, n) t n;
#define LONG_MEMBER(t, n) t LONG_NAME(n);

struct fields_short { FIELDS(SHORT_MEMBER) };
struct fields_long { FIELDS(LONG_MEMBER) };

/* Known values at the edges of each type. */
#define FILL(s, N) \
    memset(s, 0, sizeof *s); \
    s->N(i8) = -100; s->N(u8) = 200; s->N(i16) = -30000; s->N(u16) = 60000; \
    s->N(i32) = -2000000000; s->N(u32) = 4000000000u; s->N(i64) = INT64_MIN + 5; \
    s->N(u64) = UINT64_MAX - 5; s->N(f32) = -0.15625f; s->N(f64) = 1e300 / 3; s->N(b) = 1; \
    s->N(p) = (void *)(uintptr_t)0x123456789aULL; s->N(s) = (const char *)(uintptr_t)0xabcdefULL; \
    s->N(e) = FIELDS_GREEN; s->N(l) = -123456789012L; s->N(c) = 'z';

#define SHORT(n) n
void fields_fill_short(struct fields_short *s) { FILL(s, SHORT) }
void fields_fill_long(struct fields_long *s) { FILL(s, LONG_NAME) }

/* Field k (0-based, in declaration order) as C sees it: integers (u64 as its bits), floats, pointers. */
#define GET(s, N) \
    switch (k) { \
    case 0: return s->N(i8); case 1: return s->N(u8); case 2: return s->N(i16); case 3: return s->N(u16); \
    case 4: return s->N(i32); case 5: return s->N(u32); case 6: return s->N(i64); case 7: return (long long)s->N(u64); \
    case 10: return s->N(b); case 11: return (long long)(uintptr_t)s->N(p); case 12: return (long long)(uintptr_t)s->N(s); \
    case 13: return s->N(e); case 14: return s->N(l); case 15: return s->N(c); default: return 0; }

long long fields_int_short(const struct fields_short *s, int k) { GET(s, SHORT) }
long long fields_int_long(const struct fields_long *s, int k) { GET(s, LONG_NAME) }
double fields_float_short(const struct fields_short *s, int k) { return k == 8 ? s->f32 : s->f64; }
double fields_float_long(const struct fields_long *s, int k) { return k == 8 ? s->LONG_NAME(f32) : s->LONG_NAME(f64); }

int fields_same_bytes(const void *a, const void *b, long n) { return memcmp(a, b, (size_t)n) == 0; }

/* An int array: C's values, and C's sum of what is there. */
void fields_fill_ints(int *a, int n) { for (int i = 0; i < n; i++) a[i] = (int)((unsigned)i * 2654435761u); }
long long fields_sum_ints(const int *a, int n) { long long s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
