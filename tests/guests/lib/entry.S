/*
 * entry.S: exception and event-callback entry points of a test guest.
 *
 * Xen bounces an exception to a 64-bit PV kernel with this frame at %rsp:
 *     rcx, r11, [error code], rip, cs, rflags, rsp, ss
 * Each stub restores rcx/r11, pushes a zero error code when the CPU gives
 * none, pushes the vector, saves the other registers as a struct
 * guest_frame (test.h), calls C, and leaves through HYPERVISOR_iret.
 */
#include <xen/xen.h>

/* Save every general register below the vector/error pair. */
.macro SAVE_ALL
    push %rax; push %rbx; push %rcx; push %rdx; push %rsi; push %rdi; push %rbp
    push %r8; push %r9; push %r10; push %r11; push %r12; push %r13; push %r14; push %r15
.endm

/* Restore them, in reverse. */
.macro RESTORE_ALL
    pop %r15; pop %r14; pop %r13; pop %r12; pop %r11; pop %r10; pop %r9; pop %r8
    pop %rbp; pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rbx; pop %rax
.endm

/* Exception vector \vec; \err = 1 when the CPU pushes an error code. */
.macro TRAP vec, err
    .globl trap_\vec
trap_\vec:
    pop %rcx
    pop %r11
    .if \err == 0
    push $0
    .endif
    push $\vec
    jmp trap_common
.endm

    .text
TRAP 0,0
TRAP 1,0
TRAP 2,0
TRAP 3,0
TRAP 4,0
TRAP 5,0
TRAP 6,0
TRAP 7,0
TRAP 8,1
TRAP 10,1
TRAP 11,1
TRAP 12,1
TRAP 13,1
TRAP 14,1
TRAP 16,0
TRAP 17,1
TRAP 18,0
TRAP 19,0
TRAP 20,0

/* Common tail: C handler gets the frame; may rewrite its rip. */
trap_common:
    SAVE_ALL
    mov  %rsp, %rdi
    mov  %rsp, %rbp
    and  $-16, %rsp
    call guest_trap
    mov  %rbp, %rsp
    RESTORE_ALL
    add  $16, %rsp                 /* vector, error code */
    push $0                        /* iret flags: not in a syscall */
    jmp  hypercall_page + __HYPERVISOR_iret * 32

/* Event callback: frame is rcx, r11, rip, cs, rflags, rsp, ss. */
    .globl event_callback
event_callback:
    pop %rcx
    pop %r11
    push $0
    push $0x100                    /* pseudo vector: an event upcall */
    SAVE_ALL
    mov  %rsp, %rbp
    and  $-16, %rsp
    call guest_event
    mov  %rbp, %rsp
    RESTORE_ALL
    add  $16, %rsp
    push $0
    jmp  hypercall_page + __HYPERVISOR_iret * 32

/* Failsafe callback: Xen could not load a segment on return: fatal. */
    .globl failsafe_callback
failsafe_callback:
    mov  %rsp, %rbp
    and  $-16, %rsp
    call guest_failsafe
    ud2
