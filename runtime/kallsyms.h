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

#endif
