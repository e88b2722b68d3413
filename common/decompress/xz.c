/*
 * XZ container, single-call: stream header, blocks (header, LZMA2 data with
 * an optional x86 BCJ filter, padding, check), index and stream footer,
 * then optional stream padding and further streams. Everything the format
 * lets a decoder verify is verified: header CRC32s, block checks, that the
 * index describes exactly the blocks decoded, and the footer.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/kernel_image.h>
#include "xz_private.h"

#define STREAM_HDR_BYTES  12
#define FILTER_X86        0x04
#define FILTER_LZMA2      0x21
#define CHECK_NONE        0
#define CHECK_CRC32       1
#define CHECK_CRC64       4

static const uint8_t header_magic[6] = { 0xFD, '7', 'z', 'X', 'Z', 0x00 };

struct xz_in {
    const uint8_t *buf;
    size_t bytes, pos;
};

/* What the blocks of a stream add up to, to compare with its index. */
struct xz_tally {
    uint64_t count, unpadded, uncompressed;
    uint32_t hash;
};

struct xz_block {
    bool bcj;
    uint32_t bcj_start;
    uint64_t csize, usize;      /* ~0 when the header does not say */
};

static unsigned int check_bytes(unsigned int type)
{
    return type ? 4U << ((type - 1) / 3) : 0;
}

static size_t pad4(size_t n)
{
    return (4 - (n & 3)) & 3;
}

/* A variable-length integer (7 bits a byte, at most 9 bytes, minimal). */
static int get_vli(const uint8_t *buf, size_t end, size_t *pos, uint64_t *val)
{
    *val = 0;
    for (unsigned int i = 0; i < 9; i++) {
        uint8_t b;
        if (*pos >= end)
            return -EINVAL;
        b = buf[(*pos)++];
        *val |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            return (b == 0 && i) ? -EINVAL : 0;
    }
    return -EINVAL;
}

static void tally_add(struct xz_tally *t, uint64_t unpadded, uint64_t uncompressed)
{
    uint64_t pair[2] = { unpadded, uncompressed };

    t->count++;
    t->unpadded += unpadded;
    t->uncompressed += uncompressed;
    t->hash = xz_crc32(pair, sizeof(pair), t->hash);
}

static bool zeros(const uint8_t *p, size_t n)
{
    while (n--)
        if (*p++)
            return false;
    return true;
}

static int parse_filter(const uint8_t *h, size_t end, size_t *pos, bool last,
                        struct xz_block *blk)
{
    uint64_t id, psize;

    if (get_vli(h, end, pos, &id) || get_vli(h, end, pos, &psize) || psize > end - *pos)
        return -EINVAL;
    if (id == FILTER_LZMA2) {
        if (!last || psize != 1 || !lzma2_dict_bytes(h[*pos]))
            return last ? -EINVAL : -EOPNOTSUPP;
    } else if (id == FILTER_X86 && !last && !blk->bcj) {
        if (psize != 0 && psize != 4)
            return -EINVAL;
        blk->bcj = true;
        blk->bcj_start = psize ? get_le32(h + *pos) : 0;
    } else {
        return -EOPNOTSUPP;
    }
    *pos += psize;
    return 0;
}

static int parse_block_header(struct xz_in *in, size_t hsize, struct xz_block *blk)
{
    const uint8_t *h = in->buf + in->pos;
    size_t end = hsize - 4, pos = 2;
    uint8_t flags = h[1];
    int rc;

    if (xz_crc32(h, end, 0) != get_le32(h + end) || (flags & 0x3C))
        return -EINVAL;
    blk->bcj = false;
    blk->csize = blk->usize = ~0ULL;
    if ((flags & 0x40) && (get_vli(h, end, &pos, &blk->csize) || !blk->csize))
        return -EINVAL;
    if ((flags & 0x80) && get_vli(h, end, &pos, &blk->usize))
        return -EINVAL;
    for (unsigned int i = 0, n = (flags & 3) + 1; i < n; i++) {
        rc = parse_filter(h, end, &pos, i == n - 1, blk);
        if (rc)
            return rc;
    }
    return zeros(h + pos, end - pos) ? 0 : -EINVAL;
}

static int verify_check(const uint8_t *data, size_t bytes, unsigned int type,
                        const uint8_t *stored)
{
    if (type == CHECK_NONE)
        return 0;
    if (type == CHECK_CRC32)
        return xz_crc32(data, bytes, 0) == get_le32(stored) ? 0 : -EILSEQ;
    if (type == CHECK_CRC64)
        return xz_crc64(data, bytes, 0) == get_le64(stored) ? 0 : -EILSEQ;
    return -EOPNOTSUPP;
}

static int decode_block(struct xz_in *in, unsigned int check, uint8_t *out,
                        size_t out_bytes, size_t *out_pos, struct xz_tally *t)
{
    size_t hsize = ((size_t)in->buf[in->pos] + 1) * 4;
    size_t in_used, done, avail, csum = check_bytes(check);
    struct xz_block blk;
    int rc;

    if (in->bytes - in->pos < hsize)
        return -EINVAL;
    rc = parse_block_header(in, hsize, &blk);
    if (rc)
        return rc;
    in->pos += hsize;
    avail = in->bytes - in->pos;
    if (blk.csize != ~0ULL && blk.csize < avail)
        avail = blk.csize;
    rc = lzma2_decode(in->buf + in->pos, avail, &in_used, out + *out_pos,
                      out_bytes - *out_pos, &done);
    if (rc)
        return rc;
    if ((blk.csize != ~0ULL && blk.csize != in_used) ||
        (blk.usize != ~0ULL && blk.usize != done))
        return -EINVAL;
    in->pos += in_used;
    if (in->bytes - in->pos < pad4(in_used) + csum ||
        !zeros(in->buf + in->pos, pad4(in_used)))
        return -EINVAL;
    in->pos += pad4(in_used);
    if (blk.bcj)
        bcj_x86_decode(out + *out_pos, done, blk.bcj_start);
    rc = verify_check(out + *out_pos, done, check, in->buf + in->pos);
    if (rc)
        return rc;
    in->pos += csum;
    *out_pos += done;
    tally_add(t, hsize + in_used + csum, done);
    return 0;
}

/* The index at in->pos (its 0x00 indicator already seen) against the tally. */
static int check_index(struct xz_in *in, const struct xz_tally *t, size_t *index_bytes)
{
    size_t start = in->pos, end = in->bytes;
    struct xz_tally seen = { 0 };
    uint64_t count;

    in->pos++;
    if (get_vli(in->buf, end, &in->pos, &count) || count != t->count)
        return -EINVAL;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t unpadded, uncompressed;
        if (get_vli(in->buf, end, &in->pos, &unpadded) ||
            get_vli(in->buf, end, &in->pos, &uncompressed))
            return -EINVAL;
        tally_add(&seen, unpadded, uncompressed);
    }
    if (seen.unpadded != t->unpadded || seen.uncompressed != t->uncompressed ||
        seen.hash != t->hash)
        return -EINVAL;
    if (end - in->pos < pad4(in->pos - start) + 4 ||
        !zeros(in->buf + in->pos, pad4(in->pos - start)))
        return -EINVAL;
    in->pos += pad4(in->pos - start);
    if (xz_crc32(in->buf + start, in->pos - start, 0) != get_le32(in->buf + in->pos))
        return -EINVAL;
    in->pos += 4;
    *index_bytes = in->pos - start;
    return 0;
}

static int check_footer(struct xz_in *in, const uint8_t *flags, size_t index_bytes)
{
    const uint8_t *f = in->buf + in->pos;

    if (in->bytes - in->pos < STREAM_HDR_BYTES)
        return -EINVAL;
    if (xz_crc32(f + 4, 6, 0) != get_le32(f) || f[10] != 'Y' || f[11] != 'Z' ||
        memcmp(f + 8, flags, 2) || ((uint64_t)get_le32(f + 4) + 1) * 4 != index_bytes)
        return -EINVAL;
    in->pos += STREAM_HDR_BYTES;
    return 0;
}

static int decode_stream(struct xz_in *in, uint8_t *out, size_t out_bytes, size_t *out_pos)
{
    const uint8_t *h = in->buf + in->pos;
    struct xz_tally tally = { 0 };
    size_t index_bytes;
    unsigned int check;
    int rc;

    if (in->bytes - in->pos < STREAM_HDR_BYTES || memcmp(h, header_magic, 6))
        return -EINVAL;
    if (h[6] != 0 || (h[7] & 0xF0) || xz_crc32(h + 6, 2, 0) != get_le32(h + 8))
        return -EINVAL;
    check = h[7];
    if (check != CHECK_NONE && check != CHECK_CRC32 && check != CHECK_CRC64)
        return -EOPNOTSUPP;
    in->pos += STREAM_HDR_BYTES;

    for (;;) {
        if (in->pos >= in->bytes)
            return -EINVAL;
        if (in->buf[in->pos] == 0x00)
            break;
        rc = decode_block(in, check, out, out_bytes, out_pos, &tally);
        if (rc)
            return rc;
    }
    rc = check_index(in, &tally, &index_bytes);
    if (rc)
        return rc;
    return check_footer(in, h + 6, index_bytes);
}

int xz_decompress(const void *in_buf, size_t in_bytes, void *out, size_t out_bytes,
                  size_t *out_done)
{
    struct xz_in in = { .buf = in_buf, .bytes = in_bytes, .pos = 0 };
    size_t out_pos = 0;
    int rc;

    *out_done = 0;
    do {
        rc = decode_stream(&in, out, out_bytes, &out_pos);
        if (rc)
            return rc;
        /* Stream padding: zero bytes, a multiple of four. */
        while (in.bytes - in.pos >= 4 && !get_le32(in.buf + in.pos))
            in.pos += 4;
    } while (in.pos < in.bytes);
    *out_done = out_pos;
    return 0;
}
