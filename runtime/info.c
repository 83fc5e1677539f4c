/* --info (see info.h).  Every "yes" here was just tried: libbpf's feature
 * probes load a small program or create a map of each kind, and each probe
 * type runs through sonde's own pipeline: a one-line program parsed,
 * checked, compiled, loaded and attached, then detached. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <llvm-c/Core.h>

#include "ast/arena.h"
#include "ast/diag.h"
#include "ast/sema.h"
#include "codegen/codegen.h"
#include "parser/parse.h"
#include "runtime/hwbp.h"
#include "runtime/info.h"
#include "runtime/verifier_log.h"

static const char *yes_no(int r)
{
	return r > 0 ? "yes" : "no";
}

static void read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static void versions(FILE *f)
{
	struct utsname u;
	unsigned maj = 0, min = 0, patch = 0;

	fprintf(f, "sonde v%s\n", SONDE_VERSION);
	if (!uname(&u))
		fprintf(f, "  kernel: %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	fprintf(f, "  libbpf: %s\n", libbpf_version_string());
	LLVMGetVersion(&maj, &min, &patch);
	fprintf(f, "  LLVM: %u.%u.%u (BPF back end linked in)\n", maj, min, patch);
}

static void kernel_features(FILE *f)
{
	struct stat st;
	char buf[64];

	fprintf(f, "\nKernel\n");
	int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	fprintf(f, "  bpf(): %s\n", map_fd >= 0 ? "yes" : strerror(errno));
	if (map_fd >= 0)
		close(map_fd);
	fprintf(f, "  kernel BTF (/sys/kernel/btf/vmlinux): %s\n",
		yes_no(!stat("/sys/kernel/btf/vmlinux", &st)));
	const char *tracefs = !stat("/sys/kernel/tracing/events", &st) ? "/sys/kernel/tracing"
			    : !stat("/sys/kernel/debug/tracing/events", &st) ? "/sys/kernel/debug/tracing"
			    : NULL;
	fprintf(f, "  tracefs: %s%s%s\n", tracefs ? "yes (" : "not mounted (sonde mounts it when it can)",
		tracefs ? tracefs : "", tracefs ? ")" : "");
	fprintf(f, "  kprobe PMU (/sys/bus/event_source/devices/kprobe): %s\n",
		yes_no(!stat("/sys/bus/event_source/devices/kprobe", &st)));
	fprintf(f, "  uprobe PMU (/sys/bus/event_source/devices/uprobe): %s\n",
		yes_no(!stat("/sys/bus/event_source/devices/uprobe", &st)));
	read_first_line("/proc/sys/net/core/bpf_jit_enable", buf, sizeof(buf));
	fprintf(f, "  JIT (net.core.bpf_jit_enable): %s\n",
		!buf[0] ? "unknown" : !strcmp(buf, "0") ? "off" : "on");
	read_first_line("/proc/sys/kernel/bpf_stats_enabled", buf, sizeof(buf));
	fprintf(f, "  run-time statistics (kernel.bpf_stats_enabled): %s\n",
		!buf[0] ? "unknown" : !strcmp(buf, "0") ? "off" : "on");
	read_first_line("/proc/sys/kernel/unprivileged_bpf_disabled", buf, sizeof(buf));
	fprintf(f, "  unprivileged BPF (kernel.unprivileged_bpf_disabled): %s\n",
		!buf[0] ? "unknown" : !strcmp(buf, "0") ? "allowed" : "disabled");
}

static void libbpf_probes(FILE *f)
{
	static const struct {
		const char *name;
		enum bpf_prog_type t;
	} progs[] = {
		{"kprobe", BPF_PROG_TYPE_KPROBE},
		{"tracepoint", BPF_PROG_TYPE_TRACEPOINT},
		{"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT},
		{"perf_event", BPF_PROG_TYPE_PERF_EVENT},
		{"tracing (fentry, fexit)", BPF_PROG_TYPE_TRACING},
	};
	static const struct {
		const char *name;
		enum bpf_map_type t;
	} maps[] = {
		{"hash", BPF_MAP_TYPE_HASH},
		{"percpu hash", BPF_MAP_TYPE_PERCPU_HASH},
		{"array", BPF_MAP_TYPE_ARRAY},
		{"percpu array", BPF_MAP_TYPE_PERCPU_ARRAY},
		{"ringbuf", BPF_MAP_TYPE_RINGBUF},
		{"stack trace", BPF_MAP_TYPE_STACK_TRACE},
		{"lru hash", BPF_MAP_TYPE_LRU_HASH},
	};
	static const struct {
		const char *name;
		enum bpf_func_id id;
	} helpers[] = {
		{"ringbuf_output", BPF_FUNC_ringbuf_output},
		{"probe_read_kernel", BPF_FUNC_probe_read_kernel},
		{"probe_read_user_str", BPF_FUNC_probe_read_user_str},
		{"get_current_task_btf", BPF_FUNC_get_current_task_btf},
		{"get_stackid", BPF_FUNC_get_stackid},
		{"get_func_ip", BPF_FUNC_get_func_ip},
		{"get_attach_cookie", BPF_FUNC_get_attach_cookie},
		{"send_signal", BPF_FUNC_send_signal},
		{"override_return", BPF_FUNC_override_return},
		{"ktime_get_boot_ns", BPF_FUNC_ktime_get_boot_ns},
	};

	fprintf(f, "\nProgram types (loaded by the kernel)\n");
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		fprintf(f, "  %s: %s\n", progs[i].name,
			yes_no(libbpf_probe_bpf_prog_type(progs[i].t, NULL)));
	fprintf(f, "\nMap types (created)\n");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		fprintf(f, "  %s: %s\n", maps[i].name,
			yes_no(libbpf_probe_bpf_map_type(maps[i].t, NULL)));
	fprintf(f, "\nHelpers (in kprobe programs)\n");
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		fprintf(f, "  %s: %s\n", helpers[i].name,
			yes_no(libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, helpers[i].id, NULL)));
}

/* --- probe types through sonde's pipeline ------------------------------------ */

/* The first line of what went to errf, as the reason for a "no". */
static void first_line(FILE *errf, char *why, size_t len)
{
	why[0] = 0;
	fflush(errf);
	rewind(errf);
	while (fgets(why, (int)len, errf)) {
		why[strcspn(why, "\n")] = 0;
		if (why[0])
			break;
	}
	const char *p = why;
	if (!strncmp(p, "sonde: ", 7))
		memmove(why, p + 7, strlen(p + 7) + 1);
	if (!why[0])
		snprintf(why, len, "failed");
}

static int attach_all(struct sema_program *sp, struct bpf_object *obj)
{
	int err = 0;
	for (int i = 0; i < sp->nprogs && !err; i++) {
		struct sema_prog *p = sp->progs[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, p->fn_name);
		for (int j = 0; j < p->naps && !err; j++) {
			struct loaded_probe lp = {.ap = p->aps[j], .prog = prog};
			err = probe_attach(&lp);
			probe_detach(&lp);
		}
	}
	return err;
}

/* 1: attached; 0: not, with the reason in why. */
static int try_program(const char *text, char *why, size_t wlen)
{
	struct diag_source src = {.name = "--info", .text = text, .len = strlen(text)};
	FILE *errf = tmpfile();
	struct diags d;
	struct arena a = {0};
	void *elf = NULL;
	size_t elf_len = 0;
	struct bpf_object *obj = NULL;
	int ok = 0, saved = -1;

	if (!errf) {
		snprintf(why, wlen, "no temporary file");
		return 0;
	}
	diag_init(&d, &src, errf);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(errf), 2);

	struct ast_node *prog = parse_program(&a, &d);
	struct sema_opts so = {0};
	struct sema_program *sp = prog ? sema_run(&a, &d, prog, &so) : NULL;
	struct codegen_opts co = {.opt_level = 2};
	if (!sp || codegen_emit(sp, &d, &co, &elf, &elf_len))
		goto out;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "sonde");
	obj = bpf_object__open_mem(elf, elf_len, &oo);
	if (!obj) {
		fprintf(stderr, "cannot open the object: %s\n", strerror(errno));
		goto out;
	}
	verifier_log_start(obj);
	int err = bpf_object__load(obj);
	if (err) {
		verifier_log_report(obj, sp, -err);
		goto out;
	}
	verifier_log_stop(obj);
	ok = attach_all(sp, obj) == 0;
out:
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (!ok)
		first_line(errf, why, wlen);
	bpf_object__close(obj);
	free(elf);
	arena_free(&a);
	fclose(errf);
	return ok;
}

/* Watchpoints need a debug register that fires: a write breakpoint on a
 * variable of sonde itself says whether the kernel (and a hypervisor)
 * offers them, with the check an attach makes (runtime/hwbp.c). */
static bool breakpoint_works(char *why, size_t wlen)
{
	const char *reason;
	if (hwbp_fires(&reason) > 0)
		return true;
	snprintf(why, wlen, "%s", reason);
	return false;
}

static void probe_types(FILE *f)
{
	static const struct {
		const char *type, *program;	/* NULL: nothing sure to exist to try it on */
	} checks[] = {
		{"BEGIN", "BEGIN { }"},
		{"END", "END { }"},
		{"tracepoint", "tracepoint:syscalls:sys_enter_getppid { }"},
		{"rawtracepoint", "rawtracepoint:sched_switch { }"},
		{"kprobe", "kprobe:vfs_read { }"},
		{"kretprobe", "kretprobe:vfs_read { }"},
		{"fentry", "fentry:vfs_read { }"},
		{"fexit", "fexit:vfs_read { }"},
		{"uprobe", "uprobe:/proc/self/exe:main { }"},
		{"uretprobe", "uretprobe:/proc/self/exe:main { }"},
		/* sonde links libstdc++ (LLVM), whose builds carry USDT notes */
		{"usdt", "usdt:libstdc++:libstdcxx:throw { }"},
		{"profile", "profile:hz:99 { }"},
		{"interval", "interval:s:1 { }"},
		{"software", "software:cpu-clock:1000000 { }"},
		{"hardware", "hardware:cycles:1000000 { }"},
		{"watchpoint", NULL},
		{"iter", "iter:task { }"},
	};
	char why[512];

	fprintf(f, "\nProbe types (a program compiled, loaded and attached here)\n");
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (!probe_provider_find(checks[i].type)) {
			fprintf(f, "  %s: no: not in sonde yet\n", checks[i].type);
			continue;
		}
		if (!strcmp(checks[i].type, "watchpoint")) {
			if (breakpoint_works(why, sizeof(why)))
				fprintf(f, "  %s: yes (a hardware breakpoint fired; the program "
					   "needs -p or -c)\n", checks[i].type);
			else
				fprintf(f, "  %s: no: %s\n", checks[i].type, why);
			continue;
		}
		if (!checks[i].program) {
			fprintf(f, "  %s: not checked: no binary here is sure to have a probe of "
				   "this kind to try (usdt attaches as uprobe does)\n", checks[i].type);
			continue;
		}
		if (try_program(checks[i].program, why, sizeof(why)))
			fprintf(f, "  %s: yes\n", checks[i].type);
		else
			fprintf(f, "  %s: no: %s\n", checks[i].type, why);
	}
}

int info_print(FILE *f)
{
	versions(f);
	kernel_features(f);
	if (geteuid() != 0) {
		fprintf(f, "\n(not root: the kernel's answers below need root; run sonde --info "
			   "with sudo for the full picture)\n");
	}
	libbpf_probes(f);
	probe_types(f);
	return 0;
}
