/* Over-aligned objects: C checks the addresses the ffi gives it, and loads with an
   instruction that faults on a misaligned address (AVX's vmovapd needs 32). */
#include <stdint.h>

int aligned_to(const void *p, uint64_t alignment)
{
    return p != 0 && (uintptr_t)p % alignment == 0;
}

__attribute__((target("avx"))) static double sum4_avx(const double *p)
{
    double out[4];
    __asm__ volatile("vmovapd (%1), %%ymm0\n\tvmovupd %%ymm0, (%0)\n\tvzeroupper" : : "r"(out), "r"(p) : "xmm0", "memory");
    return out[0] + out[1] + out[2] + out[3];
}

/* The sum of four doubles loaded as one 32-byte aligned vector: a misaligned p faults. */
double sum4_aligned(const double *p)
{
    if (!__builtin_cpu_supports("avx") && (uintptr_t)p % 32 != 0) __builtin_trap();
    return __builtin_cpu_supports("avx") ? sum4_avx(p) : p[0] + p[1] + p[2] + p[3];
}
