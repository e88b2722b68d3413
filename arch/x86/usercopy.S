/*
 * Copies that may fault: guest memory is only touched through these. Each
 * returns the number of bytes NOT copied in %rax (0 = success). The bulk
 * goes 8 bytes at a time (rep movsq / rep stosq), the tail byte by byte.
 * A fault in the 8-byte part resumes at its fixup with %rcx holding the
 * quadwords left; the rest is then tried byte by byte, so the count left
 * is exact: the bytes before the first one that faults are copied. (QEMU's
 * TCG runs one string iteration per translated-block exit: byte by byte,
 * the 72-byte bounce frame of every guest system call took 72.)
 */
        .section .text.guest_path, "ax"
/* size_t copy_bytes_fixup(void *dst, const void *src, size_t n) */
        .global copy_bytes_fixup
copy_bytes_fixup:
        mov     %rdx, %rcx
        shr     $3, %rcx
1:      rep movsq
        and     $7, %edx
        mov     %rdx, %rcx
2:      rep movsb
3:      mov     %rcx, %rax
        ret
4:      and     $7, %edx                /* rep movsq faulted: %rcx quadwords left */
        lea     (%rdx,%rcx,8), %rcx
        jmp     2b

/* size_t clear_bytes_fixup(void *dst, size_t n) */
        .global clear_bytes_fixup
clear_bytes_fixup:
        mov     %rsi, %rcx
        shr     $3, %rcx
        xor     %eax, %eax
5:      rep stosq
        and     $7, %esi
        mov     %rsi, %rcx
6:      rep stosb
7:      mov     %rcx, %rax
        ret
8:      and     $7, %esi                /* rep stosq faulted: %rcx quadwords left */
        lea     (%rsi,%rcx,8), %rcx
        xor     %eax, %eax
        jmp     6b

        .section .ex_table, "a"
        .align 8
        .quad 1b, 4b
        .quad 2b, 3b
        .quad 5b, 8b
        .quad 6b, 7b
        .previous

/* int rdmsr_safe(uint32_t msr, uint64_t *val): 0, or -1 on #GP */
        .text
        .global rdmsr_safe
rdmsr_safe:
        mov     %edi, %ecx
15:     rdmsr
        shl     $32, %rdx
        or      %rdx, %rax
        mov     %rax, (%rsi)
        xor     %eax, %eax
        ret
16:     mov     $-1, %eax
        ret

/* int wrmsr_safe(uint32_t msr, uint64_t val): 0, or -1 on #GP */
        .global wrmsr_safe
wrmsr_safe:
        mov     %edi, %ecx
        mov     %rsi, %rax
        mov     %rsi, %rdx
        shr     $32, %rdx
17:     wrmsr
        xor     %eax, %eax
        ret
18:     mov     $-1, %eax
        ret

        .section .ex_table, "a"
        .align 8
        .quad 15b, 16b
        .quad 17b, 18b
        .previous
