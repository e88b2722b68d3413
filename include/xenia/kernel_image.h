/*
 * Dom0 kernel images: a Linux bzImage (XZ-compressed vmlinux inside) or a
 * raw ELF64 x86-64 kernel, its Xen ELF notes, and loading its PT_LOAD
 * segments into guest memory. Nothing here allocates: buffers belong to the
 * caller. Every function bounds-checks its input and returns a negative Xen
 * errno on a malformed image; none of them faults.
 *
 * How the dom0 builder uses it:
 *
 *   struct kernel_image img;
 *   struct xen_kernel_info info;
 *   rc = kernel_image_probe(mod, mod_bytes, &img);
 *   if (img.format == KERNEL_IMAGE_BZIMAGE) {
 *       buf = alloc_xenheap_pages(order of img.elf_bytes);
 *       rc = kernel_image_decompress(&img, buf, img.elf_bytes);
 *   }                                   (img.elf, img.elf_bytes: the ELF)
 *   rc = elf_parse_xen_kernel(img.elf, img.elf_bytes, &info);
 *   ... lay out dom0 from info.virt_kstart .. info.virt_kend ...
 *   rc = elf_load_segments(img.elf, img.elf_bytes, &info, copy_cb, ctx);
 *   ... free buf once loaded ...
 */
#ifndef XENIA_KERNEL_IMAGE_H
#define XENIA_KERNEL_IMAGE_H

#include <xenia/types.h>
#include <xen/features.h>

/* Largest decompressed kernel accepted (bytes). */
#define KERNEL_IMAGE_MAX_BYTES    (256UL << 20)
/* Largest virtual span [virt_kstart, virt_kend) accepted (bytes). */
#define KERNEL_IMAGE_MAX_SPAN     (1UL << 30)

enum kernel_image_format {
    KERNEL_IMAGE_ELF = 1,       /* the module is the ELF itself */
    KERNEL_IMAGE_BZIMAGE,       /* Linux bzImage: compressed ELF inside */
};

enum kernel_image_comp {
    KERNEL_COMP_NONE = 0,
    KERNEL_COMP_XZ,             /* the only one decoded */
    KERNEL_COMP_GZIP,           /* recognised, -EOPNOTSUPP */
    KERNEL_COMP_BZIP2,
    KERNEL_COMP_LZMA,
    KERNEL_COMP_LZO,
    KERNEL_COMP_LZ4,
    KERNEL_COMP_ZSTD,
    KERNEL_COMP_UNKNOWN,
};

struct kernel_image {
    const uint8_t *module;      /* the boot module, borrowed */
    size_t module_bytes;
    enum kernel_image_format format;
    enum kernel_image_comp comp;
    uint16_t boot_version;      /* bzImage boot protocol, e.g. 0x20f */
    const uint8_t *payload;     /* compressed stream, inside module */
    size_t payload_bytes;       /* without Linux's 4-byte size trailer */
    /*
     * The ELF: for KERNEL_IMAGE_ELF it is the module (set by probe); for a
     * bzImage, probe sets elf = NULL and elf_bytes = the size the trailer
     * announces (bounded by KERNEL_IMAGE_MAX_BYTES), and decompress sets
     * elf = the output buffer and elf_bytes = the bytes actually decoded.
     */
    const void *elf;
    size_t elf_bytes;
};

/*
 * kernel_image_probe(): identify a dom0 kernel module of 'bytes' bytes and
 * fill *img. Accepts a raw ELF ("\177ELF") or a bzImage (setup header
 * "HdrS" at 0x202, boot protocol >= 2.08 for payload_offset/length).
 * Returns 0 (img->elf_bytes then tells how large a buffer
 * kernel_image_decompress() needs), -EINVAL for an unrecognised or
 * truncated image, -EOPNOTSUPP for a bzImage compressed with anything but
 * XZ (img->comp says which). Prints the reason on failure.
 */
int kernel_image_probe(const void *module, size_t bytes, struct kernel_image *img);

/*
 * kernel_image_decompress(): decode a probed bzImage's payload into
 * out[0, out_bytes) (caller-owned; out_bytes >= img->elf_bytes from probe
 * is always enough, extra space is left untouched). On success sets
 * img->elf = out and img->elf_bytes = decoded size, returns 0. For a raw
 * ELF it does nothing and returns 0. Errors: -EINVAL corrupt/truncated
 * stream or failed integrity check, -ENOBUFS out too small, -EOPNOTSUPP
 * unsupported XZ filter/check, -EBUSY decoder in use. Prints the reason.
 */
int kernel_image_decompress(struct kernel_image *img, void *out, size_t out_bytes);

/*
 * xz_decompress(): single-call XZ decoder: the whole .xz file in
 * in[0, in_bytes) (one or more streams, optional stream padding), output
 * into out[0, out_bytes). Supports LZMA2 with an optional x86 BCJ filter
 * and the none/CRC32/CRC64 checks, all verified (block checks, index,
 * stream footer). *out_done gets the bytes written. Never reads or writes
 * outside the buffers. Not reentrant (static decoder state: -EBUSY).
 * Errors: -EINVAL corrupt/truncated, -EILSEQ check mismatch, -ENOBUFS
 * output too small, -EOPNOTSUPP other filters or SHA-256 check.
 */
int xz_decompress(const void *in, size_t in_bytes, void *out, size_t out_bytes,
                  size_t *out_done);

/* xz_crc32(): CRC-32 (IEEE, as XZ/gzip) of buf[0, bytes), continuing from crc (0 to start). */
uint32_t xz_crc32(const void *buf, size_t bytes, uint32_t crc);
/* xz_crc64(): CRC-64 (ECMA-182, as XZ) of buf[0, bytes), continuing from crc (0 to start). */
uint64_t xz_crc64(const void *buf, size_t bytes, uint64_t crc);

#define XEN_KERNEL_UNSET_ADDR    (~0ULL)
#define XEN_KERNEL_UNSET_ADDR32  (~0U)

enum xen_pae_mode {
    XEN_KERNEL_PAE_NO = 0,
    XEN_KERNEL_PAE_YES,         /* "yes" in an old __xen_guest string */
    XEN_KERNEL_PAE_EXTCR3,      /* PAE_MODE note "yes" */
    XEN_KERNEL_PAE_BIMODAL,     /* PAE_MODE note containing "bimodal" */
};

/*
 * What a PV kernel's Xen ELF notes say, with Xen's libelf defaults applied.
 * Addresses are guest virtual, bytes; XEN_KERNEL_UNSET_ADDR when absent.
 */
struct xen_kernel_info {
    uint64_t virt_base;         /* VIRT_BASE (0 if absent) */
    uint64_t elf_paddr_offset;  /* PADDR_OFFSET (0 if absent: notes present) */
    uint64_t virt_offset;       /* virt_base - elf_paddr_offset */
    uint64_t virt_entry;        /* ENTRY, else e_entry */
    uint64_t virt_hypercall;    /* HYPERCALL_PAGE or UNSET (Linux >= 6.x: absent) */
    uint64_t virt_hv_start_low; /* HV_START_LOW or UNSET */
    uint64_t p2m_base;          /* INIT_P2M or UNSET */
    uint32_t phys_entry;        /* PHYS32_ENTRY or XEN_KERNEL_UNSET_ADDR32 */
    uint64_t virt_kstart;       /* lowest PT_LOAD p_paddr + virt_offset */
    uint64_t virt_kend;         /* highest p_paddr + p_memsz + virt_offset */
    uint64_t pstart, pend;      /* the same range as p_paddr */
    uint64_t e_entry;           /* the ELF header's entry */
    uint32_t f_supported[XENFEAT_NR_SUBMAPS];  /* FEATURES + SUPPORTED_FEATURES */
    uint32_t f_required[XENFEAT_NR_SUBMAPS];   /* FEATURES with '!' */
    enum xen_pae_mode pae;
    bool bsd_symtab;            /* BSD_SYMTAB "yes" (symbols not loaded) */
    bool unmapped_initrd;       /* MOD_START_PFN != 0 */
    bool suspend_cancel;        /* SUSPEND_CANCEL != 0 */
    bool l1_mfn_valid_set;
    uint64_t l1_mfn_valid[2];   /* L1_MFN_VALID: mask, value */
    uint32_t notes_seen;        /* bit n set: Xen note type n present */
    unsigned int nr_xen_notes;
    char xen_ver[16], guest_os[16], guest_ver[16], loader[16];
    char features[128];         /* FEATURES string as found (truncated) */
};

/*
 * elf_parse_xen_kernel(): check that elf[0, bytes) is an ELF64 x86-64
 * little-endian image with sane program headers, collect its Xen notes
 * (PT_NOTE segments, else SHT_NOTE sections) into *info and compute the
 * virtual range as Xen's libelf does for a PV guest. Returns 0, or -EINVAL
 * (not ELF, ELFCLASS32, wrong machine, truncated, bad headers, no Xen
 * notes, unknown required feature, not xen-3.0/linux/generic, entry out of
 * bounds), with the reason printed as "dom0 kernel: ...".
 */
int elf_parse_xen_kernel(const void *elf, size_t bytes, struct xen_kernel_info *info);

/*
 * Callback of elf_load_segments(): place 'bytes' bytes from src at guest
 * virtual address guest_virt, followed by 'zero_bytes' zero bytes. Returns
 * 0 or a negative errno, which aborts the load and is returned as is.
 */
typedef int (*elf_copy_fn)(void *ctx, uint64_t guest_virt, const void *src,
                           size_t bytes, size_t zero_bytes);

/*
 * elf_load_segments(): for each loadable PT_LOAD segment of elf[0, bytes)
 * (already accepted by elf_parse_xen_kernel() into *info), call copy() once
 * with guest_virt = p_paddr + info->virt_offset, the segment's file bytes
 * and its p_memsz - p_filesz bss. Every call lies within
 * [info->virt_kstart, info->virt_kend). Returns 0, -EINVAL if the headers
 * are inconsistent, or copy()'s error.
 */
int elf_load_segments(const void *elf, size_t bytes, const struct xen_kernel_info *info,
                      elf_copy_fn copy, void *ctx);

#endif
