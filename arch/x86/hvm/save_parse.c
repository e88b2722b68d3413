/* The walk over an HVM context buffer (see <asm/hvm/save.h>): pure, no domain state. */
#include <xenia/errno.h>
#include <xenia/lib.h>
#include <asm/hvm/save.h>

int hvm_context_header_check(const uint8_t *buf, uint32_t size, uint32_t *off)
{
    const struct hvm_save_descriptor *d = (const void *)buf;
    struct hvm_save_header h;

    if (size < sizeof(*d) + sizeof(h) || d->typecode != HVM_SAVE_CODE(HEADER) ||
        d->length != sizeof(h))
        return -ENODATA;
    memcpy(&h, buf + sizeof(*d), sizeof(h));
    if (h.magic != HVM_FILE_MAGIC || h.version != HVM_FILE_VERSION)
        return -EINVAL;
    *off = sizeof(*d) + sizeof(h);
    return 0;
}

int hvm_context_next(const uint8_t *buf, uint32_t size, uint32_t *off,
                     const struct hvm_save_descriptor **desc, const void **data)
{
    const struct hvm_save_descriptor *d;

    if (*off > size || size - *off < sizeof(*d))
        return -ENODATA;
    d = (const void *)(buf + *off);
    if (d->typecode == 0)
        return 0;
    if (d->length > size - *off - sizeof(*d))
        return -EINVAL;
    *desc = d;
    *data = d + 1;
    *off += sizeof(*d) + d->length;
    return 1;
}

bool hvm_cpu_record_boot_ok(const struct hvm_hw_cpu *c)
{
    return c->cr0 == (0x1 | 0x10) && c->cr4 == 0 && c->msr_efer == 0 &&
           c->rip <= 0xffffffffULL && c->rbx <= 0xffffffffULL;
}
