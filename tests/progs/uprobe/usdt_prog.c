/* usdt_prog [N [USEC]]: fires USDT probes (systemtap's <sys/sdt.h>) N times
 * (default 1), USEC microseconds apart (default 0: -p cases need a process
 * that lives a while), for tests/cases/usdt.case.  Built with -O0 (see
 * tests/CMakeLists.txt) so that the compiler's choice of argument locations,
 * which the note records, is predictable:
 *
 *   sonde_test:reg(a + b, -b)   register arguments (rvalues need a register):
 *                               arg0 = 30 + 2i, arg1 = -(20 + i), int32 both
 *   sonde_test:mem(l, s)        memory arguments -N(%rbp): arg0 = 7000000000 + i
 *                               (8 bytes), arg1 = -300 (int16)
 *   sonde_test:konst(5, -9)     constant arguments $5 and $-9
 *   sonde_test:twice(v)         one probe at two sites, a memory and a
 *                               register argument: arg0 = 1, then arg0 = 2
 *   sonde_test:guarded(i)       behind a semaphore (usdt_sema.c): fires only
 *                               while a tracer has enabled it; prints
 *                               "guarded enabled" or "guarded disabled".
 *   other_prov:reg()            the same name under another provider, for
 *                               usdt:PATH:NAME matching any provider */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

/* usdt_sema.c: the probe with a semaphore (sdt.h decides per translation
 * unit whether its probes have one). */
int usdt_guarded(int i);

static void fire(int i)
{
	int a = 10 + i, b = 20 + i;
	long l = 7000000000L + i;
	short s = -300;
	int one = 1;

	STAP_PROBE2(sonde_test, reg, a + b, -b);
	STAP_PROBE2(sonde_test, mem, l, s);
	STAP_PROBE2(sonde_test, konst, 5, -9);
	STAP_PROBE1(sonde_test, twice, one);
	STAP_PROBE1(sonde_test, twice, one + one);
	STAP_PROBE(other_prov, reg);
	printf("guarded %s\n", usdt_guarded(i) ? "enabled" : "disabled");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int usec = argc > 2 ? atoi(argv[2]) : 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < n; i++) {
		fire(i);
		if (usec)
			usleep((useconds_t)usec);
	}
	return 0;
}
