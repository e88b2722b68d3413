/*
 * frame_table[]: one struct page_info per machine frame, 0 .. max_page-1,
 * in one physically contiguous block used through the direct map.
 */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <asm/page.h>
#include <asm/mm_init.h>

struct page_info *frame_table;
unsigned long max_page;

/*
 * frame_table_init(): allocate frame_table[] for max_page frames from the
 * boot allocator and mark every frame PGC_reserved; init_heap_pages()
 * clears the flag on the frames it gives to the heap, so holes, non-RAM
 * and reserved frames keep it for good. Boot CPU only, after the CR3
 * switch (the table may lie anywhere in RAM). Panics when out of memory.
 */
void frame_table_init(void)
{
    unsigned long bytes = ROUNDUP(max_page * sizeof(struct page_info), PAGE_SIZE);
    paddr_t pa = boot_alloc_frames(bytes >> PAGE_SHIFT, ~0UL);

    if (max_page >= PAGE_LIST_NULL)
        panic("%lu frames: page lists link frames by 32-bit MFN", max_page);
    if (!pa)
        panic("no %lu KiB for the frame table", bytes >> 10);
    frame_table = __va(pa);
    memset(frame_table, 0, bytes);
    for (unsigned long i = 0; i < max_page; i++) {
        frame_table[i].list.next = frame_table[i].list.prev = PAGE_LIST_NULL;
        frame_table[i].count_info = PGC_reserved;
    }
    printk("Frame table: %lu frames, %lu KiB at 0x%lx\n", max_page, bytes >> 10,
           (unsigned long)pa);
}
