/* Code generation: checked AST -> LLVM IR (C API) -> BPF ELF object in memory.
 * The public entry point and the helpers that stdlib entries use to emit IR. */
#ifndef SONDE_CODEGEN_H
#define SONDE_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/TargetMachine.h>

#include "ast/sema.h"

struct codegen_opts {
	const char *emit_llvm;	/* write textual IR here, or NULL */
	int opt_level;		/* 0..3, default 2 */
};

/* Emits the BPF object for sp.  On success *elf (malloc'd) and *len are set
 * and 0 is returned; on failure a diagnostic is reported and -1 returned. */
int codegen_emit(struct sema_program *sp, struct diags *d, const struct codegen_opts *opts,
		 void **elf, size_t *len);

/* Textual IR of the last module (for --dump=ir); caller frees with free(). */

struct cg_loop;

struct llvm_diag_ctx;

/* One LLVM context and module with what is their own: the builder, the
 * debug info, the globals of the maps, the target machine that emits it.
 * A big script is built as several, each emitted on its own thread
 * (codegen/emit_split.c); the code generator works on one at a time. */
struct cg_unit {
	LLVMContextRef ctx;
	LLVMBuilderRef b;
	LLVMTargetMachineRef tm;
	struct llvm_diag_ctx *llvm_diag;	/* LLVM's errors, for the diagnostics */
	LLVMModuleRef mod;
	LLVMDIBuilderRef di;
	LLVMMetadataRef di_file, di_cu;
	LLVMValueRef *map_globals;	/* by sema_map id */
	LLVMValueRef ringbuf;
	LLVMValueRef lost_map;		/* per-CPU counter of events lost */
	LLVMValueRef globals_map;	/* start time for elapsed */
	LLVMValueRef errors_map;	/* its shape is given by cg_errors_finish */
	LLVMValueRef scratch_map;	/* defined once every program is emitted */
};

struct codegen {
	struct cg_unit u;		/* the module being built (cg_enter_unit) */
	LLVMContextRef ctx;		/* u's, and its builder and types */
	LLVMBuilderRef b;
	LLVMTypeRef i1, i8, i16, i32, i64, ptr, voidt;
	LLVMMetadataRef di_scope;
	struct sema_program *sp;
	struct arena *arena;
	struct diags *diags;

	/* the program being emitted */
	struct sema_prog *prog;
	LLVMValueRef fn, ctx_arg;
	LLVMBasicBlockRef entry;
	LLVMValueRef probe_index;	/* the probe builtin's value when dispatched */
	LLVMValueRef dst;		/* destination hint for string/tuple producers */
	uint32_t dst_size;		/* bytes available at dst */

	/* open cg_if frames */
	struct cg_if_frame {
		LLVMBasicBlockRef otherwise, end;
		bool has_else;
	} ifs[64];
	int nifs;
	struct cg_loop {
		LLVMBasicBlockRef cont, brk;
		struct cg_loop *outer;
	} *loop;			/* innermost while/for */
	LLVMValueRef cb_stop;		/* in a for-over-a-map callback: its exit flag */
	/* runtime faults counted per site (codegen/cg_errors.c) */
	struct src_loc loc;		/* of the statement being emitted */
	LLVMValueRef site_param;	/* set: the site of failures, in shared code */
	struct error_site *sites;
	int nsites, sites_cap;
	/* large buffers in a per-CPU scratch map, not on the stack (cg_buffer) */
	LLVMValueRef scratch_ptr, scratch_fn;	/* this function's slot, looked up once */
	uint32_t scratch_used;		/* bytes of the slot the program uses so far */
	uint32_t scratch_size;		/* the most any program uses: the value size */
	int scratch_slots;		/* programs indexes below this have a slot */
};

/* Makes u the unit being built or emitted. */
void cg_enter_unit(struct codegen *cg, const struct cg_unit *u);

/* --- helpers for stdlib entries (codegen/cg_*.c) --- */
LLVMValueRef cg_expr(struct codegen *cg, struct ast_node *e);
/* Evaluates e (a string, tuple or integer) into memory at dst laid out as
 * type t (strings are truncated or NUL-padded to t's bound, integers stored
 * at t's width). */
void cg_expr_into(struct codegen *cg, struct ast_node *e, LLVMValueRef dst, const struct type *t);
LLVMValueRef cg_alloca(struct codegen *cg, LLVMTypeRef t, const char *name);
/* A zero-filled byte buffer of size bytes. */
LLVMValueRef cg_buffer(struct codegen *cg, uint32_t size, const char *name);
/* A variable's buffer: in the scratch map when large (as cg_buffer), its
 * address made and the buffer zeroed in the entry block, so that every use
 * sees it and a path that reads it unassigned reads zeros, not the last
 * event's value. */
LLVMValueRef cg_var_buffer(struct codegen *cg, uint32_t size, const char *name);
LLVMValueRef cg_const(struct codegen *cg, uint64_t v);
LLVMValueRef cg_helper(struct codegen *cg, int id, LLVMTypeRef ret, LLVMValueRef *args, int n);
LLVMValueRef cg_gep(struct codegen *cg, LLVMValueRef base, uint64_t offset);
void cg_memset(struct codegen *cg, LLVMValueRef dst, int byte, uint64_t len);
void cg_memcpy(struct codegen *cg, LLVMValueRef dst, LLVMValueRef src, uint64_t len);
/* Stores the integer v (i64) into memory as an integer of size bytes. */
void cg_store_int(struct codegen *cg, LLVMValueRef v, LLVMValueRef dst, uint32_t size);
LLVMValueRef cg_load_int(struct codegen *cg, LLVMValueRef src, uint32_t size, bool is_signed);
/* The same from memory whose alignment is only align (e.g. a packed record). */
LLVMValueRef cg_load_int_aligned(struct codegen *cg, LLVMValueRef src, uint32_t size,
				 bool is_signed, uint32_t align);
/* Converts an i64 to the value of integer type t (truncate and extend). */
LLVMValueRef cg_int_cast(struct codegen *cg, LLVMValueRef v, const struct type *t);
/* Pointer to the key of the map expression m (AST_MAP), built in a buffer. */
LLVMValueRef cg_map_key(struct codegen *cg, struct ast_node *m, uint32_t extra_bytes);
LLVMValueRef cg_map_global(struct codegen *cg, const struct sema_map *m);
/* bpf_map_lookup_elem; returns a possibly-NULL pointer. */
LLVMValueRef cg_map_lookup(struct codegen *cg, LLVMValueRef map, LLVMValueRef key);
LLVMValueRef cg_map_update(struct codegen *cg, LLVMValueRef map, LLVMValueRef key,
			   LLVMValueRef value, uint64_t flags);
/* Sends event ev: reserves a ring buffer record, writes the id and the
 * arguments (args[i] evaluated into the event's layout), submits.  Counts a
 * lost event when the ring buffer is full. */
void cg_event_send(struct codegen *cg, const struct sema_event *ev, struct ast_node **args,
		   int nargs);
/* The same in two steps, for events laid out otherwise: reserve a record of
 * size bytes (the id written in its first 8), write it (the code between
 * runs only when the record was reserved), submit it. */
LLVMValueRef cg_event_reserve(struct codegen *cg, const struct sema_event *ev, uint32_t size);
void cg_event_submit(struct codegen *cg, LLVMValueRef rec);
/* Structured control flow for emitters: code between cg_if_nonnull(v) and
 * cg_end_if() runs only when the pointer v is not NULL. */
void cg_if_nonnull(struct codegen *cg, LLVMValueRef v);
void cg_if(struct codegen *cg, LLVMValueRef cond_i1);
void cg_else(struct codegen *cg);
void cg_end_if(struct codegen *cg);
/* Returns 0 from the BPF program; code after it goes to a fresh block. */
void cg_return(struct codegen *cg);
/* Pointer (possibly NULL) to u64 slot SONDE_GLOBAL_* of the globals array. */
LLVMValueRef cg_global_slot(struct codegen *cg, int slot);
/* Nanoseconds since sonde started (the elapsed builtin). */
LLVMValueRef cg_elapsed(struct codegen *cg);
/* Stores the integer v into a variable or map element. */
void cg_assign_int(struct codegen *cg, struct ast_node *target, LLVMValueRef v);
LLVMValueRef cg_var_ref(struct codegen *cg, struct sema_var *v);
LLVMValueRef cg_positional(struct codegen *cg, struct ast_node *n);
void cg_stmt(struct codegen *cg, struct ast_node *n);
/* Kernel or user memory (codegen/cg_mem.c): probe reads at an address
 * (an i64 or a pointer); a failed read leaves zeros. */
void cg_probe_read(struct codegen *cg, LLVMValueRef dst, uint32_t size, LLVMValueRef addr,
		   bool user);
LLVMValueRef cg_read_int(struct codegen *cg, LLVMValueRef addr, uint32_t size, bool is_signed,
			 bool user);
/* A bitfield of bits bits starting bit_offset bits after addr. */
LLVMValueRef cg_read_bitfield(struct codegen *cg, LLVMValueRef addr, uint32_t bit_offset,
			      uint32_t bits, bool is_signed, bool user);
/* The address (i64) of an expression whose value lives in kernel or user
 * memory (a struct field, *p, a[i]); *user tells which. */
LLVMValueRef cg_lvalue_addr(struct codegen *cg, struct ast_node *e, bool *user);
/* Fields of BTF records, *p, &x, a[i] (codegen/cg_field.c): the value of
 * e, strings and arrays into dst when it holds dst_size >= their size. */
bool cg_is_member(const struct ast_node *e);
LLVMValueRef cg_member(struct codegen *cg, struct ast_node *e, LLVMValueRef dst, uint32_t dst_size);

/* for (i = 0; i < n; i++) { ... } (codegen/cg_loop.c): the builder is in
 * the body after cg_for_begin; cg_for_break_if leaves the loop when cond
 * (i1) holds; cg_for_end closes the body and continues after the loop. */
struct cg_for {
	LLVMValueRef i;
	LLVMBasicBlockRef cond, body, next, end;
};
void cg_for_begin(struct codegen *cg, struct cg_for *f, uint64_t n);
LLVMValueRef cg_for_index(struct codegen *cg, struct cg_for *f);
void cg_for_break_if(struct codegen *cg, struct cg_for *f, LLVMValueRef cond);
void cg_for_end(struct codegen *cg, struct cg_for *f);

/* Runtime faults (codegen/cg_errors.c): a helper call whose failure the
 * runtime reports is counted per site (helper, statement) in a per-CPU
 * array, slot site: {times failed, last return code}.  Map updates that
 * fail because the map is full are always counted; failed probe reads only
 * with -k (sp->check_helpers). */
enum error_kind {
	ERROR_MAP_FULL,		/* map_update_elem returned -E2BIG */
	ERROR_HELPER,		/* any other counted failure */
};
struct error_site {
	enum error_kind kind;
	int helper;		/* BPF_FUNC_* */
	struct src_loc loc;
	const char *map;	/* the map's script name for map updates, else NULL */
};
#define SONDE_MAP_ERRORS "sonde_errors"
/* Called by cg_helper after each helper call: counts its failure when
 * that is reported (rc is the call's value, map its first argument). */
void cg_errors_check(struct codegen *cg, int helper, LLVMValueRef rc, LLVMValueRef map);
/* The slot of a failure of helper (on map) at the current statement, for
 * a call to shared code that makes the helper call on the statement's
 * behalf: the shared code gets it as a parameter and sets cg->site_param
 * to it while it emits the call. */
int cg_errors_site(struct codegen *cg, int helper, LLVMValueRef map);
/* Defines the counter map with one slot per site and hands the sites to
 * the runtime (sp->error_sites). */
void cg_errors_finish(struct codegen *cg);
/* Defines the per-CPU scratch map once every program is emitted. */
void cg_scratch_finish(struct codegen *cg);
/* "map_update_elem", "probe_read_kernel", ... for the messages. */
const char *cg_helper_name(int helper);

/* for ($kv : @m) (codegen/cg_foreach.c). */
void cg_for_map(struct codegen *cg, struct ast_node *n);
/* A BPF subprogram long name(void *map, void *key, void *value, void *ctx)
 * with the debug info the kernel wants, for bpf_for_each_map_elem
 * (codegen/cg_subprog.c). */
LLVMValueRef cg_subprog(struct codegen *cg, const char *name, unsigned line);
/* A function the programs of the module share (codegen/cg_subprog.c),
 * noinline, compiled once instead of once per program.  sig is the return
 * type then up to 4 parameter types, each 'l' (long) or 'p' (pointer):
 * "pppl" is void *name(void *, void *, long).  The body is made by
 * build(cg, fn, arg) with the cg_* helpers the first time the name is
 * asked for.  For code whose call costs little beside its own run time, or
 * that runs only on failures. */
typedef void (*cg_build_fn)(struct codegen *cg, LLVMValueRef fn, const void *arg);
LLVMValueRef cg_shared_fn(struct codegen *cg, const char *name, const char *sig,
			  const char *const *pnames, cg_build_fn build, const void *arg);
LLVMValueRef cg_call_shared(struct codegen *cg, LLVMValueRef fn, LLVMValueRef *args, unsigned n);
/* llvm.ctlz(x) of a 64-bit x (64 for 0), through one subprogram per module;
 * cg_ctlz inline, for the body of a shared function. */
LLVMValueRef cg_ctlz(struct codegen *cg, LLVMValueRef x);
LLVMValueRef cg_clz64(struct codegen *cg, LLVMValueRef x);
/* Leaves the probe (exit()): from a loop's callback, through its caller. */
void cg_exit_probe(struct codegen *cg);
/* The body of a hidden program (sema_prog.setup_event), codegen/cg_setup.c. */
void cg_setup_program(struct codegen *cg, struct sema_prog *p);

/* A DIFile named name whose source is text[0..len), so that nothing reads
 * the script again by name (codegen/di_source.c); NULL if it fails. */
LLVMMetadataRef cg_di_file_with_source(LLVMContextRef ctx, const char *name, const char *text,
				       size_t len);

/* Sets the debug location of the following instructions to loc. */
void cg_set_loc(struct codegen *cg, struct src_loc loc);
LLVMBasicBlockRef cg_block(struct codegen *cg, const char *name);

/* BPF helper ids used here (linux/bpf.h names) */
#include <linux/bpf.h>

#endif
