/* 16550-compatible UART (COM1 at 0x3f8): polled output and input. */
#include <xenia/console.h>
#include <asm/io.h>

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

void ns16550_init(uint16_t io_base)
{
    uart_base = io_base;
    outb(uart_base + UART_IER, 0x00);
    outb(uart_base + UART_LCR, 0x80);        /* DLAB */
    outb(uart_base + 0, 1);                  /* divisor 1: 115200 baud */
    outb(uart_base + 1, 0);
    outb(uart_base + UART_LCR, 0x03);        /* 8n1 */
    outb(uart_base + UART_FCR, 0xc7);        /* FIFOs on, cleared */
    outb(uart_base + UART_MCR, 0x0b);
    console_register(&ns16550_driver);
}
