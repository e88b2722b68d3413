/*
 * Xen ELF notes (<xen/elfnote.h>) of a PV kernel: name "Xen", numeric
 * notes of 1/2/4/8 bytes (other sizes read as 0, as Xen does), string
 * notes bounded by their descsz, and the FEATURES string.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xen/elfnote.h>
#include "elf_private.h"

/* Only these names are understood in a FEATURES string, as in Xen 4.17. */
static const char *const feature_names[] = {
    [XENFEAT_writable_page_tables]       = "writable_page_tables",
    [XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
    [XENFEAT_auto_translated_physmap]    = "auto_translated_physmap",
    [XENFEAT_supervisor_mode_kernel]     = "supervisor_mode_kernel",
    [XENFEAT_pae_pgdir_above_4gb]        = "pae_pgdir_above_4gb",
    [XENFEAT_hvm_callback_vector]        = "hvm_callback_vector",
    [XENFEAT_dom0]                       = "dom0",
};

static int feature_lookup(const char *name, size_t len)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(feature_names); i++)
        if (feature_names[i] && strlen(feature_names[i]) == len &&
            !memcmp(feature_names[i], name, len))
            return i;
    return -1;
}

int elf_parse_features(const char *s, size_t len, uint32_t *supported, uint32_t *required)
{
    size_t pos = 0;

    while (pos < len && s[pos]) {
        size_t n = 0;
        bool req = s[pos] == '!';
        int bit;

        pos += req;
        while (pos + n < len && s[pos + n] && s[pos + n] != '|')
            n++;
        bit = feature_lookup(s + pos, n);
        if (bit >= 0) {
            supported[bit / 32] |= 1U << (bit % 32);
            if (req)
                required[bit / 32] |= 1U << (bit % 32);
        } else if (req) {
            printk("dom0 kernel: unknown required feature '%.*s'\n", (int)n, s + pos);
            return -EINVAL;
        }
        pos += n;
        if (pos < len && s[pos] == '|')
            pos++;
    }
    return 0;
}

static bool contains(const char *s, const char *word)
{
    size_t n = strlen(word);

    for (; *s; s++)
        if (!strncmp(s, word, n))
            return true;
    return false;
}

static uint64_t le_n(const uint8_t *p, unsigned int n)
{
    uint64_t v = 0;

    while (n--)
        v = (v << 8) | p[n];
    return v;
}

static uint64_t note_numeric(const uint8_t *desc, uint32_t descsz)
{
    if (descsz == 1 || descsz == 2 || descsz == 4 || descsz == 8)
        return le_n(desc, descsz);
    return 0;
}

static void note_string(char *dst, size_t dst_bytes, const uint8_t *desc, uint32_t descsz)
{
    size_t n = strnlen((const char *)desc, descsz);

    if (n >= dst_bytes)
        n = dst_bytes - 1;
    memcpy(dst, desc, n);
    dst[n] = '\0';
}

static void numeric_note(struct xen_kernel_info *info, uint32_t type, uint64_t val)
{
    switch (type) {
    case XEN_ELFNOTE_ENTRY:           info->virt_entry = val; break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:  info->virt_hypercall = val; break;
    case XEN_ELFNOTE_VIRT_BASE:       info->virt_base = val; break;
    case XEN_ELFNOTE_PADDR_OFFSET:    info->elf_paddr_offset = val; break;
    case XEN_ELFNOTE_HV_START_LOW:    info->virt_hv_start_low = val; break;
    case XEN_ELFNOTE_INIT_P2M:        info->p2m_base = val; break;
    case XEN_ELFNOTE_MOD_START_PFN:   info->unmapped_initrd = val != 0; break;
    case XEN_ELFNOTE_SUSPEND_CANCEL:  info->suspend_cancel = val != 0; break;
    case XEN_ELFNOTE_PHYS32_ENTRY:    info->phys_entry = (uint32_t)val; break;
    }
}

static int xen_note(struct xen_kernel_info *info, uint32_t type, const uint8_t *desc,
                    uint32_t descsz)
{
    char str[16];

    if (type <= 31)
        info->notes_seen |= 1U << type;
    switch (type) {
    case XEN_ELFNOTE_XEN_VERSION:
        note_string(info->xen_ver, sizeof(info->xen_ver), desc, descsz);
        break;
    case XEN_ELFNOTE_GUEST_OS:
        note_string(info->guest_os, sizeof(info->guest_os), desc, descsz);
        break;
    case XEN_ELFNOTE_GUEST_VERSION:
        note_string(info->guest_ver, sizeof(info->guest_ver), desc, descsz);
        break;
    case XEN_ELFNOTE_LOADER:
        note_string(info->loader, sizeof(info->loader), desc, descsz);
        break;
    case XEN_ELFNOTE_PAE_MODE:
        note_string(str, sizeof(str), desc, descsz);
        if (!strcmp(str, "yes"))
            info->pae = XEN_KERNEL_PAE_EXTCR3;
        if (contains(str, "bimodal"))
            info->pae = XEN_KERNEL_PAE_BIMODAL;
        break;
    case XEN_ELFNOTE_BSD_SYMTAB:
        note_string(str, sizeof(str), desc, descsz);
        info->bsd_symtab = !strcmp(str, "yes");
        break;
    case XEN_ELFNOTE_FEATURES:
        note_string(info->features, sizeof(info->features), desc, descsz);
        return elf_parse_features((const char *)desc, descsz, info->f_supported,
                                  info->f_required);
    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        for (unsigned int i = 0; i < XENFEAT_NR_SUBMAPS; i++)
            if (descsz % 4 == 0 && i < descsz / 4)
                info->f_supported[i] |= (uint32_t)le_n(desc + 4 * i, 4);
        break;
    case XEN_ELFNOTE_L1_MFN_VALID:
        info->l1_mfn_valid_set = true;
        info->l1_mfn_valid[0] = descsz >= 8 ? le_n(desc, 8) : 0;
        info->l1_mfn_valid[1] = descsz >= 16 ? le_n(desc + 8, 8) : 0;
        break;
    default:
        numeric_note(info, type, note_numeric(desc, descsz));
        break;
    }
    return 0;
}

int elf_parse_notes(const uint8_t *elf, uint64_t start, uint64_t bytes,
                    struct xen_kernel_info *info)
{
    const uint8_t *area = elf + start;
    uint64_t pos = 0;
    int count = 0;

    while (bytes - pos >= sizeof(struct elf64_note)) {
        struct elf64_note nh;
        uint64_t name = pos + sizeof(nh), desc, next;
        int rc;

        memcpy(&nh, area + pos, sizeof(nh));
        desc = name + ROUNDUP((uint64_t)nh.namesz, 4);
        next = desc + ROUNDUP((uint64_t)nh.descsz, 4);
        if (desc > bytes || nh.descsz > bytes - desc) {
            printk("dom0 kernel: ELF note with bogus sizes (namesz %u, descsz %u)\n",
                   nh.namesz, nh.descsz);
            return -EINVAL;
        }
        if (nh.namesz >= 4 && !memcmp(area + name, "Xen", 4)) {
            rc = xen_note(info, nh.type, area + desc, nh.descsz);
            if (rc)
                return rc;
            count++;
        }
        pos = next < bytes ? next : bytes;
    }
    return count;
}
