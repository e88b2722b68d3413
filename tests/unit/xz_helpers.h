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
#include <unistd.h>

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

/*
 * Compress data with `xz <opts>`; returns a malloc'd .xz image or NULL.
 * File names carry the pid: several run.sh may share build/tests/unit.
 */
static inline uint8_t *host_xz(const void *data, size_t bytes, const char *opts, size_t *xz_bytes)
{
    char cmd[512], in[64], out[64];
    uint8_t *xz;
    FILE *f;

    snprintf(in, sizeof(in), "xz_in.%d.bin", (int)getpid());
    snprintf(out, sizeof(out), "xz_out.%d.xz", (int)getpid());
    f = fopen(in, "wb");
    if (!f)
        return NULL;
    if (fwrite(data, 1, bytes, f) != bytes) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    snprintf(cmd, sizeof(cmd), "xz -c -T1 %s %s > %s", opts, in, out);
    xz = system(cmd) == 0 ? read_file(out, xz_bytes) : NULL;
    remove(in);
    remove(out);
    return xz;
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
