/* One run of a program: load, attach, BEGIN, consume events until exit() or
 * a signal, END, print maps, detach everything. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "codegen/btf_maps.h"
#include "runtime/map_read.h"
#include "runtime/prog_stats.h"
#include "runtime/report.h"
#include "runtime/runtime.h"
#include "runtime/target.h"
#include "runtime/verifier_log.h"
#include "stdlib/stdlib.h"

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_signal = sig;
}

static void signals_install(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

void runtime_request_exit(struct runtime *rt, int code)
{
	if (!rt->exiting)
		rt->exit_code = code;
	rt->exiting = true;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct runtime *rt = ctx;
	if (rt->exiting && !rt->in_end)
		return 0; /* nothing after exit() is shown, as in bpftrace */
	if (len < 8)
		return 0;
	uint64_t id;
	memcpy(&id, data, 8);
	if (id >= (uint64_t)rt->sp->nevents)
		return 0;
	const struct sema_event *ev = rt->sp->events[id];
	if (ev->fn->print) {
		output_event_begin(&rt->out, ev->fn->name);
		ev->fn->print(rt, ev, (const uint8_t *)data + 8, len - 8);
		output_event_end(&rt->out);
	}
	return 0;
}

uint64_t runtime_lost_total(struct runtime *rt)
{
	if (rt->lost_fd < 0)
		return 0;
	uint32_t key = 0;
	uint64_t *vals = calloc((size_t)rt->ncpus, 8);
	if (!vals)
		return 0;
	uint64_t total = 0;
	if (!bpf_map_lookup_elem(rt->lost_fd, &key, vals))
		for (int c = 0; c < rt->ncpus; c++)
			total += vals[c];
	free(vals);
	return total;
}

void runtime_print_map(struct runtime *rt, const struct sema_map *m, uint32_t top, uint64_t div)
{
	struct map_snapshot s;
	if (map_snapshot_read(&s, m, rt->map_fds[m->id], rt->ncpus, rt->map_zeroed[m->id]) == 0)
		map_print(&rt->out, &s.view, top, div);
	map_snapshot_free(&s);
	fflush(rt->out.out);
}

void runtime_clear_map(struct runtime *rt, const struct sema_map *m, bool zero)
{
	/* bpftrace keeps a sum, avg, stats, min or max in a hash: clear()
	 * deletes it (nothing prints) and zero() keeps it (zeros print), if
	 * it is there: written, or zeroed and not cleared since.  In sonde's
	 * per-CPU array, a cleared or zeroed slot is again one never written,
	 * so whether it is there is asked before zeroing. */
	enum agg_kind a = m->value->kind == TY_AGG ? m->value->agg : AGG_COUNT;
	bool kept_by_bpftrace = a == AGG_SUM || a == AGG_AVG || a == AGG_STATS || a == AGG_MIN ||
				a == AGG_MAX;
	bool there = true;
	if (zero && kept_by_bpftrace && map_layout_is_array(&m->layout)) {
		struct map_snapshot s;
		there = map_snapshot_read(&s, m, rt->map_fds[m->id], rt->ncpus,
					  rt->map_zeroed[m->id]) == 0 && s.n > 0;
		map_snapshot_free(&s);
	}
	map_clear(m, rt->map_fds[m->id], rt->ncpus, zero);
	rt->map_zeroed[m->id] = !kept_by_bpftrace || (zero && there);
}

static int by_name(const void *a, const void *b)
{
	const struct sema_map *x = *(const struct sema_map *const *)a;
	const struct sema_map *y = *(const struct sema_map *const *)b;
	return strcmp(x->name, y->name);
}

void runtime_print_all_maps(struct runtime *rt)
{
	int n = rt->sp->nmaps;
	/* bpftrace separates the end-of-run maps from earlier output with a
	 * blank line pair, maps or not */
	output_maps_begin(&rt->out);
	const struct sema_map **maps = malloc(sizeof(*maps) * ((size_t)n + 1));
	if (!maps)
		return;
	for (int i = 0; i < n; i++)
		maps[i] = rt->sp->maps[i];
	qsort(maps, (size_t)n, sizeof(*maps), by_name);
	for (int i = 0; i < n; i++) {
		struct map_snapshot s;
		if (map_snapshot_read(&s, maps[i], rt->map_fds[maps[i]->id], rt->ncpus,
				      rt->map_zeroed[maps[i]->id]) == 0)
			map_print(&rt->out, &s.view, 0, 0);
		map_snapshot_free(&s);
	}
	fflush(rt->out.out);
	free(maps);
}

/* BEGIN and END programs run once, in sonde's own context. */
static int run_once(struct runtime *rt, const struct probe_provider *which)
{
	for (int i = 0; i < rt->sp->nprogs; i++) {
		struct sema_prog *p = rt->sp->progs[i];
		if (p->provider != which)
			continue;
		struct bpf_program *prog = bpf_object__find_program_by_name(rt->obj, p->fn_name);
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		if (!prog || bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) {
			fprintf(stderr, "sonde: cannot run %s: %s\n", which->name, strerror(errno));
			return -1;
		}
		ring_buffer__consume(rt->rb);
	}
	return 0;
}

static int attach_all(struct runtime *rt)
{
	int n = 0;
	for (int i = 0; i < rt->sp->nprogs; i++)
		n += rt->sp->progs[i]->naps;
	rt->probes = calloc((size_t)n + 1, sizeof(*rt->probes));
	if (!rt->probes)
		return -ENOMEM;
	if (!rt->opts.quiet)
		output_attached(&rt->out, rt->sp->naps);
	for (int i = 0; i < rt->sp->nprogs; i++) {
		struct sema_prog *p = rt->sp->progs[i];
		if (p->provider->run_by_runtime)
			continue;
		struct bpf_program *prog = bpf_object__find_program_by_name(rt->obj, p->fn_name);
		for (int j = 0; j < p->naps; j++) {
			/* one attachment serves every attach point of the program */
			if (j && p->provider->attach_once && p->provider->attach_once(p->aps[0]))
				break;
			struct loaded_probe *lp = &rt->probes[rt->nprobes];
			lp->ap = p->aps[j];
			const struct target *t = rt->opts.target;
			lp->pid = t && !t->child ? t->pid : 0;
			lp->child_pid = t && t->child ? t->pid : 0;
			lp->prog = prog;
			lp->aps = p->aps;
			lp->naps = p->naps;
			lp->setup = p->setup_event != NULL;
			int err = probe_attach(lp);
			if (err)
				return err;
			rt->nprobes++;
		}
	}
	return 0;
}

static void drain_events(void *ctx)
{
	struct runtime *rt = ctx;
	ring_buffer__consume(rt->rb);
}

/* Probes that run to completion once attached (iterators), after BEGIN:
 * their events are shown, then the run ends as after exit(). */
static int run_probes(struct runtime *rt)
{
	bool done = false;
	for (int i = 0; i < rt->nprobes && !rt->exiting; i++) {
		struct loaded_probe *lp = &rt->probes[i];
		if (!lp->ap->provider->run)
			continue;
		lp->drain = drain_events;
		lp->drain_ctx = rt;
		int err = lp->ap->provider->run(lp);
		if (err < 0)
			return err;
		ring_buffer__consume(rt->rb);
		done |= err > 0;
	}
	if (done)
		runtime_request_exit(rt, 0);
	return 0;
}

static void detach_all(struct runtime *rt)
{
	for (int i = 0; i < rt->nprobes; i++)
		probe_detach(&rt->probes[i]);
	rt->nprobes = 0;
	free(rt->probes);
	rt->probes = NULL;
}

/* The globals array, mapped: the poll loop reads the exit flag with a
 * load, not a bpf() call per wake-up.  While a bpf() map call runs, the
 * kernel holds bpf_prog_active raised on its CPU, and a perf event, kprobe
 * or tracepoint program that fires there meanwhile is skipped, counted
 * nowhere (measured here: with another process doing map lookups in a loop
 * on CPU 0, an interval probe missed an expiry in 6 of 80 runs, against
 * about 1 in 125 without).  Mappable arrays (5.5) are older than the ring
 * buffer (5.8); should the mapping fail, the lookup as before. */
static void globals_map(struct runtime *rt)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = ((size_t)SONDE_GLOBALS * 8 + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rt->globals_fd, 0);
	if (p == MAP_FAILED)
		return;
	rt->globals = p;
	rt->globals_len = len;
}

static uint64_t global_read(struct runtime *rt, uint32_t slot)
{
	uint64_t v = 0;
	if (rt->globals)
		v = __atomic_load_n(&rt->globals[slot], __ATOMIC_ACQUIRE);
	else if (rt->globals_fd >= 0)
		bpf_map_lookup_elem(rt->globals_fd, &slot, &v);
	return v;
}

/* exit() in a program whose event the full ring buffer dropped: the
 * global slot still says so. */
static void exit_poll(struct runtime *rt)
{
	uint64_t v = global_read(rt, SONDE_GLOBAL_EXIT);
	if (!(v >> 32))
		return;
	/* The flag is set before the exit event is sent: show what the ring
	 * buffer holds first (what the probes printed before exit() and the
	 * exit event itself; anything after it is dropped by on_event).  The
	 * flag alone ends the run when the exit event was lost.  Before, a
	 * flag read between a poll and the probe's events ended the run with
	 * its printf lines unshown (builtins.case, once in CI). */
	ring_buffer__consume(rt->rb);
	runtime_request_exit(rt, (int)(int32_t)(uint32_t)v);
}

/* After a poll that handled events, a short nap before the next: events
 * gather meanwhile and probes skip the wake-up (the ring buffer wakes the
 * consumer only when it has caught up), so a busy trace costs one wake-up
 * per nap, not one per event.  An event waits at most this long; the first
 * after a quiet spell is shown at once.  printf at full speed (bench
 * printf-rate): 195k events/s at 4700 ns of tracer CPU each without the
 * nap, 840k at 340 ns with it. */
#define COALESCE_NAP_NS (200 * 1000L)

static void coalesce_nap(void)
{
	struct timespec t = {0, COALESCE_NAP_NS};
	nanosleep(&t, NULL);
}

static void globals_init(struct runtime *rt)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t start = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	uint32_t key = 0;
	if (rt->globals_fd >= 0)
		bpf_map_update_elem(rt->globals_fd, &key, &start, BPF_ANY);
}

static int load(struct runtime *rt, const void *elf, size_t len)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "sonde");
	rt->obj = bpf_object__open_mem(elf, len, &oo);
	if (!rt->obj) {
		fprintf(stderr, "sonde: cannot open the BPF object: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < rt->sp->nprogs; i++) {
		struct sema_prog *p = rt->sp->progs[i];
		if (p->provider->prepare)
			p->provider->prepare(bpf_object__find_program_by_name(rt->obj, p->fn_name),
					     p->aps, p->naps);
	}
	/* an array with a region per CPU: one region in the object */
	for (int i = 0; i < rt->sp->nmaps; i++) {
		const struct sema_map *sm = rt->sp->maps[i];
		struct bpf_map *m = sm->layout.cpu_entries
			? bpf_object__find_map_by_name(rt->obj, sm->elf_name) : NULL;
		if (m)
			bpf_map__set_max_entries(m, sm->layout.cpu_entries * (uint32_t)rt->ncpus);
	}
	struct bpf_map *globals = bpf_object__find_map_by_name(rt->obj, SONDE_MAP_GLOBALS);
	if (globals) /* see globals_map */
		bpf_map__set_map_flags(globals, bpf_map__map_flags(globals) | BPF_F_MMAPABLE);
	verifier_log_start(rt->obj);
	if (rt->opts.stats && prog_stats_prepare(rt))
		return -1;
	int err = bpf_object__load(rt->obj);
	if (err) {
		verifier_log_report(rt->obj, rt->sp, -err);
		return -1;
	}
	verifier_log_stop(rt->obj);
	if (rt->opts.stats)
		prog_stats_report(rt);
	rt->map_fds = calloc((size_t)rt->sp->nmaps + 1, sizeof(int));
	rt->map_zeroed = calloc((size_t)rt->sp->nmaps + 1, sizeof(bool));
	if (!rt->map_fds || !rt->map_zeroed)
		return -1;
	for (int i = 0; i < rt->sp->nmaps; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, rt->sp->maps[i]->elf_name);
		rt->map_fds[i] = m ? bpf_map__fd(m) : -1;
	}
	struct bpf_map *lost = bpf_object__find_map_by_name(rt->obj, SONDE_MAP_LOST);
	rt->lost_fd = lost ? bpf_map__fd(lost) : -1;
	rt->globals_fd = globals ? bpf_map__fd(globals) : -1;
	if (rt->globals_fd >= 0)
		globals_map(rt);
	struct bpf_map *events = bpf_object__find_map_by_name(rt->obj, SONDE_MAP_EVENTS);
	rt->rb = ring_buffer__new(bpf_map__fd(events), on_event, rt, NULL);
	if (!rt->rb) {
		fprintf(stderr, "sonde: cannot open the event ring buffer: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void teardown(struct runtime *rt)
{
	detach_all(rt);
	ring_buffer__free(rt->rb);
	if (rt->globals)
		munmap(rt->globals, rt->globals_len);
	bpf_object__close(rt->obj);
	free(rt->map_fds);
	free(rt->map_zeroed);
}

int runtime_run(struct sema_program *sp, const void *elf, size_t len,
		const struct runtime_opts *opts)
{
	struct runtime rt = {.sp = sp, .opts = *opts, .lost_fd = -1, .globals_fd = -1};
	if (output_open(&rt.out, &opts->output))
		return 1;
	const char **names = calloc((size_t)sp->naps + 1, sizeof(*names));
	for (int i = 0; names && i < sp->naps; i++)
		names[i] = sp->aps[i]->name;
	rt.out.probe_names = names;
	rt.out.nprobe_names = names ? sp->naps : 0;
	rt.ncpus = libbpf_num_possible_cpus();
	if (rt.ncpus < 1)
		rt.ncpus = 1;

	int status = 1;
	if (load(&rt, elf, len))
		goto out;
	if (opts->dump_bpf) {
		status = prog_dump_bpf(&rt, stdout) ? 1 : 0;
		goto out;
	}
	if (opts->dry_run) {
		status = 0;
		goto out;
	}
	signals_install();
	globals_init(&rt);
	if (report_start(&rt))
		goto out;
	if (attach_all(&rt))
		goto out;
	if (run_once(&rt, &probe_begin))
		goto out;
	if (run_probes(&rt))
		goto out;
	if (opts->target)
		target_release(opts->target); /* -c: the command starts now */
	while (!rt.exiting && !got_signal) {
		int err = ring_buffer__poll(rt.rb, 100);
		runtime_resume(&rt);
		/* -p and -c: the run ends with the process, with its status */
		if (opts->target && target_gone(opts->target))
			runtime_request_exit(&rt, opts->target->child ? opts->target->status : 0);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "sonde: reading events failed: %s\n", strerror(-err));
			break;
		}
		if (got_usr1) {
			got_usr1 = 0;
			runtime_print_all_maps(&rt);
		}
		if (!rt.exiting)
			exit_poll(&rt);
		report_tick(&rt, false);
		output_batch_end(&rt.out);
		if (err > 0 && !rt.exiting)
			coalesce_nap();
	}
	detach_all(&rt);
	ring_buffer__consume(rt.rb);
	rt.in_end = true;
	report_stop(&rt);
	run_once(&rt, &probe_end);
	report_tick(&rt, true);
	output_flush(&rt.out);
	runtime_print_all_maps(&rt);
	status = rt.exit_code;
out:
	output_flush(&rt.out);
	report_free(&rt);
	teardown(&rt);
	output_close(&rt.out);
	free(names);
	return status;
}
