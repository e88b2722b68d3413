/*
 * printk() and the console ring.
 *
 * Every line the hypervisor prints starts with "(XEN) ", as on Xen, so logs
 * read the same and tools that grep them keep working. The ring keeps the
 * last CONSOLE_RING_SIZE bytes for XEN_SYSCTL_readconsole (xl dmesg).
 */
#include <xenia/lib.h>
#include <xenia/console.h>
#include <xenia/keyhandler.h>
#include <xenia/spinlock.h>
#include <xenia/param.h>
#include <xenia/time.h>
#include <asm/current.h>

#define MAX_CONSOLES        4
#define CONSOLE_RING_SIZE   (64 * 1024)

static const struct console_driver *consoles[MAX_CONSOLES];
static unsigned int nr_consoles;
static DEFINE_SPINLOCK(console_lock);
static char ring[CONSOLE_RING_SIZE];
static uint64_t ring_produced;          /* bytes written since boot */
static bool at_line_start = true;
/*
 * After console_force_unlock(): the one CPU that may still write, or -1.
 * The lock is then bypassed, not reset: a ticket lock reset under a CPU
 * that holds it is corrupted by that CPU's unlock (the next taker waits
 * forever), and the holder would keep interleaving its bytes.
 */
static int forced_cpu = -1;
static int lock_holder = -1;            /* the CPU inside console_enter()/exit() with the lock, or -1 */

/* Another CPU has taken the console over: stop writing (its report goes out whole). */
static bool console_taken_from_us(void)
{
    int forced = __atomic_load_n(&forced_cpu, __ATOMIC_ACQUIRE);
    return forced >= 0 && forced != (int)smp_processor_id();
}

/*
 * Enter the console's critical section, interrupts off: the lock, or
 * nothing on the CPU that forced the console. False if another CPU has
 * forced it: the caller writes nothing and calls console_exit().
 */
static bool console_enter(unsigned long *flags, bool *locked)
{
    *flags = local_irq_save();
    *locked = __atomic_load_n(&forced_cpu, __ATOMIC_ACQUIRE) < 0;
    if (*locked) {
        spin_lock(&console_lock);
        __atomic_store_n(&lock_holder, (int)smp_processor_id(), __ATOMIC_RELEASE);
    }
    return !console_taken_from_us();
}

static void console_exit(unsigned long flags, bool locked)
{
    if (locked) {
        __atomic_store_n(&lock_holder, -1, __ATOMIC_RELEASE);
        spin_unlock(&console_lock);
    }
    local_irq_restore(flags);
}

void console_register(const struct console_driver *drv)
{
    if (nr_consoles < MAX_CONSOLES)
        consoles[nr_consoles++] = drv;
}

static void emit(char c)
{
    ring[ring_produced++ % CONSOLE_RING_SIZE] = c;
    for (unsigned int i = 0; i < nr_consoles; i++)
        consoles[i]->putc(c);
}

static void write_locked(const char *s, size_t n, bool prefix)
{
    for (size_t i = 0; i < n && !console_taken_from_us(); i++) {
        if (prefix && at_line_start)
            for (const char *p = "(XEN) "; *p; p++)
                emit(*p);
        emit(s[i]);
        at_line_start = s[i] == '\n';
    }
}

void console_force_unlock(void)
{
    unsigned int self = smp_processor_id();
    s_time_t end = NOW() + SECONDS(1);

    if (__atomic_exchange_n(&forced_cpu, (int)self, __ATOMIC_ACQ_REL) == (int)self)
        return;
    /*
     * Another CPU's writer stops at its next byte and leaves: wait for
     * that (a second at most: its host thread may be descheduled under
     * emulation). Not for this CPU's own interrupted writer.
     */
    for (int holder; (holder = __atomic_load_n(&lock_holder, __ATOMIC_ACQUIRE)) >= 0 &&
                     holder != (int)self && NOW() < end;)
        __builtin_ia32_pause();
    if (!at_line_start) {                /* end the line the old holder left open */
        at_line_start = true;
        emit('\n');
    }
}

void console_write(const char *s, size_t n)
{
    unsigned long flags;
    bool locked;
    if (console_enter(&flags, &locked))
        write_locked(s, n, false);
    console_exit(flags, locked);
}

void console_write_guest(const char *s, size_t n)
{
    unsigned long flags;
    bool locked;
    if (console_enter(&flags, &locked))
        for (size_t i = 0; i < n && !console_taken_from_us(); i++) {
            for (unsigned int c = 0; c < nr_consoles; c++)
                consoles[c]->putc(s[i]);
            at_line_start = s[i] == '\n';
        }
    console_exit(flags, locked);
}

size_t console_ring_read(char *buf, size_t n, uint64_t *pos)
{
    unsigned long flags;
    size_t copied = 0;
    bool locked;
    console_enter(&flags, &locked);      /* reading only: safe even when forced */
    if (ring_produced > CONSOLE_RING_SIZE && *pos < ring_produced - CONSOLE_RING_SIZE)
        *pos = ring_produced - CONSOLE_RING_SIZE;
    while (copied < n && *pos < ring_produced)
        buf[copied++] = ring[(*pos)++ % CONSOLE_RING_SIZE];
    console_exit(flags, locked);
    return copied;
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    unsigned long flags;
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    bool locked;
    if (console_enter(&flags, &locked))
        write_locked(buf, (size_t)n, true);
    console_exit(flags, locked);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

/* ---- serial input for dom0 (CONSOLEIO_read) ---- */

#define INPUT_RING_SIZE 1024
static char input_ring[INPUT_RING_SIZE];
static unsigned int input_prod, input_cons;     /* under console_lock */

/*
 * Serial input goes to dom0 until Ctrl-A is typed three times in a row,
 * then to the hypervisor's debug keys, until the next three (Xen's
 * conswitch). The Ctrl-As of a switch are eaten; fewer than three are
 * passed on.
 */
#define SWITCH_CODE     0x01            /* Ctrl-A */
static bool input_to_xen;               /* under console_lock */
static unsigned int switch_code_count;  /* under console_lock */

static void input_to_dom0(char c)
{
    if (input_prod - input_cons < INPUT_RING_SIZE)
        input_ring[input_prod++ % INPUT_RING_SIZE] = c;
}

bool console_poll_input(void)
{
    unsigned long flags;
    bool got = false, switched = false;
    char keys[16];
    unsigned int nr_keys = 0;

    bool locked, ours = console_enter(&flags, &locked);
    for (unsigned int i = 0; ours && i < nr_consoles; i++) {
        if (!consoles[i]->getc)
            continue;
        for (int c; (c = consoles[i]->getc()) >= 0;) {
            if (c == SWITCH_CODE) {
                if (++switch_code_count == 3) {
                    input_to_xen = !input_to_xen;
                    switch_code_count = 0;
                    switched = true;
                }
                continue;
            }
            for (; switch_code_count; switch_code_count--)
                if (!input_to_xen) {
                    input_to_dom0(SWITCH_CODE);
                    got = true;
                }
            if (!input_to_xen) {
                input_to_dom0((char)c);
                got = true;
            } else if (nr_keys < sizeof(keys)) {
                keys[nr_keys++] = (char)c;
            }
        }
    }
    bool to_xen = input_to_xen;
    console_exit(flags, locked);

    if (switched)
        printk("*** Serial input to %s (type 'CTRL-a' three times to switch input)\n",
               to_xen ? "Xen" : "DOM0");
    for (unsigned int i = 0; i < nr_keys; i++)
        handle_keypress(keys[i]);
    return got;
}

size_t console_read_input(char *buf, size_t n)
{
    unsigned long flags;
    size_t copied = 0;
    bool locked;
    if (console_enter(&flags, &locked))
        while (copied < n && input_cons != input_prod)
            buf[copied++] = input_ring[input_cons++ % INPUT_RING_SIZE];
    console_exit(flags, locked);
    return copied;
}

/* ---- loglvl= and guest_loglvl= (Xen's syntax: <level>[/<rate-limited level>]) ---- */

enum { LOG_NONE, LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_ALL };

static unsigned int log_level = LOG_WARNING, guest_log_level = LOG_NONE;

static int parse_level(const char *s, const char *e, unsigned int *out)
{
    static const char *const names[] = { "none", "error", "warning", "info", "debug", "all" };
    for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
        if (strlen(names[i]) == (size_t)(e - s) && !strncmp(s, names[i], e - s)) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

static int parse_loglvl_into(const char *s, unsigned int *level)
{
    const char *slash = strchr(s, '/');
    const char *end = slash ? slash : s + strlen(s);
    unsigned int rate_limited;
    if (parse_level(s, end, level))
        return -1;
    return slash ? parse_level(slash + 1, slash + 1 + strlen(slash + 1), &rate_limited) : 0;
}

static int parse_loglvl(const char *s) { return parse_loglvl_into(s, &log_level); }
static int parse_guest_loglvl(const char *s) { return parse_loglvl_into(s, &guest_log_level); }
custom_param("loglvl", parse_loglvl);
custom_param("guest_loglvl", parse_guest_loglvl);

bool console_verbose(void)
{
    return log_level >= LOG_DEBUG;
}
