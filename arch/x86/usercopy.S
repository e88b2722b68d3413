/*
 * Byte copies that may fault: guest memory is only touched through these.
 * Each returns the number of bytes NOT copied in %rax (0 = success); a
 * fault inside `rep movsb`/`rep stosb` resumes at the fixup with %rcx
 * holding the bytes left.
 */
        .text
/* size_t copy_bytes_fixup(void *dst, const void *src, size_t n) */
        .global copy_bytes_fixup
copy_bytes_fixup:
        mov     %rdx, %rcx
1:      rep movsb
2:      mov     %rcx, %rax
        ret

/* size_t clear_bytes_fixup(void *dst, size_t n) */
        .global clear_bytes_fixup
clear_bytes_fixup:
        mov     %rsi, %rcx
        xor     %eax, %eax
3:      rep stosb
4:      mov     %rcx, %rax
        ret

        .section .ex_table, "a"
        .align 8
        .quad 1b, 2b
        .quad 3b, 4b
        .previous

/* int rdmsr_safe(uint32_t msr, uint64_t *val): 0, or -1 on #GP */
        .text
        .global rdmsr_safe
rdmsr_safe:
        mov     %edi, %ecx
5:      rdmsr
        shl     $32, %rdx
        or      %rdx, %rax
        mov     %rax, (%rsi)
        xor     %eax, %eax
        ret
6:      mov     $-1, %eax
        ret

/* int wrmsr_safe(uint32_t msr, uint64_t val): 0, or -1 on #GP */
        .global wrmsr_safe
wrmsr_safe:
        mov     %edi, %ecx
        mov     %rsi, %rax
        mov     %rsi, %rdx
        shr     $32, %rdx
7:      wrmsr
        xor     %eax, %eax
        ret
8:      mov     $-1, %eax
        ret

        .section .ex_table, "a"
        .align 8
        .quad 5b, 6b
        .quad 7b, 8b
        .previous
