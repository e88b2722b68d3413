/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) and CRC-64
 * (ECMA-182, reflected, polynomial 0xC96C5795D7870F42), the integrity
 * checks of the XZ format. CRC-32 runs slicing-by-8 (it covers the whole
 * decompressed kernel); tables are built on first use.
 */
#include <xenia/lib.h>
#include <xenia/kernel_image.h>
#include "xz_private.h"

static uint32_t crc32_table[8][256];
static uint64_t crc64_table[256];
static bool crc32_ready, crc64_ready;

static void crc32_init(void)
{
    for (unsigned int i = 0; i < 256; i++) {
        uint32_t c = i;
        for (unsigned int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320U & -(c & 1));
        crc32_table[0][i] = c;
    }
    for (unsigned int i = 0; i < 256; i++)
        for (unsigned int s = 1; s < 8; s++) {
            uint32_t prev = crc32_table[s - 1][i];
            crc32_table[s][i] = (prev >> 8) ^ crc32_table[0][prev & 0xff];
        }
    crc32_ready = true;
}

static void crc64_init(void)
{
    for (unsigned int i = 0; i < 256; i++) {
        uint64_t c = i;
        for (unsigned int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xC96C5795D7870F42ULL & -(c & 1));
        crc64_table[i] = c;
    }
    crc64_ready = true;
}

uint32_t xz_crc32(const void *buf, size_t bytes, uint32_t crc)
{
    const uint8_t *p = buf;
    const uint32_t (*t)[256] = crc32_table;

    if (!crc32_ready)
        crc32_init();
    crc = ~crc;
    for (; bytes >= 8; p += 8, bytes -= 8) {
        uint32_t a = get_le32(p) ^ crc, b = get_le32(p + 4);
        crc = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^
              t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
              t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^
              t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
    }
    while (bytes--)
        crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint64_t xz_crc64(const void *buf, size_t bytes, uint64_t crc)
{
    const uint8_t *p = buf;

    if (!crc64_ready)
        crc64_init();
    crc = ~crc;
    while (bytes--)
        crc = crc64_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
