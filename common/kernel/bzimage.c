/*
 * Dom0 kernel modules: a raw ELF, or a Linux bzImage whose protected-mode
 * part carries the compressed vmlinux (boot protocol >= 2.08:
 * payload_offset/payload_length in the setup header, see Linux's
 * Documentation/x86/boot.rst). Linux appends the uncompressed size to the
 * compressed payload as 4 little-endian bytes; it sizes the output buffer
 * but is bounded, and the decoder is bounded by the buffer regardless.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/kernel_image.h>

/* Setup header fields (offsets from the start of the image). */
#define BZ_SETUP_SECTS      0x1f1
#define BZ_HEADER           0x202   /* "HdrS" */
#define BZ_VERSION          0x206
#define BZ_PAYLOAD_OFFSET   0x248   /* from the protected-mode code */
#define BZ_PAYLOAD_LENGTH   0x24c
#define BZ_HEADER_END       0x250
#define BZ_MIN_VERSION      0x0208

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static const struct {
    const char *name;
    uint8_t magic[6];
    uint8_t len;
    enum kernel_image_comp comp;
} comp_magic[] = {
    { "XZ", { 0xFD, '7', 'z', 'X', 'Z', 0x00 }, 6, KERNEL_COMP_XZ },
    { "gzip", { 0x1F, 0x8B }, 2, KERNEL_COMP_GZIP },
    { "bzip2", { 'B', 'Z', 'h' }, 3, KERNEL_COMP_BZIP2 },
    { "LZMA", { 0x5D, 0x00, 0x00 }, 3, KERNEL_COMP_LZMA },
    { "LZO", { 0x89, 'L', 'Z', 'O' }, 4, KERNEL_COMP_LZO },
    { "LZ4", { 0x02, 0x21, 0x4C, 0x18 }, 4, KERNEL_COMP_LZ4 },
    { "zstd", { 0x28, 0xB5, 0x2F, 0xFD }, 4, KERNEL_COMP_ZSTD },
};

static const char *comp_name(enum kernel_image_comp comp)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(comp_magic); i++)
        if (comp_magic[i].comp == comp)
            return comp_magic[i].name;
    return comp == KERNEL_COMP_NONE ? "uncompressed" : "unknown";
}

static enum kernel_image_comp detect_comp(const uint8_t *p, size_t bytes)
{
    if (bytes >= 4 && !memcmp(p, "\177ELF", 4))
        return KERNEL_COMP_NONE;
    for (unsigned int i = 0; i < ARRAY_SIZE(comp_magic); i++)
        if (bytes >= comp_magic[i].len && !memcmp(p, comp_magic[i].magic, comp_magic[i].len))
            return comp_magic[i].comp;
    return KERNEL_COMP_UNKNOWN;
}

static int probe_bzimage(struct kernel_image *img)
{
    const uint8_t *m = img->module;
    unsigned int sects = m[BZ_SETUP_SECTS] ? m[BZ_SETUP_SECTS] : 4;
    uint64_t start = (uint64_t)(sects + 1) * 512 + le32(m + BZ_PAYLOAD_OFFSET);
    uint64_t len = le32(m + BZ_PAYLOAD_LENGTH);
    uint32_t size;

    img->format = KERNEL_IMAGE_BZIMAGE;
    img->boot_version = m[BZ_VERSION] | (m[BZ_VERSION + 1] << 8);
    if (img->boot_version < BZ_MIN_VERSION) {
        printk("dom0 kernel: bzImage boot protocol %u.%02u too old, need 2.08\n",
               img->boot_version >> 8, img->boot_version & 0xff);
        return -EINVAL;
    }
    if (start > img->module_bytes || len > img->module_bytes - start || len < 8) {
        printk("dom0 kernel: bzImage truncated: payload 0x%llx+0x%llx beyond %zu bytes\n",
               (unsigned long long)start, (unsigned long long)len, img->module_bytes);
        return -EINVAL;
    }
    img->payload = m + start;
    img->comp = detect_comp(img->payload, len);
    if (img->comp == KERNEL_COMP_NONE) {        /* an uncompressed vmlinux */
        img->payload_bytes = len;
        img->elf = img->payload;
        img->elf_bytes = len;
        return 0;
    }
    if (img->comp != KERNEL_COMP_XZ) {
        printk("dom0 kernel: %s-compressed bzImage not supported (only XZ)\n",
               comp_name(img->comp));
        return -EOPNOTSUPP;
    }
    size = le32(img->payload + len - 4);
    if (size == 0 || size > KERNEL_IMAGE_MAX_BYTES) {
        printk("dom0 kernel: bzImage announces %u bytes uncompressed (limit %lu)\n",
               size, KERNEL_IMAGE_MAX_BYTES);
        return -EINVAL;
    }
    img->payload_bytes = len - 4;
    img->elf_bytes = size;
    return 0;
}

int kernel_image_probe(const void *module, size_t bytes, struct kernel_image *img)
{
    const uint8_t *m = module;

    memset(img, 0, sizeof(*img));
    img->module = m;
    img->module_bytes = bytes;
    if (bytes >= 4 && !memcmp(m, "\177ELF", 4)) {
        img->format = KERNEL_IMAGE_ELF;
        img->elf = m;
        img->elf_bytes = bytes;
        return 0;
    }
    if (bytes >= BZ_HEADER_END && !memcmp(m + BZ_HEADER, "HdrS", 4))
        return probe_bzimage(img);
    printk("dom0 kernel: not an ELF image nor a bzImage (%zu bytes)\n", bytes);
    return -EINVAL;
}

static const char *xz_error(int rc)
{
    switch (rc) {
    case -EILSEQ:       return "integrity check failed";
    case -ENOBUFS:      return "output buffer too small";
    case -EOPNOTSUPP:   return "unsupported XZ filter or check";
    case -EBUSY:        return "decoder busy";
    default:            return "corrupt or truncated XZ data";
    }
}

int kernel_image_decompress(struct kernel_image *img, void *out, size_t out_bytes)
{
    size_t done;
    int rc;

    if (img->format == KERNEL_IMAGE_ELF || img->comp == KERNEL_COMP_NONE)
        return 0;
    if (img->comp != KERNEL_COMP_XZ)
        return -EOPNOTSUPP;
    rc = xz_decompress(img->payload, img->payload_bytes, out, out_bytes, &done);
    if (rc) {
        printk("dom0 kernel: XZ decompression failed: %s (%d)\n", xz_error(rc), rc);
        return rc == -EILSEQ ? -EINVAL : rc;
    }
    if (done != img->elf_bytes) {
        printk("dom0 kernel: decompressed %zu bytes, bzImage announced %zu\n",
               done, img->elf_bytes);
        return -EINVAL;
    }
    img->elf = out;
    return 0;
}
