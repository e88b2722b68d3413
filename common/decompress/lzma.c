/*
 * LZMA symbol decoder for LZMA2 chunks: range decoder, literals, matches
 * and repeated matches, written for the single-call case where the output
 * buffer is the dictionary. The range decoder never reads past its chunk:
 * beyond the end it shifts in zeros and counts, and the chunk is rejected
 * afterwards. Every match distance and length is checked against the
 * dictionary and the chunk end before any byte is copied.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include "xz_private.h"

#define PROB_INIT       1024    /* 0.5 with 11-bit probabilities */
#define MOVE_BITS       5
#define TOP             (1U << 24)
#define LIT_STATES      7       /* states < 7: the last symbol was a literal */
#define ALWAYS_INLINE   inline __attribute__((always_inline))

struct rc {
    const uint8_t *in;
    size_t pos, end;
    uint32_t range, code;
};

static ALWAYS_INLINE void rc_normalize(struct rc *rc)
{
    if (rc->range >= TOP)
        return;
    rc->range <<= 8;
    rc->code = (rc->code << 8) | (likely(rc->pos < rc->end) ? rc->in[rc->pos] : 0);
    rc->pos++;
}

static ALWAYS_INLINE unsigned int rc_bit(struct rc *rc, uint16_t *p)
{
    uint32_t bound = (rc->range >> 11) * *p;
    unsigned int bit;

    if (rc->code < bound) {
        rc->range = bound;
        *p += (2048 - *p) >> MOVE_BITS;
        bit = 0;
    } else {
        rc->range -= bound;
        rc->code -= bound;
        *p -= *p >> MOVE_BITS;
        bit = 1;
    }
    rc_normalize(rc);
    return bit;
}

/* A bit tree of 'bits' levels rooted at p[1]; returns 0 .. 2^bits - 1. */
static ALWAYS_INLINE uint32_t rc_tree(struct rc *rc, uint16_t *p, unsigned int bits)
{
    uint32_t sym = 1;

    while (sym < (1U << bits))
        sym = (sym << 1) | rc_bit(rc, &p[sym]);
    return sym - (1U << bits);
}

/* The same, least significant bit first; p[base + 1 ...] are the nodes. */
static inline uint32_t rc_tree_reverse(struct rc *rc, uint16_t *p, int base,
                                       unsigned int bits)
{
    uint32_t sym = 1, val = 0;

    for (unsigned int i = 0; i < bits; i++) {
        unsigned int bit = rc_bit(rc, &p[base + (int)sym]);
        sym = (sym << 1) | bit;
        val |= bit << i;
    }
    return val;
}

/* Bits with probability one half. */
static inline uint32_t rc_direct(struct rc *rc, unsigned int bits)
{
    uint32_t val = 0;

    while (bits--) {
        rc->range >>= 1;
        uint32_t bit = rc->code >= rc->range;
        rc->code -= rc->range & (0U - bit);
        val = (val << 1) | bit;
        rc_normalize(rc);
    }
    return val;
}

static inline unsigned int decode_len(struct rc *rc, struct lzma_len_probs *l,
                                      unsigned int pos_state)
{
    if (!rc_bit(rc, &l->choice))
        return 2 + rc_tree(rc, l->low[pos_state], 3);
    if (!rc_bit(rc, &l->choice2))
        return 10 + rc_tree(rc, l->mid[pos_state], 3);
    return 18 + rc_tree(rc, l->high, 8);
}

/* A match distance minus one (0xFFFFFFFF is the end marker). */
static inline uint32_t decode_dist(struct rc *rc, struct lzma_dec *s, unsigned int len)
{
    unsigned int len_state = len - 2 < 3 ? len - 2 : 3;
    uint32_t slot = rc_tree(rc, s->dist_slot[len_state], 6);
    unsigned int direct;
    uint32_t dist;

    if (slot < 4)
        return slot;
    direct = (slot >> 1) - 1;
    dist = (2 | (slot & 1)) << direct;
    if (slot < 14)
        return dist + rc_tree_reverse(rc, s->dist_special, (int)dist - (int)slot - 1,
                                      direct);
    dist += rc_direct(rc, direct - 4) << 4;
    return dist + rc_tree_reverse(rc, s->dist_align, 0, 4);
}

static inline uint8_t decode_literal(struct rc *rc, struct lzma_dec *s, const uint8_t *dict,
                                     size_t pos, uint32_t rep0, bool matched)
{
    unsigned int prev = pos ? dict[pos - 1] : 0;
    unsigned int ctx = ((pos & ((1U << s->lp) - 1)) << s->lc) + (prev >> (8 - s->lc));
    uint16_t *p = s->literal[ctx];
    uint32_t sym = 1;

    if (matched) {
        unsigned int match = dict[pos - rep0 - 1];
        while (sym < 0x100) {
            unsigned int mbit = (match >> 7) & 1, bit;
            match <<= 1;
            bit = rc_bit(rc, &p[0x100 + (mbit << 8) + sym]);
            sym = (sym << 1) | bit;
            if (bit != mbit)
                break;
        }
    }
    while (sym < 0x100)
        sym = (sym << 1) | rc_bit(rc, &p[sym]);
    return (uint8_t)sym;
}

static inline unsigned int next_state_literal(unsigned int state)
{
    if (state < 4)
        return 0;
    return state < 10 ? state - 3 : state - 6;
}

int lzma_set_props(struct lzma_dec *s, uint8_t props)
{
    if (props >= 9 * 5 * 5)
        return -EINVAL;
    s->lc = props % 9;
    s->lp = (props / 9) % 5;
    s->pb = props / 45;
    if (s->lc + s->lp > 4)      /* LZMA2's limit */
        return -EINVAL;
    return 0;
}

void lzma_reset(struct lzma_dec *s)
{
    uint16_t *p = &s->is_match[0][0];
    uint16_t *end = &s->literal[1U << (s->lc + s->lp)][0];

    BUILD_BUG_ON(offsetof(struct lzma_dec, literal) + sizeof(s->literal) != sizeof(*s));
    s->state = 0;
    s->rep[0] = s->rep[1] = s->rep[2] = s->rep[3] = 0;
    while (p < end)
        *p++ = PROB_INIT;
}

/* Copy a match of len bytes at distance rep0 + 1; the caller checked both. */
static inline void copy_match(uint8_t *dict, size_t pos, uint32_t rep0, unsigned int len)
{
    uint8_t *d = dict + pos;
    const uint8_t *src = d - rep0 - 1;

    do
        *d++ = *src++;
    while (--len);
}

int lzma_decode_chunk(struct lzma_dec *s, const uint8_t *in, size_t in_bytes,
                      uint8_t *dict, size_t pos, size_t end)
{
    struct rc rc = { .in = in, .pos = 5, .end = in_bytes, .range = 0xFFFFFFFFU };
    unsigned int pos_mask = (1U << s->pb) - 1, state = s->state;
    uint32_t rep0 = s->rep[0], rep1 = s->rep[1], rep2 = s->rep[2], rep3 = s->rep[3];

    if (in_bytes < 5 || in[0] != 0)
        return -EINVAL;
    rc.code = ((uint32_t)in[1] << 24) | (in[2] << 16) | (in[3] << 8) | in[4];

    while (pos < end) {
        unsigned int ps = pos & pos_mask, len;

        if (!rc_bit(&rc, &s->is_match[state][ps])) {
            bool matched = state >= LIT_STATES;
            if (matched && rep0 >= pos)
                return -EINVAL;
            dict[pos] = decode_literal(&rc, s, dict, pos, rep0, matched);
            pos++;
            state = next_state_literal(state);
            continue;
        }
        if (!rc_bit(&rc, &s->is_rep[state])) {
            len = decode_len(&rc, &s->match_len, ps);
            rep3 = rep2;
            rep2 = rep1;
            rep1 = rep0;
            rep0 = decode_dist(&rc, s, len);
            state = state < LIT_STATES ? 7 : 10;
        } else if (!rc_bit(&rc, &s->is_rep0[state])) {
            if (!rc_bit(&rc, &s->is_rep0_long[state][ps])) {
                if (rep0 >= pos)
                    return -EINVAL;
                dict[pos] = dict[pos - rep0 - 1];
                pos++;
                state = state < LIT_STATES ? 9 : 11;
                continue;
            }
            len = decode_len(&rc, &s->rep_len, ps);
            state = state < LIT_STATES ? 8 : 11;
        } else {
            uint32_t dist;
            if (!rc_bit(&rc, &s->is_rep1[state])) {
                dist = rep1;
            } else if (!rc_bit(&rc, &s->is_rep2[state])) {
                dist = rep2;
                rep2 = rep1;
            } else {
                dist = rep3;
                rep3 = rep2;
                rep2 = rep1;
            }
            rep1 = rep0;
            rep0 = dist;
            len = decode_len(&rc, &s->rep_len, ps);
            state = state < LIT_STATES ? 8 : 11;
        }
        if (rep0 >= pos || len > end - pos)
            return -EINVAL;
        copy_match(dict, pos, rep0, len);
        pos += len;
    }

    s->state = state;
    s->rep[0] = rep0;
    s->rep[1] = rep1;
    s->rep[2] = rep2;
    s->rep[3] = rep3;
    if (rc.pos != rc.end || rc.code != 0)
        return -EINVAL;
    return 0;
}
