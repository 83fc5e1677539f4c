/* The semaphore-guarded probe of usdt_prog (see usdt_prog.c).  With
 * _SDT_HAS_SEMAPHORES every probe of this file records the address of its
 * semaphore, provider_name_semaphore, in its note; the kernel increments
 * the semaphore while a uprobe with that ref_ctr_offset is attached, and
 * the program fires the probe only then, as dtrace-generated headers do. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

__extension__ unsigned short sonde_test_guarded_semaphore
	__attribute__((unused)) __attribute__((section(".probes")));

int usdt_guarded(int i)
{
	if (!sonde_test_guarded_semaphore)
		return 0;
	STAP_PROBE1(sonde_test, guarded, i);
	return 1;
}
