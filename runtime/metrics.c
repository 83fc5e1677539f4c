/* --metrics: a small HTTP/1.0 server on its own thread answering GET
 * /metrics with the maps in the Prometheus text format (see metrics.h).
 * It reads the BPF maps itself: the bpf() calls are safe from any thread
 * and it shares nothing with the event loop but read-only descriptions. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "runtime/map_print_internal.h"
#include "runtime/map_read.h"
#include "runtime/metrics.h"
#include "runtime/runtime.h"
#include "stdlib/special.h"

struct metrics {
	struct runtime *rt;
	char ***labels;		/* by map id: a label name per key part, or NULL */
	int listen_fd;
	int wake[2];		/* written to stop the thread */
	pthread_t thread;
};

/* --- the exposition text --------------------------------------------------- */

static void metric_name(char *buf, size_t len, const char *map_name)
{
	const char *n = map_name[0] == '@' ? map_name + 1 : map_name;
	if (!*n)
		n = "map";
	size_t k = (size_t)snprintf(buf, len, "sonde_");
	for (; *n && k + 1 < len; n++) {
		char c = *n;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_';
		buf[k++] = ok ? c : '_';
	}
	buf[k] = 0;
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fputc('\\', f);
		if (s[i] == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(s[i], f);
	}
}

/* A stack as one label value: its frames root first, joined by ';' (the
 * folded form flame graph tools read), instead of the text's lines. */
static void stack_label(FILE *f, const struct output *o, const struct type *t, const uint8_t *d)
{
	char *text = special_text(o, t, d, true);
	const char *frames[256];
	size_t lens[256];
	int n = 0;
	for (const char *p = text; p && *p && n < 256;) {
		size_t len = strcspn(p, "\n");
		const char *a = p, *b = p + len;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		if (a < b) {
			frames[n] = a;
			lens[n++] = (size_t)(b - a);
		}
		p = *b ? b + 1 : b;
	}
	for (int i = n - 1; i >= 0; i--) {
		label_value(f, frames[i], lens[i]);
		if (i)
			fputc(';', f);
	}
	free(text);
}

static bool is_stack(const struct type *t)
{
	return t->kind == TY_SPECIAL && (t->special == SP_KSTACK || t->special == SP_USTACK);
}

struct scratch {
	FILE *f;
	char *buf;
	size_t size;
	char *const *names;	/* label names of the map being written, or NULL */
};

/* {comm="..."} or {key0="...",key1="..."}; extra (e.g. le="3") goes last. */
static void labels(FILE *f, struct runtime *rt, const struct map_view *m, const uint8_t *key,
		   struct scratch *s, const char *extra)
{
	const struct type *k = m->key;
	char *const *names = s->names;
	struct output tmp = rt->out;
	int n = 0;

	tmp.out = s->f;
	if (!k && !extra)
		return;
	fputc('{', f);
	if (k) {
		int nf = k->kind == TY_TUPLE ? k->nfields : 1;
		for (int i = 0; i < nf; i++) {
			const struct type *kt = k->kind == TY_TUPLE ? k->fields[i] : k;
			const uint8_t *kd = k->kind == TY_TUPLE ? key + k->offsets[i] : key;
			if (names && names[i])
				fprintf(f, "%s%s=\"", i ? "," : "", names[i]);
			else if (nf == 1)
				fputs("key=\"", f);
			else
				fprintf(f, "%skey%d=\"", i ? "," : "", i);
			n++;
			if (is_stack(kt)) {
				stack_label(f, &tmp, kt, kd);
				fputc('"', f);
				continue;
			}
			fseeko(s->f, 0, SEEK_SET);
			map_value_text(&tmp, kt, kd, 1, true);
			fflush(s->f);
			size_t len = (size_t)ftello(s->f);
			label_value(f, s->buf, len < s->size ? len : s->size);
			fputc('"', f);
		}
	}
	if (extra)
		fprintf(f, "%s%s", n ? "," : "", extra);
	fputc('}', f);
}

static uint64_t bucket(const uint8_t *v, uint32_t i)
{
	uint64_t c;
	memcpy(&c, v + 8 * (size_t)i, 8);
	return c;
}

static void histogram(FILE *f, struct runtime *rt, const struct map_view *m,
		      const struct map_entry *e, const char *name, struct scratch *s)
{
	const struct type *t = m->value;
	bool lin = t->agg == AGG_LHIST;
	uint32_t nb = lin ? lhist_bucket_count(t) : hist_bucket_count(t);
	uint32_t bits = t->hist_bits > 0 ? (uint32_t)t->hist_bits : 0;
	uint64_t cum = 0;
	char le[64];

	if (bits > 16)
		bits = 16;
	for (uint32_t i = 0; i < nb; i++) {
		cum += bucket(e->value, i);
		if (i + 1 == nb)
			break;	/* the last bucket is +Inf's */
		if (lin) {
			int64_t up = i == 0 ? t->lhist_min - 1 : t->lhist_min + (int64_t)i * t->lhist_step - 1;
			snprintf(le, sizeof(le), "le=\"%" PRId64 "\"", up);
		} else if (i == 0) {
			snprintf(le, sizeof(le), "le=\"-1\"");
		} else if (i <= (2u << bits)) {
			snprintf(le, sizeof(le), "le=\"%u\"", i - 1);
		} else {
			snprintf(le, sizeof(le), "le=\"%" PRIu64 "\"", hist_bucket_low(i, bits) - 1);
		}
		fprintf(f, "%s_bucket", name);
		labels(f, rt, m, e->key, s, le);
		fprintf(f, " %" PRIu64 "\n", cum);
	}
	fprintf(f, "%s_bucket", name);
	labels(f, rt, m, e->key, s, "le=\"+Inf\"");
	fprintf(f, " %" PRIu64 "\n", cum);
	/* the sum of the observed values follows the buckets (map_print.h) */
	uint64_t sum = bucket(e->value, nb);
	fprintf(f, "%s_sum", name);
	labels(f, rt, m, e->key, s, NULL);
	if (t->agg_signed)
		fprintf(f, " %" PRId64 "\n", (int64_t)sum);
	else
		fprintf(f, " %" PRIu64 "\n", sum);
	fprintf(f, "%s_count", name);
	labels(f, rt, m, e->key, s, NULL);
	fprintf(f, " %" PRIu64 "\n", cum);
}

/* A tseries is a gauge of its last whole interval: the one before the
 * interval now running, whose value can still change.  Without a value
 * there, a "sum" series is 0 and the others have no sample. */
static void tseries_sample(FILE *f, struct runtime *rt, const struct map_view *m,
			   const struct map_entry *e, const char *name, struct scratch *s)
{
	const struct type *t = m->value;
	struct timespec now;
	if (clock_gettime(CLOCK_TAI, &now))
		return;
	uint64_t cur = ((uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec) / t->ts_interval;
	struct tseries_point p;
	memcpy(&p, e->value + sizeof(p) * ((cur - 1) % t->ts_count), sizeof(p));
	if (p.epoch != cur - 1) {
		if (t->ts_fn != TS_SUM)
			return;
		p.value = 0;
	}
	fputs(name, f);
	labels(f, rt, m, e->key, s, NULL);
	if (t->agg_signed)
		fprintf(f, " %" PRId64 "\n", p.value);
	else
		fprintf(f, " %" PRIu64 "\n", (uint64_t)p.value);
}

static void one_map(FILE *f, struct runtime *rt, const struct sema_map *sm, struct scratch *s)
{
	const struct type *t = sm->value;
	char name[160];
	const char *type, *suffix = "";

	if (!t)
		return;
	if (t->kind == TY_AGG) {
		switch (t->agg) {
		case AGG_COUNT:
		case AGG_SUM: type = "counter"; suffix = "_total"; break;
		case AGG_HIST:
		case AGG_LHIST: type = "histogram"; break;
		case AGG_STATS: type = "summary"; break;
		case AGG_TSERIES: type = "gauge"; break;	/* its last whole interval */
		default: type = "gauge"; break;
		}
	} else if (t->kind == TY_INT || t->kind == TY_BOOL) {
		type = "gauge";
	} else {
		return;	/* strings, tuples: not numbers */
	}
	struct map_snapshot snap;
	if (map_snapshot_read(&snap, sm, rt->map_fds[sm->id], rt->ncpus, rt->map_zeroed[sm->id])) {
		map_snapshot_free(&snap);
		return;
	}
	metric_name(name, sizeof(name) - 8, sm->name);
	strcat(name, suffix);
	fprintf(f, "# HELP %s sonde map %s (%s)\n", name, sm->name,
		t->kind == TY_AGG ? agg_name(t->agg) : "value");
	fprintf(f, "# TYPE %s %s\n", name, type);
	struct output tmp = rt->out;
	tmp.out = f;
	for (size_t i = 0; i < snap.view.n; i++) {
		const struct map_entry *e = &snap.view.entries[i];
		if (t->kind == TY_AGG && (t->agg == AGG_HIST || t->agg == AGG_LHIST)) {
			histogram(f, rt, &snap.view, e, name, s);
		} else if (t->kind == TY_AGG && t->agg == AGG_TSERIES) {
			tseries_sample(f, rt, &snap.view, e, name, s);
		} else if (t->kind == TY_AGG && t->agg == AGG_STATS) {
			struct agg_avg a;
			memcpy(&a, e->value, sizeof(a));
			fprintf(f, "%s_sum", name);
			labels(f, rt, &snap.view, e->key, s, NULL);
			if (t->agg_signed)
				fprintf(f, " %" PRId64 "\n", a.total);
			else
				fprintf(f, " %" PRIu64 "\n", (uint64_t)a.total);
			fprintf(f, "%s_count", name);
			labels(f, rt, &snap.view, e->key, s, NULL);
			fprintf(f, " %" PRIu64 "\n", a.count);
		} else {
			fputs(name, f);
			labels(f, rt, &snap.view, e->key, s, NULL);
			fputc(' ', f);
			if (t->kind == TY_AGG)
				map_agg_value_text(f, t, e->value, 1);
			else if (t->kind == TY_BOOL)
				fputc(e->value[0] ? '1' : '0', f);
			else
				map_value_text(&tmp, t, e->value, 1, false);
			fputc('\n', f);
		}
	}
	map_snapshot_free(&snap);
}

static void metrics_write_named(struct runtime *rt, FILE *f, char ***names)
{
	struct scratch s = {0};
	s.f = open_memstream(&s.buf, &s.size);
	if (!s.f)
		return;
	for (int i = 0; i < rt->sp->nmaps; i++) {
		s.names = names ? names[rt->sp->maps[i]->id] : NULL;
		one_map(f, rt, rt->sp->maps[i], &s);
	}
	fputs("# HELP sonde_lost_events_total Events lost because the ring buffer was full\n"
	      "# TYPE sonde_lost_events_total counter\n", f);
	fprintf(f, "sonde_lost_events_total %" PRIu64 "\n", runtime_lost_total(rt));
	fclose(s.f);
	free(s.buf);
}

void metrics_write(struct runtime *rt, FILE *f)
{
	metrics_write_named(rt, f, NULL);
}

/* --- label names ------------------------------------------------------------ */

/* What a key expression is called: comm, pid, $fd -> fd, args.filename ->
 * filename, str(args.filename) -> filename; NULL when it has no name. */
static const char *key_name(const struct ast_node *e)
{
	switch (e->kind) {
	case AST_IDENT:
	case AST_VAR:
	case AST_FIELD:
		return e->name;
	case AST_CALL:
		if (e->name && !strcmp(e->name, "str") && e->list.len >= 1)
			return key_name(e->list.items[0]);
		if (e->name && (!strcmp(e->name, "kstack") || !strcmp(e->name, "ustack")))
			return e->name;
		return NULL;
	default:
		return NULL;
	}
}

static bool label_ok(const char *n)
{
	if (!n || !*n || !strncmp(n, "__", 2) || !strcmp(n, "le") || !strcmp(n, "quantile") ||
	    !strcmp(n, "job") || !strcmp(n, "instance"))
		return false;
	if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || *n == '_'))
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '_'))
			return false;
	return true;
}

struct naming {
	struct runtime *rt;
	char ***names;
};

/* The first keyed use of each map names its labels; if any part has no
 * usable name, or two parts share one, the map keeps key/keyN. */
static bool name_visit(struct ast_node *n, void *ctx)
{
	struct naming *nm = ctx;
	if (n->kind != AST_MAP || !n->map || !n->list.len || !n->map->key)
		return true;
	int id = n->map->id;
	if (id < 0 || id >= nm->rt->sp->nmaps || nm->names[id])
		return true;
	const struct type *k = n->map->key;
	int nf = k->kind == TY_TUPLE ? k->nfields : 1;
	char **names = calloc((size_t)nf + 1, sizeof(*names));
	if (!names)
		return true;
	nm->names[id] = names;
	if (n->list.len != nf)
		return true;
	for (int i = 0; i < nf; i++) {
		const char *kn = key_name(n->list.items[i]);
		for (int j = 0; kn && j < i; j++)
			if (names[j] && !strcmp(names[j], kn))
				kn = NULL;
		if (!label_ok(kn)) {
			for (int j = 0; j < i; j++) {
				free(names[j]);
				names[j] = NULL;
			}
			return true;
		}
		names[i] = strdup(kn);
	}
	return true;
}

static char ***label_names(struct runtime *rt)
{
	struct naming nm = {rt, calloc((size_t)rt->sp->nmaps + 1, sizeof(char **))};
	if (nm.names && rt->sp->ast)
		ast_walk(rt->sp->ast, name_visit, &nm);
	return nm.names;
}

static void label_names_free(struct runtime *rt, char ***names)
{
	for (int i = 0; names && i < rt->sp->nmaps; i++) {
		for (int j = 0; names[i] && names[i][j]; j++)
			free(names[i][j]);
		free(names[i]);
	}
	free(names);
}

/* --- HTTP ----------------------------------------------------------------- */

static void send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void respond(int fd, const char *status, const char *ctype, const char *body,
		    size_t len, bool head)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, ctype, len);
	send_all(fd, hdr, (size_t)n);
	if (!head)
		send_all(fd, body, len);
}

static void serve(struct metrics *m, int fd)
{
	char req[4096];
	size_t got = 0;
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1) {
		ssize_t n = recv(fd, req + got, sizeof(req) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[got] = 0;
	bool head = !strncmp(req, "HEAD ", 5);
	if (strncmp(req, "GET ", 4) && !head) {
		static const char msg[] = "only GET\n";
		respond(fd, "405 Method Not Allowed", "text/plain", msg, sizeof(msg) - 1, false);
		return;
	}
	const char *path = req + (head ? 5 : 4);
	size_t plen = strcspn(path, " ?\r\n");
	if (plen == 8 && !strncmp(path, "/metrics", 8)) {
		char *body = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&body, &len);
		if (!f)
			return;
		metrics_write_named(m->rt, f, m->labels);
		fclose(f);
		respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, len, head);
		free(body);
	} else if (plen == 1 && path[0] == '/') {
		static const char msg[] = "sonde: the metrics are at /metrics\n";
		respond(fd, "200 OK", "text/plain", msg, sizeof(msg) - 1, head);
	} else {
		static const char msg[] = "not found: the metrics are at /metrics\n";
		respond(fd, "404 Not Found", "text/plain", msg, sizeof(msg) - 1, head);
	}
}

static void *metrics_thread(void *arg)
{
	struct metrics *m = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = m->listen_fd, .events = POLLIN},
				      {.fd = m->wake[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve(m, fd);
		close(fd);
	}
	return NULL;
}

static int split_addr(const char *addr, char *host, size_t hlen, const char **port)
{
	const char *colon;
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');
		if (!end || end[1] != ':' || (size_t)(end - addr - 1) >= hlen)
			return -1;
		memcpy(host, addr + 1, (size_t)(end - addr - 1));
		host[end - addr - 1] = 0;
		*port = end + 2;
		return 0;
	}
	colon = strrchr(addr, ':');
	if (!colon) {
		snprintf(host, hlen, "127.0.0.1");
		*port = addr;
		return 0;
	}
	if ((size_t)(colon - addr) >= hlen)
		return -1;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	if (!host[0])
		snprintf(host, hlen, "127.0.0.1");
	*port = colon + 1;
	return 0;
}

struct metrics *metrics_start(struct runtime *rt, const char *addr)
{
	char host[256];
	const char *port;
	if (split_addr(addr, host, sizeof(host), &port) || !*port) {
		fprintf(stderr, "sonde: --metrics takes [ADDR:]PORT, e.g. 127.0.0.1:9464, "
				"not '%s'\n", addr);
		return NULL;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
	struct addrinfo *res;
	int err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "sonde: --metrics %s: %s\n", addr, gai_strerror(err));
		return NULL;
	}
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 16)) {
		fprintf(stderr, "sonde: --metrics %s: cannot listen there: %s\n", addr,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return NULL;
	}
	freeaddrinfo(res);
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m || pipe2(m->wake, O_CLOEXEC)) {
		close(fd);
		free(m);
		return NULL;
	}
	m->rt = rt;
	m->listen_fd = fd;
	m->labels = label_names(rt);
	if (pthread_create(&m->thread, NULL, metrics_thread, m)) {
		fprintf(stderr, "sonde: --metrics: cannot start its thread\n");
		close(fd);
		close(m->wake[0]);
		close(m->wake[1]);
		label_names_free(rt, m->labels);
		free(m);
		return NULL;
	}
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	/* should the write fail, the thread ends with the process */
	ssize_t w = write(m->wake[1], "x", 1);
	(void)w;
	pthread_join(m->thread, NULL);
	close(m->wake[0]);
	close(m->wake[1]);
	close(m->listen_fd);
	label_names_free(m->rt, m->labels);
	free(m);
}
