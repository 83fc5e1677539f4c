/* Transparent huge pages behind the compiler's heap (huge_heap.c). */
#ifndef SONDE_CODEGEN_HUGE_HEAP_H
#define SONDE_CODEGEN_HUGE_HEAP_H

#include <stdbool.h>

/* The main heap grows in big steps, advised huge (call it before the
 * first big allocations: from a constructor).  False under an allocator
 * other than glibc's (the sanitizers'), where nothing is done. */
bool huge_heap_start(void);
/* The calling thread's own malloc heap, advised huge (first thing in a
 * compile thread; nothing when huge_heap_start did nothing). */
void huge_heap_thread(void);
/* The compile is over: malloc's settings back to glibc's defaults. */
void huge_heap_end(void);

#endif
