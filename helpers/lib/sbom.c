#define _GNU_SOURCE
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hex.h"
#include "license.h"
#include "sbom.h"

static char *
field(struct vdb_pkg *p, const char *key)
{
	char *v;

	return vdb_field(p, key, &v) ? NULL : v;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the flags of USE that IUSE declares (IUSE defaults "+x"/"-x" stripped):
 * what Portage's own `equery uses` shows as the package's flags */
static char *
use_built(const char *use, const char *iuse)
{
	struct strset decl = { 0 };
	char *u = strdup(use ? use : ""), *i = strdup(iuse ? iuse : ""), *save, *t;
	char **v = NULL, *out = NULL;
	size_t n = 0, len = 1;

	if (!u || !i)
		goto out;
	for (t = strtok_r(i, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
		if (strset_add(&decl, t + (*t == '+' || *t == '-'), NULL) < 0)
			goto out;
	if (!(v = calloc(strlen(u) / 2 + 1, sizeof(*v))))
		goto out;
	for (t = strtok_r(u, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
		if (strset_has(&decl, t)) {
			v[n++] = t;
			len += strlen(t) + 1;
		}
	qsort(v, n, sizeof(*v), cmp_str);
	if (!(out = calloc(len, 1)))
		goto out;
	for (size_t k = 0; k < n; k++) {
		if (k && !strcmp(v[k], v[k - 1]))
			continue;
		if (*out)
			strcat(out, " ");
		strcat(out, v[k]);
	}
out:
	strset_free(&decl);
	free(v);
	free(u);
	free(i);
	return out;
}

/* is the package named in LIST, as CAT/PN or CAT/PF? */
static int
listed(const char *cat_pn, const char *atom, char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cat_pn, list[i]) || !strcmp(atom, list[i]))
			return 1;
	return 0;
}

struct walk {
	struct sbom *s;
	size_t pkg;
};

static int
own_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	struct walk *w = arg;
	struct sbom *s = w->s;
	struct sbom_pkg *sp = &s->pkgs[w->pkg];
	struct imgtar_file *f;
	size_t idx;

	(void)p;
	if (e->type != CONTENTS_OBJ)
		return 0;
	/* the path as the image has it: /lib/x -> /usr/lib/x through lib -> usr/lib */
	f = imgtar_resolve(&s->img, e->path, 0);
	if (!f || !S_ISREG(f->mode))
		return 0;
	idx = (size_t)(f - s->img.v);
	if (s->owner[idx] >= 0)	/* two packages list it: the first (by atom) keeps it */
		return 0;
	s->owner[idx] = (long)w->pkg;
	if (!(sp->nfiles & (sp->nfiles + 1))) {	/* grow at 2^k - 1 */
		void *v = realloc(sp->files, (sp->nfiles * 2 + 2) * sizeof(*sp->files));

		if (!v)
			return -1;
		sp->files = v;
	}
	sp->files[sp->nfiles++] = idx;
	sp->size += f->size;
	return 0;
}

static int
cmp_idx(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int
sbom_load(struct sbom *s, const char *archive, const char *vdb_root,
	  char **whole, size_t nwhole, char **libs, size_t nlibs, struct err *e)
{
	memset(s, 0, sizeof(*s));
	err_clear(e);
	if (imgtar_read(&s->img, archive, e))
		return -1;
	if (vdb_open(&s->db, vdb_root))
		return err_set(e, errno, "%s:", vdb_root);
	s->npkgs = s->db.npkgs;
	s->pkgs = calloc(s->npkgs + 1, sizeof(*s->pkgs));
	s->owner = malloc((s->img.n + 1) * sizeof(*s->owner));
	if (!s->pkgs || !s->owner)
		goto nomem;
	for (size_t i = 0; i < s->img.n; i++)
		s->owner[i] = -1;
	for (size_t i = 0; i < s->npkgs; i++) {
		struct sbom_pkg *sp = &s->pkgs[i];
		struct vdb_pkg *vp = &s->db.pkgs[i];
		struct walk w = { s, i };
		struct strset use = { 0 };
		char cat_pn[1024], *save, *t, *u;

		sp->vp = vp;
		sp->slot = field(vp, "SLOT");
		sp->repo = field(vp, "repository");
		sp->license = field(vp, "LICENSE");
		sp->use = field(vp, "USE");
		sp->iuse = field(vp, "IUSE");
		if (!(sp->use_built = use_built(sp->use, sp->iuse)))
			goto nomem;
		snprintf(cat_pn, sizeof(cat_pn), "%s/%s", vp->cat, vp->pn);
		sp->origin = listed(cat_pn, vp->atom, whole, nwhole) ? SBOM_BUILDER
			   : listed(cat_pn, vp->atom, libs, nlibs) ? SBOM_BUILDER_LIBS : SBOM_ROOT;
		/* the conditionals of LICENSE follow the package's whole USE */
		if (!(u = strdup(sp->use ? sp->use : "")))
			goto nomem;
		for (t = strtok_r(u, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
			strset_add(&use, t, NULL);
		free(u);
		if (sp->license && license_to_spdx(sp->license, &use, &sp->spdx_license, &s->unmapped)) {
			int saved = errno;

			strset_free(&use);
			if (saved == EINVAL)
				return err_set(e, EINVAL, "%s: LICENSE \"%s\": not a licence expression Portage would write",
					       vp->atom, sp->license);
			return err_set(e, saved, "%s: LICENSE \"%s\":", vp->atom, sp->license);
		}
		strset_free(&use);
		if (vdb_contents(vp, own_cb, &w, e))
			return -1;
		if (sp->nfiles)
			qsort(sp->files, sp->nfiles, sizeof(*sp->files), cmp_idx);
	}
	return 0;
nomem:
	return err_set(e, ENOMEM, "out of memory");
}

void
sbom_free(struct sbom *s)
{
	for (size_t i = 0; i < s->npkgs; i++) {
		struct sbom_pkg *p = &s->pkgs[i];

		free(p->slot);
		free(p->repo);
		free(p->license);
		free(p->use);
		free(p->iuse);
		free(p->spdx_license);
		free(p->use_built);
		free(p->files);
	}
	free(s->pkgs);
	free(s->owner);
	free(s->parent_name);
	strset_free(&s->unmapped);
	vdb_close(&s->db);
	imgtar_free(&s->img);
	memset(s, 0, sizeof(*s));
}

/* the same build: BUILD_TIME equal, when both record one */
static int
same_build(struct vdb_pkg *a, struct vdb_pkg *b)
{
	char *x = field(a, "BUILD_TIME"), *y = field(b, "BUILD_TIME");
	int same = !x || !y || !strcmp(x, y);

	free(x);
	free(y);
	return same;
}

int
sbom_mark_parent(struct sbom *s, const char *parent_vdb, const char *name, struct err *e)
{
	struct vdb pdb;
	struct strset atoms = { 0 };
	int n = 0;

	err_clear(e);
	if (!(s->parent_name = strdup(name)))
		return err_set(e, ENOMEM, "out of memory");
	if (vdb_open(&pdb, parent_vdb))
		return err_set(e, errno, "%s:", parent_vdb);
	for (size_t i = 0; i < pdb.npkgs; i++)
		if (strset_add(&atoms, pdb.pkgs[i].atom, &pdb.pkgs[i]) < 0) {
			n = err_set(e, ENOMEM, "out of memory");
			goto out;
		}
	for (size_t i = 0; i < s->npkgs; i++) {
		struct vdb_pkg *pp = strset_get(&atoms, s->pkgs[i].vp->atom);

		if (pp && same_build(s->pkgs[i].vp, pp)) {
			s->pkgs[i].from_parent = s->parent_name;
			n++;
		}
	}
out:
	strset_free(&atoms);
	vdb_close(&pdb);
	return n;
}

/* --- SPDX --- */

/* SPDX ids allow letters, digits, '.' and '-' */
static void
spdx_id(char *out, size_t n, const char *prefix, const char *s)
{
	size_t k = (size_t)snprintf(out, n, "%s", prefix);

	for (; *s && k + 1 < n; s++)
		out[k++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
				   *s == '.' || *s == '-' ? *s : '-';
	out[k < n ? k : n - 1] = '\0';
}

static void
file_id(const char *path, char out[64])
{
	char h[65];

	hex_digest(EVP_sha256(), path, strlen(path), h);
	snprintf(out, 64, "SPDXRef-File-%.16s", h);
}

static json_t *
annotation(const char *when, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *
annotation(const char *when, const char *fmt, ...)
{
	char *s;
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	j = json_pack("{s:s, s:s, s:s, s:s}", "annotationDate", when, "annotationType", "OTHER",
		      "annotator", "Tool: scratchmerge-sbom", "comment", s ? s : "");
	free(s);
	return j;
}

static const char *
origin_name(enum sbom_origin o)
{
	return o == SBOM_BUILDER ? "RUNTIME_FROM_BUILDER" : o == SBOM_BUILDER_LIBS ? "RUNTIME_LIBS_FROM_BUILDER" : NULL;
}

static char *
pf_version(const struct vdb_pkg *vp)
{
	return vp->pf + strlen(vp->pn) + 1;
}

static int
cmp_rel(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *k[] = { "spdxElementId", "relationshipType", "relatedSpdxElement" };

	for (int i = 0; i < 3; i++) {
		int c = strcmp(json_string_value(json_object_get(x, k[i])), json_string_value(json_object_get(y, k[i])));

		if (c)
			return c;
	}
	return 0;
}

static json_t *
relationship(const char *a, const char *type, const char *b)
{
	return json_pack("{s:s, s:s, s:s}", "spdxElementId", a, "relationshipType", type, "relatedSpdxElement", b);
}

/* the image itself: what the document describes */
static json_t *
image_package(const struct sbom *s, const char *name)
{
	char purl[512];

	snprintf(purl, sizeof(purl), "pkg:oci/%s@sha256%%3A%s", name, s->img.manifest_digest + 7);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}], s:s}",
			 "SPDXID", "SPDXRef-Image", "name", name, "versionInfo", s->img.manifest_digest,
			 "downloadLocation", "NOASSERTION", "filesAnalyzed", 0,
			 "licenseConcluded", "NOASSERTION", "licenseDeclared", "NOASSERTION",
			 "copyrightText", "NOASSERTION", "primaryPackagePurpose", "CONTAINER",
			 "externalRefs", "referenceCategory", "PACKAGE-MANAGER", "referenceType", "purl",
			 "referenceLocator", purl,
			 "comment", "the FROM-scratch image; its files that no package owns are related to it by CONTAINS");
}

/* purl: the "ebuild" type, proposed for Portage packages and emitted by
 * Syft's Gentoo cataloger (no registered Gentoo type exists) */
static void
package_purl(const struct sbom_pkg *p, char *purl, size_t n)
{
	snprintf(purl, n, "pkg:ebuild/%s/%s@%s%s%s%s%s", p->vp->cat, p->vp->pn, pf_version(p->vp),
		 p->repo || p->slot ? "?" : "", p->repo ? "repository=" : "", p->repo ? p->repo : "", "");
	if (p->slot) {
		size_t k = strlen(purl);

		snprintf(purl + k, n - k, "%sslot=", p->repo ? "&" : "");
		for (const char *c = p->slot; *c && strlen(purl) + 4 < n; c++) {
			k = strlen(purl);
			if (*c == '/')
				snprintf(purl + k, n - k, "%%2F");
			else
				purl[k] = *c, purl[k + 1] = '\0';
		}
	}
}

/* the package verification code: SHA-1 of the sorted SHA-1s of the
 * package's files (SPDX 2.3, 7.9) */
static int
verification_code(const struct sbom *s, const struct sbom_pkg *p, char vc[41])
{
	char *codes = malloc(p->nfiles * 40 + 1), **sh = malloc(p->nfiles * sizeof(*sh));

	if (!codes || !sh) {
		free(codes);
		free(sh);
		errno = ENOMEM;
		return -1;
	}
	for (size_t k = 0; k < p->nfiles; k++)
		sh[k] = s->img.v[p->files[k]].sha1;
	qsort(sh, p->nfiles, sizeof(*sh), cmp_str);
	for (size_t k = 0; k < p->nfiles; k++)
		memcpy(codes + 40 * k, sh[k], 40);
	hex_digest(EVP_sha1(), codes, p->nfiles * 40, vc);
	free(sh);
	free(codes);
	return 0;
}

static json_t *
package_annotations(const struct sbom_pkg *p, const char *created)
{
	const char *origin = origin_name(p->origin);
	json_t *ann = json_array();

	json_array_append_new(ann, annotation(created, "gentoo:SLOT=%s", p->slot ? p->slot : ""));
	json_array_append_new(ann, annotation(created, "gentoo:repository=%s", p->repo ? p->repo : ""));
	if (p->license)
		json_array_append_new(ann, annotation(created, "gentoo:LICENSE=%s", p->license));
	json_array_append_new(ann, annotation(created, "gentoo:USE=%s", p->use_built));
	if (origin)
		json_array_append_new(ann, annotation(created, "scratchmerge:copied-from-builder=%s", origin));
	if (p->from_parent)
		json_array_append_new(ann, annotation(created, "scratchmerge:from-parent=%s", p->from_parent));
	return ann;
}

static int
set_package_comment(json_t *jp, const struct sbom_pkg *p)
{
	const char *origin = origin_name(p->origin);
	char *c;

	if (asprintf(&c, "Gentoo package %s (SLOT %s, repository %s, USE \"%s\")%s%s%s%s", p->vp->atom,
		     p->slot ? p->slot : "?", p->repo ? p->repo : "?", p->use_built,
		     origin ? "; copied from the builder by " : "", origin ? origin : "",
		     p->from_parent ? "; from the parent image " : "", p->from_parent ? p->from_parent : "") < 0)
		return -1;
	json_object_set_new(jp, "comment", json_string(c));
	free(c);
	return 0;
}

/* The SPDX package of P, a package with files in the image; its SPDXID
 * into ID. */
static json_t *
package_json(const struct sbom *s, const struct sbom_pkg *p, const char *created, char id[600])
{
	char purl[1024], vc[41];
	json_t *jp, *hasfiles, *ref;

	spdx_id(id, 600, "SPDXRef-Package-", p->vp->atom);
	package_purl(p, purl, sizeof(purl));
	if (verification_code(s, p, vc) || !(hasfiles = json_array()))
		return NULL;
	for (size_t k = 0; k < p->nfiles; k++) {
		char fid[64];

		file_id(s->img.v[p->files[k]].path, fid);
		json_array_append_new(hasfiles, json_string(fid));
	}
	ref = json_pack("[{s:s, s:s, s:s}]", "referenceCategory", "PACKAGE-MANAGER", "referenceType", "purl",
			"referenceLocator", purl);
	jp = json_pack("{s:s, s:s, s:s, s:s, s:b, s:{s:s}, s:o, s:s, s:s, s:s, s:o, s:o, s:s}",
		       "SPDXID", id, "name", p->vp->pn, "versionInfo", pf_version(p->vp),
		       "downloadLocation", "NOASSERTION", "filesAnalyzed", 1,
		       "packageVerificationCode", "packageVerificationCodeValue", vc,
		       "hasFiles", hasfiles, "licenseConcluded", "NOASSERTION",
		       "licenseDeclared", p->license ? (p->spdx_license ? p->spdx_license : "NONE") : "NOASSERTION",
		       "copyrightText", "NOASSERTION", "externalRefs", ref, "annotations",
		       package_annotations(p, created), "primaryPackagePurpose", "LIBRARY");
	if (jp && set_package_comment(jp, p)) {
		json_decref(jp);
		return NULL;
	}
	return jp;
}

/* Every package with files in the image into PKGS, CONTAINED by the
 * image; the atoms of the others (installed in ROOT, but nothing of them
 * is in the image) into ABSENT. */
static int
add_packages(const struct sbom *s, const char *created, json_t *pkgs, json_t *rels, json_t *absent)
{
	for (size_t i = 0; i < s->npkgs; i++) {
		const struct sbom_pkg *p = &s->pkgs[i];
		char id[600];
		json_t *jp;

		if (!p->nfiles) {
			json_array_append_new(absent, json_string(p->vp->atom));
			continue;
		}
		if (!(jp = package_json(s, p, created, id)))
			return -1;
		json_array_append_new(pkgs, jp);
		json_array_append_new(rels, relationship("SPDXRef-Image", "CONTAINS", id));
	}
	return 0;
}

/* Every regular file of the image into FILES; those no package owns are
 * the image's own (CONTAINS). Returns how many that is. */
static size_t
add_files(const struct sbom *s, json_t *files, json_t *rels)
{
	size_t nunowned = 0;

	for (size_t i = 0; i < s->img.n; i++) {
		const struct imgtar_file *f = &s->img.v[i];
		char fid[64], name[8200];
		json_t *jf;

		if (!S_ISREG(f->mode))
			continue;
		file_id(f->path, fid);
		snprintf(name, sizeof(name), ".%s", f->path);
		jf = json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s}", "SPDXID", fid, "fileName", name,
			       "checksums", "algorithm", "SHA1", "checksumValue", f->sha1, "algorithm", "SHA256",
			       "checksumValue", f->sha256, "licenseConcluded", "NOASSERTION",
			       "copyrightText", "NOASSERTION");
		if (s->owner[i] < 0) {
			json_object_set_new(jf, "comment", json_string("owned by no package: a file of the image "
								       "(written by a stage or laid over from rootfs/)"));
			json_array_append_new(rels, relationship("SPDXRef-Image", "CONTAINS", fid));
			nunowned++;
		}
		json_array_append_new(files, jf);
	}
	return nunowned;
}

/* hasExtractedLicensingInfos: the licences with no SPDX identifier,
 * sorted by name */
static json_t *
extracted_licences(const struct sbom *s)
{
	char **names = malloc((s->unmapped.len + 1) * sizeof(*names));
	json_t *extracted = json_array();
	size_t n = 0;

	if (!names || !extracted)
		goto fail;
	for (size_t i = 0; i < s->unmapped.cap; i++)
		if (s->unmapped.keys[i])
			names[n++] = s->unmapped.keys[i];
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char ref[512], *text;

		license_ref(names[i], ref, sizeof(ref));
		if (asprintf(&text, "The Gentoo licence \"%s\": its text is licenses/%s in the ebuild "
				    "repository the package came from. scratchmerge maps it to no SPDX "
				    "identifier.", names[i], names[i]) < 0)
			goto fail;
		json_array_append_new(extracted, json_pack("{s:s, s:s, s:s}", "licenseId", ref, "name", names[i],
							   "extractedText", text));
		free(text);
	}
	free(names);
	return extracted;
fail:
	free(names);
	json_decref(extracted);
	errno = ENOMEM;
	return NULL;
}

/* the relationships in a stable order */
static int
sort_relationships(json_t *rels)
{
	size_t nrel = json_array_size(rels);
	json_t **rv = malloc((nrel + 1) * sizeof(*rv));

	if (!rv)
		return -1;
	for (size_t i = 0; i < nrel; i++)
		rv[i] = json_incref(json_array_get(rels, i));
	qsort(rv, nrel, sizeof(*rv), cmp_rel);
	json_array_clear(rels);
	for (size_t i = 0; i < nrel; i++)
		json_array_append_new(rels, rv[i]);
	free(rv);
	return 0;
}

/* what the document lists, and what it leaves out (ABSENT: atoms) */
static int
set_document_comment(json_t *doc, size_t nunowned, size_t nunmapped, json_t *absent)
{
	char *c, *ab = NULL;
	size_t n = json_array_size(absent);
	int r;

	for (size_t i = 0; i < n; i++) {
		char *t;

		if (asprintf(&t, "%s%s%s", ab ? ab : "", ab ? " " : "", json_string_value(json_array_get(absent, i))) < 0) {
			free(ab);
			return -1;
		}
		free(ab);
		ab = t;
	}
	r = asprintf(&c, "Packages: every package of ROOT's VDB (saved after UNMERGE, before PRUNE) that owns "
			 "a regular file in the image. %zu file(s) of the image are owned by no package. "
			 "Gentoo licence names with no SPDX identifier: %zu (hasExtractedLicensingInfos). "
			 "Installed in ROOT but with no file left in the image (not listed): %s.",
		     nunowned, nunmapped, n ? ab : "none");
	free(ab);
	if (r < 0)
		return -1;
	json_object_set_new(doc, "comment", json_string(c));
	free(c);
	return 0;
}

/* a namespace from the content: the same image and VDB, the same URI */
static int
set_namespace(json_t *doc, const char *name)
{
	char ns[512], hex[65], *body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);

	if (!body)
		return -1;
	hex_digest(EVP_sha256(), body, strlen(body), hex);
	free(body);
	snprintf(ns, sizeof(ns), "https://scratchmerge.invalid/spdx/%s/%s", name, hex);
	json_object_set_new(doc, "documentNamespace", json_string(ns));
	return 0;
}

json_t *
sbom_spdx(struct sbom *s, const char *name)
{
	const char *created = json_string_value(json_object_get(s->img.config, "created"));
	json_t *pkgs = json_array(), *files = json_array(), *rels = json_array(), *absent = json_array();
	json_t *extracted = NULL, *doc = NULL;
	size_t nunowned;

	if (!created)
		created = "1970-01-01T00:00:01Z";
	if (!pkgs || !files || !rels || !absent)
		goto fail;
	json_array_append_new(pkgs, image_package(s, name));
	json_array_append_new(rels, relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"));
	if (add_packages(s, created, pkgs, rels, absent))
		goto fail;
	nunowned = add_files(s, files, rels);
	if (!(extracted = extracted_licences(s)) || sort_relationships(rels))
		goto fail;
	doc = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:[s], s:o, s:o, s:o}",
			"spdxVersion", "SPDX-2.3", "dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT",
			"name", name, "creationInfo", "created", created, "creators", "Tool: scratchmerge-sbom",
			"documentDescribes", "SPDXRef-Image", "packages", pkgs, "files", files,
			"relationships", rels);
	pkgs = files = rels = NULL;	/* the document has them (or json_pack freed them) */
	if (!doc)
		goto fail;
	if (json_array_size(extracted))
		json_object_set(doc, "hasExtractedLicensingInfos", extracted);
	if (set_document_comment(doc, nunowned, s->unmapped.len, absent) || set_namespace(doc, name))
		goto fail;
	json_decref(extracted);
	json_decref(absent);
	return doc;
fail:
	json_decref(pkgs);
	json_decref(files);
	json_decref(rels);
	json_decref(absent);
	json_decref(extracted);
	json_decref(doc);
	errno = ENOMEM;
	return NULL;
}

/* --- verify --- */

int
sbom_verify(json_t *doc, const struct imgtar *img,
	    void (*problem)(const char *what, const char *detail, void *arg), void *arg)
{
	json_t *files = json_object_get(doc, "files"), *pkgs = json_object_get(doc, "packages");
	json_t *rels = json_object_get(doc, "relationships"), *f, *p;
	struct strset byid = { 0 }, byname = { 0 }, belongs = { 0 };
	size_t i;
	int bad = 0;

	if (!json_is_array(files) || !json_is_array(pkgs) || !json_is_array(rels) ||
	    strcmp(json_string_value(json_object_get(doc, "spdxVersion")) ?: "", "SPDX-2.3")) {
		errno = EINVAL;
		return -1;
	}
	json_array_foreach(files, i, f) {
		const char *id = json_string_value(json_object_get(f, "SPDXID"));
		const char *name = json_string_value(json_object_get(f, "fileName"));
		const char *sha = NULL;
		json_t *c;
		size_t k;

		json_array_foreach(json_object_get(f, "checksums"), k, c)
			if (!strcmp(json_string_value(json_object_get(c, "algorithm")) ?: "", "SHA256"))
				sha = json_string_value(json_object_get(c, "checksumValue"));
		if (!id || !name || !sha || name[0] != '.') {
			errno = EINVAL;
			goto fail;
		}
		strset_add(&byid, id, (void *)(name + 1));
		strset_add(&byname, name + 1, (void *)sha);
		{
			const struct imgtar_file *g = imgtar_get(img, name + 1);

			if (!g || !S_ISREG(g->mode)) {
				problem("listed in the SBOM but not in the image", name + 1, arg);
				bad++;
			} else if (strcmp(g->sha256, sha)) {
				problem("SHA-256 in the SBOM is not the image's", name + 1, arg);
				bad++;
			}
		}
	}
	json_array_foreach(pkgs, i, p) {
		const char *id = json_string_value(json_object_get(p, "SPDXID")) ?: "?";
		json_t *hf = json_object_get(p, "hasFiles"), *h;
		size_t k, present = 0;

		if (!strcmp(id, "SPDXRef-Image"))
			continue;
		json_array_foreach(hf, k, h) {
			const char *path = strset_get(&byid, json_string_value(h) ?: "");

			if (path && imgtar_get(img, path))
				present++;
			if (path)
				strset_add(&belongs, path, NULL);
		}
		if (!present) {
			problem("package listed in the SBOM has no file in the image", id, arg);
			bad++;
		}
	}
	json_array_foreach(rels, i, f) {
		const char *a = json_string_value(json_object_get(f, "spdxElementId")) ?: "";
		const char *t = json_string_value(json_object_get(f, "relationshipType")) ?: "";
		const char *b = strset_get(&byid, json_string_value(json_object_get(f, "relatedSpdxElement")) ?: "");

		if (!strcmp(a, "SPDXRef-Image") && !strcmp(t, "CONTAINS") && b)
			strset_add(&belongs, b, NULL);
	}
	for (i = 0; i < img->n; i++) {
		const struct imgtar_file *g = &img->v[i];

		if (!S_ISREG(g->mode))
			continue;
		if (!strset_has(&byname, g->path)) {
			problem("file in the image is not in the SBOM", g->path, arg);
			bad++;
		} else if (!strset_has(&belongs, g->path)) {
			problem("file in the SBOM belongs to no package and is not declared as the image's own", g->path, arg);
			bad++;
		}
	}
	strset_free(&byid);
	strset_free(&byname);
	strset_free(&belongs);
	return bad;
fail:
	strset_free(&byid);
	strset_free(&byname);
	strset_free(&belongs);
	return -1;
}
