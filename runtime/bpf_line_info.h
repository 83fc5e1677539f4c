/* The BTF line info of a BPF ELF object (.BTF.ext, written by codegen from
 * the debug locations it attaches): which script line and column each
 * instruction of a program came from. */
#ifndef SONDE_RUNTIME_BPF_LINE_INFO_H
#define SONDE_RUNTIME_BPF_LINE_INFO_H

#include <stddef.h>

struct bpf_line {
	long insn;	/* instruction index from the function's first */
	int line, col;	/* in the script, 1-based */
};

/* The records of function fn, in instruction order; *n gets their count.
 * NULL when the object has none for it.  The caller frees the array. */
struct bpf_line *bpf_line_info(const void *elf, size_t len, const char *fn, size_t *n);

/* The record that covers instruction insn (the last at or before it), or
 * NULL. */
const struct bpf_line *bpf_line_at(const struct bpf_line *lines, size_t n, long insn);

#endif
