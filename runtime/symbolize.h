/* Symbolisation for printing: kernel addresses through kallsyms, user
 * addresses through the process's mappings (/proc/PID/maps) and the ELF
 * symbols of the mapped files, stacks through the program's BPF stack
 * trace maps.  Everything is read lazily, when a value is printed, and
 * cached: per process for mappings, per file for symbols. */
#ifndef SONDE_SYMBOLIZE_H
#define SONDE_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The stack trace map of stacks limit frames deep: its name in the BPF
 * object (code generation defines it, the printer finds it again). */
#define SYM_STACK_MAP_FMT "sonde_stack_%u"

/* Writes "name+offset" (offset: with it) for a kernel address, or
 * bpftrace's "0x..." ("0" for NULL) when no symbol holds it. */
void sym_kernel(FILE *f, uint64_t addr, bool offset);

/* The symbol of user address addr in process pid: its name, the offset in
 * it and the mapped file (module).  False when the process is gone or no
 * symbol holds the address. */
bool sym_user(int pid, uint64_t addr, const char **name, uint64_t *offset, const char **module);
/* Writes "name[+offset][ (module)]", or "0x..."[ ([unknown])]. */
void sym_user_print(FILE *f, int pid, uint64_t addr, bool offset, bool module);

/* The frames of the stack with this id in the stack map of stacks limit
 * frames deep: returns how many (at most limit) were copied into ips, 0
 * when the id is a failure (negative) or unknown. */
int sym_stack_frames(uint32_t limit, int64_t id, uint64_t *ips);

/* A symbol (function or object) of the ELF file at path: its address as
 * the file lays it out, its size, and for a position-independent file the
 * lowest address of an executable segment (what the kernel's
 * mm->start_code is, minus the load bias).  False when there is none. */
bool sym_elf_lookup(const char *path, const char *name, uint64_t *addr, uint64_t *size,
		    bool *pie, uint64_t *exec_vaddr);

#endif
