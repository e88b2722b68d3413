/*
 * The hardware accesses of the PV emulator, kept apart so that the
 * decoder and the policies can be tested on the host against fakes
 * (see emul_internal.h). Each function is one instruction (or one
 * exception-safe accessor); none takes a lock.
 */
#include <xenia/lib.h>
#include <asm/io.h>
#include <asm/msr.h>
#include "emul_internal.h"

uint32_t emul_hw_in(uint16_t port, unsigned int bytes)
{
    switch (bytes) {
    case 1:  return inb(port);
    case 2:  return inw(port);
    default: return inl(port);
    }
}

void emul_hw_out(uint16_t port, unsigned int bytes, uint32_t val)
{
    switch (bytes) {
    case 1:  outb(port, (uint8_t)val); break;
    case 2:  outw(port, (uint16_t)val); break;
    default: outl(port, val); break;
    }
}

int emul_hw_rdmsr(uint32_t msr, uint64_t *val)
{
    return rdmsr_safe(msr, val);
}

int emul_hw_wrmsr(uint32_t msr, uint64_t val)
{
    return wrmsr_safe(msr, val);
}

unsigned long emul_hw_read_cr0(void)
{
    unsigned long v;
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
    return v;
}

unsigned long emul_hw_read_cr4(void)
{
    unsigned long v;
    __asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
    return v;
}

void emul_hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t res[4])
{
    __asm__ __volatile__("cpuid"
                         : "=a"(res[0]), "=b"(res[1]), "=c"(res[2]), "=d"(res[3])
                         : "a"(leaf), "c"(subleaf));
}

void emul_hw_wbinvd(void)
{
    __asm__ __volatile__("wbinvd" ::: "memory");
}
