/* uprobe_multi links (Linux >= 6.6): one BPF_LINK_CREATE attaches a
 * program at many offsets of one file, each with its own cookie, and one
 * close detaches them all.  One uprobe link per function costs a
 * synchronisation in the kernel when it goes: measured here, 100 of them
 * took 13 s to detach, one multi link of 100 offsets takes milliseconds.
 *
 * libbpf 1.1 has no wrapper and Debian 12's <linux/bpf.h> (6.1) does not
 * know the link type, so the attribute layout is spelled out below. */
#include "runtime/probes/uprobe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* enum bpf_attach_type's BPF_TRACE_UPROBE_MULTI and the link's return
 * flag, include/uapi/linux/bpf.h since Linux 6.6 (checked against this
 * kernel's BTF: BPF_TRACE_UPROBE_MULTI val=48, BPF_F_UPROBE_MULTI_RETURN
 * val=1). */
#define SONDE_BPF_TRACE_UPROBE_MULTI 48
#define SONDE_BPF_F_UPROBE_MULTI_RETURN 1u

/* The BPF_LINK_CREATE member of union bpf_attr with its uprobe_multi
 * variant (Linux 6.6 UAPI): prog_fd, target_fd, attach_type, flags, then
 * the union at offset 16.  The kernel zero-fills what is shorter than its
 * own union bpf_attr. */
struct link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;		  /* const char * */
	uint64_t offsets;	  /* const unsigned long *: file offsets */
	uint64_t ref_ctr_offsets; /* const unsigned long *: semaphores, or 0 */
	uint64_t cookies;	  /* const __u64 * */
	uint32_t cnt;
	uint32_t multi_flags;	  /* BPF_F_UPROBE_MULTI_RETURN */
	uint32_t pid;		  /* 0: every process */
	uint32_t pad;
};

static int link_create(int prog_fd, const char *path, const struct uprobe_sites *s, bool ret,
		       int pid)
{
	struct link_create_uprobe_multi attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = (uint32_t)prog_fd;
	attr.attach_type = SONDE_BPF_TRACE_UPROBE_MULTI;
	attr.path = (uint64_t)(uintptr_t)path;
	attr.offsets = (uint64_t)(uintptr_t)s->offsets;
	attr.ref_ctr_offsets = s->any_ref ? (uint64_t)(uintptr_t)s->refs : 0;
	attr.cookies = (uint64_t)(uintptr_t)s->cookies;
	attr.cnt = (uint32_t)s->len;
	attr.multi_flags = ret ? SONDE_BPF_F_UPROBE_MULTI_RETURN : 0;
	attr.pid = pid > 0 ? (uint32_t)pid : 0;
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* Whether this kernel has uprobe_multi links: a program of that attach
 * type loads, and a link on "/" (a directory) fails with EBADF rather
 * than EINVAL (libbpf's own probe does the same).  Asked once.
 * SONDE_NO_UPROBE_MULTI in the environment says no (for tests). */
bool uprobe_multi_supported(void)
{
	static int known = -1;
	if (known >= 0)
		return known;
	/* the tests' way to exercise the one-link-per-site path here */
	if (getenv("SONDE_NO_UPROBE_MULTI")) {
		known = 0;
		return known;
	}
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = (enum bpf_attach_type)SONDE_BPF_TRACE_UPROBE_MULTI);
	int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);
	known = 0;
	if (prog >= 0) {
		unsigned long off = 0;
		uint64_t cookie = 0;
		struct uprobe_sites s = {.offsets = &off, .cookies = &cookie, .len = 1};
		int fd = link_create(prog, "/", &s, false, 0);
		if (fd >= 0)
			close(fd);
		known = fd == -EBADF;
		close(prog);
	}
	return known;
}

int uprobe_sites_add(struct uprobe_sites *s, uint64_t offset, uint64_t ref, uint64_t cookie)
{
	if (s->len == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		unsigned long *o = realloc(s->offsets, (size_t)cap * sizeof(*o));
		if (o)
			s->offsets = o;
		unsigned long *r = realloc(s->refs, (size_t)cap * sizeof(*r));
		if (r)
			s->refs = r;
		uint64_t *c = realloc(s->cookies, (size_t)cap * sizeof(*c));
		if (c)
			s->cookies = c;
		if (!o || !r || !c)
			return -ENOMEM;
		s->cap = cap;
	}
	s->offsets[s->len] = (unsigned long)offset;
	s->refs[s->len] = (unsigned long)ref;
	s->cookies[s->len] = cookie;
	s->any_ref |= ref != 0;
	s->len++;
	return 0;
}

void uprobe_sites_free(struct uprobe_sites *s)
{
	free(s->offsets);
	free(s->refs);
	free(s->cookies);
	memset(s, 0, sizeof(*s));
}

void uprobe_multi_prepare(struct bpf_program *prog, struct attach_point **aps, int naps)
{
	/* even for one function: a plain uprobe link takes about 100 ms to
	 * detach here, a multi link a few */
	if (!prog || naps < 1 || !uprobe_multi_supported())
		return;
	if (bpf_program__set_expected_attach_type(
		    prog, (enum bpf_attach_type)SONDE_BPF_TRACE_UPROBE_MULTI))
		return;
	for (int i = 0; i < naps; i++)
		aps[i]->multi = true;
}

bool uprobe_multi_attach_once(const struct attach_point *ap)
{
	return ap->multi;
}

/* Keeps a link fd in lp->perf_fds: probe_perf_detach closes them. */
static int keep_fd(struct loaded_probe *lp, int fd)
{
	int *fds = realloc(lp->perf_fds, (size_t)(lp->nperf_fds + 1) * sizeof(*fds));
	if (!fds) {
		close(fd);
		return -ENOMEM;
	}
	lp->perf_fds = fds;
	lp->perf_fds[lp->nperf_fds++] = fd;
	return 0;
}

int uprobe_multi_attach(struct loaded_probe *lp, bool ret, uprobe_sites_fn sites)
{
	int prog_fd = bpf_program__fd(lp->prog), err = 0;
	bool *done = calloc((size_t)lp->naps + 1, sizeof(*done));
	if (!done)
		return -ENOMEM;
	/* one link per file: a wildcard over a glob of files spans several */
	for (int i = 0; i < lp->naps && !err; i++) {
		if (done[i])
			continue;
		const char *path = lp->aps[i]->target;
		struct uprobe_sites s = {0};
		int first = i, n = 0;
		for (int j = i; j < lp->naps && !err; j++) {
			if (done[j] || strcmp(lp->aps[j]->target, path))
				continue;
			done[j] = true;
			n++;
			err = sites(lp->aps[j], &s);
			if (err)
				first = j;
		}
		if (!err) {
			int fd = link_create(prog_fd, path, &s, ret, probe_target_pid(lp));
			err = fd < 0 ? fd : keep_fd(lp, fd);
		}
		if (err) {
			const char *name = lp->aps[first]->name;
			if (n > 1)
				fprintf(stderr, "sonde: cannot attach %s and %d more in %s: %s\n", name,
					n - 1, path, strerror(-err));
			else
				fprintf(stderr, "sonde: cannot attach %s: %s\n", name, strerror(-err));
		}
		uprobe_sites_free(&s);
	}
	free(done);
	return err;
}
