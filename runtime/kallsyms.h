/* Kernel symbols from /proc/kallsyms, read once, lazily: a script that
 * never names a kernel function never reads the file. */
#ifndef SONDE_KALLSYMS_H
#define SONDE_KALLSYMS_H

#include <stdbool.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* NULL for vmlinux */
};

/* Every text (function) symbol, sorted by name; NULL with *n = 0 when the
 * file cannot be read. */
const struct ksym *kallsyms_functions(int *n);
/* The function symbol of that name (in any module when module is NULL). */
const struct ksym *kallsyms_find(const char *name, const char *module);

/* The function containing addr: the last symbol at or below it, with
 * addr's offset from it; NULL below the first one. */
const struct ksym *kallsyms_lookup_addr(uint64_t addr, uint64_t *offset);
/* The address of any symbol (functions and data), read afresh. */
bool kallsyms_address(const char *name, uint64_t *addr);

#endif
