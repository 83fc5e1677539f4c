/* What user-space probes need to know about an ELF file: its function
 * symbols, how a virtual address maps to a file offset (uprobes attach at
 * file offsets), its USDT notes, and where a name such as "libc" or "bash"
 * is found on disk.  Files are read once with libelf and cached for the
 * life of the process: expansion, listing and attaching ask the same file
 * many times. */
#ifndef SONDE_ELF_SYMBOLS_H
#define SONDE_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>

/* A defined function symbol (STT_FUNC or STT_GNU_IFUNC). */
struct elf_sym {
	const char *name;
	uint64_t addr; /* st_value: a virtual address of the file's own layout */
	uint64_t size;
};

/* One note of .note.stapsdt (a USDT probe site). */
struct elf_usdt_note {
	const char *provider, *name;
	const char *args;   /* "-4@%eax 8@-8(%rbp) -4@$5", "" when none */
	uint64_t pc;	    /* virtual address of the probe's nop, adjusted
			     * for prelinking through .stapsdt.base */
	uint64_t semaphore; /* virtual address of the semaphore, 0 when none */
};

struct elf_file;

/* The ELF file at path (as given: a probe names its binary by that path),
 * opened and read on first use.  NULL with errno set when it cannot be
 * opened (ENOENT, EACCES, ...) or is not an ELF file (ENOEXEC). */
const struct elf_file *elf_file_get(const char *path);

/* Function symbols of .symtab and .dynsym, sorted by name, one per name
 * (.symtab's when both have it).  Returns the count. */
int elf_file_symbols(const struct elf_file *f, const struct elf_sym **syms);
/* The function symbol called name, or NULL. */
const struct elf_sym *elf_file_symbol(const struct elf_file *f, const char *name);
/* The function symbol whose [addr, addr + size) holds vaddr, or NULL. */
const struct elf_sym *elf_file_symbol_at(const struct elf_file *f, uint64_t vaddr);
/* USDT notes in file order.  Returns the count. */
int elf_file_usdt_notes(const struct elf_file *f, const struct elf_usdt_note **notes);
/* Converts a virtual address to a file offset through the PT_LOAD program
 * headers (sections for a file without them).  -ERANGE when no segment
 * holds vaddr. */
int elf_file_offset(const struct elf_file *f, uint64_t vaddr, uint64_t *offset);
/* ET_DYN: a PIE executable or shared library. */
bool elf_file_is_dyn(const struct elf_file *f);
/* The file's GNU build id as lowercase hex, or NULL. */
const char *elf_file_build_id(const struct elf_file *f);

/* Resolves the target of a uprobe or usdt attach point the way the
 * dynamic loader and the shell would:
 *   - a name with a '/' is a path, returned as given;
 *   - a library name ("libc", "libc.so.6", "libpthread") is looked up in
 *     /etc/ld.so.cache, then in the standard library directories;
 *   - any other name is an executable in $PATH ("bash" -> /usr/bin/bash),
 *     failing that a library "lib<name>.so".
 * Returns a malloc'd path, or NULL when nothing is found (a path with a
 * '/' is returned even when it does not exist: the caller says so). */
char *elf_resolve_target(const char *name);

/* Whether the file name (no directory) is the library called name:
 * "libc.so.6" is "libc" and "libc.so.6", not "libcap"; a name with ".so"
 * matches itself and its longer versions ("libc.so" matches "libc.so.6"). */
bool elf_lib_name_matches(const char *file, const char *name);

/* Closes every cached file (tests; the process exit does it otherwise). */
void elf_cache_clear(void);

#endif
