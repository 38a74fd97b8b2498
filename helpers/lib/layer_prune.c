/* layer_prune: PRUNE and KEEP applied to a root's entries (layer.h). The
 * root is a tree of nodes built from the entries (a directory that only
 * has entries below it is a node too); the globs are expanded over it the
 * way a shell in ROOT expanded them, one component at a time, through
 * symlinks resolved inside the root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layer_impl.h"
#include "strset.h"

#define MAX_LINKS 40	/* symlinks followed in one resolution (the kernel's) */

struct node {
	char *name;		/* the last component ("" for the root) */
	struct node *parent;
	struct node **kids;
	size_t nkids, cap;
	const struct layer_entry *entry;	/* the last entry of this path; NULL: implied */
	int removed;
	const char *lib;	/* a path of LIBS that goes through this node */
	int sorted;
};

struct tree {
	struct node root;
	struct strset bypath;	/* path -> node */
	struct node **entry_node;	/* per entry of the layer */
	const struct layer_prune_spec *spec;
	void (*pruned)(void *, const char *);
	void *arg;
	struct err *err;
};

static int
is_link(const struct node *n)
{
	return n->entry && S_ISLNK(n->entry->mode);
}

static int
is_dir(const struct node *n)
{
	return !n->entry || S_ISDIR(n->entry->mode);
}

static struct node *
add_kid(struct node *parent, const char *name)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n || !(n->name = strdup(name)))
		return free(n), NULL;
	if (parent->nkids == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct node **v = realloc(parent->kids, cap * sizeof(*v));

		if (!v)
			return free(n->name), free(n), NULL;
		parent->kids = v;
		parent->cap = cap;
	}
	n->parent = parent;
	parent->kids[parent->nkids++] = n;
	return n;
}

/* the node of PATH (an entry's, path_clean()ed), made with the ones above it */
static struct node *
node_of(struct tree *t, const char *path)
{
	struct node *n = strset_get(&t->bypath, path), *up = &t->root;
	const char *slash = strrchr(path, '/');

	if (n)
		return n;
	if (slash) {
		char *dir = strndup(path, slash - path);

		if (!dir)
			return NULL;
		up = node_of(t, dir);
		free(dir);
		if (!up)
			return NULL;
	}
	if (!(n = add_kid(up, slash ? slash + 1 : path)) || strset_add(&t->bypath, path, n) < 0)
		return NULL;
	return n;
}

static int
cmp_node(const void *a, const void *b)
{
	return strcmp((*(struct node *const *)a)->name, (*(struct node *const *)b)->name);
}

/* the kids of N by name, bytewise (a shell sorts its matches) */
static void
sort_kids(struct node *n)
{
	if (!n->sorted && n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof(*n->kids), cmp_node);
	n->sorted = 1;
}

static struct node *
kid(const struct node *n, const char *name, size_t len)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (!n->kids[i]->removed && strlen(n->kids[i]->name) == len && !memcmp(n->kids[i]->name, name, len))
			return n->kids[i];
	return NULL;
}

/* PATH from CUR, as the kernel resolves it with the root as "/": symlinks
 * on the way followed (the last one only with FOLLOW), ".." physical.
 * NULL: it is not there (or a loop). MARK: set the lib of every node
 * passed (the symlinks and the last node) to MARK. */
static struct node *
walk(struct tree *t, struct node *cur, const char *p, int follow, int depth, const char *mark)
{
	if (*p == '/')
		cur = &t->root;
	while (*p) {
		const char *end, *rest;
		struct node *n;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		len = end - p;
		for (rest = end; *rest == '/'; rest++)
			;
		if (len == 1 && *p == '.') {
			p = end;
			continue;
		}
		if (len == 2 && !memcmp(p, "..", 2)) {
			cur = cur->parent ? cur->parent : cur;
			p = end;
			continue;
		}
		if (!is_dir(cur) || !(n = kid(cur, p, len)))
			return NULL;
		if (mark && (is_link(n) || !*rest))
			n->lib = mark;
		if (is_link(n) && (*rest || follow)) {
			if (depth >= MAX_LINKS || !(n = walk(t, cur, n->entry->symlink, 1, depth + 1, mark)))
				return NULL;
		}
		cur = n;
		p = end;
	}
	return cur;
}

static void
set_removed(struct node *n)
{
	n->removed = 1;
	for (size_t i = 0; i < n->nkids; i++)
		set_removed(n->kids[i]);
}

/* a path of LIBS at or below N (not yet removed), or NULL */
static const char *
lib_below(const struct node *n)
{
	if (n->removed)
		return NULL;
	if (n->lib)
		return n->lib;
	for (size_t i = 0; i < n->nkids; i++) {
		const char *l = lib_below(n->kids[i]);

		if (l)
			return l;
	}
	return NULL;
}

/* is P a KEEP path K or below one (the shell's case $1 in "$k" | "$k"/...),
 * or (ABOVE) is a KEEP path below P (case $k in "$1"/...) */
static int
kept(const struct layer_prune_spec *s, const char *p, int above)
{
	size_t plen = strlen(p);

	for (size_t i = 0; i < s->nkeep; i++) {
		const char *k = s->keep[i] + (s->keep[i][0] == '/');
		size_t klen = strlen(k);

		if (!above && !strncmp(p, k, klen) && (!p[klen] || p[klen] == '/'))
			return 1;
		if (above && klen > plen && !strncmp(k, p, plen) && k[plen] == '/')
			return 1;
	}
	return 0;
}

/* `rmdir -p DIR`: the directories that held only what went, up to the
 * first that holds more, or is a symlink (rmdir refuses it) */
static void
rmdir_p(struct tree *t, char *dir)
{
	for (;;) {
		struct node *n = walk(t, &t->root, dir, 0, 0, NULL);
		char *slash;
		size_t i;

		if (!n || n == &t->root || is_link(n) || !is_dir(n))
			return;
		for (i = 0; i < n->nkids && n->kids[i]->removed; i++)
			;
		if (i < n->nkids)
			return;
		n->removed = 1;
		if (!(slash = strrchr(dir, '/')))
			return;
		*slash = '\0';
	}
}

static int prune_path(struct tree *t, char *p, const char *pattern);

/* what is in P, a directory above a KEEP path: entry by entry (the shell
 * globbed "$1"/ then * and .[!.]*: names that start with ".." are not
 * matched) */
static int
prune_kids(struct tree *t, struct node *n, const char *p, const char *pattern)
{
	sort_kids(n);
	for (int dots = 0; dots < 2; dots++) {
		for (size_t i = 0; i < n->nkids; i++) {
			const char *name = n->kids[i]->name;
			char *c;
			int r;

			if (n->kids[i]->removed || (name[0] == '.') != dots || !strncmp(name, "..", 2))
				continue;
			if (asprintf(&c, "%s/%s", p, name) < 0)
				return err_set(t->err, ENOMEM, "out of memory");
			r = prune_path(t, c, pattern);
			free(c);
			if (r)
				return -1;
		}
	}
	return 0;
}

/* mk/stages/prune.sh's prune_path: P (as matched, not resolved) goes
 * unless kept; above a KEEP path, entry by entry */
static int
prune_path(struct tree *t, char *p, const char *pattern)
{
	struct node *n = walk(t, &t->root, p, 0, 0, NULL);
	const char *lib;
	char *dir;

	if (!n || n == &t->root || kept(t->spec, p, 0))
		return 0;
	if (kept(t->spec, p, 1))
		return is_dir(n) && !is_link(n) ? prune_kids(t, n, p, pattern) : 0;
	if ((lib = lib_below(n)))
		return err_set(t->err, EPERM,
			       "PRUNE %s removes /%s, and ld.so.cache sends the loader to %s: the image would not "
			       "start. Leave it out of PRUNE, KEEP it, or remove the library in FINISH (it runs "
			       "before ld.so.cache is made)", pattern, p, lib);
	if (is_link(n))
		n->removed = 1;
	else
		set_removed(n);
	if (t->pruned)
		t->pruned(t->arg, p);
	if (!(dir = strdup(p)))
		return err_set(t->err, ENOMEM, "out of memory");
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		rmdir_p(t, dir);
	}
	free(dir);
	return 0;
}

struct match {
	char **v;
	size_t n, cap;
};

static int
match_add(struct match *m, char *p)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		char **v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return free(p), -1;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = p;
	return 0;
}

static void
match_free(struct match *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	*m = (struct match){ 0 };
}

/* the next component C (LAST: the pattern's last) from each path of IN */
static int
glob_step(struct tree *t, const struct match *in, const char *c, int last, struct match *out)
{
	int magic = strpbrk(c, "*?[") != NULL;

	for (size_t i = 0; i < in->n; i++) {
		struct node *d = walk(t, &t->root, in->v[i], 1, 0, NULL);

		if (!d || !is_dir(d))
			continue;
		sort_kids(d);
		for (size_t k = 0; k < d->nkids; k++) {
			struct node *n = d->kids[k];
			char *p;

			if (n->removed || (magic ? fnmatch(c, n->name, FNM_PERIOD) : strcmp(c, n->name)))
				continue;
			if (!last && !(is_link(n) ? (n = walk(t, d, n->entry->symlink, 1, 1, NULL)) && is_dir(n) : is_dir(n)))
				continue;
			if (asprintf(&p, "%s%s%s", in->v[i], *in->v[i] ? "/" : "", d->kids[k]->name) < 0 ||
			    match_add(out, p))
				return err_set(t->err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* `for p in ./${pattern#/}`: what PATTERN matches, sorted as a shell's glob */
static int
expand(struct tree *t, const char *pattern, struct match *out)
{
	char *copy = strdup(pattern), *save = NULL, *c, *next;
	struct match cur = { 0 };
	int r = 0;

	if (!copy || match_add(&cur, strdup("")) || !cur.v[0])
		return free(copy), match_free(&cur), err_set(t->err, ENOMEM, "out of memory");
	for (c = strtok_r(copy, "/", &save); c; c = next) {
		struct match nxt = { 0 };

		next = strtok_r(NULL, "/", &save);
		if (!strcmp(c, ".") || !strcmp(c, "..")) {
			r = err_set(t->err, EINVAL, "PRUNE %s: a path with '.' or '..' in it; write it without", pattern);
			break;
		}
		r = glob_step(t, &cur, c, !next, &nxt);
		match_free(&cur);
		cur = nxt;
		if (r)
			break;
	}
	free(copy);
	if (r || (cur.n == 1 && !*cur.v[0]))	/* the root itself: never */
		match_free(&cur);
	*out = cur;
	return r;
}

static void
tree_free(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		tree_free(n->kids[i]);
		free(n->kids[i]->name);
		free(n->kids[i]);
	}
	free(n->kids);
}

static int
build(struct tree *t, const struct layer *l)
{
	if (!(t->entry_node = calloc(l->n ? l->n : 1, sizeof(*t->entry_node))))
		return err_set(t->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		struct node *n = node_of(t, l->v[i].path);

		if (!n)
			return err_set(t->err, ENOMEM, "out of memory");
		/* the later of two entries of one path is the one that stays
		 * (layer_sort), but a directory keeps the first's metadata: a
		 * directory either way */
		if (!n->entry || !(S_ISDIR(n->entry->mode) && S_ISDIR(l->v[i].mode)))
			n->entry = &l->v[i];
		t->entry_node[i] = n;
	}
	for (size_t i = 0; i < t->spec->nlibs; i++)
		walk(t, &t->root, t->spec->libs[i], 1, 0, t->spec->libs[i]);
	return 0;
}

/* L without the entries whose node went; its newest mtime of those left */
static void
compact(struct tree *t, struct layer *l)
{
	size_t o = 0;

	l->newest = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (t->entry_node[i]->removed) {
			layer_free_entry(&l->v[i]);
			continue;
		}
		l->v[o] = l->v[i];
		l->v[o].seq = o;
		if (l->v[o].mtime > l->newest)
			l->newest = l->v[o].mtime;
		o++;
	}
	l->n = o;
}

int
layer_prune(struct layer *l, const struct layer_prune_spec *s, void (*pruned)(void *arg, const char *path),
	    void *arg, struct err *e)
{
	struct tree t = { .spec = s, .pruned = pruned, .arg = arg, .err = e };
	int r = 0;

	err_clear(e);
	if (build(&t, l))
		r = -1;
	for (size_t i = 0; !r && i < s->nprune; i++) {
		struct match m = { 0 };

		if (!(r = expand(&t, s->prune[i] + (s->prune[i][0] == '/'), &m)))
			for (size_t k = 0; !r && k < m.n; k++)
				r = prune_path(&t, m.v[k], s->prune[i]);
		match_free(&m);
	}
	if (!r)
		compact(&t, l);
	tree_free(&t.root);
	strset_free(&t.bypath);
	free(t.entry_node);
	return r;
}
