/*
 * The XZ x86 BCJ filter, decoding direction: the encoder turned the rel32
 * operands of E8 (call) and E9 (jmp) into absolute addresses so that they
 * compress better; turn them back. Which E8/E9 bytes were converted is
 * decided from the operand's top byte (00 or FF) and from a small history
 * of the E8/E9 bytes seen in the previous five positions, exactly as the
 * encoder did, so the decision must be replayed byte for byte.
 */
#include <xenia/lib.h>
#include "xz_private.h"

static inline bool top_byte_ok(uint8_t b)
{
    return b == 0x00 || b == 0xFF;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

/* Undo one converted operand at buf (the 4 bytes after E8/E9). */
static uint32_t unconvert(uint32_t src, uint32_t here, unsigned int mask)
{
    static const uint8_t byte_index[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
    uint32_t dest;

    for (;;) {
        unsigned int shift;
        dest = src - here;
        if (mask == 0)
            break;
        shift = 24 - byte_index[(mask >> 1) & 7] * 8;
        if (!top_byte_ok(dest >> shift))
            break;
        src = dest ^ (uint32_t)((1ULL << (shift + 8)) - 1);
    }
    /* Sign-extend from bit 24, as the encoder only converts +-16 MiB. */
    dest &= 0x01FFFFFF;
    return dest | (0U - (dest & 0x01000000));
}

void bcj_x86_decode(uint8_t *buf, size_t bytes, uint32_t start)
{
    static const bool allowed[8] = { true, true, true, false, true, false, false, false };
    unsigned int mask = 0;      /* recent E8/E9 history, see header comment */
    size_t last = 0, i = 0;

    if (bytes < 5)
        return;
    while (i <= bytes - 5) {
        size_t gap;
        uint8_t top;

        if ((buf[i] & 0xFE) != 0xE8) {
            i++;
            continue;
        }
        gap = i - last;
        last = i;
        if (gap > 5)
            mask = 0;
        else
            while (gap--)
                mask = (mask & 0x77) << 1;

        top = buf[i + 4];
        if (top_byte_ok(top) && (mask >> 1) < 0x10 && allowed[(mask >> 1) & 7]) {
            uint32_t here = start + (uint32_t)i + 5;
            put_le32(buf + i + 1, unconvert(get_le32(buf + i + 1), here, mask));
            i += 5;
            mask = 0;
        } else {
            i++;
            mask |= 1;
            if (top_byte_ok(top))
                mask |= 0x10;
        }
    }
}
