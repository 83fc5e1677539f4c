/* Functions that change the system, allowed only with --unsafe (checked
 * before anything is loaded): system() runs a command when the runtime
 * handles its event; signal() sends a signal to the current process from
 * the kernel; override() makes a kprobed function return early. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <bpf/bpf.h>

#include "codegen/codegen.h"
#include "runtime/runtime.h"
#include "stdlib/entries.h"
#include "stdlib/format.h"

char *stdlib_format_text(struct runtime *rt, const struct sema_event *ev, const uint8_t *data);

/* ----------------------------------------------------------------- system */

static struct type *system_check(struct sema *s, struct ast_node *n)
{
	if (!stdlib_format_event(s, n, &sl_system))
		return type_error(sema_arena(s));
	return type_void(sema_arena(s));
}

static LLVMValueRef system_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	cg_event_send(cg, n->extra, n->list.items + 1, n->list.len - 1);
	return NULL;
}

/* Runs the command with /bin/sh and prints what it writes, as bpftrace
 * does; the runtime waits for it. */
static void system_print(struct runtime *rt, const struct sema_event *ev, const uint8_t *data,
			 size_t len)
{
	char *cmd = stdlib_format_text(rt, ev, data);
	if (!cmd)
		return;
	fflush(rt->out.out);
	FILE *p = popen(cmd, "r");
	if (!p) {
		fprintf(stderr, "sonde: system: cannot run %s\n", cmd);
		free(cmd);
		return;
	}
	stdlib_copy_stream(p, rt->out.out);
	pclose(p);
	free(cmd);
}

const struct stdlib_fn sl_system = {
	.name = "system", .kind = SL_FUNC, .min_args = 1, .max_args = 65,
	.check = system_check, .emit = system_emit, .print = system_print, .unsafe = 1,
};

/* ----------------------------------------------------------------- signal */

static const struct { const char *name; int sig; } signals[] = {
	{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL}, {"TRAP", SIGTRAP},
	{"ABRT", SIGABRT}, {"BUS", SIGBUS}, {"FPE", SIGFPE}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
	{"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
	{"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
	{"TTOU", SIGTTOU}, {"URG", SIGURG}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO}, {"SYS", SIGSYS},
};

static struct type *signal_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct sema_prog *p = sema_current_prog(s);
	if (p && p->provider->run_by_runtime) {
		sema_error(s, n->loc, "signal() in a %s probe would signal sonde itself",
			   p->provider->name);
		return type_error(a);
	}
	/* a timer fires in whatever task it interrupts: signal() there would
	 * hit a bystander (bpftrace refuses it too; profile is allowed: its
	 * task is the one sampled) */
	if (p && !strcmp(p->provider->name, "interval")) {
		sema_error(s, n->loc, "signal() in an interval probe would signal whichever task "
				      "the timer interrupts; use profile or a probe of the target");
		return type_error(a);
	}
	struct ast_node *arg = n->list.items[0];
	int64_t sig = -1;
	if (arg->kind == AST_STR) {
		const char *name = arg->str;
		if (!strncmp(name, "SIG", 3))
			name += 3;
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			if (!strcmp(name, signals[i].name))
				sig = signals[i].sig;
		if (sig < 0) {
			sema_error(s, arg->loc, "signal(): unknown signal \"%s\"", arg->str);
			return type_error(a);
		}
		n->ival = (uint64_t)sig;
		return type_void(a);
	}
	struct type *t = sema_check_expr(s, arg);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind != TY_INT) {
		sema_error(s, arg->loc, "signal() needs a signal number or name, not %s", type_name(a, t));
		return type_error(a);
	}
	if (sema_const_int(s, arg, &sig) && (sig < 1 || sig > 64)) {
		sema_error(s, arg->loc, "signal(): %lld is not a signal number (1 to 64)", (long long)sig);
		return type_error(a);
	}
	n->ival = 0;
	return type_void(a);
}

static LLVMValueRef signal_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	struct ast_node *arg = n->list.items[0];
	LLVMValueRef sig = arg->kind == AST_STR ? cg_const(cg, n->ival) : cg_expr(cg, arg);
	LLVMValueRef args[] = {LLVMBuildTrunc(cg->b, sig, cg->i32, "sig")};
	cg_helper(cg, BPF_FUNC_send_signal, cg->i64, args, 1);
	return NULL;
}

const struct stdlib_fn sl_signal = {
	.name = "signal", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = signal_check, .emit = signal_emit, .unsafe = 1,
};

/* --------------------------------------------------------------- override */

/* Whether kprobe programs may call bpf_override_return here: a two-line
 * program is loaded to find out (libbpf's probe takes "cannot use helper"
 * for a yes). */
static bool override_allowed(void)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 0},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_override_return},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 4, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static struct type *override_check(struct sema *s, struct ast_node *n)
{
	struct arena *a = sema_arena(s);
	struct sema_prog *p = sema_current_prog(s);
	if (!p || strcmp(p->provider->name, "kprobe")) {
		sema_error(s, n->loc, "override() works only in kprobe probes, not in %s probes",
			   p ? p->provider->name : "these");
		return type_error(a);
	}
	static int allowed = -1;
	if (allowed < 0)
		allowed = override_allowed();
	if (!allowed) {
		sema_error(s, n->loc, "override() needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE, which this one is not");
		return type_error(a);
	}
	struct type *t = sema_check_expr(s, n->list.items[0]);
	if (!t || t->kind == TY_ERROR || t->kind == TY_NONE)
		return type_error(a);
	if (t->kind != TY_INT) {
		sema_error(s, n->list.items[0]->loc, "override() needs an integer return value, not %s",
			   type_name(a, t));
		return type_error(a);
	}
	return type_void(a);
}

static LLVMValueRef override_emit(struct codegen *cg, struct ast_node *n, struct ast_node *t)
{
	LLVMValueRef args[] = {cg->ctx_arg, cg_expr(cg, n->list.items[0])};
	cg_helper(cg, BPF_FUNC_override_return, cg->i64, args, 2);
	return NULL;
}

const struct stdlib_fn sl_override = {
	.name = "override", .kind = SL_FUNC, .min_args = 1, .max_args = 1,
	.check = override_check, .emit = override_emit, .unsafe = 1,
};
