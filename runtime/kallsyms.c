#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kallsyms.h"

static struct ksym *syms;
static int nsyms;
static bool loaded;

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
