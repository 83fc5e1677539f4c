/* watch_target WRITES READS [GOFILE]: maps a page at the fixed address
 * 0x10000000 (the address watchpoint tests name), writes the u64 there
 * WRITES times, then reads it READS times, and exits.  With GOFILE, it first
 * waits (up to 10 s) until that file exists, so a tracer started with -p can
 * attach before the accesses begin.  Each access is one volatile load or
 * store: the count of watchpoint hits is known exactly. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define WATCH_ADDR 0x10000000UL

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: watch_target WRITES READS [GOFILE]\n");
		return 2;
	}
	long writes = atol(argv[1]), reads = atol(argv[2]);
	void *page = mmap((void *)WATCH_ADDR, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (page != (void *)WATCH_ADDR) {
		perror("watch_target: mmap at 0x10000000");
		return 1;
	}
	if (argc > 3) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		for (int i = 0; i < 1000 && access(argv[3], F_OK); i++)
			nanosleep(&ts, NULL);
	}
	volatile unsigned long *var = page;
	for (long i = 0; i < writes; i++)
		*var = (unsigned long)i;
	unsigned long sum = 0;
	for (long i = 0; i < reads; i++)
		sum += *var;
	printf("watch_target: %ld writes, %ld reads, sum %lu\n", writes, reads, sum);
	return 0;
}
