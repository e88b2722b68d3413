/*
 * svm_vmentry: run the current HVM vCPU until its next #VMEXIT, handle
 * the exit, go round again through ret_to_guest (Jailhouse's shape: save
 * registers, call C, restore).
 *
 * In:  %rsp = this pCPU's cpu_info frame (the vCPU's registers), IF = 0,
 *      entered by jump from ret_to_guest.
 * VMRUN loads the guest's rip/rsp/rflags/rax and segments from the VMCB;
 * the other GPRs come from the frame. VMLOAD/VMSAVE move the state VMRUN
 * leaves alone (FS/GS/TR/LDTR, syscall MSRs). GIF is clear from CLGI until
 * svm_vmexit_handler() has reloaded the host's state, so no interrupt or
 * NMI runs on the guest's TR; IF is set for VMRUN so that physical
 * interrupts (intercepted) end the guest's run.
 */
#define UREGS_r15   0
#define UREGS_r14   8
#define UREGS_r13   16
#define UREGS_r12   24
#define UREGS_rbp   32
#define UREGS_rbx   40
#define UREGS_r11   48
#define UREGS_r10   56
#define UREGS_r9    64
#define UREGS_r8    72
#define UREGS_rcx   88
#define UREGS_rdx   96
#define UREGS_rsi   104
#define UREGS_rdi   112

        .text
        .global svm_vmentry
svm_vmentry:
        mov     %rsp, %rdi
        call    svm_vmenter_prepare     /* %rax = the VMCB's physical address */
        clgi
        sti
        push    %rax                    /* frame - 8: the VMCB, for after the exit */
        vmload  %rax
        mov     8+UREGS_r15(%rsp), %r15
        mov     8+UREGS_r14(%rsp), %r14
        mov     8+UREGS_r13(%rsp), %r13
        mov     8+UREGS_r12(%rsp), %r12
        mov     8+UREGS_rbp(%rsp), %rbp
        mov     8+UREGS_rbx(%rsp), %rbx
        mov     8+UREGS_r11(%rsp), %r11
        mov     8+UREGS_r10(%rsp), %r10
        mov     8+UREGS_r9(%rsp), %r9
        mov     8+UREGS_r8(%rsp), %r8
        mov     8+UREGS_rcx(%rsp), %rcx
        mov     8+UREGS_rdx(%rsp), %rdx
        mov     8+UREGS_rsi(%rsp), %rsi
        mov     8+UREGS_rdi(%rsp), %rdi
        vmrun   %rax
        /* #VMEXIT: GIF = 0; %rsp and %rax are the host's again. */
        mov     %r15, 8+UREGS_r15(%rsp)
        mov     %r14, 8+UREGS_r14(%rsp)
        mov     %r13, 8+UREGS_r13(%rsp)
        mov     %r12, 8+UREGS_r12(%rsp)
        mov     %rbp, 8+UREGS_rbp(%rsp)
        mov     %rbx, 8+UREGS_rbx(%rsp)
        mov     %r11, 8+UREGS_r11(%rsp)
        mov     %r10, 8+UREGS_r10(%rsp)
        mov     %r9, 8+UREGS_r9(%rsp)
        mov     %r8, 8+UREGS_r8(%rsp)
        mov     %rcx, 8+UREGS_rcx(%rsp)
        mov     %rdx, 8+UREGS_rdx(%rsp)
        mov     %rsi, 8+UREGS_rsi(%rsp)
        mov     %rdi, 8+UREGS_rdi(%rsp)
        pop     %rax
        vmsave  %rax
        mov     %rsp, %rdi
        call    svm_vmexit_handler      /* host state back, GIF = 1, the exit handled */
        jmp     ret_to_guest
