/* Architectural bit definitions of x86-64 (RFLAGS), shared by every file. */
#ifndef ASM_X86_DEFNS_H
#define ASM_X86_DEFNS_H

#define X86_EFLAGS_CF    0x00000001UL
#define X86_EFLAGS_ZF    0x00000040UL
#define X86_EFLAGS_TF    0x00000100UL
#define X86_EFLAGS_IF    0x00000200UL
#define X86_EFLAGS_DF    0x00000400UL
#define X86_EFLAGS_IOPL  0x00003000UL
#define X86_EFLAGS_NT    0x00004000UL
#define X86_EFLAGS_RF    0x00010000UL
#define X86_EFLAGS_VM    0x00020000UL
#define X86_EFLAGS_AC    0x00040000UL

#endif
