/*
 * Test helpers shared by test_xz.c and test_bzimage.c: run the host's xz
 * on generated data (in the test's working directory, build/tests/unit),
 * read files, time things.
 */
#ifndef XZ_HELPERS_H
#define XZ_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

static inline uint8_t *read_file(const char *path, size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n ? n : 1);
    if (buf && fread(buf, 1, n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *bytes = n;
    return buf;
}

/* Compress data with `xz <opts>`; returns a malloc'd .xz image or NULL. */
static inline uint8_t *host_xz(const void *data, size_t bytes, const char *opts, size_t *xz_bytes)
{
    char cmd[512];
    FILE *f = fopen("xz_in.bin", "wb");

    if (!f || fwrite(data, 1, bytes, f) != bytes)
        return NULL;
    fclose(f);
    snprintf(cmd, sizeof(cmd), "xz -c -T1 %s xz_in.bin > xz_out.xz", opts);
    if (system(cmd) != 0)
        return NULL;
    return read_file("xz_out.xz", xz_bytes);
}

/* A deterministic pseudo-random generator (xorshift64). */
static inline uint64_t test_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
