/*
 * ELF64 x86-64 PV kernels: header and program header checks, Xen notes,
 * the guest virtual range, and loading PT_LOAD segments. Addresses follow
 * Xen's libelf for PV guests: segments are placed by p_paddr, shifted by
 * virt_offset = VIRT_BASE - PADDR_OFFSET (PADDR_OFFSET defaults to 0 when
 * the kernel has ELF notes, VIRT_BASE to 0). Only PT_LOAD segments with at
 * least one of R/W/X count, as in libelf.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include "elf_private.h"

#define MAX_LOAD_SEGMENTS 64

static int elf_error(const char *why)
{
    printk("dom0 kernel: %s\n", why);
    return -EINVAL;
}

static bool range_ok(uint64_t off, uint64_t len, size_t bytes)
{
    return off <= bytes && len <= bytes - off;
}

static int check_ehdr(const uint8_t *elf, size_t bytes, struct elf64_ehdr *eh)
{
    if (bytes < 4 || memcmp(elf, "\177ELF", 4))
        return elf_error("not an ELF image");
    if (bytes < 5 || elf[4] != ELFCLASS64) {
        printk("dom0 kernel: ELF class %u not supported, need ELFCLASS64\n",
               bytes < 5 ? 0 : elf[4]);
        return -EINVAL;
    }
    if (bytes < sizeof(*eh))
        return elf_error("ELF header truncated");
    memcpy(eh, elf, sizeof(*eh));
    if (eh->e_ident[5] != ELFDATA2LSB) {
        printk("dom0 kernel: ELF data encoding %u not supported, need little-endian\n",
               eh->e_ident[5]);
        return -EINVAL;
    }
    if (eh->e_machine != EM_X86_64) {
        printk("dom0 kernel: ELF machine %u not supported, need x86-64 (%u)\n",
               eh->e_machine, EM_X86_64);
        return -EINVAL;
    }
    if (eh->e_phnum && eh->e_phentsize != sizeof(struct elf64_phdr))
        return elf_error("bad ELF program header size");
    if (!range_ok(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), bytes))
        return elf_error("ELF program headers truncated");
    return 0;
}

static void get_phdr(const uint8_t *elf, const struct elf64_ehdr *eh, unsigned int i,
                     struct elf64_phdr *ph)
{
    memcpy(ph, elf + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

static bool loadable(const struct elf64_phdr *ph)
{
    return ph->p_type == PT_LOAD && (ph->p_flags & (PF_R | PF_W | PF_X));
}

static int check_load(const struct elf64_phdr *ph, size_t bytes)
{
    if (ph->p_filesz > ph->p_memsz)
        return elf_error("PT_LOAD segment with p_filesz > p_memsz");
    if (!range_ok(ph->p_offset, ph->p_filesz, bytes))
        return elf_error("PT_LOAD segment truncated");
    if (ph->p_paddr + ph->p_memsz < ph->p_paddr || ph->p_memsz > KERNEL_IMAGE_MAX_SPAN)
        return elf_error("PT_LOAD segment out of range");
    return 0;
}

/* pstart/pend over the loadable segments, which must not overlap. */
static int scan_loads(const uint8_t *elf, size_t bytes, const struct elf64_ehdr *eh,
                      struct xen_kernel_info *info)
{
    uint64_t lo[MAX_LOAD_SEGMENTS], hi[MAX_LOAD_SEGMENTS];
    unsigned int n = 0;

    info->pstart = ~0ULL;
    info->pend = 0;
    for (unsigned int i = 0; i < eh->e_phnum; i++) {
        struct elf64_phdr ph;
        int rc;

        get_phdr(elf, eh, i, &ph);
        if (!loadable(&ph))
            continue;
        rc = check_load(&ph, bytes);
        if (rc)
            return rc;
        if (n == MAX_LOAD_SEGMENTS)
            return elf_error("too many PT_LOAD segments");
        lo[n] = ph.p_paddr;
        hi[n] = ph.p_paddr + ph.p_memsz;
        for (unsigned int j = 0; j < n; j++)
            if (lo[n] < hi[j] && lo[j] < hi[n])
                return elf_error("overlapping PT_LOAD segments");
        n++;
        info->pstart = MIN(info->pstart, ph.p_paddr);
        info->pend = MAX(info->pend, ph.p_paddr + ph.p_memsz);
    }
    if (!n)
        return elf_error("no loadable ELF segments");
    if (info->pend - info->pstart > KERNEL_IMAGE_MAX_SPAN)
        return elf_error("ELF segments span more than 1 GiB");
    return 0;
}

static int notes_from_segments(const uint8_t *elf, size_t bytes, const struct elf64_ehdr *eh,
                               struct xen_kernel_info *info)
{
    int total = 0;

    for (unsigned int i = 0; i < eh->e_phnum; i++) {
        struct elf64_phdr ph;
        int n;

        get_phdr(elf, eh, i, &ph);
        /* Some binutils leave p_offset 0 in note segments: skip, as Xen. */
        if (ph.p_type != PT_NOTE || ph.p_offset == 0)
            continue;
        if (!range_ok(ph.p_offset, ph.p_filesz, bytes))
            return elf_error("PT_NOTE segment truncated");
        n = elf_parse_notes(elf, ph.p_offset, ph.p_filesz, info);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

static int notes_from_sections(const uint8_t *elf, size_t bytes, const struct elf64_ehdr *eh,
                               struct xen_kernel_info *info)
{
    int total = 0;

    if (!eh->e_shnum)
        return 0;
    if (eh->e_shentsize != sizeof(struct elf64_shdr) ||
        !range_ok(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(struct elf64_shdr), bytes))
        return elf_error("ELF section headers truncated");
    for (unsigned int i = 1; i < eh->e_shnum; i++) {
        struct elf64_shdr sh;
        int n;

        memcpy(&sh, elf + eh->e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
        if (sh.sh_type != SHT_NOTE)
            continue;
        if (!range_ok(sh.sh_offset, sh.sh_size, bytes))
            return elf_error("SHT_NOTE section truncated");
        n = elf_parse_notes(elf, sh.sh_offset, sh.sh_size, info);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

/* Xen's checks of the note contents for a PV guest. */
static int check_notes(const struct xen_kernel_info *info)
{
    if (!info->nr_xen_notes)
        return elf_error("no Xen ELF notes: not a Xen PV kernel");
    if (strncmp(info->loader, "generic", 7) && strncmp(info->guest_os, "linux", 5)) {
        printk("dom0 kernel: will only load images for the generic loader or Linux"
               " (not '%s' and '%s')\n", info->loader, info->guest_os);
        return -EINVAL;
    }
    if (strncmp(info->xen_ver, "xen-3.0", 7)) {
        printk("dom0 kernel: built for Xen '%s', need xen-3.0\n", info->xen_ver);
        return -EINVAL;
    }
    if (info->elf_paddr_offset != XEN_KERNEL_UNSET_ADDR &&
        info->virt_base == XEN_KERNEL_UNSET_ADDR)
        return elf_error("PADDR_OFFSET set, VIRT_BASE unset");
    return 0;
}

static int calc_addresses(struct xen_kernel_info *info)
{
    if (info->virt_base == XEN_KERNEL_UNSET_ADDR)
        info->virt_base = 0;
    if (info->elf_paddr_offset == XEN_KERNEL_UNSET_ADDR)
        info->elf_paddr_offset = 0;     /* libelf's default with ELF notes */
    info->virt_offset = info->virt_base - info->elf_paddr_offset;
    info->virt_kstart = info->pstart + info->virt_offset;
    info->virt_kend = info->pend + info->virt_offset;
    if (info->virt_entry == XEN_KERNEL_UNSET_ADDR)
        info->virt_entry = info->e_entry;

    if (info->virt_kstart > info->virt_kend || info->virt_entry < info->virt_kstart ||
        info->virt_entry > info->virt_kend || info->virt_base > info->virt_kstart)
        return elf_error("ELF start or entries are out of bounds");
    if (info->p2m_base != XEN_KERNEL_UNSET_ADDR && info->p2m_base >= info->virt_kstart &&
        info->p2m_base < info->virt_kend)
        return elf_error("P->M table base is out of bounds");
    if (info->virt_hypercall != XEN_KERNEL_UNSET_ADDR &&
        (info->virt_hypercall < info->virt_kstart || info->virt_hypercall >= info->virt_kend))
        return elf_error("invalid HYPERCALL_PAGE field in ELF notes");
    return 0;
}

static void info_init(struct xen_kernel_info *info, const struct elf64_ehdr *eh)
{
    memset(info, 0, sizeof(*info));
    info->virt_base = info->virt_entry = info->virt_hypercall = XEN_KERNEL_UNSET_ADDR;
    info->virt_hv_start_low = info->p2m_base = XEN_KERNEL_UNSET_ADDR;
    info->elf_paddr_offset = XEN_KERNEL_UNSET_ADDR;
    info->phys_entry = XEN_KERNEL_UNSET_ADDR32;
    info->e_entry = eh->e_entry;
}

int elf_parse_xen_kernel(const void *image, size_t bytes, struct xen_kernel_info *info)
{
    const uint8_t *elf = image;
    struct elf64_ehdr eh;
    int rc, n;

    rc = check_ehdr(elf, bytes, &eh);
    if (rc)
        return rc;
    info_init(info, &eh);
    rc = scan_loads(elf, bytes, &eh, info);
    if (rc)
        return rc;
    n = notes_from_segments(elf, bytes, &eh, info);
    if (n == 0)
        n = notes_from_sections(elf, bytes, &eh, info);
    if (n < 0)
        return n;
    info->nr_xen_notes = n;
    rc = check_notes(info);
    if (rc)
        return rc;
    return calc_addresses(info);
}

int elf_load_segments(const void *image, size_t bytes, const struct xen_kernel_info *info,
                      elf_copy_fn copy, void *ctx)
{
    const uint8_t *elf = image;
    struct elf64_ehdr eh;
    int rc;

    rc = check_ehdr(elf, bytes, &eh);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        uint64_t virt;

        get_phdr(elf, &eh, i, &ph);
        if (!loadable(&ph))
            continue;
        rc = check_load(&ph, bytes);
        if (rc)
            return rc;
        virt = ph.p_paddr + info->virt_offset;
        if (virt < info->virt_kstart || virt > info->virt_kend ||
            ph.p_memsz > info->virt_kend - virt)
            return elf_error("PT_LOAD segment outside the parsed kernel range");
        rc = copy(ctx, virt, elf + ph.p_offset, ph.p_filesz, ph.p_memsz - ph.p_filesz);
        if (rc)
            return rc;
    }
    return 0;
}
