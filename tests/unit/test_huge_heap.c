/* codegen/huge_heap.c: the compiler's heaps come in 2 MiB pages.  Checked
 * through /proc/self/smaps: after many small allocations, the main heap and
 * a compile thread's heap hold huge pages, and once the compile is over
 * the main heap shrinks again when its blocks are freed.  Exit 77 (skip)
 * where there can be none: transparent huge pages off, or another
 * allocator than glibc's (the sanitizer builds). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/huge_heap.h"
#include "check.h"

#define BLOCK 1000
#define BLOCKS 6000	/* 6 MB in blocks the size LLVM's are */

static bool started;

/* as runtime/main.c: before any other allocation of the process */
__attribute__((constructor(101))) static void start_early(void)
{
	started = huge_heap_start();
}

static bool thp_possible(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128] = "";
	if (!f)
		return false;
	bool ok = fgets(line, sizeof(line), f) && !strstr(line, "[never]");
	fclose(f);
	return ok;
}

/* The mapping holding ADDR: its resident kB, and how many of those are
 * in huge pages */
struct usage {
	long rss_kb, huge_kb;
};

static struct usage usage_at(uintptr_t addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	struct usage u = {-1, -1};
	long v;
	bool in = false;
	unsigned long lo, hi;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo <= addr && addr < hi;
		else if (in && sscanf(line, "Rss: %ld kB", &v) == 1)
			u.rss_kb = v;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &v) == 1)
			u.huge_kb = v;
	}
	if (f)
		fclose(f);
	return u;
}

/* Most of the mapping is huge pages, and small pages hold less than one
 * huge page's worth: a small page touched above a 2 MiB boundary before
 * the advice would leave all of its 2 MiB in small pages. */
static bool mostly_huge(struct usage u)
{
	return u.huge_kb >= 4096 && u.rss_kb - u.huge_kb < 1024;
}

static char **fill(void)
{
	char **blocks = malloc(BLOCKS * sizeof(*blocks));
	for (int i = 0; blocks && i < BLOCKS; i++)
		if ((blocks[i] = malloc(BLOCK)))
			memset(blocks[i], 0x5a, BLOCK);
	return blocks;
}

static void drop(char **blocks)
{
	for (int i = 0; blocks && i < BLOCKS; i++)
		free(blocks[i]);
	free(blocks);
}

struct thread_result {
	uintptr_t block;
	struct usage u;
};

static void *compile_thread(void *arg)
{
	struct thread_result *r = arg;
	huge_heap_thread();
	char **blocks = fill();
	r->block = blocks ? (uintptr_t)blocks[BLOCKS / 2] : 0;
	r->u = usage_at(r->block);
	drop(blocks);
	return NULL;
}

int main(void)
{
	if (!started || !thp_possible()) {
		printf("skip: %s\n", started ? "transparent huge pages are off"
					     : "not glibc's malloc");
		return 77;
	}

	char **blocks = fill();
	CHECK(blocks != NULL, "allocation");
	struct usage u = usage_at(blocks ? (uintptr_t)blocks[BLOCKS / 2] : 0);
	CHECK(mostly_huge(u), "the main heap holds %ld kB, %ld kB of it in huge pages", u.rss_kb,
	      u.huge_kb);

	struct thread_result r = {0};
	pthread_t t;
	CHECK(!pthread_create(&t, NULL, compile_thread, &r), "pthread_create");
	pthread_join(t, NULL);
	CHECK(mostly_huge(r.u), "the thread's heap held %ld kB, %ld kB of it in huge pages",
	      r.u.rss_kb, r.u.huge_kb);

	/* back to glibc's defaults: freed, the heap shrinks (with the 32 MiB
	 * padding it would keep it all) */
	huge_heap_end();
	uintptr_t before = (uintptr_t)sbrk(0);
	drop(blocks);
	free(malloc(1));
	uintptr_t after = (uintptr_t)sbrk(0);
	CHECK(before - after >= (uintptr_t)4 << 20,
	      "the heap shrank by %lu kB once the blocks were freed", (unsigned long)(before - after) / 1024);
	return check_summary();
}
