/* Emission on several cores.  LLVM's passes and the BPF back end take most
 * of a big script's compile time (about 1 ms per probe program here), and
 * they run one function at a time in one thread.  When a module has enough
 * programs, its functions are split in as many parts as there are CPUs (at
 * most SPLIT_MAX): one child process per part, forked after the IR is
 * built, deletes the programs of the other parts, optimises and emits its
 * own, and writes the ELF object to a memfd; the parent links the parts
 * into one object with libbpf's linker.  Processes, not threads: an
 * LLVMContext is not thread-safe, and a forked copy of the module costs
 * nothing to make.
 *
 * The maps are defined in every part; they are made weak, so the linker
 * keeps one definition of each.  The license is made internal, so each part
 * has its own (the linker merges the identical sections).
 *
 * Anything unexpected (a child failing, LLVM reporting an error, the linker
 * refusing) falls back to emitting in one process, which reports errors as
 * it always has. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "codegen/emit_split.h"

#define SPLIT_MAX 8
#define PROGS_PER_PART 4	/* below this, a fork and a link cost more than they save */

struct part_fn {
	LLVMValueRef fn;
	unsigned weight;	/* IR instructions: what the back end's time follows */
	int part;
};

static bool is_program(LLVMValueRef fn)
{
	const char *sec = LLVMGetSection(fn);
	return !LLVMIsDeclaration(fn) && sec && *sec;
}

static unsigned ir_size(LLVMValueRef fn)
{
	unsigned n = 0;
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
		for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
			n++;
	return n;
}

/* How many parts: SONDE_COMPILE_JOBS when set (tests force a split with
 * it), else the online CPUs, with at least PROGS_PER_PART programs each. */
static int parts_for(int nprogs)
{
	const char *env = getenv("SONDE_COMPILE_JOBS");
	long jobs = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	if (!env || !*env)
		jobs = jobs < nprogs / PROGS_PER_PART ? jobs : nprogs / PROGS_PER_PART;
	if (jobs > SPLIT_MAX)
		jobs = SPLIT_MAX;
	if (jobs > nprogs)
		jobs = nprogs;
	return jobs < 2 ? 1 : (int)jobs;
}

static int by_weight(const void *a, const void *b)
{
	const struct part_fn *x = a, *y = b;
	return (x->weight < y->weight) - (x->weight > y->weight);
}

/* The biggest functions first, each to the least loaded part. */
static void assign_parts(struct part_fn *fns, int n, int parts)
{
	unsigned load[SPLIT_MAX] = {0};
	qsort(fns, (size_t)n, sizeof(*fns), by_weight);
	for (int i = 0; i < n; i++) {
		int best = 0;
		for (int p = 1; p < parts; p++)
			if (load[p] < load[best])
				best = p;
		fns[i].part = best;
		load[best] += fns[i].weight + 1;
	}
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* The child of part `part`: only its programs, emitted, written to fd. */
static void __attribute__((noreturn))
emit_part(struct codegen *cg, struct part_fn *fns, int n, int part, int fd,
	  cg_emit_fn emit, void *emit_arg)
{
	for (int i = 0; i < n; i++)
		if (fns[i].part != part)
			LLVMDeleteFunction(fns[i].fn);
	/* and the subprograms only they called (a loop's callback) */
	for (bool again = true; again;) {
		again = false;
		for (LLVMValueRef f = LLVMGetFirstFunction(cg->mod), next; f; f = next) {
			next = LLVMGetNextFunction(f);
			if (!LLVMIsDeclaration(f) && !is_program(f) &&
			    LLVMGetLinkage(f) == LLVMInternalLinkage && !LLVMGetFirstUse(f)) {
				LLVMDeleteFunction(f);
				again = true;
			}
		}
	}
	void *elf = NULL;
	size_t len = 0;
	int rc = emit(cg, emit_arg, &elf, &len);
	_exit(rc || !write_all(fd, elf, len) ? 1 : 0);
}

static void *read_fd(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) || st.st_size <= 0)
		return NULL;
	char *buf = malloc((size_t)st.st_size);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (r <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)r;
	}
	*len = got;
	return buf;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

static void *link_parts(const int *fds, int parts, size_t *len)
{
	int out = memfd_create("sonde-linked", MFD_CLOEXEC);
	if (out < 0)
		return NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", out);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct bpf_linker *l = bpf_linker__new(path, NULL);
	int err = !l;
	for (int p = 0; p < parts && !err; p++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[p]);
		err = bpf_linker__add_file(l, path, NULL);
	}
	if (!err)
		err = bpf_linker__finalize(l);
	bpf_linker__free(l);
	libbpf_set_print(old);
	void *elf = err ? NULL : read_fd(out, len);
	close(out);
	return elf;
}

/* Weak maps and an internal license for the split, or back as they were. */
static void set_link_linkage(struct codegen *cg, bool split)
{
	for (LLVMValueRef g = LLVMGetFirstGlobal(cg->mod); g; g = LLVMGetNextGlobal(g)) {
		const char *sec = LLVMGetSection(g);
		if (!sec)
			continue;
		if (!strcmp(sec, ".maps"))
			LLVMSetLinkage(g, split ? LLVMWeakAnyLinkage : LLVMExternalLinkage);
		else if (!strcmp(sec, "license"))
			LLVMSetLinkage(g, split ? LLVMInternalLinkage : LLVMExternalLinkage);
	}
}

int cg_emit_split(struct codegen *cg, cg_emit_fn emit, void *emit_arg, void **elf, size_t *len)
{
	int n = 0;
	for (LLVMValueRef f = LLVMGetFirstFunction(cg->mod); f; f = LLVMGetNextFunction(f))
		n += is_program(f);
	int parts = parts_for(n);
	if (parts < 2)
		return 1;
	struct part_fn *fns = calloc((size_t)n, sizeof(*fns));
	if (!fns)
		return 1;
	int k = 0;
	for (LLVMValueRef f = LLVMGetFirstFunction(cg->mod); f; f = LLVMGetNextFunction(f))
		if (is_program(f))
			fns[k++] = (struct part_fn){.fn = f, .weight = ir_size(f)};
	assign_parts(fns, n, parts);
	set_link_linkage(cg, true);

	int fds[SPLIT_MAX];
	pid_t pids[SPLIT_MAX];
	int started = 0;
	bool ok = true;
	fflush(NULL);	/* nothing buffered is written twice */
	for (; started < parts; started++) {
		fds[started] = memfd_create("sonde-part", MFD_CLOEXEC);
		pids[started] = fds[started] < 0 ? -1 : fork();
		if (pids[started] == 0)
			emit_part(cg, fns, n, started, fds[started], emit, emit_arg);
		if (pids[started] < 0) {
			if (fds[started] >= 0)
				close(fds[started]);
			ok = false;
			break;
		}
	}
	for (int p = 0; p < started; p++) {
		int status;
		if (waitpid(pids[p], &status, 0) != pids[p] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			ok = false;
	}
	void *linked = ok ? link_parts(fds, parts, len) : NULL;
	for (int p = 0; p < started; p++)
		close(fds[p]);
	free(fns);
	if (!linked) {
		set_link_linkage(cg, false);
		return 1;
	}
	*elf = linked;
	return 0;
}
