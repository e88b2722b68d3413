/*
 * 16550-compatible UART (COM1 at 0x3f8): polled output and input.
 * Xen's com1= option sets its line: com1=<baud|auto>[,<data><parity><stop>[,<io-base>]]
 * (e.g. Debian's "com1=115200,8n1"); further fields (IRQ, PCI location) are
 * accepted and ignored: the console is polled.
 */
#include <xenia/console.h>
#include <xenia/errno.h>
#include <xenia/lib.h>
#include <xenia/param.h>
#include <asm/io.h>

#define UART_CLOCK_HZ 1843200u   /* the PC's UART crystal: 115200 baud at divisor 1 */

#define UART_THR 0      /* transmit holding */
#define UART_RBR 0      /* receive buffer */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01   /* data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */

static uint16_t uart_base;

static void ns16550_putc(char c)
{
    if (c == '\n')
        ns16550_putc('\r');
    for (unsigned int spin = 0; spin < 100000; spin++)
        if (inb(uart_base + UART_LSR) & LSR_THRE)
            break;
    outb(uart_base + UART_THR, (uint8_t)c);
}

static int ns16550_getc(void)
{
    if (!(inb(uart_base + UART_LSR) & LSR_DR))
        return -1;
    return inb(uart_base + UART_RBR);
}

static const struct console_driver ns16550_driver = {
    .putc = ns16550_putc,
    .getc = ns16550_getc,
};

/* Program divisor (0: keep what firmware set) and line control (LCR value). */
static void ns16550_setup(unsigned int divisor, uint8_t lcr)
{
    outb(uart_base + UART_IER, 0x00);
    if (divisor) {
        outb(uart_base + UART_LCR, 0x80);    /* DLAB */
        outb(uart_base + 0, (uint8_t)divisor);
        outb(uart_base + 1, (uint8_t)(divisor >> 8));
    }
    outb(uart_base + UART_LCR, lcr);
    outb(uart_base + UART_FCR, 0xc7);        /* FIFOs on, cleared */
    outb(uart_base + UART_MCR, 0x0b);
}

void ns16550_init(uint16_t io_base)
{
    uart_base = io_base;
    ns16550_setup(UART_CLOCK_HZ / 16 / 115200, 0x03);   /* 115200 8n1 */
    console_register(&ns16550_driver);
}

/* com1=<baud|auto>[,<DPS>[,<io-base>[,...]]]: -EINVAL if malformed (line unchanged). */
static int parse_com1(const char *v)
{
    const char *p = v;
    unsigned long baud = 0;
    uint8_t lcr = 0x03;
    uint16_t base = uart_base;

    if (!strncmp(p, "auto", 4))
        p += 4;
    else {
        baud = simple_strtoul(p, &p, 10);
        if (!baud || baud > UART_CLOCK_HZ / 16)
            return -EINVAL;
    }
    if (*p == '/')                           /* /<clock-hz>: not supported, skipped */
        while (*p && *p != ',')
            p++;
    if (*p == ',' && p[1] && p[1] != ',') {  /* <data bits 5-8><n|o|e|m|s><stop 1|2> */
        p++;
        if (p[0] < '5' || p[0] > '8' || !p[1] || (p[2] != '1' && p[2] != '2'))
            return -EINVAL;
        static const char parities[] = "noems";
        static const uint8_t parity_bits[] = { 0x00, 0x08, 0x18, 0x28, 0x38 };
        const char *par = strchr(parities, p[1]);
        if (!par || !*par)
            return -EINVAL;
        lcr = (uint8_t)((p[0] - '5') | (p[2] == '2' ? 0x04 : 0) | parity_bits[par - parities]);
        p += 3;
    }
    if (*p == ',' && p[1] == '0' && p[2] == 'x') {
        unsigned long io = simple_strtoul(p + 3, &p, 16);
        if (!io || io > 0xfff8)
            return -EINVAL;
        base = (uint16_t)io;
    }
    uart_base = base;
    ns16550_setup(baud ? (unsigned int)(UART_CLOCK_HZ / 16 / baud) : 0, lcr);
    return 0;
}
custom_param("com1", parse_com1);
