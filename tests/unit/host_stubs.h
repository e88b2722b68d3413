/* Host stand-ins: see host_stubs.c. */
#ifndef HOST_STUBS_H
#define HOST_STUBS_H
#include <stddef.h>
#define HOST_PRINTK_BUF 65536
extern char host_printk_buf[HOST_PRINTK_BUF];
extern size_t host_printk_len;
void host_printk_clear(void);
#endif
