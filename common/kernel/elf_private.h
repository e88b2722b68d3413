/*
 * ELF64 on-disk layout (System V gABI) as used by common/kernel/: headers
 * are always copied out of the image with memcpy, as the image may be
 * unaligned. Not for use outside common/kernel/.
 */
#ifndef XENIA_ELF_PRIVATE_H
#define XENIA_ELF_PRIVATE_H

#include <xenia/types.h>
#include <xenia/kernel_image.h>

#define ELFCLASS64      2
#define ELFDATA2LSB     1
#define EM_X86_64       62
#define PT_LOAD         1
#define PT_NOTE         4
#define PF_X            1
#define PF_W            2
#define PF_R            4
#define SHT_NOTE        7

struct elf64_ehdr {
    uint8_t  e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf64_shdr {
    uint32_t sh_name, sh_type;
    uint64_t sh_flags, sh_addr, sh_offset, sh_size;
    uint32_t sh_link, sh_info;
    uint64_t sh_addralign, sh_entsize;
};

struct elf64_note {
    uint32_t namesz, descsz, type;
};

/*
 * elf_parse_notes(): walk the notes in elf[start, start + bytes) (a
 * PT_NOTE segment or SHT_NOTE section already checked to lie inside the
 * image) and record the "Xen" ones in *info. Returns the number of Xen
 * notes, or -EINVAL for a note whose sizes run past the area or an
 * unknown required feature (reason printed).
 */
int elf_parse_notes(const uint8_t *elf, uint64_t start, uint64_t bytes,
                    struct xen_kernel_info *info);

/*
 * elf_parse_features(): a XEN_ELFNOTE_FEATURES string s[0, len) ("a|!b|c")
 * into the supported/required bitmaps, as Xen's libelf: "!name" is
 * required (and supported); unknown names are ignored unless required
 * (then -EINVAL).
 */
int elf_parse_features(const char *s, size_t len, uint32_t *supported, uint32_t *required);

#endif
