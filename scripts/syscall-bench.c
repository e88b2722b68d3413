/*
 * syscall-bench: the cost of a PV guest's system calls and of waking
 * another process, for dom0's workload (scripts/dom0-init.sh; built
 * static by scripts/mkinitramfs.sh). In a 64-bit PV guest every system call
 * goes user -> hypervisor -> guest kernel -> hypervisor -> user, two page
 * table switches; a blocking pipe round trip adds the kernel's context
 * switches (page tables, stack, segment bases: hypercalls). A page fault
 * goes user -> hypervisor -> guest kernel (bounced with its address) and
 * back, with the kernel's page table write (a hypercall) in between.
 *
 *   syscall-bench KCALLS KROUNDS KFAULTS
 *
 * Prints, in seconds (the unit of XENIA-TIME), for scripts/bench.sh:
 *   XENIA-TIME null-syscalls-<KCALLS>k S     KCALLS x 1000 getppid() in a row
 *   XENIA-TIME pipe-roundtrips-<KROUNDS>k S  KROUNDS x 1000 one-byte round
 *                                            trips between two processes
 *                                            over two pipes
 *   XENIA-TIME page-faults-<KFAULTS>k S      KFAULTS x 1000 first writes to
 *                                            fresh anonymous pages, 1024 per
 *                                            mmap(), each read back, munmap()
 * Exits 0 only if every call, every byte and every page went as it should.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static double seconds(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * `pages` first writes, `PAGES_PER_MAP` fresh anonymous pages per mmap():
 * each page takes its own fault (PV guests have no huge pages). Returns 0
 * if every page read back what was written.
 */
#define PAGES_PER_MAP 1024
static int touch_fresh_pages(long pages)
{
    long page = sysconf(_SC_PAGESIZE);

    for (long done = 0; done < pages; done += PAGES_PER_MAP) {
        long n = pages - done < PAGES_PER_MAP ? pages - done : PAGES_PER_MAP;
        char *map = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);

        if (map == MAP_FAILED)
            return 1;
        for (long i = 0; i < n; i++)
            *(volatile long *)(map + i * page) = done + i;
        for (long i = 0; i < n; i++)
            if (*(volatile long *)(map + i * page) != done + i)
                return 1;
        if (munmap(map, n * page))
            return 1;
    }
    return 0;
}

/* The child's side: read a byte, send it back plus one, `rounds` times. */
static int echo_plus_one(int in, int out, long rounds)
{
    for (long i = 0; i < rounds; i++) {
        unsigned char c;

        if (read(in, &c, 1) != 1)
            return 1;
        c++;
        if (write(out, &c, 1) != 1)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long kcalls = argc > 1 ? atol(argv[1]) : 200, calls = kcalls * 1000;
    long krounds = argc > 2 ? atol(argv[2]) : 20, rounds = krounds * 1000;
    long kfaults = argc > 3 ? atol(argv[3]) : 20;
    pid_t parent = getppid();
    int bad = 0;

    double t0 = seconds();
    for (long i = 0; i < calls; i++)
        bad |= syscall(SYS_getppid) != parent;
    double t1 = seconds();
    printf("XENIA-TIME null-syscalls-%ldk %.3f\n", kcalls, t1 - t0);

    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent))
        return 1;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        close(to_child[1]);             /* a parent that stops early ends our read */
        close(to_parent[0]);
        _exit(echo_plus_one(to_child[0], to_parent[1], rounds));
    }
    close(to_child[0]);
    close(to_parent[1]);
    unsigned char sent = 0;
    t0 = seconds();
    for (long i = 0; i < rounds && !bad; i++) {
        unsigned char got;

        if (write(to_child[1], &sent, 1) != 1 || read(to_parent[0], &got, 1) != 1 ||
            got != (unsigned char)(sent + 1))
            bad = 1;
        sent = got;
    }
    t1 = seconds();
    close(to_child[1]);
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
        bad = 1;
    printf("XENIA-TIME pipe-roundtrips-%ldk %.3f\n", krounds, t1 - t0);

    t0 = seconds();
    bad |= touch_fresh_pages(kfaults * 1000);
    t1 = seconds();
    printf("XENIA-TIME page-faults-%ldk %.3f\n", kfaults, t1 - t0);
    return bad;
}
