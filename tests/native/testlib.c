/* The test library the xunit tests build with cc and call through the ffi. */
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <stddef.h>

int MY_MAGIC_INT = 69;
double MY_DOUBLE = 2.5;
const char *MY_STRING = "magic";
void *MY_NULL = 0;

int add(int a, int b) { return a + b; }
double addf(double a, double b) { return a + b; }
float mulf(float a, float b) { return a * b; }
int64_t add6(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f) { return a + b + c + d + e + f; }
void noop(void) {}
int8_t  id_i8(int8_t v) { return v; }
uint8_t id_u8(uint8_t v) { return v; }
int16_t id_i16(int16_t v) { return v; }
uint16_t id_u16(uint16_t v) { return v; }
int32_t id_i32(int32_t v) { return v; }
uint32_t id_u32(uint32_t v) { return v; }
int64_t id_i64(int64_t v) { return v; }
uint64_t id_u64(uint64_t v) { return v; }
bool not_bool(bool v) { return !v; }
void *id_ptr(void *p) { return p; }
const char *id_str(const char *s) { return s; }
const char *null_str(void) { return 0; }
size_t str_len(const char *s) { return s ? strlen(s) : (size_t)-1; }
int is_null(const void *p) { return p == 0; }
/* 16 parameters: more than fit in registers on any ABI. */
int64_t sum16(int64_t a1, double a2, int64_t a3, double a4, int64_t a5, double a6, int64_t a7, double a8,
              int64_t a9, double a10, int64_t a11, double a12, int64_t a13, double a14, int64_t a15, double a16)
{
    return a1 + (int64_t)a2 + a3 + (int64_t)a4 + a5 + (int64_t)a6 + a7 + (int64_t)a8 +
           a9 + (int64_t)a10 + a11 + (int64_t)a12 + a13 + (int64_t)a14 + a15 + (int64_t)a16;
}
/* Narrow integers and floats past the registers: they travel on the stack. */
int64_t narrow_on_stack(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                        int8_t g, uint8_t h, int16_t i, uint16_t j, int32_t k, uint32_t l)
{
    return a + b + c + d + e + f + g + h + i + j + k + (int64_t)l;
}
double floats_on_stack(double a, double b, double c, double d, double e, double f, double g, double h,
                       float i, double j, float k, int32_t n)
{
    return a + b + c + d + e + f + g + h + i + j + k + n;
}
float id_f32(float v) { return v; }
double id_f64(double v) { return v; }

/* For lib:cdef: variables of every kind a declaration can bind, and functions taking typed pointers. */
struct cdef_point { int32_t x, y; };
int32_t CDEF_TABLE[4] = { 10, 20, 30, 40 };
struct cdef_point CDEF_ORIGIN = { 3, -4 };
int64_t cdef_point_sum(const struct cdef_point *p) { return p ? (int64_t)p->x + p->y : -1; }
void cdef_point_scale(struct cdef_point *p, int32_t k) { p->x *= k; p->y *= k; }
int64_t cdef_sum_ints(const int32_t *v, size_t n) { int64_t s = 0; for (size_t i = 0; i < n; i++) s += v[i]; return s; }
int32_t cdef_table_at(size_t i) { return i < 4 ? CDEF_TABLE[i] : -1; }
struct cdef_point cdef_point_make(int32_t x, int32_t y) { struct cdef_point p = { x, y }; return p; }
int cdef_count_args(int n, ...) { return n; }
