/* BTF-defined maps in the ".maps" section, described through the DIBuilder
 * the way libbpf expects from clang's __uint/__type macros. */
#ifndef SONDE_BTF_MAPS_H
#define SONDE_BTF_MAPS_H

#include "codegen/codegen.h"

/* Defines every map of cg->sp plus the runtime's own (ring buffer, lost
 * event counter, globals) and fills cg->u.map_globals. */
void btf_maps_define(struct codegen *cg);

/* A map a stdlib entry needs besides the program's own (a stack trace
 * map), defined on first use; the same global for the same name. */
LLVMValueRef btf_map_extra(struct codegen *cg, const char *name, int type, uint32_t max_entries,
			   uint32_t key_size, uint32_t value_size);

/* A map with a key and a value whose sizes are known only once every
 * program is emitted (the scratch map): its global now, for the programs
 * to use, and its shape later, with btf_map_describe. */
LLVMValueRef btf_map_pending(struct codegen *cg, const char *name);
void btf_map_describe(struct codegen *cg, LLVMValueRef g, int type, uint32_t max_entries,
		      uint32_t key_size, uint32_t value_size);

/* ELF names of the runtime's own maps. */
#define SONDE_MAP_EVENTS "sonde_events"
#define SONDE_MAP_LOST "sonde_lost"
#define SONDE_MAP_GLOBALS "sonde_globals"
#define SONDE_MAP_SCRATCH "sonde_scratch"	/* per-CPU, one slot per program */
/* slots of the globals array (u64 each) */
#define SONDE_GLOBAL_START_NS 0	/* set by the runtime: elapsed counts from it */
#define SONDE_GLOBAL_EXIT 1	/* set by exit(): 1 << 32 | (uint32_t)code */
#define SONDE_GLOBALS 2
#define SONDE_RINGBUF_SIZE (1u << 20)

#endif
