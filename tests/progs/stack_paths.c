/* stack_paths N [ms]: N getppid() calls, each from a different user stack.
 * Call i walks DEPTH levels of two mutually recursive functions, path_a and
 * path_b, choosing by the bits of i, so each i below 2^DEPTH leaves its own
 * chain of return addresses; the leaf makes the system call inline (no libc
 * frame).  Frame pointers are kept so the kernel can walk the stack.  Then it
 * stays alive ms milliseconds (default 2000) so a tracer can read its
 * mappings to symbolise: the stack-symbolisation benchmark (tests/bench). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#define FRAME __attribute__((noinline, noipa, optimize("no-omit-frame-pointer")))
#define DEPTH 16

FRAME void path_a(int depth, unsigned bits);
FRAME void path_b(int depth, unsigned bits);

FRAME static void path_leaf(void)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
	(void)ret;
}

FRAME static void path_next(int depth, unsigned bits)
{
	if (depth == 0)
		path_leaf();
	else if (bits & 1)
		path_a(depth - 1, bits >> 1);
	else
		path_b(depth - 1, bits >> 1);
	__asm__ volatile("" ::: "memory");
}

FRAME void path_a(int depth, unsigned bits)
{
	path_next(depth, bits);
	__asm__ volatile("" ::: "memory");
}

FRAME void path_b(int depth, unsigned bits)
{
	path_next(depth, bits);
	__asm__ volatile("" ::: "memory");
}

FRAME int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: stack_paths N [ms]\n");
		return 2;
	}
	long n = atol(argv[1]);
	long ms = argc > 2 ? atol(argv[2]) : 2000;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	if (n > 1L << DEPTH)
		n = 1L << DEPTH;
	for (long i = 0; i < n; i++)
		path_next(DEPTH, (unsigned)i);
	nanosleep(&ts, NULL);
	return 0;
}
