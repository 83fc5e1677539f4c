/* What the user-space providers (uprobe.c, usdt.c) share: finding the
 * target binary, x86-64 registers in struct pt_regs, comparing contexts,
 * attaching a program at a file offset. */
#ifndef SONDE_PROBES_UPROBE_H
#define SONDE_PROBES_UPROBE_H

#include "runtime/elf_symbols.h"
#include "runtime/probes/probe.h"

/* Resolves the target part of "uprobe:TARGET:..." (a path, a library name,
 * a program in PATH) and reads it.  On error reports at the attach point,
 * naming the probe type, and returns NULL. */
const struct elf_file *uprobe_target(struct probe_env *env, const struct ast_node *node,
				     const char *type, const char *target, char **path);

/* The byte offset in struct pt_regs of an x86-64 register named as in
 * AT&T assembly without the '%' ("rax", "eax", "ax", "al", "ah", "r8d"),
 * with +1 for the high-byte registers; -1 when there is no such register. */
int uprobe_reg_offset(const char *name);

/* Same fields (names, types, reads): programs can be shared. */
bool uprobe_fields_equal(const struct attach_point *x, const struct attach_point *y);

/* Attaches lp->prog at the file offset of path (in lp->pid only when set,
 * else in every process), with the
 * attach point's index as BPF cookie, appending the link to lp->links.
 * ref_ctr_offset: file offset of a USDT semaphore, 0 for none. */
int uprobe_attach_at(struct loaded_probe *lp, const char *path, uint64_t offset, bool retprobe,
		     uint64_t ref_ctr_offset);

/* uprobe_multi links (runtime/probes/uprobe_multi.c).  Where a program
 * attaches: file offsets, semaphore offsets (0: none), BPF cookies. */
struct uprobe_sites {
	unsigned long *offsets, *refs;
	uint64_t *cookies;
	int len, cap;
	bool any_ref;
};
int uprobe_sites_add(struct uprobe_sites *s, uint64_t offset, uint64_t ref, uint64_t cookie);
void uprobe_sites_free(struct uprobe_sites *s);
/* Appends an attach point's sites; returns 0 or -errno (nothing printed). */
typedef int (*uprobe_sites_fn)(const struct attach_point *ap, struct uprobe_sites *out);
/* Whether the kernel has uprobe_multi links (asked once). */
bool uprobe_multi_supported(void);
/* provider->prepare: a program attaches through multi links when the
 * kernel has them (sets its expected attach type and ap->multi); else
 * one link per site. */
void uprobe_multi_prepare(struct bpf_program *prog, struct attach_point **aps, int naps);
/* provider->attach_once */
bool uprobe_multi_attach_once(const struct attach_point *ap);
/* Attaches lp->prog at every site of lp->aps, one multi link per file, in
 * lp->pid only when set; the link fds go to lp->perf_fds (closed by
 * probe_perf_detach).  On error prints one sentence, returns -errno. */
int uprobe_multi_attach(struct loaded_probe *lp, bool ret, uprobe_sites_fn sites);

bool uprobe_has_wildcard(const char *s);
/* The ELF files matching a glob ("/usr/bin/python3*"), arena-allocated
 * in *paths.  Returns their count. */
int uprobe_glob(struct arena *a, const char *pattern, char ***paths);

#endif
