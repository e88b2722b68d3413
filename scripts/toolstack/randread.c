/*
 * randread DEVICE MIB SECONDS: 4 KiB random reads with O_DIRECT, one at a
 * time (queue depth 1), at 4 KiB-aligned offsets in the device's first MIB
 * MiB, for SECONDS seconds; the domU's side of the PV I/O benchmark
 * (scripts/toolstack/pvbench-domU.sh). Prints one line:
 *     iops=N reads=N secs=S
 * Built statically on the host by scripts/mkinitramfs-toolstack.sh (the
 * domU's busybox has no such tool). Exit status 1 if a read fails.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned long pages, reads = 0;
    double start, end, t;
    void *buf;
    int fd;

    if (argc != 4) {
        fprintf(stderr, "usage: randread DEVICE MIB SECONDS\n");
        return 2;
    }
    pages = strtoul(argv[2], NULL, 0) * 256;
    fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0 || pages == 0 || posix_memalign(&buf, 4096, 4096)) {
        perror(argv[1]);
        return 1;
    }
    srandom(1);
    start = now();
    end = start + strtod(argv[3], NULL);
    do {
        off_t off = (off_t)(random() % pages) * 4096;

        if (pread(fd, buf, 4096, off) != 4096) {
            perror("pread");
            return 1;
        }
        reads++;
        t = now();
    } while (t < end);
    printf("iops=%.0f reads=%lu secs=%.2f\n", reads / (t - start), reads, t - start);
    return 0;
}
