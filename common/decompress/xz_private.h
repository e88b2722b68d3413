/*
 * Internals of the XZ decoder (common/decompress/): the LZMA2 and x86 BCJ
 * stages that xz.c chains together. Not for use outside this directory;
 * the public entry points are in <xenia/kernel_image.h>.
 */
#ifndef XENIA_XZ_PRIVATE_H
#define XENIA_XZ_PRIVATE_H

#include <xenia/types.h>

static inline uint32_t get_le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t get_le64(const uint8_t *p)
{
    return get_le32(p) | ((uint64_t)get_le32(p + 4) << 32);
}

/* LZMA decoder state between LZMA2 chunks (lzma.c). */
struct lzma_len_probs {
    uint16_t choice, choice2;
    uint16_t low[16][8], mid[16][8], high[256];
};

struct lzma_dec {
    unsigned int lc, lp, pb;    /* literal context/position, position bits */
    unsigned int state;         /* 0..11 */
    uint32_t rep[4];            /* last four match distances (minus one) */
    uint16_t is_match[12][16];
    uint16_t is_rep[12], is_rep0[12], is_rep1[12], is_rep2[12];
    uint16_t is_rep0_long[12][16];
    uint16_t dist_slot[4][64];
    uint16_t dist_special[114];
    uint16_t dist_align[16];
    struct lzma_len_probs match_len, rep_len;
    uint16_t literal[16][0x300];
};

/* lzma_set_props(): lc/lp/pb from an LZMA2 properties byte; -EINVAL if invalid. */
int lzma_set_props(struct lzma_dec *s, uint8_t props);

/* lzma_reset(): reset the coder state and all probabilities (after set_props). */
void lzma_reset(struct lzma_dec *s);

/*
 * lzma_decode_chunk(): decode one LZMA2 chunk's range-coded data
 * in[0, in_bytes) (exactly the chunk's compressed size) into the
 * dictionary dict, whose bytes [0, pos) were decoded since the last
 * dictionary reset, until dict[end - 1] is written. The caller guarantees
 * dict[pos, end) is writable. Returns 0, or -EINVAL if the data is corrupt
 * (distance beyond the dictionary, match crossing the chunk end, input
 * over- or under-run, range coder not flushed).
 */
int lzma_decode_chunk(struct lzma_dec *s, const uint8_t *in, size_t in_bytes,
                      uint8_t *dict, size_t pos, size_t end);

/*
 * lzma2_decode(): decode one LZMA2 stream (the payload of one XZ block)
 * from in[0, in_bytes) into out[0, out_bytes). The stream's end marker
 * (control byte 0x00) must lie within the input. On success returns 0 and
 * sets *in_used (bytes of input including the end marker) and *out_done
 * (bytes written). Never reads or writes outside the two buffers.
 * Errors: -EINVAL corrupt or truncated stream, -ENOBUFS output too small,
 * -EBUSY the decoder's (static) state is in use by another caller.
 */
int lzma2_decode(const uint8_t *in, size_t in_bytes, size_t *in_used,
                 uint8_t *out, size_t out_bytes, size_t *out_done);

/*
 * lzma2_dict_bytes(): the dictionary size encoded in an LZMA2 filter
 * properties byte, or 0 if the byte is invalid (> 40).
 */
uint32_t lzma2_dict_bytes(uint8_t prop);

/*
 * bcj_x86_decode(): undo the x86 BCJ filter in place over buf[0, bytes),
 * a whole XZ block's output; start is the filter's start offset property
 * (0 unless the block header says otherwise).
 */
void bcj_x86_decode(uint8_t *buf, size_t bytes, uint32_t start);

#endif
