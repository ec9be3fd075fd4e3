/* C that calls back into Lua: identities of every scalar type, many arguments (registers
   and stack), strings, nesting, a stored event fired later, and pthreads calling back. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define IDENTITY(T, name) T call_##name(T (*f)(T), T v) { return f(v); }
IDENTITY(int8_t, i8)
IDENTITY(uint8_t, u8)
IDENTITY(int16_t, i16)
IDENTITY(uint16_t, u16)
IDENTITY(int32_t, i32)
IDENTITY(uint32_t, u32)
IDENTITY(int64_t, i64)
IDENTITY(uint64_t, u64)
IDENTITY(float, f32)
IDENTITY(double, f64)
IDENTITY(bool, bool)
IDENTITY(void *, ptr)

int call_str(int (*f)(const char *), const char *s) { return f(s); }
void call_void(void (*f)(int), int v) { f(v); }

/* 8 integers and 10 doubles: two of each go on the stack. */
double call_many(double (*f)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                             double, double, double, double, double, double, double, double, double, double))
{
    return f(1, 2, 3, 4, 5, 6, 7, 8, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5);
}

/* Narrow values in stack slots, mixed with floats. */
int64_t call_mixed(int64_t (*f)(int8_t, uint16_t, float, int32_t, double, uint8_t, int16_t, float, int64_t, int8_t))
{
    return f(-5, 60000, 1.25f, -100000, 2.5, 250, -300, -0.75f, 1LL << 40, -128);
}

/* Sum of f(i) for i in [0, n): the benchmark's loop. */
int64_t call_loop(int (*f)(int), int n)
{
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += f(i);
    return s;
}

/* Calls f(v) `times` times and returns how many returned non-zero. */
int call_times(int (*f)(int), int v, int times)
{
    int n = 0;
    for (int i = 0; i < times; i++) n += f(v) != 0;
    return n;
}

int nest(int (*f)(int), int depth) { return f(depth); }

/* An event: registered, fired later by other calls. */
static int (*handler)(int);
void on_event(int (*f)(int)) { handler = f; }
int fire(int v) { return handler ? handler(v) : -1; }

/* Threads calling back. */
#define MAX_THREADS 16
static pthread_t threads[MAX_THREADS];
static int nthreads;
static int (*thread_cb)(int);
static int calls_each;
static atomic_long thread_returns;   /* sum of what the callback returned on the threads */
static atomic_long thread_calls;
static pthread_t main_thread;
static atomic_long off_main;         /* note() calls made on another thread than main */
static atomic_long notes;

static void *thread_main(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < calls_each; i++)
    {
        atomic_fetch_add(&thread_returns, thread_cb((int)(id * 1000000 + i)));
        atomic_fetch_add(&thread_calls, 1);
    }
    return NULL;
}

int start_threads(int (*f)(int), int n, int each)
{
    if (n > MAX_THREADS) n = MAX_THREADS;
    main_thread = pthread_self();
    thread_cb = f;
    calls_each = each;
    atomic_store(&thread_returns, 0);
    atomic_store(&thread_calls, 0);
    nthreads = 0;
    for (int i = 0; i < n; i++)
        if (pthread_create(&threads[nthreads], NULL, thread_main, (void *)(intptr_t)i) == 0) nthreads++;
    return nthreads;
}

long join_threads(void)
{
    for (int i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);
    nthreads = 0;
    return atomic_load(&thread_calls);
}

long thread_return_sum(void) { return atomic_load(&thread_returns); }

/* Called by the Lua callback: counts calls, and those not on the main thread. */
void note(void)
{
    atomic_fetch_add(&notes, 1);
    if (!pthread_equal(pthread_self(), main_thread)) atomic_fetch_add(&off_main, 1);
}
long notes_taken(void) { return atomic_load(&notes); }
long notes_off_main(void) { return atomic_load(&off_main); }
void reset_notes(void) { atomic_store(&notes, 0); atomic_store(&off_main, 0); }

/* A cheap C call for the runtime thread to keep making. */
int busy(int x) { return x + 1; }

/* What C got from the last call_keep: the result a failed callback returned to C. */
static int kept = -12345;
int call_keep(int (*f)(int), int v) { kept = f(v); return kept; }
int kept_result(void) { return kept; }
long thread_calls_made(void) { return atomic_load(&thread_calls); }

/* A thread calling f(1) without pause until stop_flood(), or until `seconds` have passed. */
static pthread_t flood_thread;
static atomic_int flooding;
static int (*flood_cb)(int);
static int flood_seconds;
static atomic_long flood_calls;

static void *flood_main(void *arg)
{
    (void)arg;
    time_t end = time(NULL) + flood_seconds;
    while (atomic_load(&flooding) && time(NULL) < end)
    {
        flood_cb(1);
        atomic_fetch_add(&flood_calls, 1);
    }
    return NULL;
}

int start_flood(int (*f)(int), int seconds)
{
    flood_cb = f;
    flood_seconds = seconds;
    atomic_store(&flood_calls, 0);
    atomic_store(&flooding, 1);
    return pthread_create(&flood_thread, NULL, flood_main, NULL) == 0;
}

long stop_flood(void)
{
    atomic_store(&flooding, 0);
    pthread_join(flood_thread, NULL);
    return atomic_load(&flood_calls);
}

/* Calls f n times with a string of `size` bytes (at least 12), each different; returns how many calls returned non-zero. */
int call_strings(int (*f)(const char *), int n, int size)
{
    char *s = malloc((size_t)size + 1);
    if (!s) return -1;
    for (int i = 0; i < size; i++) s[i] = 'm';
    s[size] = 0;
    int ok = 0;
    for (int i = 0; i < n; i++)
    {
        snprintf(s, 12, "%011d", i);   /* another string each time (Lua would reuse one it saw at this address) */
        s[11] = 'm';
        ok += f(s) != 0;
    }
    free(s);
    return ok;
}
