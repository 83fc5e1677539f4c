/* Huge pages behind the compiler's heap.  LLVM allocates megabytes even
 * for a one-liner (a target machine's tables alone are half a megabyte
 * per unit, zero-filled) and tens of megabytes for a script of a hundred
 * probes, and the first touch of every 4 KiB page is a page fault.  Under
 * some hypervisors a fault costs 10-15 us: on the Firecracker VM of Dec
 * 2026, `BEGIN { exit(); }` took 751 faults and the 100-probe benchmark
 * script 2158, a fifth of their time.  Backed by 2 MiB transparent huge
 * pages, the same heaps take a handful of faults each (420 and 453 in all,
 * the rest being the binary's own pages).
 *
 * glibc can do this itself (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), but
 * only when the variable is set before the process starts.  So:
 *
 *  - the main heap, from a constructor that runs before LLVM's: M_TOP_PAD
 *    makes malloc grow the heap (brk) 32 MiB at a time and keep that much
 *    when trimming; one growth is made at once, and the new part of the
 *    heap from the first 2 MiB boundary on is advised MADV_HUGEPAGE.
 *    M_MMAP_THRESHOLD keeps LLVM's and the AST arena's big blocks in the
 *    heap rather than in mappings of their own.
 *  - a compile thread's heap: glibc gives each thread's arena heaps aligned
 *    to their largest size (64 MiB on 64-bit; heap_for_ptr relies on it),
 *    so the heap of the thread's first allocation is advised whole; its
 *    parts not yet in use are PROT_NONE, and the advice stays on the
 *    mapping as malloc opens them.  glibc wrote the heap's header before
 *    the advice, so its first 2 MiB are collapsed into a huge page.
 *  - once the compile is over, the settings go back to glibc's defaults, so
 *    the heap shrinks again while the probes run.
 *
 * Memory: about 1 MiB more peak RSS for `BEGIN { exit(); }` (11.8 to
 * 12.9 MB).  The advice is a preference: with transparent huge pages set
 * to "never", or no huge page free, the kernel uses small pages as before;
 * under another allocator (the sanitizers', valgrind's) mallopt fails and
 * nothing is done.  Nothing here changes what is allocated, only which
 * pages come behind it. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <sys/mman.h>
#include <unistd.h>

#include "codegen/huge_heap.h"

#define PAGE 4096
#define HUGE_PAGE ((uintptr_t)2 << 20)
#define HEAP_PAD (32 << 20)			/* the main heap grows this much at once */
#define THREAD_HEAP_MAX ((uintptr_t)64 << 20)	/* glibc's HEAP_MAX_SIZE on 64-bit */
#define MMAP_THRESHOLD_COMPILE (32 << 20)	/* glibc's highest */
#define MMAP_THRESHOLD_DEFAULT (128 << 10)	/* glibc's start value */

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25	/* Linux 6.1 */
#endif

extern char end;	/* the end of the data segment (the linker's symbol) */

static bool active;	/* from huge_heap_start to huge_heap_end */
static void *filler;	/* the block that puts the heap's top on a boundary */

static void advise_huge(uintptr_t from, uintptr_t to)
{
	from = (from + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	to &= ~(HUGE_PAGE - 1);
	if (to > from)
		madvise((void *)from, to - from, MADV_HUGEPAGE);
}

bool huge_heap_start(void)
{
	if (active)
		return true;
	if (!mallopt(M_TOP_PAD, HEAP_PAD))
		return false;
	active = true;
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_COMPILE);
	/* One block takes the rest of the heap's top and the part of the new
	 * growth below a 2 MiB boundary, less a page for malloc's header after
	 * it: what comes after it starts on the boundary.  No page above the
	 * boundary may be touched before the advice (one small page there
	 * keeps its 2 MiB from becoming a huge page). */
	free(malloc(1));	/* malloc's first call allocates its own state */
	uintptr_t top = (uintptr_t)sbrk(0);
	size_t keep = mallinfo2().keepcost;
	size_t gap = ((top + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)) - top;
	filler = malloc(keep + gap > PAGE ? keep + gap - PAGE : 1);
	uintptr_t grown = (uintptr_t)sbrk(0);
	if (filler && grown > top)
		advise_huge(top, grown);
	return true;
}

void huge_heap_thread(void)
{
	if (!active)
		return;
	void *first = malloc(1);
	if (!first)
		return;
	uintptr_t at = (uintptr_t)first;
	free(first);
	/* between the end of the data and the break: the main heap (glibc gave
	 * this thread no arena of its own), which has had its advice */
	if (at >= (uintptr_t)&end && at < (uintptr_t)sbrk(0))
		return;
	uintptr_t heap = at & ~(THREAD_HEAP_MAX - 1);
	advise_huge(heap, heap + THREAD_HEAP_MAX);
	madvise((void *)heap, HUGE_PAGE, MADV_COLLAPSE);
}

void huge_heap_end(void)
{
	if (!active)
		return;
	active = false;
	free(filler);
	filler = NULL;
	mallopt(M_TOP_PAD, 0);
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_DEFAULT);
}
