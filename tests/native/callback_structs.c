/* Callbacks that take and return structs and unions by value, in the shapes the x86-64 System V
   classification tells apart. Each cs_give_* calls the callback with values it builds from a seed and
   returns what the callback returned; the matching cs_expect_* returns the checksum of those values
   (FNV-1a over the bytes of every member in declaration order), which the callback computes over the
   values it received. Each cs_take_* calls a callback that returns a struct and returns the checksum
   of the members it got back; the script computes the same over the values it returned. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <pthread.h>

typedef struct DD { double x, y; } DD;                         /* SSE, SSE */
typedef struct ID { int32_t i; double d; } ID;                 /* INTEGER, SSE */
typedef struct F3 { float a, b, c; } F3;                       /* SSE, SSE (4 bytes) */
typedef struct CIC { int8_t a; int32_t i; int8_t b; } CIC;     /* INTEGER, INTEGER */
typedef struct Big { int64_t a, b, c; } Big;                   /* 24 bytes: MEMORY */
typedef union UID { int32_t i; double d; } UID;                /* INTEGER wins */
typedef struct Odd { uint8_t c[25]; } Odd;                     /* 25 bytes: MEMORY, not a multiple of 8 */

#include "checksum.h"

static DD dd(int s) { DD v = { s * 1.5, -s - 0.25 }; return v; }
static ID id(int s) { ID v = { -s * 7, s / 8.0 }; return v; }
static F3 f3(int s) { F3 v = { s + 0.5f, -s * 2.0f, s * 0.25f }; return v; }
static CIC cic(int s) { CIC v = { (int8_t)(-s), s * 1000, (int8_t)(s + 1) }; return v; }
static Big big(int s) { Big v = { s, -s * 3LL, (int64_t)s << 40 }; return v; }
static UID uid(int s) { UID v; v.d = s * 3.0; return v; }

static uint64_t hdd(uint64_t h, DD v) { H(v.x); H(v.y); return h; }
static uint64_t hid(uint64_t h, ID v) { H(v.i); H(v.d); return h; }
static uint64_t hf3(uint64_t h, F3 v) { H(v.a); H(v.b); H(v.c); return h; }
static uint64_t hcic(uint64_t h, CIC v) { H(v.a); H(v.i); H(v.b); return h; }
static uint64_t hbig(uint64_t h, Big v) { H(v.a); H(v.b); H(v.c); return h; }
static uint64_t huid(uint64_t h, UID v) { H(v.d); return h; }

/* Every shape, with scalars between them, so that both register files run out: the last CIC,
   float and DD, and the Big, travel on the stack. */
typedef uint64_t (*all_fn)(int32_t, DD, ID, F3, CIC, Big, UID, double, DD, int32_t, CIC, float, DD);

uint64_t cs_give_all(all_fn cb, int s)
{
    return cb(s, dd(s), id(s + 1), f3(s + 2), cic(s + 3), big(s + 4), uid(s + 5), s * 0.5,
              dd(s + 6), -s, cic(s + 7), s * 0.125f, dd(s + 8));
}

uint64_t cs_expect_all(int s)
{
    START;
    H((int32_t)s);
    h = hdd(h, dd(s)); h = hid(h, id(s + 1)); h = hf3(h, f3(s + 2)); h = hcic(h, cic(s + 3));
    h = hbig(h, big(s + 4)); h = huid(h, uid(s + 5)); H(s * 0.5); h = hdd(h, dd(s + 6));
    H((int32_t)-s); h = hcic(h, cic(s + 7)); H(s * 0.125f); h = hdd(h, dd(s + 8));
    return h;
}

/* One struct alone (in registers), and the struct after the integer registers are taken. */
uint64_t cs_give_dd(uint64_t (*cb)(DD), int s) { return cb(dd(s)); }
uint64_t cs_expect_dd(int s) { START; return hdd(h, dd(s)); }

uint64_t cs_give_odd(uint64_t (*cb)(int, Odd, int), int s)
{
    Odd o;
    for (int i = 0; i < 25; i++) o.c[i] = (uint8_t)(s + i * 9);
    return cb(s, o, -s);
}

uint64_t cs_expect_odd(int s)
{
    START;
    H((int32_t)s);
    for (int i = 0; i < 25; i++) H((uint8_t)(s + i * 9));
    H((int32_t)-s);
    return h;
}

/* Results: the checksum of what the callback returned, also kept for cs_last (a call whose
   callback failed raises its error instead of returning it). */
static uint64_t last;
uint64_t cs_last(void) { return last; }
uint64_t cs_take_dd(DD (*cb)(int), int s) { START; return last = hdd(h, cb(s)); }
uint64_t cs_take_id(ID (*cb)(int), int s) { START; return last = hid(h, cb(s)); }
uint64_t cs_take_f3(F3 (*cb)(int), int s) { START; return last = hf3(h, cb(s)); }
uint64_t cs_take_cic(CIC (*cb)(int), int s) { START; return last = hcic(h, cb(s)); }
uint64_t cs_take_uid(UID (*cb)(int), int s) { START; return last = huid(h, cb(s)); }

/* A MEMORY result comes through the hidden pointer, so the integer arguments shift by one register
   and the last goes on the stack; the memory starts as garbage, to see that every byte is written. */
uint64_t cs_take_big(Big (*cb)(int, int, int, int, int, int), int s)
{
    START;
    return last = hbig(h, cb(s, s + 1, s + 2, s + 3, s + 4, s + 5));
}

/* Called as the ABI passes it (the hidden pointer first, returned in rax), so that the memory
   provably starts as garbage and the returned pointer can be checked. */
typedef Odd *(*odd_by_pointer)(Odd *, int);

uint64_t cs_take_odd(Odd (*cb)(int), int s)
{
    START;
    Odd o;
    memset(&o, 0xA5, sizeof o);
    if (((odd_by_pointer)(void *)cb)(&o, s) != &o) return last = 0;
    for (int i = 0; i < 25; i++) H(o.c[i]);
    return last = h;
}

/* Twice: after an error in the first invocation, the second returns without running Lua. */
uint64_t cs_take_odd_twice(Odd (*cb)(int), int s)
{
    cs_take_odd(cb, s);
    return cs_take_odd(cb, s + 1);
}

uint64_t cs_take_dd_twice(DD (*cb)(int), int s)
{
    cs_take_dd(cb, s);
    return cs_take_dd(cb, s + 1);
}

/* A struct in and a struct out: the sum of two vectors, applied n times from v. */
DD cs_fold(DD (*cb)(DD, DD), DD v, int n)
{
    DD acc = { 0, 0 };
    for (int i = 0; i < n; i++) acc = cb(acc, v);
    return acc;
}

/* From another thread: the callback runs on no thread but its runtime's, so in "queue" mode this
   invocation waits for the runtime's thread; C gets a zeroed result at once. */
struct cs_thread_args { uint64_t (*cb)(int, DD, Big); int s; uint64_t got; };

static void *cs_thread(void *p)
{
    struct cs_thread_args *a = p;
    a->got = a->cb(a->s, dd(a->s), big(a->s));
    return NULL;
}

uint64_t cs_give_from_thread(uint64_t (*cb)(int, DD, Big), int s)
{
    struct cs_thread_args a = { cb, s, 12345 };
    pthread_t t;
    if (pthread_create(&t, NULL, cs_thread, &a) != 0) return 1;
    pthread_join(t, NULL);
    return a.got;
}
