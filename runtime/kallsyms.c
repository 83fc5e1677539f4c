#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kallsyms.h"

static struct ksym *syms;
static int nsyms;
static bool loaded;
static const struct ksym **by_addr_idx;	/* syms sorted by address, built on first use */

static int by_name(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void load(void)
{
	loaded = true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	char line[512];
	int cap = 0;
	while (fgets(line, sizeof(line), f)) {
		char type, name[256], mod[128] = "";
		unsigned long long addr;
		int k = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (k < 3 || (type != 't' && type != 'T'))
			continue;
		if (nsyms == cap) {
			cap = cap ? cap * 2 : 65536;
			struct ksym *s = realloc(syms, sizeof(*s) * (size_t)cap);
			if (!s)
				break;
			syms = s;
		}
		syms[nsyms].addr = addr;
		syms[nsyms].name = strdup(name);
		syms[nsyms].module = k == 4 ? strdup(mod) : NULL;
		nsyms++;
	}
	fclose(f);
	qsort(syms, (size_t)nsyms, sizeof(*syms), by_name);
}

const struct ksym *kallsyms_functions(int *n)
{
	if (!loaded)
		load();
	*n = nsyms;
	return syms;
}

const struct ksym *kallsyms_find(const char *name, const char *module)
{
	int n;
	const struct ksym *s = kallsyms_functions(&n);
	struct ksym key = {.name = name};
	const struct ksym *hit = bsearch(&key, s, (size_t)n, sizeof(*s), by_name);
	if (!hit)
		return NULL;
	/* equal names sit together: step back to the first, then scan */
	while (hit > s && !strcmp(hit[-1].name, name))
		hit--;
	for (; hit < s + n && !strcmp(hit->name, name); hit++)
		if (!module || (hit->module ? !strcmp(hit->module, module) : !strcmp(module, "vmlinux")))
			return hit;
	return NULL;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = *(const struct ksym *const *)a, *y = *(const struct ksym *const *)b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

const struct ksym *kallsyms_lookup_addr(uint64_t addr, uint64_t *offset)
{
	int n;
	const struct ksym *s = kallsyms_functions(&n);
	if (!n)
		return NULL;
	if (!by_addr_idx) {
		by_addr_idx = malloc(sizeof(*by_addr_idx) * (size_t)n);
		if (!by_addr_idx)
			return NULL;
		for (int i = 0; i < n; i++)
			by_addr_idx[i] = &s[i];
		qsort(by_addr_idx, (size_t)n, sizeof(*by_addr_idx), cmp_addr);
	}
	/* the last symbol at or below addr */
	int lo = 0, hi = n - 1, best = -1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (by_addr_idx[mid]->addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0 || !by_addr_idx[best]->addr)
		return NULL;
	if (offset)
		*offset = addr - by_addr_idx[best]->addr;
	return by_addr_idx[best];
}

bool kallsyms_address(const char *name, uint64_t *addr)
{
	/* any symbol (data too): one pass over the file, at compile time */
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char type, sym[256];
		unsigned long long a;
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name)) {
			*addr = a;
			found = true;
		}
	}
	fclose(f);
	return found;
}
