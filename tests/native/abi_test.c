/* Structs, unions and scalars by value in every shape the x86-64 System V classification
   distinguishes. Each sum_* returns a checksum of what it received: FNV-1a over the bytes of
   every member in declaration order (the test computes the same over the values it passed). Each
   *_make returns a struct computed from its arguments. */
#include <stdint.h>
#include <stddef.h>

typedef struct Vec2 { double x, y; } Vec2;                          /* SSE, SSE */
typedef struct ID { int32_t i; double d; } ID;                      /* INTEGER, SSE */
typedef struct DI { double d; int32_t i; } DI;                      /* SSE, INTEGER */
typedef struct F3 { float a, b, c; } F3;                            /* SSE, SSE (4 bytes) */
typedef struct F2 { float a, b; } F2;                               /* SSE */
typedef struct F4 { float a, b, c, d; } F4;                         /* SSE, SSE */
typedef struct CIC { int8_t a; int32_t i; int8_t b; } CIC;          /* INTEGER, INTEGER */
typedef union IF { int32_t i; float f; } IF;                        /* INTEGER wins */
typedef union UD { double d; int64_t l; } UD;
typedef struct __attribute__((packed)) PCI { int8_t c; int32_t i; } PCI;  /* misaligned: MEMORY */
typedef struct __attribute__((packed)) PIC { int32_t i; int8_t c; } PIC;  /* 5 bytes, INTEGER */
typedef struct Inner { float x, y; } Inner;
typedef struct Nest { Inner p; double z; } Nest;                    /* nested */
typedef struct Arr { int16_t v[4]; } Arr;                           /* array inside */
typedef struct FArr { float v[3]; } FArr;
typedef struct C3 { int8_t c[3]; } C3;
typedef struct Big { int64_t a, b, c; } Big;                        /* 24 bytes: MEMORY */
typedef struct Huge { double v[8]; int32_t tag; } Huge;
typedef struct LL { int64_t a, b; } LL;
typedef struct One { int8_t c; } One;
typedef struct U8x16 { uint8_t b[16]; } U8x16;
typedef struct Mixed { int16_t s; float f; uint8_t u; double d; } Mixed;  /* 24 bytes */
typedef struct Bits { uint32_t a : 3, b : 9; int32_t c : 7; } Bits;
typedef struct __attribute__((aligned(16))) A16 { double v[4]; } A16;  /* 32 bytes, 16-aligned: MEMORY */
typedef struct __attribute__((aligned(32))) A32 { double v; } A32;     /* refused: aligned beyond 16 */

#include "checksum.h"

uint64_t sum_vec2(Vec2 s) { START; H(s.x); H(s.y); return h; }
uint64_t sum_id(ID s) { START; H(s.i); H(s.d); return h; }
uint64_t sum_di(DI s) { START; H(s.d); H(s.i); return h; }
uint64_t sum_f3(F3 s) { START; H(s.a); H(s.b); H(s.c); return h; }
uint64_t sum_f2(F2 s) { START; H(s.a); H(s.b); return h; }
uint64_t sum_f4(F4 s) { START; H(s.a); H(s.b); H(s.c); H(s.d); return h; }
uint64_t sum_cic(CIC s) { START; H(s.a); H(s.i); H(s.b); return h; }
uint64_t sum_if(IF s) { START; H(s.i); return h; }
uint64_t sum_ud(UD s) { START; H(s.l); return h; }
uint64_t sum_pci(PCI s) { START; H(s.c); H(s.i); return h; }
uint64_t sum_pic(PIC s) { START; H(s.i); H(s.c); return h; }
uint64_t sum_nest(Nest s) { START; H(s.p.x); H(s.p.y); H(s.z); return h; }
uint64_t sum_arr(Arr s) { START; for (int i = 0; i < 4; i++) H(s.v[i]); return h; }
uint64_t sum_farr(FArr s) { START; for (int i = 0; i < 3; i++) H(s.v[i]); return h; }
uint64_t sum_c3(C3 s) { START; for (int i = 0; i < 3; i++) H(s.c[i]); return h; }
uint64_t sum_big(Big s) { START; H(s.a); H(s.b); H(s.c); return h; }
uint64_t sum_huge(Huge s) { START; for (int i = 0; i < 8; i++) H(s.v[i]); H(s.tag); return h; }
uint64_t sum_ll(LL s) { START; H(s.a); H(s.b); return h; }
uint64_t sum_one(One s) { START; H(s.c); return h; }
uint64_t sum_u8x16(U8x16 s) { START; for (int i = 0; i < 16; i++) H(s.b[i]); return h; }
uint64_t sum_mixed(Mixed s) { START; H(s.s); H(s.f); H(s.u); H(s.d); return h; }
uint64_t sum_bits(Bits s) { START; H((uint32_t)s.a); H((uint32_t)s.b); H((int32_t)s.c); return h; }

/* Structs among scalars, and more than the registers hold. */
uint64_t sum_scalars_vec2(int32_t a, Vec2 v, double d, int8_t c) { START; H(a); H(v.x); H(v.y); H(d); H(c); return h; }
uint64_t sum_spill_int(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, LL s, int32_t g)
{ START; H(a); H(b); H(c); H(d); H(e); H(s.a); H(s.b); H(g); return h; }
uint64_t sum_spill_sse(double a, double b, double c, double d, double e, double f, double g, Vec2 v, double x)
{ START; H(a); H(b); H(c); H(d); H(e); H(f); H(g); H(v.x); H(v.y); H(x); return h; }
uint64_t sum_many(Vec2 a, ID b, F3 c, CIC d, LL e, Big f, int32_t g)
{
    START; H(a.x); H(a.y); H(b.i); H(b.d); H(c.a); H(c.b); H(c.c); H(d.a); H(d.i); H(d.b);
    H(e.a); H(e.b); H(f.a); H(f.b); H(f.c); H(g); return h;
}
uint64_t sum_two_big(Big a, Big b) { START; H(a.a); H(a.b); H(a.c); H(b.a); H(b.b); H(b.c); return h; }
uint64_t sum_ten_f2(F2 a, F2 b, F2 c, F2 d, F2 e, F2 f, F2 g, F2 i, F2 j, F2 k)
{
    F2 all[10] = { a, b, c, d, e, f, g, i, j, k };
    START; for (int n = 0; n < 10; n++) { H(all[n].a); H(all[n].b); } return h;
}
uint64_t sum_mix_stack(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e, int32_t f, CIC s, double x, F3 t, Huge u)
{
    START; H(a); H(b); H(c); H(d); H(e); H(f); H(s.a); H(s.i); H(s.b); H(x); H(t.a); H(t.b); H(t.c);
    for (int i = 0; i < 8; i++) H(u.v[i]);
    H(u.tag); return h;
}
uint64_t sum_nine_one(One a, One b, One c, One d, One e, One f, One g, One i, One j)
{ START; H(a.c); H(b.c); H(c.c); H(d.c); H(e.c); H(f.c); H(g.c); H(i.c); H(j.c); return h; }
uint64_t sum_pointer_fields(const Vec2 *p, Vec2 v) { START; H(p->x); H(p->y); H(v.x); H(v.y); return h; }

/* Struct results: in registers, and through the hidden pointer. */
Vec2 vec2_add(Vec2 a, Vec2 b) { Vec2 r = { a.x + b.x, a.y + b.y }; return r; }
ID id_make(int32_t i, double d) { ID r = { i * 2, d / 2 }; return r; }
DI di_make(double d, int32_t i) { DI r = { d * 4, i - 1 }; return r; }
F3 f3_scale(F3 s, float k) { F3 r = { s.a * k, s.b * k, s.c * k }; return r; }
F2 f2_swap(F2 s) { F2 r = { s.b, s.a }; return r; }
F4 f4_make(float a) { F4 r = { a, a + 1, a + 2, a + 3 }; return r; }
CIC cic_make(int8_t a, int32_t i, int8_t b) { CIC r = { (int8_t)(a + 1), i * 3, (int8_t)(b - 1) }; return r; }
Big big_make(int64_t a, int64_t b, int64_t c) { Big r = { a * 10, b * 100, c * 1000 }; return r; }
Huge huge_make(double base, int32_t tag) { Huge r; for (int i = 0; i < 8; i++) r.v[i] = base + i; r.tag = tag; return r; }
LL ll_make(int64_t a, int64_t b) { LL r = { a + b, a - b }; return r; }
IF if_make(int32_t i) { IF r; r.i = i + 7; return r; }
UD ud_make(int64_t l) { UD r; r.l = l ^ 0x5555; return r; }
PIC pic_make(int32_t i, int8_t c) { PIC r = { i + 1, (int8_t)(c + 1) }; return r; }
PCI pci_make(int8_t c, int32_t i) { PCI r = { (int8_t)(c - 1), i - 1 }; return r; }
Nest nest_make(float x, float y, double z) { Nest r = { { x, y }, z * 2 }; return r; }
One one_make(int8_t c) { One r = { (int8_t)(c * 2) }; return r; }
C3 c3_make(int8_t a, int8_t b, int8_t c) { C3 r = { { c, b, a } }; return r; }
Arr arr_make(int16_t start) { Arr r; for (int i = 0; i < 4; i++) r.v[i] = (int16_t)(start + i * 100); return r; }
FArr farr_make(float start) { FArr r; for (int i = 0; i < 3; i++) r.v[i] = start * (i + 1); return r; }
U8x16 u8x16_make(uint8_t start) { U8x16 r; for (int i = 0; i < 16; i++) r.b[i] = (uint8_t)(start + i); return r; }
Mixed mixed_make(int16_t s, float f, uint8_t u, double d) { Mixed r = { (int16_t)(s + 1), f + 1, (uint8_t)(u + 1), d + 1 }; return r; }
Bits bits_make(uint32_t a, uint32_t b, int32_t c) { Bits r = { 0 }; r.a = a; r.b = b; r.c = c; return r; }
Big big_from(int32_t k, Vec2 v, Big b) { Big r = { b.a + k, b.b + (int64_t)v.x, b.c + (int64_t)v.y }; return r; }
Vec2 vec2_after_spill(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f, int64_t g, Vec2 v)
{ Vec2 r = { v.x + (double)(a + b + c + d), v.y + (double)(e + f + g) }; return r; }
A16 a16_make(double base) { A16 r; for (int i = 0; i < 4; i++) r.v[i] = base * (i + 1); return r; }
uint64_t sum_a16(int32_t k, A16 s, double x) { START; H(k); for (int i = 0; i < 4; i++) H(s.v[i]); H(x); return h; }
double a32_get(A32 s) { return s.v; }
