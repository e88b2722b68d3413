/*
 * Decoding the few instructions the HVM core completes itself: a guest
 * load or store that reached guest-physical memory with nothing behind it
 * (Xen's emulated MMIO without a device: loads read all ones, stores are
 * dropped). The #VMEXIT gives the address; the decoder gives the length,
 * the direction, the width and the register.
 *
 * Handled: MOV r/m<-reg (88, 89), MOV reg<-r/m (8A, 8B), MOV r/m<-imm (C6 /0,
 * C7 /0), MOVZX (0F B6, 0F B7), MOV with a moffs (A0-A3), with the 66,
 * segment, REX (64-bit code) and, in 64-bit code, 67 prefixes. Anything
 * else is -EOPNOTSUPP. And the prefixes of string port I/O (INS, OUTS).
 * Pure logic: unit-tested in tests/unit/test_emulate_mmio.c.
 */
#ifndef ASM_HVM_EMULATE_H
#define ASM_HVM_EMULATE_H

#include <xenia/types.h>

#define HVM_INSN_MAX    15

struct hvm_mmio_insn {
    unsigned int len;           /* instruction bytes */
    unsigned int bytes;         /* access width: 1, 2, 4 or 8 */
    bool write;                 /* store (true) or load */
    int reg;                    /* load destination / store source: 0-15 (rax..r15), -1: immediate */
    bool high_byte;             /* 8-bit AH/CH/DH/BH (reg 4-7 without REX) */
    unsigned int dest_bytes;    /* bytes written to reg on a load (MOVZX: wider than bytes) */
};

/*
 * hvm_decode_mmio(): decode the instruction in insn[0, avail) executed in
 * 64-bit code (long_mode) or 32-bit protected mode. Returns 0 and *out,
 * -EINVAL (truncated: needs more than avail or HVM_INSN_MAX bytes) or
 * -EOPNOTSUPP (not a form listed above).
 */
int hvm_decode_mmio(const uint8_t *insn, size_t avail, bool long_mode, struct hvm_mmio_insn *out);

/* What a string port I/O instruction's prefixes say (the exit gives the rest). */
struct hvm_string_insn {
    bool addr_override;         /* 0x67: the other address size */
    int seg;                    /* segment override: 0-5 (ES, CS, SS, DS, FS, GS), -1: none */
};

/*
 * hvm_decode_string_io(): the prefixes of the INS/OUTS (6C-6F) in
 * insn[0, avail), for back ends whose exit does not report the address
 * size and segment (QEMU's SVM leaves EXITINFO1's bits 7-12 clear).
 * Returns 0 and *out, -EINVAL (truncated) or -EOPNOTSUPP (not INS/OUTS).
 */
int hvm_decode_string_io(const uint8_t *insn, size_t avail, bool long_mode, struct hvm_string_insn *out);

#endif
