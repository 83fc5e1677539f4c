/* uprobe_fns [N]: calls a few ordinary functions N times (default 1) with
 * known arguments, for the uprobe cases of tests/cases/uprobe.case:
 *
 *   uprobe_add(i, 100 + i)             arg0 = i, arg1 = 100 + i; returns their sum
 *   uprobe_neg(-7 - i)                 returns its argument times 2 (negative)
 *   uprobe_args(-3, 5000000000, "hello", 'x', 65000)
 *                                      DWARF args: int, long, char *, char, unsigned short
 *   uprobe_offs(40, 2)                 written in assembly, so that offsets
 *                                      +1, +4 and +8 are instruction boundaries
 *                                      with the arguments still in registers
 *   uprobe_wild_a/b/c()                three functions for a wildcard
 *   uprobe_pair(p)                     a struct by value (args.p is not supported)
 *   scaled(2.5, 4)                     a double (args.x is not supported); named
 *                                      outside uprobe_* so the wildcards there keep
 *                                      their counts
 *   usleep(4321), strtol("ff", 0, 16)  libc functions with known arguments
 *
 * Built twice (tests/CMakeLists.txt): uprobe_fns is a dynamically linked PIE
 * (attach offsets differ from nothing but a shared library's), and
 * uprobe_fns_static a static non-PIE executable (virtual addresses are not
 * file offsets there).  Both with -g for the DWARF cases.  noipa and the
 * empty asm keep every function a real call at -O2. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NOINLINE __attribute__((noipa, used))

struct pair {
	long a, b;
};

NOINLINE int uprobe_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

NOINLINE long uprobe_neg(long x)
{
	__asm__ volatile("" ::: "memory");
	return x * 2;
}

NOINLINE int uprobe_args(int i, long l, const char *s, char c, unsigned short u)
{
	__asm__ volatile("" ::: "memory");
	return (int)(i + l + s[0] + c + u);
}

/* push %rbp (1 byte), mov %rsp,%rbp (3), lea (%rdi,%rsi),%rax (4), pop, ret */
long uprobe_offs(long a, long b);
__asm__(".text\n"
	".globl uprobe_offs\n"
	".type uprobe_offs, @function\n"
	"uprobe_offs:\n"
	"\tpush %rbp\n"
	"\tmov %rsp, %rbp\n"
	"\tlea (%rdi,%rsi,1), %rax\n"
	"\tpop %rbp\n"
	"\tret\n"
	".size uprobe_offs, .-uprobe_offs\n");

NOINLINE void uprobe_wild_a(void) { __asm__ volatile("" ::: "memory"); }
NOINLINE void uprobe_wild_b(void) { __asm__ volatile("" ::: "memory"); }
NOINLINE void uprobe_wild_c(void) { __asm__ volatile("" ::: "memory"); }

NOINLINE long uprobe_pair(struct pair p)
{
	__asm__ volatile("" ::: "memory");
	return p.a + p.b;
}

NOINLINE long scaled(double x, int n)
{
	__asm__ volatile("" ::: "memory");
	return (long)(x * n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	volatile long sink = 0;
	for (int i = 0; i < n; i++) {
		sink += uprobe_add(i, 100 + i);
		sink += uprobe_neg(-7 - i);
		sink += uprobe_args(-3, 5000000000L, "hello", 'x', 65000);
		sink += uprobe_offs(40, 2);
		uprobe_wild_a();
		uprobe_wild_b();
		uprobe_wild_c();
		sink += uprobe_pair((struct pair){1, 2});
		sink += scaled(2.5, 4);
		usleep(4321);
		sink += strtol("ff", NULL, 16);
	}
	return sink == 0;
}
