/* sbom_report: the image report (see sbom.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sbom.h"

static int
cmp_pkg_size(const void *a, const void *b, void *arg)
{
	const struct sbom *s = arg;
	const struct sbom_pkg *x = &s->pkgs[*(const size_t *)a], *y = &s->pkgs[*(const size_t *)b];

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return strcmp(x->vp->atom, y->vp->atom);
}

static int
cmp_file_size(const void *a, const void *b, void *arg)
{
	const struct imgtar *t = arg;
	const struct imgtar_file *x = &t->v[*(const size_t *)a], *y = &t->v[*(const size_t *)b];

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return strcmp(x->path, y->path);
}

static const char *
owner_atom(const struct sbom *s, size_t i)
{
	return s->owner[i] >= 0 ? s->pkgs[s->owner[i]].vp->atom : NULL;
}

/* "SIZE /path" lines -> a sorted array for prefix sums */
struct sized {
	char *path;
	long long size;
};

static int
cmp_sized(const void *a, const void *b)
{
	return strcmp(((const struct sized *)a)->path, ((const struct sized *)b)->path);
}

static struct sized *
read_sizes(const char *file, size_t *n)
{
	FILE *f = file ? fopen(file, "re") : NULL;
	struct sized *v = NULL;
	size_t cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;

	*n = 0;
	if (!f)
		return NULL;
	while ((len = getline(&line, &lcap, f)) > 0) {
		char *sp = strchr(line, ' ');

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!sp)
			continue;
		*sp = '\0';
		if (*n == cap) {
			void *w = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v));

			if (!w)
				break;
			v = w;
		}
		/* "./usr/x" (find in ROOT) and "/usr/x" both mean /usr/x */
		v[*n].path = strdup(sp[1] == '.' ? sp + 2 : sp + 1);
		v[*n].size = atoll(line);
		if (v[*n].path)
			(*n)++;
	}
	free(line);
	fclose(f);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_sized);
	else
		v = malloc(sizeof(*v));	/* an empty listing is still a listing */
	return v;
}

/* bytes under PATH (the path itself and, unless EXACT, everything below it) */
static long long
size_under(const struct sized *v, size_t n, const char *path, int exact)
{
	size_t lo = 0, hi = n, pl = strlen(path);
	long long sum = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && !strncmp(v[lo].path, path, pl) && (v[lo].path[pl] == '\0' || (!exact && v[lo].path[pl] == '/')); lo++)
		sum += v[lo].size;
	return sum;
}

/* portage_line: the path of a "<<<  obj /x" line of vdb unmerge (Portage's
 * own unmerge format) for a file or symlink that went, or NULL */
static char *
portage_line(char *line)
{
	char *type, *end;

	if (strncmp(line, "<<<", 3))
		return NULL;
	type = line + 3 + strspn(line + 3, " ");
	end = type + strcspn(type, " ");
	if (end - type != 3 || (strncmp(type, "obj", 3) && strncmp(type, "sym", 3)))
		return NULL;
	end += strspn(end, " ");
	return *end == '/' ? end : NULL;
}

/* the paths a stage log names: "pruned /x" (PREFIX "pruned ", prune.sh: a
 * path and all below it) or, with PREFIX NULL, the "<<<  obj /x" lines of
 * vdb unmerge (every path on its own line, so EXACT) */
static json_t *
removed(const struct imgtar *img, const char *log, const char *prefix, const struct sized *sz, size_t nsz,
	int exact, long long *total)
{
	FILE *f = log ? fopen(log, "re") : NULL;
	json_t *a = json_array();
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	*total = 0;
	if (!f)
		return a;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_t *e;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *path = prefix ? line + strlen(prefix) : portage_line(line);

		if (!path || (prefix && (strncmp(line, prefix, strlen(prefix)) || *path != '/')))
			continue;
		e = json_pack("{s:s}", "path", path);
		if (sz) {
			long long b = size_under(sz, nsz, path, exact);
			char *slash = strrchr(path, '/');

			/* "/lib64/x" reached through lib64 -> usr/lib64: the listing
			 * has the real path; the image still has the symlink */
			if (!b && slash && slash != path) {
				const struct imgtar_file *d;
				char real[8192];

				*slash = '\0';
				d = imgtar_resolve(img, path, 1);
				*slash = '/';
				if (d && S_ISDIR(d->mode) && strcmp(d->path, path) &&
				    snprintf(real, sizeof(real), "%s%s", d->path, slash) < (int)sizeof(real))
					b = size_under(sz, nsz, real, exact);
			}

			json_object_set_new(e, "bytes", json_integer(b));
			*total += b;
		}
		json_array_append_new(a, e);
	}
	free(line);
	fclose(f);
	return a;
}

/* the sonames of a "x86_64: a b x86_32: c" PROVIDES/REQUIRES field */
static void
sonames(const char *field, struct strset *out)
{
	char *c = strdup(field ? field : ""), *save, *t;

	for (t = c ? strtok_r(c, " \t\n", &save) : NULL; t; t = strtok_r(NULL, " \t\n", &save))
		if (t[strlen(t) - 1] != ':')
			strset_add(out, t, NULL);
	free(c);
}

/* the sonames P's ELF files still in the image need: NEEDED.ELF.2
 * ("ARCH;PATH;SONAME;RPATH;NEEDED,...", Portage's per-file record), or
 * REQUIRES when the package has no NEEDED.ELF.2 */
static void
needs_of(struct sbom *s, struct sbom_pkg *p, struct strset *out)
{
	char *v;

	if (!vdb_field(p->vp, "NEEDED.ELF.2", &v)) {
		char *save, *line;

		for (line = strtok_r(v, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *f[5] = { 0 }, *q = line;

			for (int k = 0; k < 5 && q; k++) {
				f[k] = q;
				q = strchr(q, ';');
				if (q)
					*q++ = '\0';
			}
			if (!f[4] || !imgtar_resolve(&s->img, f[1], 1))
				continue;
			for (char *n = strtok(f[4], ","); n; n = strtok(NULL, ","))
				strset_add(out, n, NULL);
		}
		free(v);
		return;
	}
	if (!vdb_field(p->vp, "REQUIRES", &v)) {
		sonames(v, out);
		free(v);
	}
}

/* the package owning the file PATH names in the image (following links) */
static long
owner_of(struct sbom *s, const char *path)
{
	struct imgtar_file *f = imgtar_resolve(&s->img, path, 1);

	return f ? s->owner[f - s->img.v] : -1;
}

/* the packages the config needs: the owners of the files its entrypoint,
 * cmd, env values and workdir name, and by sonames everything those need */
static char *
needed_closure(struct sbom *s, json_t *starts)
{
	char *in = calloc(s->npkgs + 1, 1);
	json_t *cfg = json_object_get(s->img.config, "config"), *arr, *v;
	const char *keys[] = { "Entrypoint", "Cmd" };
	const char *path_env = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int changed = 1;
	size_t i;

	if (!in)
		return NULL;
	json_array_foreach(json_object_get(cfg, "Env"), i, v)
		if (json_string_value(v) && !strncmp(json_string_value(v), "PATH=", 5))
			path_env = json_string_value(v) + 5;
	for (int k = 0; k < 2; k++) {
		/* with an entrypoint, cmd holds its arguments */
		int cmd_is_args = k == 1 && json_array_size(json_object_get(cfg, "Entrypoint"));

		arr = json_object_get(cfg, keys[k]);
		json_array_foreach(arr, i, v) {
			const char *a = json_string_value(v);
			long o = -1;

			if (!a)
				continue;
			if (a[0] == '/') {
				o = owner_of(s, a);
			} else if (i == 0 && !cmd_is_args && !strchr(a, '/')) {	/* a command looked up in PATH */
				char *dirs = strdup(path_env), *save, *d;

				for (d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && o < 0; d = strtok_r(NULL, ":", &save)) {
					char full[8192];

					snprintf(full, sizeof(full), "%s/%s", d, a);
					o = owner_of(s, full);
				}
				free(dirs);
			} else {
				continue;
			}
			json_array_append_new(starts, json_pack("{s:s, s:s?}", "path", a,
								"package", o >= 0 ? s->pkgs[o].vp->atom : NULL));
			if (o >= 0)
				in[o] = 1;
		}
	}
	/* files the rest of the config names: env values (a:b lists split), workdir */
	{
		json_t *env = json_object_get(cfg, "Env");
		size_t n = json_array_size(env) + 1;

		for (size_t k = 0; k < n; k++) {
			const char *e = k < n - 1 ? json_string_value(json_array_get(env, k))
						  : json_string_value(json_object_get(cfg, "WorkingDir"));
			char *val, *save, *part;

			if (!e)
				continue;
			if (k < n - 1)
				e = strchr(e, '=') ? strchr(e, '=') + 1 : "";
			if (!(val = strdup(e)))
				break;
			for (part = strtok_r(val, ":", &save); part; part = strtok_r(NULL, ":", &save)) {
				long o = part[0] == '/' ? owner_of(s, part) : -1;

				if (o >= 0 && !in[o]) {
					in[o] = 1;
					json_array_append_new(starts, json_pack("{s:s, s:s}", "path", part,
										"package", s->pkgs[o].vp->atom));
				}
			}
			free(val);
		}
	}
	while (changed) {
		struct strset need = { 0 };

		changed = 0;
		for (i = 0; i < s->npkgs; i++)
			if (in[i])
				needs_of(s, &s->pkgs[i], &need);
		for (i = 0; i < s->npkgs; i++) {
			struct strset prov = { 0 };
			char *v2;

			if (in[i] || !s->pkgs[i].nfiles || vdb_field(s->pkgs[i].vp, "PROVIDES", &v2))
				continue;
			sonames(v2, &prov);
			free(v2);
			for (size_t k = 0; k < prov.cap; k++)
				if (prov.keys[k] && strset_has(&need, prov.keys[k])) {
					in[i] = 1;
					changed = 1;
					break;
				}
			strset_free(&prov);
		}
		strset_free(&need);
	}
	return in;
}

/* the image IMAGE of "scratchmerge mkimage IMAGE", or NULL */
static const char *
made_for(json_t *history)
{
	const char *by = json_string_value(json_object_get(history, "created_by"));

	return by && !strncmp(by, "scratchmerge mkimage ", 21) && by[21] ? by + 21 : NULL;
}

/* the layers, bottom first: sizes, what of the final filesystem each
 * holds (paths of every type, bytes of regular files), the image it comes
 * from */
static json_t *
layers_json(const struct sbom *s, const char *name, const char *parent_name)
{
	const struct imgtar *t = &s->img;
	json_t *hist = json_object_get(t->config, "history"), *last = json_array_get(hist, json_array_size(hist) - 1);
	json_t *a = json_array();

	for (size_t i = 0; a && i < t->nlayers; i++) {
		const struct imgtar_layer *l = &t->layers[i];
		int own = l->history && l->history == last;
		const char *image = own ? name : made_for(l->history) ?: parent_name;
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s?, s:b, s:s?}", "layer", (json_int_t)i + 1,
				      "digest", l->digest, "diff_id", l->diff_id, "media_type", l->media_type,
				      "compressed_bytes", (json_int_t)l->size, "uncompressed_bytes", (json_int_t)l->usize,
				      "paths", (json_int_t)l->files, "bytes", (json_int_t)l->bytes, "image", image,
				      "from_parent", !own,
				      "created_by", json_string_value(json_object_get(l->history, "created_by")));

		if (!j || json_array_append_new(a, j)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
sbom_report(struct sbom *s, const char *name, const char *parent_name, const struct sbom_removed *rm, int top)
{
	json_t *r, *pkgs = json_array(), *big = json_array(), *special = json_array(), *cand = json_array();
	json_t *starts = json_array(), *pruned, *unmerged;
	size_t *order, nreg = 0, npsz = 0, nusz = 0, nunowned = 0;
	long long total = 0, unowned = 0, pruned_b, unmerged_b;
	struct sized *psz = read_sizes(rm ? rm->prune_sizes : NULL, &npsz);
	struct sized *usz = read_sizes(rm ? rm->unmerge_sizes : NULL, &nusz);
	char *in;

	order = malloc((s->img.n + s->npkgs + 1) * sizeof(*order));
	if (!order)
		return NULL;
	/* packages by size */
	{
		size_t n = 0;

		for (size_t i = 0; i < s->npkgs; i++)
			if (s->pkgs[i].nfiles)
				order[n++] = i;
		qsort_r(order, n, sizeof(*order), cmp_pkg_size, s);
		for (size_t k = 0; k < n; k++) {
			struct sbom_pkg *p = &s->pkgs[order[k]];

			json_array_append_new(pkgs, json_pack("{s:s, s:I, s:I, s:s?, s:s?}", "package", p->vp->atom,
							      "bytes", (json_int_t)p->size, "files", (json_int_t)p->nfiles,
							      "from_builder", p->origin == SBOM_BUILDER ? "RUNTIME_FROM_BUILDER"
									      : p->origin == SBOM_BUILDER_LIBS ? "RUNTIME_LIBS_FROM_BUILDER" : NULL,
							      "from_parent", p->from_parent));
		}
	}
	/* files: the biggest, the unowned, setuid/setgid/capabilities */
	for (size_t i = 0; i < s->img.n; i++) {
		struct imgtar_file *f = &s->img.v[i];

		if (!S_ISREG(f->mode))
			continue;
		order[nreg++] = i;
		if (!f->hardlink)
			total += f->size;
		if (s->owner[i] < 0) {
			nunowned++;
			unowned += f->size;
		}
		if (f->mode & (S_ISUID | S_ISGID) || f->has_caps) {
			char mode[8];

			snprintf(mode, sizeof(mode), "%04o", (unsigned)(f->mode & 07777));
			json_array_append_new(special, json_pack("{s:s, s:s, s:b, s:b, s:b, s:I, s:I, s:s?}", "path", f->path,
								 "mode", mode, "setuid", !!(f->mode & S_ISUID),
								 "setgid", !!(f->mode & S_ISGID), "capabilities", f->has_caps,
								 "uid", (json_int_t)f->uid, "gid", (json_int_t)f->gid,
								 "package", owner_atom(s, i)));
		}
	}
	qsort_r(order, nreg, sizeof(*order), cmp_file_size, &s->img);
	for (size_t k = 0; k < nreg && (int)k < top; k++)
		json_array_append_new(big, json_pack("{s:s, s:I, s:s?}", "path", s->img.v[order[k]].path,
						     "bytes", (json_int_t)s->img.v[order[k]].size,
						     "package", owner_atom(s, order[k])));
	free(order);
	pruned = removed(&s->img, rm ? rm->prune_log : NULL, "pruned ", psz, npsz, 0, &pruned_b);
	unmerged = removed(&s->img, rm ? rm->unmerge_log : NULL, NULL, usz, nusz, 1, &unmerged_b);
	/* UNMERGE/PROVIDED candidates */
	in = needed_closure(s, starts);
	if (!in)
		return NULL;
	for (size_t i = 0; i < s->npkgs; i++)
		if (s->pkgs[i].nfiles && !in[i])
			json_array_append_new(cand, json_pack("{s:s, s:I}", "package", s->pkgs[i].vp->atom,
							      "bytes", (json_int_t)s->pkgs[i].size));
	free(in);
	for (size_t i = 0; i < npsz; i++)
		free(psz[i].path);
	for (size_t i = 0; i < nusz; i++)
		free(usz[i].path);
	r = json_pack("{s:s, s:s, s:I, s:I, s:o, s:{s:I, s:I}, s:o, s:o, s:o, s:{s:o, s:o}}",
		      "image", name, "digest", s->img.manifest_digest,
		      "files", (json_int_t)nreg, "bytes", (json_int_t)total, "packages", pkgs,
		      "unowned", "files", (json_int_t)nunowned, "bytes", (json_int_t)unowned,
		      "biggest_files", big, "special_files", special,
		      "entrypoint", starts, "unneeded_candidates", "packages", cand,
		      "rule", json_string("owns no file the config names (entrypoint, cmd, env, workdir) and provides no soname that the "
					  "ELF files (NEEDED.ELF.2, else REQUIRES) of a needed package need"));
	{
		json_t *p = json_pack("{s:o}", "paths", pruned), *u = json_pack("{s:o}", "paths", unmerged);

		if (psz)
			json_object_set_new(p, "bytes", json_integer(pruned_b));
		if (usz)
			json_object_set_new(u, "bytes", json_integer(unmerged_b));
		free(psz);
		free(usz);
		json_object_set_new(r, "pruned", p);
		json_object_set_new(r, "unmerged", u);
	}
	{
		json_t *l = layers_json(s, name, parent_name);

		if (!l) {
			json_decref(r);
			errno = ENOMEM;
			return NULL;
		}
		json_object_set_new(r, "layers", l);
	}
	return r;
}
