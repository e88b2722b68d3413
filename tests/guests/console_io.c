/*
 * console_io: HYPERVISOR_console_io. CONSOLEIO_write of dom0 reaches the
 * console; zero length, bad buffers, unknown commands and a negative
 * count fail exactly as Xen 4.17 fails them.
 */
#include "test.h"

const char test_name[] = "console_io";

void test_main(void)
{
    static const char msg[] = "console_io: hello from the test guest\n";
    char big[300];

    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0,
              "CONSOLEIO_write returns 0");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, 0, msg), 0,
              "zero-length write");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, 0, 0), 0,
              "zero-length write, NULL buffer");
    memset(big, 'x', sizeof(big));
    big[sizeof(big) - 1] = '\n';
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(big), big), 0,
              "write longer than Xen's 128-byte chunk");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, 5, 0), -XEN_EFAULT,
              "NULL buffer");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, 5, 0xffff800000000000UL),
              -XEN_EFAULT, "buffer in the hypervisor range");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, 5, 0x800000000000UL),
              -XEN_EFAULT, "non-canonical buffer");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_write, 5, 0x10000000UL),
              -XEN_EFAULT, "unmapped buffer");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_read, 0, big), 0,
              "CONSOLEIO_read of 0 bytes");
    expect_eq(HYPERVISOR_console_io(CONSOLEIO_read, 16, 0x10000000UL), 0,
              "CONSOLEIO_read, nothing to read, unmapped buffer");
    expect_eq(HYPERVISOR_console_io(99, 1, big), -XEN_ENOSYS,
              "unknown command");
}
