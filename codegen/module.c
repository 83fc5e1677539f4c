/* The module: target set-up, BTF-defined maps, one function per program,
 * the optimisation pipeline and emission of the ELF object to memory. */
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen/codegen.h"
#include "codegen/btf_maps.h"
#include "codegen/emit_split.h"

void cg_program(struct codegen *cg, struct sema_prog *p);

/* Back-end passes that find nothing to do in probe programs, whose IR the
 * pipeline below has already cleaned: with them off, the 100-probe
 * benchmark script costs 6% fewer instructions to compile (callgrind,
 * 598M -> 560M) and comes out the same (6196 BPF instructions; the
 * examples 3717 against 3718).  Measured one by one: MachineCSE 16M,
 * MachineDCE 9M, MachineLICM 6M, the peephole optimiser 5M, tail
 * duplication 2M, the post-RA scheduler 1M.  Not these two, though as
 * cheap: without CodeGenPrepare an address into the context is computed
 * in one block and used in another, which the verifier refuses ("modified
 * ctx ptr", aggregations.case), and without early tail duplication the
 * 4000-round loop of exit_after_flood.bt passes 1M verifier steps. */
static const char *const backend_options[] = {
	"sonde", "-disable-machine-cse", "-disable-machine-dce", "-disable-machine-licm",
	"-disable-postra-machine-licm", "-disable-peephole", "-disable-tail-duplicate",
	"-disable-post-ra",
};

static void target_init(void)
{
	static int done;
	if (done)
		return;
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	LLVMParseCommandLineOptions((int)(sizeof(backend_options) / sizeof(backend_options[0])),
				    backend_options, NULL);
	done = 1;
}

static LLVMTargetMachineRef target_machine(struct diags *d)
{
	char *err = NULL;
	LLVMTargetRef target;
	if (LLVMGetTargetFromTriple("bpfel", &target, &err)) {
		diag_plain(d, "LLVM has no BPF target: %s", err ? err : "");
		LLVMDisposeMessage(err);
		return NULL;
	}
	/* v3: 32-bit jumps and ALU, on every kernel since 5.1 */
	return LLVMCreateTargetMachine(target, "bpfel", "v3", "", LLVMCodeGenLevelDefault,
				       LLVMRelocDefault, LLVMCodeModelDefault);
}

static void debug_info_init(struct codegen *cg)
{
	const struct diag_source *src = cg->diags ? cg->diags->src : NULL;
	const char *file = src ? src->name : "script";
	cg->u.di = LLVMCreateDIBuilder(cg->u.mod);
	cg->u.di_file = src && src->text ? cg_di_file_with_source(cg->ctx, file, src->text, src->len)
					 : NULL;
	if (!cg->u.di_file)
		cg->u.di_file = LLVMDIBuilderCreateFile(cg->u.di, file, strlen(file), ".", 1);
	cg->u.di_cu = LLVMDIBuilderCreateCompileUnit(
		cg->u.di, LLVMDWARFSourceLanguageC, cg->u.di_file, "sonde", 5, 1, "", 0, 0, "", 0,
		LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
	LLVMAddModuleFlag(cg->u.mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
			  LLVMValueAsMetadata(LLVMConstInt(cg->i32, LLVMDebugMetadataVersion(), 0)));
	LLVMAddModuleFlag(cg->u.mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
			  LLVMValueAsMetadata(LLVMConstInt(cg->i32, 4, 0)));
}

static void license(struct codegen *cg)
{
	static const char gpl[] = "GPL";
	LLVMValueRef init = LLVMConstStringInContext(cg->ctx, gpl, sizeof(gpl) - 1, 0);
	LLVMValueRef g = LLVMAddGlobal(cg->u.mod, LLVMTypeOf(init), "_license");
	LLVMSetInitializer(g, init);
	LLVMSetSection(g, "license");
	LLVMSetAlignment(g, 1);
}

/* -p: events of other processes end here.  In a pid namespace other than
 * the first, pids are compared as that namespace sees them. */
static void pid_filter(struct codegen *cg)
{
	const struct sema_target *t = &cg->sp->target;
	LLVMValueRef tgid;
	if (t->pidns) {
		LLVMValueRef info = cg_alloca(cg, cg->i64, "pidns_info"); /* {u32 pid, tgid} */
		LLVMBuildStore(cg->b, cg_const(cg, 0), info);
		LLVMValueRef args[] = {cg_const(cg, t->pidns_dev), cg_const(cg, t->pidns_ino), info,
				       LLVMConstInt(cg->i32, 8, 0)};
		cg_helper(cg, BPF_FUNC_get_ns_current_pid_tgid, cg->i64, args, 4);
		tgid = cg_load_int(cg, cg_gep(cg, info, 4), 4, false);
	} else {
		tgid = LLVMBuildLShr(cg->b, cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0),
				     cg_const(cg, 32), "tgid");
	}
	LLVMValueRef other = LLVMBuildICmp(cg->b, LLVMIntNE, tgid,
					   cg_const(cg, (uint64_t)t->filter_pid), "other");
	cg_if(cg, other);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	cg_end_if(cg);
}

/* One program serving several attach points through one attachment: the
 * key in the context picks the attach point (its index is the probe
 * builtin); any other key is not ours. */
static void dispatch(struct codegen *cg, struct sema_prog *p)
{
	const struct attach_point *first = p->aps[0];
	LLVMValueRef key = cg_load_int(cg, cg_gep(cg, cg->ctx_arg, first->dispatch_offset), 8, false);
	cg->probe_index = cg_alloca(cg, cg->i64, "probe");
	LLVMBasicBlockRef other = cg_block(cg, "not_ours"), ours = cg_block(cg, "ours");
	LLVMValueRef sw = LLVMBuildSwitch(cg->b, key, other, (unsigned)p->naps);
	for (int i = 0; i < p->naps; i++) {
		LLVMBasicBlockRef bb = cg_block(cg, "case");
		LLVMAddCase(sw, cg_const(cg, p->aps[i]->dispatch_key), bb);
		LLVMPositionBuilderAtEnd(cg->b, bb);
		LLVMBuildStore(cg->b, cg_const(cg, (uint64_t)p->aps[i]->index), cg->probe_index);
		LLVMBuildBr(cg->b, ours);
	}
	LLVMPositionBuilderAtEnd(cg->b, other);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, ours);
}

/* An iterator's last call, with no object: bpftrace's programs do not see it. */
static void skip_null(struct codegen *cg, uint32_t offset)
{
	LLVMValueRef v = cg_load_int(cg, cg_gep(cg, cg->ctx_arg, offset), 8, false);
	cg_if(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, v, cg_const(cg, 0), "none"));
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	cg_end_if(cg);
}

/* One byte into the iterator's seq file per object: each read() of the
 * iterator then covers a bounded number of objects, and the runtime shows
 * the events in between (runtime/probes/iter.c).  ctx->meta is the first
 * member of every bpf_iter__* context, seq the first of bpf_iter_meta. */
static void seq_tick(struct codegen *cg)
{
	LLVMValueRef meta = LLVMBuildLoad2(cg->b, cg->ptr, cg->ctx_arg, "meta");
	LLVMValueRef seq = LLVMBuildLoad2(cg->b, cg->ptr, meta, "seq");
	LLVMValueRef byte = cg_alloca(cg, cg->i8, "tick");
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), byte);
	LLVMValueRef args[] = {seq, byte, cg_const(cg, 1)};
	cg_helper(cg, BPF_FUNC_seq_write, cg->i64, args, 3);
}

/* The function of one program, with a debug-info subprogram so that BTF
 * func and line info map verifier messages back to the script. */
static void program_function(struct codegen *cg, struct sema_prog *p)
{
	char name[32];
	snprintf(name, sizeof(name), "prog_%d", p->index);
	p->fn_name = arena_strdup(cg->arena, name);
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, &cg->ptr, 1, 0);
	cg->fn = LLVMAddFunction(cg->u.mod, name, ft);
	LLVMSetSection(cg->fn, p->section);
	LLVMAddAttributeAtIndex(cg->fn, LLVMAttributeFunctionIndex,
				   LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	cg->ctx_arg = LLVMGetParam(cg->fn, 0);

	LLVMMetadataRef int_t = LLVMDIBuilderCreateBasicType(cg->u.di, "long", 4, 64, 5, LLVMDIFlagZero);
	LLVMMetadataRef void_p = LLVMDIBuilderCreatePointerType(cg->u.di, NULL, 64, 64, 0, "", 0);
	LLVMMetadataRef params[] = {int_t, void_p};
	LLVMMetadataRef sub = LLVMDIBuilderCreateSubroutineType(cg->u.di, cg->u.di_file, params, 2,
								LLVMDIFlagZero);
	unsigned line = (unsigned)p->probe->loc.line;
	LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(cg->u.di, cg->u.di_file, name, strlen(name),
							 name, strlen(name), cg->u.di_file, line, sub,
							 0, 1, line, LLVMDIFlagPrototyped, 1);
	LLVMSetSubprogram(cg->fn, sp);
	/* The kernel rejects program BTF whose function prototype has an
	 * unnamed parameter; the back end takes the name from this variable. */
	LLVMDIBuilderCreateParameterVariable(cg->u.di, sp, "ctx", 3, 1, cg->u.di_file, line, void_p, 1,
					     LLVMDIFlagZero);
	cg->di_scope = sp;

	cg->scratch_ptr = NULL;
	cg->scratch_used = 0;
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "entry");
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "body");
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	cg_set_loc(cg, p->probe->loc);
	LLVMBuildBr(cg->b, body);
	LLVMPositionBuilderAtEnd(cg->b, body);
	cg->prog = p;
	cg->nifs = 0;
	cg->probe_index = NULL;
	if (p->aps[0]->dispatch)
		dispatch(cg, p);
	if (p->aps[0]->skip_null)
		skip_null(cg, p->aps[0]->skip_null_offset);
	if (p->aps[0]->seq_tick)
		seq_tick(cg);
	if (cg->sp->target.filter_pid && !p->provider->run_by_runtime &&
	    !p->provider->pid_at_attach)
		pid_filter(cg);
	cg_program(cg, p);
	cg->di_scope = NULL;
}

static int optimise_and_emit(struct codegen *cg, LLVMTargetMachineRef tm, int level,
			     void **elf, size_t *len)
{
	char *err = NULL;
	if (LLVMVerifyModule(cg->u.mod, LLVMReturnStatusAction, &err)) {
		diag_plain(cg->diags, "internal error: invalid IR: %s", err ? err : "");
		LLVMDisposeMessage(err);
		return -1;
	}
	LLVMDisposeMessage(err);
	/* Probe programs are short, mostly straight-line code: this function
	 * pipeline gives what default<O2> gives (the same instruction counts
	 * within 1-3%, tests/bench) in a fraction of its time, and LLVM's time
	 * is most of a big script's start-up.  gvn, the second instcombine and
	 * early-cse's MemorySSA were dropped when measured: the 100-probe
	 * benchmark script costs 6% fewer instructions to compile (callgrind)
	 * and comes out 100 BPF instructions shorter (examples: 31 shorter).
	 * memcpyopt stays (without it the 4000-round printf loop of
	 * exit_after_flood.bt passes the verifier's 1M instructions), and so
	 * does dse (without it a dead store leads line 4 of dump_lines.bt).
	 * Other levels: LLVM's own. */
	static const char light[] =
		"function(sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg,"
		"loop(loop-rotate),loop-mssa(licm),dse,memcpyopt,simplifycfg)";
	char passes[32];
	snprintf(passes, sizeof(passes), "default<O%d>", level);
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(cg->u.mod, level == 2 ? light : passes, tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (e) {
		char *msg = LLVMGetErrorMessage(e);
		diag_plain(cg->diags, "internal error: optimisation failed: %s", msg);
		LLVMDisposeErrorMessage(msg);
		return -1;
	}
	LLVMMemoryBufferRef buf;
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, cg->u.mod, LLVMObjectFile, &err, &buf)) {
		diag_plain(cg->diags, "internal error: BPF code generation failed: %s", err ? err : "");
		LLVMDisposeMessage(err);
		return -1;
	}
	*len = LLVMGetBufferSize(buf);
	*elf = malloc(*len);
	if (*elf)
		memcpy(*elf, LLVMGetBufferStart(buf), *len);
	LLVMDisposeMemoryBuffer(buf);
	return *elf ? 0 : -1;
}

/* LLVM's errors (the BPF back end's "stack limit exceeded") go to sonde's
 * diagnostics: LLVM's default handler prints them and calls exit(). */
struct llvm_diag_ctx {
	struct diags *d;
	const struct sema_program *sp;
	int level;	/* of optimisation */
	bool failed;
};

static void on_llvm_diag(LLVMDiagnosticInfoRef di, void *opaque)
{
	struct llvm_diag_ctx *c = opaque;
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError || c->failed)
		return;	/* the first error says it; the back end repeats itself */
	char *msg = LLVMGetDiagInfoDescription(di);
	c->failed = true;
	/* "FILE:LINE:COL: in function prog_N ...": the probe of prog_N (the
	 * line and column are only the last debug location LLVM saw) */
	const char *fn = msg ? strstr(msg, "in function prog_") : NULL;
	int idx = fn ? atoi(fn + strlen("in function prog_")) : -1;
	const struct sema_prog *p = idx >= 0 && idx < c->sp->nprogs ? c->sp->progs[idx] : NULL;
	struct src_loc loc = p ? p->probe->loc : (struct src_loc){0};
	loc.end_line = loc.line;	/* the caret under the probe, not all of it */
	loc.end_col = loc.col;
	if (msg && strstr(msg, "stack limit")) {
		diag_error(c->d, loc, "the program of %s needs more than the 512 bytes of stack "
			   "a BPF program has", p ? p->aps[0]->name : "this probe");
		diag_hint(c->d, "tuple variables ($x) under 64 bytes live on the stack (longer "
			  "ones do not): use fewer of them in this probe");
	} else {
		diag_error(c->d, loc, "internal error: BPF code generation: %s", msg ? msg : "");
	}
	LLVMDisposeMessage(msg);
}

/* The unit's module, optimised and emitted; a failure LLVM reported through
 * the diagnostic handler counts too (it does not stop the back end). */
static int emit_unit(struct codegen *cg, void *arg, void **elf, size_t *len)
{
	struct llvm_diag_ctx *ld = cg->u.llvm_diag;
	(void)arg;
	ld->d = cg->diags;	/* this thread's */
	int rc = optimise_and_emit(cg, cg->u.tm, ld->level, elf, len);
	if (!rc && ld->failed) {
		free(*elf);
		*elf = NULL;
		*len = 0;
		rc = -1;
	}
	return rc;
}

static void unit_dispose(struct cg_unit *u)
{
	free(u->map_globals);
	LLVMDisposeDIBuilder(u->di);
	LLVMDisposeModule(u->mod);
	LLVMDisposeBuilder(u->b);
	LLVMContextDispose(u->ctx);
	LLVMDisposeTargetMachine(u->tm);
	*u = (struct cg_unit){0};
}

/* On a unit's own thread: emitted, then freed there too. */
static int emit_and_dispose(struct codegen *cg, void *arg, void **elf, size_t *len)
{
	int rc = emit_unit(cg, arg, elf, len);
	unit_dispose(&cg->u);
	return rc;
}

void cg_enter_unit(struct codegen *cg, const struct cg_unit *u)
{
	cg->u = *u;
	cg->ctx = u->ctx;
	cg->b = u->b;
	cg->i1 = LLVMInt1TypeInContext(cg->ctx);
	cg->i8 = LLVMInt8TypeInContext(cg->ctx);
	cg->i16 = LLVMInt16TypeInContext(cg->ctx);
	cg->i32 = LLVMInt32TypeInContext(cg->ctx);
	cg->i64 = LLVMInt64TypeInContext(cg->ctx);
	cg->ptr = LLVMPointerTypeInContext(cg->ctx, 0);
	cg->voidt = LLVMVoidTypeInContext(cg->ctx);
}

/* A new unit, entered: its own context, target machine and module, with
 * debug info, license and maps; false when LLVM has no BPF target. */
static bool unit_begin(struct codegen *cg, struct llvm_diag_ctx *ld, bool keep_names)
{
	struct cg_unit u = {.tm = target_machine(cg->diags), .llvm_diag = ld};
	if (!u.tm)
		return false;
	u.ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(u.ctx, on_llvm_diag, ld);
	u.b = LLVMCreateBuilderInContext(u.ctx);
	u.mod = LLVMModuleCreateWithNameInContext("sonde", u.ctx);
	LLVMSetTarget(u.mod, "bpfel");
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(u.tm);
	char *layout = LLVMCopyStringRepOfTargetData(td);
	LLVMSetDataLayout(u.mod, layout);
	LLVMDisposeMessage(layout);
	LLVMDisposeTargetData(td);
	cg_enter_unit(cg, &u);
	debug_info_init(cg);
	/* names of locals only help a reader of the IR: without --emit-llvm
	 * (or --dump=ir) LLVM does not spend time making them unique.  After
	 * debug_info_init: its DIFile comes from parsed IR text, and set before
	 * that, the DIFile with the embedded source was not made (the script
	 * was opened again by name for BTF's line text: a FIFO blocked) */
	LLVMContextSetDiscardValueNames(cg->ctx, !keep_names);
	license(cg);
	btf_maps_define(cg);
	return true;
}

/* What only the whole program knows (how many failure sites, how much
 * scratch space): the same shapes in every unit, then its debug info. */
static void unit_finish(struct codegen *cg)
{
	cg_errors_finish(cg);
	cg_scratch_finish(cg);
	LLVMDIBuilderFinalize(cg->u.di);
}

/* What the back end's time follows, roughly: the nodes of the probe's
 * predicate and body, and its attach points when one program serves
 * several. */
static bool count_node(struct ast_node *n, void *ctx)
{
	(void)n;
	(*(unsigned *)ctx)++;
	return true;
}

static unsigned prog_weight(const struct sema_prog *p)
{
	unsigned n = (unsigned)p->naps;
	if (p->probe->pred)
		ast_walk(p->probe->pred, count_node, &n);
	if (p->probe->body)
		ast_walk(p->probe->body, count_node, &n);
	return n;
}

static void build_program(struct codegen *cg, int i)
{
	struct sema_program *sp = cg->sp;
	struct sema_prog *p = sp->progs[i];
	/* programs of one probe: each sees its own context */
	bool shared = (i > 0 && sp->progs[i - 1]->probe == p->probe) ||
		      (i + 1 < sp->nprogs && sp->progs[i + 1]->probe == p->probe);
	if (shared)
		sema_annotate_prog(sp, p);
	program_function(cg, p);
}

int codegen_emit(struct sema_program *sp, struct diags *d, const struct codegen_opts *opts,
		 void **elf, size_t *len)
{
	target_init();
	bool print_ir = opts && opts->emit_llvm;
	/* One unit, or one per core for a big script (printed IR: one) */
	int nunits = print_ir ? 1 : cg_split_units(sp->nprogs);
	int *unit_of = calloc((size_t)sp->nprogs + 1, sizeof(*unit_of));
	unsigned *weight = calloc((size_t)sp->nprogs + 1, sizeof(*weight));
	if (!unit_of || !weight)
		nunits = 1;
	else if (nunits > 1) {
		for (int i = 0; i < sp->nprogs; i++)
			weight[i] = prog_weight(sp->progs[i]);
		cg_split_assign(weight, sp->nprogs, nunits, unit_of);
	}
	free(weight);

	struct codegen cg = {.sp = sp, .arena = sp->arena, .diags = d};
	struct cg_unit units[CG_UNITS_MAX];
	struct llvm_diag_ctx diag[CG_UNITS_MAX];
	int built = 0, rc = 0;
	for (; built < nunits; built++) {
		diag[built] = (struct llvm_diag_ctx){.d = d, .sp = sp,
						     .level = opts ? opts->opt_level : 2};
		if (!unit_begin(&cg, &diag[built], print_ir)) {
			rc = -1;
			break;
		}
		for (int i = 0; i < sp->nprogs; i++)
			if (!unit_of || unit_of[i] == built)
				build_program(&cg, i);
		units[built] = cg.u;
	}
	free(unit_of);
	for (int k = 0; k < built; k++) {
		cg_enter_unit(&cg, &units[k]);
		unit_finish(&cg);
		units[k] = cg.u;
	}

	if (!rc && print_ir) {
		char *err = NULL;
		if (LLVMPrintModuleToFile(units[0].mod, opts->emit_llvm, &err)) {
			diag_plain(d, "cannot write %s: %s", opts->emit_llvm, err ? err : "");
			rc = -1;
		}
		LLVMDisposeMessage(err);
	}
	if (!rc && nunits > 1) {
		/* each unit freed on its thread */
		rc = cg_emit_units(&cg, units, nunits, emit_and_dispose, NULL, elf, len);
		built = 0;
	} else if (!rc) {
		rc = emit_unit(&cg, NULL, elf, len);
	}
	if (!rc) {
		sp->elf = *elf;
		sp->elf_len = *len;
	}
	for (int k = 0; k < built; k++)
		unit_dispose(&units[k]);
	return rc;
}
