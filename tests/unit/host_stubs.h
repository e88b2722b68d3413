/* Host stand-ins: see host_stubs.c. */
#ifndef HOST_STUBS_H
#define HOST_STUBS_H
#include <stddef.h>
#define HOST_PRINTK_BUF 65536
extern char host_printk_buf[HOST_PRINTK_BUF];
extern size_t host_printk_len;
void host_printk_clear(void);

/*
 * The TLB clock (<asm/flushtlb.h>): tests set host_tlbflush_clock, and
 * flush_tlb_all_since() counts its calls and keeps the last stamp.
 */
#include <stdint.h>
extern uint32_t host_tlbflush_clock;
extern unsigned long host_flush_since_calls;
extern uint32_t host_flush_since_stamp;
#endif
