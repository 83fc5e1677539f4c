/* A function's formal parameters from DWARF (libdw), for args.name in
 * uprobes on binaries built with debug info.  Where each parameter lives
 * at function entry follows the x86-64 System V calling convention. */
#ifndef SONDE_DWARF_ARGS_H
#define SONDE_DWARF_ARGS_H

#include <stdint.h>

#include "ast/arena.h"
#include "ast/types.h"

struct dwarf_param {
	const char *name;
	const char *ctype;	 /* its C type as bpftrace -lv spells it: "const char*" */
	struct type *type;	 /* NULL when sonde cannot read it (see unsupported) */
	const char *unsupported; /* why not: "struct pair passed by value" */
	int reg;		 /* 0..5: rdi, rsi, rdx, rcx, r8, r9; -1: not in a register */
};

/* The formal parameters of the function func, whose symbol is at the
 * virtual address addr, in the ELF file path (or in its separate debug file
 * /usr/lib/debug/.build-id/xx/yyyy.debug when build_id is given and the
 * file has no DWARF of its own).  Arena-allocated in *out.
 * Returns the count (0: a function without parameters), -ENODATA when there
 * is no debug info, -ENOENT when the debug info does not describe func. */
int dwarf_func_params(struct arena *a, const char *path, const char *build_id, const char *func,
		      uint64_t addr, struct dwarf_param **out);

/* Closes the debug info files kept open between calls. */
void dwarf_args_cache_clear(void);

#endif
