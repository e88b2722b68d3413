/*
 * LZMA2 chunk layer: control bytes, uncompressed chunks, dictionary and
 * state resets, new properties; the LZMA data itself goes to lzma.c.
 * Single-call: the output buffer doubles as the dictionary, so a
 * dictionary reset only moves the point before which matches may not reach.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include "xz_private.h"

/* ~28 KiB: too large for a hypervisor stack, so static and guarded. */
static struct lzma_dec lzma_state;
static bool lzma_busy;

static inline uint32_t get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

uint32_t lzma2_dict_bytes(uint8_t prop)
{
    if (prop > 40)
        return 0;
    if (prop == 40)
        return 0xFFFFFFFFU;
    return (2U | (prop & 1)) << (prop / 2 + 11);
}

static int copy_uncompressed(const uint8_t *in, size_t in_bytes, size_t *ip,
                             uint8_t *out, size_t out_bytes, size_t *op)
{
    size_t size;

    if (in_bytes - *ip < 2)
        return -EINVAL;
    size = get_be16(in + *ip) + 1;
    *ip += 2;
    if (in_bytes - *ip < size)
        return -EINVAL;
    if (out_bytes - *op < size)
        return -ENOBUFS;
    memcpy(out + *op, in + *ip, size);
    *ip += size;
    *op += size;
    return 0;
}

static int lzma2_run(struct lzma_dec *s, const uint8_t *in, size_t in_bytes, size_t *in_used,
                     uint8_t *out, size_t out_bytes, size_t *out_done)
{
    size_t ip = 0, op = 0, dict = 0;
    bool need_dict_reset = true, need_props = true;

    for (;;) {
        size_t usize, csize;
        uint8_t control;
        int rc;

        if (ip >= in_bytes)
            return -EINVAL;
        control = in[ip++];
        if (control == 0x00)
            break;
        if (control == 0x01 || control >= 0xE0) {
            need_props = true;  /* a dictionary reset needs new properties */
            need_dict_reset = false;
            dict = op;
        } else if (need_dict_reset) {
            return -EINVAL;
        }

        if (control < 0x80) {
            if (control > 0x02)
                return -EINVAL;
            rc = copy_uncompressed(in, in_bytes, &ip, out, out_bytes, &op);
            if (rc)
                return rc;
            continue;
        }

        if (in_bytes - ip < 4)
            return -EINVAL;
        usize = ((size_t)(control & 0x1F) << 16) + get_be16(in + ip) + 1;
        csize = get_be16(in + ip + 2) + 1;
        ip += 4;
        if (control >= 0xC0) {
            if (ip >= in_bytes || lzma_set_props(s, in[ip++]))
                return -EINVAL;
            need_props = false;
        } else if (need_props) {
            return -EINVAL;
        }
        if (control >= 0xA0)
            lzma_reset(s);
        if (in_bytes - ip < csize)
            return -EINVAL;
        if (out_bytes - op < usize)
            return -ENOBUFS;
        rc = lzma_decode_chunk(s, in + ip, csize, out + dict, op - dict, op - dict + usize);
        if (rc)
            return rc;
        ip += csize;
        op += usize;
    }
    *in_used = ip;
    *out_done = op;
    return 0;
}

int lzma2_decode(const uint8_t *in, size_t in_bytes, size_t *in_used,
                 uint8_t *out, size_t out_bytes, size_t *out_done)
{
    int rc;

    if (__atomic_exchange_n(&lzma_busy, true, __ATOMIC_ACQUIRE))
        return -EBUSY;
    rc = lzma2_run(&lzma_state, in, in_bytes, in_used, out, out_bytes, out_done);
    __atomic_store_n(&lzma_busy, false, __ATOMIC_RELEASE);
    return rc;
}
