/* The checksum the struct tests compare with Lua's (tests/Lunet.Tests/Support/LuaChecksums.cs):
   FNV-1a over the bytes of each value given to H, in order. START opens it in a function. */
#ifndef LUNET_TEST_CHECKSUM_H
#define LUNET_TEST_CHECKSUM_H
#include <stdint.h>
#include <stddef.h>

#define START uint64_t h = 14695981039346656037ULL
#define H(x) do { __typeof__(x) v_ = (x); h = mix(h, &v_, sizeof v_); } while (0)

static inline uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; }
    return h;
}
#endif
