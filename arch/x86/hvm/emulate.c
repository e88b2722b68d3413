/* Decoding guest loads and stores to memory without RAM (see <asm/hvm/emulate.h>). */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <asm/hvm/emulate.h>

struct decoder {
    const uint8_t *p;
    size_t avail, pos;
};

static int next(struct decoder *d, uint8_t *b)
{
    if (d->pos >= d->avail || d->pos >= HVM_INSN_MAX)
        return -EINVAL;
    *b = d->p[d->pos++];
    return 0;
}

static int skip(struct decoder *d, size_t n)
{
    if (d->pos + n > d->avail || d->pos + n > HVM_INSN_MAX)
        return -EINVAL;
    d->pos += n;
    return 0;
}

/* ModRM (+ SIB + displacement) of a memory operand; *reg = the reg field. Register forms: -EOPNOTSUPP. */
static int modrm(struct decoder *d, bool addr16, unsigned int *reg)
{
    uint8_t m, sib;
    int rc = next(d, &m);

    if (rc)
        return rc;
    unsigned int mod = m >> 6, rm = m & 7;
    *reg = (m >> 3) & 7;
    if (mod == 3 || addr16)
        return -EOPNOTSUPP;             /* not memory / 16-bit addressing */
    if (rm == 4) {
        if ((rc = next(d, &sib)))
            return rc;
        if (mod == 0 && (sib & 7) == 5)
            return skip(d, 4);
    }
    if (mod == 0 && rm == 5)
        return skip(d, 4);              /* disp32 (RIP-relative in 64-bit code) */
    return skip(d, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

int hvm_decode_mmio(const uint8_t *insn, size_t avail, bool long_mode, struct hvm_mmio_insn *out)
{
    struct decoder d = { insn, avail, 0 };
    bool opsize16 = false, addr32 = false, rex_seen = false;
    uint8_t rex = 0, op;
    unsigned int reg = 0;
    int rc;

    *out = (struct hvm_mmio_insn){ .reg = -1 };
    for (;;) {
        if ((rc = next(&d, &op)))
            return rc;
        if (op == 0x66)
            opsize16 = true;
        else if (op == 0x67)
            addr32 = true;
        else if (op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e || op == 0x64 || op == 0x65)
            continue;
        else if (long_mode && (op & 0xf0) == 0x40) {
            rex = op, rex_seen = true;
            if ((rc = next(&d, &op)))
                return rc;
            break;                      /* REX is the last prefix */
        } else
            break;
    }
    if (!long_mode && addr32)
        return -EOPNOTSUPP;             /* 16-bit addressing in 32-bit code */
    unsigned int wide = (rex & 8) ? 8 : opsize16 ? 2 : 4;

    switch (op) {
    case 0x88: case 0x89: case 0x8a: case 0x8b:
        if ((rc = modrm(&d, false, &reg)))
            return rc;
        out->write = op < 0x8a;
        out->bytes = (op & 1) ? wide : 1;
        out->reg = (int)(reg | ((rex & 4) ? 8 : 0));
        break;
    case 0xc6: case 0xc7:
        if ((rc = modrm(&d, false, &reg)))
            return rc;
        if (reg != 0)
            return -EOPNOTSUPP;
        out->write = true;
        out->bytes = op == 0xc6 ? 1 : wide;
        if ((rc = skip(&d, op == 0xc6 ? 1 : wide == 2 ? 2 : 4)))
            return rc;
        break;
    case 0x0f:
        if ((rc = next(&d, &op)))
            return rc;
        if (op != 0xb6 && op != 0xb7)
            return -EOPNOTSUPP;
        if ((rc = modrm(&d, false, &reg)))
            return rc;
        out->bytes = op == 0xb6 ? 1 : 2;
        out->reg = (int)(reg | ((rex & 4) ? 8 : 0));
        out->dest_bytes = wide;
        break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
        if ((rc = skip(&d, long_mode ? (addr32 ? 4 : 8) : 4)))
            return rc;
        out->write = op >= 0xa2;
        out->bytes = (op & 1) ? wide : 1;
        out->reg = 0;
        break;
    default:
        return -EOPNOTSUPP;
    }
    if (out->bytes == 1 && out->reg >= 4 && out->reg <= 7 && !rex_seen && !out->dest_bytes)
        out->high_byte = true, out->reg -= 4;
    if (!out->dest_bytes)
        out->dest_bytes = out->bytes;
    out->len = (unsigned int)d.pos;
    return 0;
}

int hvm_decode_string_io(const uint8_t *insn, size_t avail, bool long_mode, struct hvm_string_insn *out)
{
    /* The segment-override prefixes in the order of their numbers (ES, CS, SS, DS, FS, GS). */
    static const uint8_t seg_prefix[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
    struct decoder d = { insn, avail, 0 };
    uint8_t op;
    int rc;

    *out = (struct hvm_string_insn){ .seg = -1 };
    for (;;) {
        if ((rc = next(&d, &op)))
            return rc;
        if (op == 0x67) {
            out->addr_override = true;
            continue;
        }
        if (op == 0x66 || op == 0xf2 || op == 0xf3)
            continue;                   /* the exit reports size and REP itself */
        if (long_mode && (op & 0xf0) == 0x40) {
            if ((rc = next(&d, &op)))
                return rc;              /* REX is the last prefix */
            break;
        }
        unsigned int s = 0;
        while (s < ARRAY_SIZE(seg_prefix) && seg_prefix[s] != op)
            s++;
        if (s == ARRAY_SIZE(seg_prefix))
            break;
        out->seg = (int)s;              /* the last one counts */
    }
    if (op < 0x6c || op > 0x6f)
        return -EOPNOTSUPP;
    return 0;
}
