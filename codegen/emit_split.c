/* Emission on several cores.  LLVM's passes and the BPF back end take most
 * of a big script's compile time (about 1 ms per probe program here), and
 * they run one function at a time.  When a script has enough programs,
 * they are shared out over as many units as there are CPUs (at most
 * CG_UNITS_MAX) before any IR is built.  Each unit has its own LLVMContext,
 * module and target machine, so once all are built each is optimised and
 * emitted on its own thread (LLVM allows that: nothing is shared between
 * contexts), and libbpf's linker joins the ELF objects into one.
 *
 * Threads, not forked processes as before: a child's writes to the
 * module it shared with its parent were copy-on-write page faults (about
 * 800 per child on the 100-probe benchmark script, and a child first had
 * to delete the other parts' functions), and a thread frees its unit in
 * parallel with the others, where the parent used to free the module
 * alone after the link.
 *
 * The maps are defined in every unit; they are made weak, so the linker
 * keeps one definition of each.  The license is made internal, so each
 * unit has its own (the linker merges the identical sections).  What a
 * thread reports (LLVM's errors) is kept and printed once all are done. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "codegen/emit_split.h"
#include "codegen/huge_heap.h"

#define PROGS_PER_UNIT 4	/* below this, a context, a thread and a link cost more than they save */

/* SONDE_COMPILE_JOBS when set (tests force a split with it), else the
 * online CPUs, with at least PROGS_PER_UNIT programs each. */
int cg_split_units(int nprogs)
{
	const char *env = getenv("SONDE_COMPILE_JOBS");
	long jobs = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	if (!env || !*env)
		jobs = jobs < nprogs / PROGS_PER_UNIT ? jobs : nprogs / PROGS_PER_UNIT;
	if (jobs > CG_UNITS_MAX)
		jobs = CG_UNITS_MAX;
	if (jobs > nprogs)
		jobs = nprogs;
	return jobs < 2 ? 1 : (int)jobs;
}

struct weighted {
	unsigned weight;
	int index;
};

static int by_weight(const void *a, const void *b)
{
	const struct weighted *x = a, *y = b;
	if (x->weight != y->weight)
		return (x->weight < y->weight) - (x->weight > y->weight);
	return (x->index > y->index) - (x->index < y->index);
}

/* The heaviest programs first, each to the least loaded unit. */
void cg_split_assign(const unsigned *weight, int n, int units, int *unit_of)
{
	unsigned load[CG_UNITS_MAX] = {0};
	struct weighted *w = calloc((size_t)n + 1, sizeof(*w));
	for (int i = 0; i < n; i++) {
		unit_of[i] = i % units;	/* without memory: in turn */
		if (w)
			w[i] = (struct weighted){weight[i], i};
	}
	if (!w)
		return;
	qsort(w, (size_t)n, sizeof(*w), by_weight);
	for (int i = 0; i < n; i++) {
		int best = 0;
		for (int u = 1; u < units; u++)
			if (load[u] < load[best])
				best = u;
		unit_of[w[i].index] = best;
		load[best] += w[i].weight + 1;
	}
	free(w);
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

static void *link_units(const int *fds, int n, size_t *len)
{
	int out = memfd_create("sonde-linked", MFD_CLOEXEC);
	if (out < 0)
		return NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", out);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct bpf_linker *l = bpf_linker__new(path, NULL);
	int err = !l;
	for (int u = 0; u < n && !err; u++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[u]);
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

/* Weak maps and an internal license in each unit, for the linker. */
static void set_link_linkage(struct cg_unit *u)
{
	for (LLVMValueRef g = LLVMGetFirstGlobal(u->mod); g; g = LLVMGetNextGlobal(g)) {
		const char *sec = LLVMGetSection(g);
		if (!sec)
			continue;
		if (!strcmp(sec, ".maps"))
			LLVMSetLinkage(g, LLVMWeakAnyLinkage);
		else if (!strcmp(sec, "license"))
			LLVMSetLinkage(g, LLVMInternalLinkage);
	}
}

struct unit_job {
	struct codegen cg;	/* a copy, with the unit entered */
	struct diags diags;	/* what it reports, into text */
	char *text;
	size_t text_len;
	FILE *out;
	cg_emit_fn emit;
	void *emit_arg;
	void *elf;
	size_t len;
	int rc;
};

static void *run_job(void *arg)
{
	struct unit_job *j = arg;
	huge_heap_thread();
	j->rc = j->emit(&j->cg, j->emit_arg, &j->elf, &j->len);
	return NULL;
}

/* An object in a memfd, for the linker (it reads files). */
static int memfd_of(const void *elf, size_t len)
{
	int fd = memfd_create("sonde-unit", MFD_CLOEXEC);
	if (fd >= 0 && !write_all(fd, elf, len)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int cg_emit_units(struct codegen *cg, struct cg_unit *units, int n, cg_emit_fn emit,
		  void *emit_arg, void **elf, size_t *len)
{
	struct unit_job jobs[CG_UNITS_MAX];
	pthread_t threads[CG_UNITS_MAX];
	bool started[CG_UNITS_MAX] = {0};
	int rc = 0;
	*elf = NULL;
	for (int u = 0; u < n; u++) {
		struct unit_job *j = &jobs[u];
		*j = (struct unit_job){.cg = *cg, .emit = emit, .emit_arg = emit_arg};
		set_link_linkage(&units[u]);
		cg_enter_unit(&j->cg, &units[u]);
		j->out = open_memstream(&j->text, &j->text_len);
		diag_init(&j->diags, cg->diags->src, j->out ? j->out : cg->diags->out);
		j->diags.errors_as_warnings = cg->diags->errors_as_warnings;
		j->diags.quiet_warnings = cg->diags->quiet_warnings;
		j->cg.diags = &j->diags;
	}
	/* the last on this thread */
	for (int u = 0; u < n - 1; u++)
		started[u] = !pthread_create(&threads[u], NULL, run_job, &jobs[u]);
	for (int u = 0; u < n; u++)
		if (!started[u])
			run_job(&jobs[u]);
	for (int u = 0; u < n; u++) {
		struct unit_job *j = &jobs[u];
		if (started[u])
			pthread_join(threads[u], NULL);
		if (j->out) {
			fclose(j->out);
			fwrite(j->text, 1, j->text_len, cg->diags->out);
			free(j->text);
		}
		cg->diags->errors += j->diags.errors;
		cg->diags->warnings += j->diags.warnings;
		if (j->rc)
			rc = -1;
	}
	int fds[CG_UNITS_MAX];
	for (int u = 0; u < n; u++) {
		fds[u] = rc ? -1 : memfd_of(jobs[u].elf, jobs[u].len);
		if (fds[u] < 0 && !rc) {
			diag_plain(cg->diags, "internal error: memfd_create: %s", strerror(errno));
			rc = -1;
		}
		free(jobs[u].elf);
	}
	if (!rc) {
		*elf = link_units(fds, n, len);
		if (!*elf) {
			diag_plain(cg->diags, "internal error: libbpf could not link the %d parts of the BPF object", n);
			rc = -1;
		}
	}
	for (int u = 0; u < n; u++)
		if (fds[u] >= 0)
			close(fds[u]);
	return rc;
}
