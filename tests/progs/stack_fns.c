/* stack_fns [ms]: main -> stack_outer -> stack_middle -> stack_inner, which
 * makes the getppid system call itself (inline, no libc frame between),
 * passing the address of stack_middle as an argument the kernel ignores
 * (raw_syscalls:sys_enter shows it in args[0]).  Then it stays alive ms
 * milliseconds (default 3000), so a tracer can read its mappings when it
 * prints user stacks and symbols.  Frame pointers are kept so the kernel
 * can walk the user stack: the frames are stack_inner, stack_middle,
 * stack_outer, main.  The global stack_marker holds 0x5eed. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#define FRAME __attribute__((noinline, noipa, optimize("no-omit-frame-pointer")))

/* a data symbol for uaddr("stack_marker") */
volatile int stack_marker = 0x5eed;

FRAME void stack_middle(void);

/* a call makes stack_inner set up its own frame (leaves need not) */
FRAME void stack_leaf(void)
{
	__asm__ volatile("" ::: "memory");
}

FRAME void stack_inner(void)
{
	long ret;
	stack_leaf();
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_getppid), "D"((long)&stack_middle)
			 : "rcx", "r11", "memory");
	(void)ret;
}

FRAME void stack_middle(void)
{
	stack_inner();
	__asm__ volatile("" ::: "memory");
}

FRAME static void stack_outer(void)
{
	stack_middle();
	__asm__ volatile("" ::: "memory");
}

FRAME int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 3000;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	stack_outer();
	nanosleep(&ts, NULL);
	return 0;
}
