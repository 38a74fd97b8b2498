/* oci_index: one-platform image archives merged into one multi-platform
 * archive (see oci.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_impl.h"

/* one archive of the merge */
struct input {
	const char *path;
	size_t order;			/* its place on the command line */
	struct oci_archive a;
	struct oci_found f;
	const char *os, *arch, *variant;	/* its config's (arm64 without one: v8) */
	char platform[96];		/* "linux/arm64/v8" */
	json_t *tags;			/* manifest.json's RepoTags */
	const struct oci_blob **art;	/* the artifacts whose subject is its image */
	size_t nart;
};

struct merge {
	struct oci_index_opts *o;
	struct input *in;
	size_t nin;
	struct oci_member *blobs;	/* every blob the new archive holds */
	char **names;
	size_t nblobs, cap;
	struct err *e;
};

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* the blob B (as blobs/sha256/HEX from the spool) into the new archive */
static int
add_blob(struct merge *m, const struct oci_blob *b)
{
	if (m->nblobs == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		void *v = realloc(m->blobs, cap * sizeof(*m->blobs)), *w;

		if (!v)
			return err_set(m->e, ENOMEM, "out of memory");
		m->blobs = v;
		if (!(w = realloc(m->names, cap * sizeof(*m->names))))
			return err_set(m->e, ENOMEM, "out of memory");
		m->names = w;
		m->cap = cap;
	}
	if (asprintf(&m->names[m->nblobs], "blobs/sha256/%s", b->hex) < 0)
		return err_set(m->e, ENOMEM, "out of memory");
	m->blobs[m->nblobs] = (struct oci_member){ m->names[m->nblobs], NULL, b->size, m->o->spoolfd, b->off };
	m->nblobs++;
	return 0;
}

/* a manifest's blobs: its config and layers, present at their sizes */
static int
add_manifest(struct merge *m, const struct input *in, const struct oci_blob *man, const char *what)
{
	json_t *l;
	size_t i;
	const struct oci_blob *b;

	if (add_blob(m, man))
		return -1;
	if (!(b = oci_sized_blob(&in->a, json_object_get(man->json, "config"), what, m->e)) || add_blob(m, b))
		return -1;
	json_array_foreach(json_object_get(man->json, "layers"), i, l)
		if (!(b = oci_sized_blob(&in->a, l, what, m->e)) || add_blob(m, b))
			return -1;
	return 0;
}

/* the artifacts index.json lists (OCI 1.1: a manifest with a subject), each
 * about this image */
static int
find_artifacts(struct merge *m, struct input *in)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(in->a.index, "manifests"), i, d) {
		const struct oci_blob *b = oci_blob_get(&in->a, str(d, "digest"));
		const char *subject;

		if (json_object_get(d, "artifactType") && (!b || !b->json))
			return err_set(m->e, EINVAL, "%s: %s (an artifact index.json names): missing or not JSON", in->path,
				       str(d, "digest") ?: "no digest");
		if (!b || !b->json || !json_object_get(b->json, "subject"))
			continue;	/* the image (or a manifest oci_find_image checked) */
		subject = str(json_object_get(b->json, "subject"), "digest");
		if (!subject || strncmp(subject, "sha256:", 7) || strcmp(subject + 7, in->f.manifest->hex))
			return err_set(m->e, EINVAL, "%s: blobs/sha256/%s: an artifact whose subject (%s) is not the "
				       "archive's image", in->path, b->hex, subject ? subject : "none");
		if (!(in->art = reallocarray(in->art, in->nart + 1, sizeof(*in->art))))
			return err_set(m->e, ENOMEM, "out of memory");
		in->art[in->nart++] = b;
		if (add_manifest(m, in, b, "an artifact's blob"))
			return -1;
	}
	return 0;
}

/* its platform, from its config */
static int
platform(struct merge *m, struct input *in)
{
	json_t *c = in->f.config->json;

	in->os = str(c, "os");
	in->arch = str(c, "architecture");
	in->variant = str(c, "variant");
	if (!in->os || !in->arch || !*in->os || !*in->arch)
		return err_set(m->e, EINVAL, "%s: its config names no os and architecture", in->path);
	if (!in->variant && !strcmp(in->arch, "arm64"))
		in->variant = oci_arch_variant("arm64");
	snprintf(in->platform, sizeof(in->platform), "%s/%s%s%s", in->os, in->arch, in->variant ? "/" : "",
		 in->variant ? in->variant : "");
	return 0;
}

static int
read_input(struct merge *m, struct input *in)
{
	json_t *d;
	size_t i;
	char cname[96];

	if (oci_read(&in->a, in->path, m->o->spoolfd, m->e) || oci_find_image(&in->a, &in->f, m->e))
		return -1;
	if (in->f.nimages > 1)
		return err_set(m->e, EINVAL, "%s: holds %zu images (a multi-platform archive?): give the archive of "
			       "each platform", in->path, in->f.nimages);
	if (platform(m, in) || add_manifest(m, in, in->f.manifest, "the image's") || find_artifacts(m, in))
		return -1;
	snprintf(cname, sizeof(cname), "blobs/sha256/%s", in->f.config->hex);
	json_array_foreach(in->a.docker, i, d)
		if (!strcmp(str(d, "Config") ?: "", cname))
			in->tags = json_object_get(d, "RepoTags");
	return 0;
}

static int
cmp_platform(const void *a, const void *b)
{
	return strcmp(((const struct input *)a)->platform, ((const struct input *)b)->platform);
}

/* the tags: OPTS's, or the ones every archive has */
static json_t *
merged_tags(struct merge *m)
{
	json_t *t = json_array();

	if (!t)
		return err_set(m->e, ENOMEM, "out of memory"), NULL;
	if (m->o->tags) {
		for (int i = 0; i < m->o->ntags; i++)
			json_array_append_new(t, json_string(m->o->tags[i]));
		return t;
	}
	json_decref(t);
	for (size_t i = 1; i < m->nin; i++)
		if (!json_equal(m->in[i].tags, m->in[0].tags) && (json_array_size(m->in[i].tags) || json_array_size(m->in[0].tags)))
			return err_set(m->e, EINVAL, "%s and %s are tagged differently: give --tag", m->in[0].path,
				       m->in[i].path), NULL;
	if (!json_array_size(m->in[0].tags))
		return err_set(m->e, EINVAL, "%s: no tags (manifest.json's RepoTags): give --tag", m->in[0].path), NULL;
	return json_copy(m->in[0].tags);
}

/* the archive manifest.json loads: --load-platform's, else the first given */
static const struct input *
load_input(struct merge *m)
{
	const char *want = m->o->load_platform;
	char os[32], arch[32], variant[32] = "", all[1024] = "";
	const struct input *first = &m->in[0];

	for (size_t i = 0; i < m->nin; i++)
		if (m->in[i].order < first->order)
			first = &m->in[i];
	if (!want)
		return first;
	if (sscanf(want, "%31[^/]/%31[^/]/%31s", os, arch, variant) < 2 || strchr(variant, '/')) {
		err_set(m->e, EINVAL, "--load-platform %s: want OS/ARCH[/VARIANT] (linux/amd64)", want);
		return NULL;
	}
	for (size_t i = 0; i < m->nin; i++) {
		const struct input *in = &m->in[i];

		if (!strcmp(in->os, os) && !strcmp(in->arch, arch) &&
		    (!*variant || !strcmp(in->variant ? in->variant : "", variant)))
			return in;
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", i ? ", " : "", in->platform);
	}
	err_set(m->e, EINVAL, "--load-platform %s: no archive is for it (they are for %s)", want, all);
	return NULL;
}

/* the image index: every image with its platform, then the artifacts
 * (unknown/unknown, BuildKit's way of listing attestations). skopeo copy
 * --all (1.9, containers/image 5.23) writes an index through Go's
 * image-spec types, whatever its bytes were: the keys go in those types'
 * order, and only fields they have (no artifactType: the artifact's own
 * manifest says it), so that the registry's digest is the one printed. */
static json_t *
image_index(struct merge *m)
{
	json_t *list = json_array();

	for (size_t i = 0; i < m->nin; i++) {
		const struct input *in = &m->in[i];
		json_t *d = oci_descriptor(str(in->f.manifest->json, "mediaType") ?: MT_MANIFEST, in->f.manifest->hex,
					   in->f.manifest->size);
		json_t *p = json_pack("{s:s, s:s}", "architecture", in->arch, "os", in->os);

		if (in->variant)
			json_object_set_new(p, "variant", json_string(in->variant));
		json_object_set_new(d, "platform", p);
		json_array_append_new(list, d);
	}
	for (size_t i = 0; i < m->nin; i++)
		for (size_t k = 0; k < m->in[i].nart; k++) {
			const struct oci_blob *b = m->in[i].art[k];
			json_t *d = oci_descriptor(MT_MANIFEST, b->hex, b->size);

			json_object_set_new(d, "platform", json_pack("{s:s, s:s}", "architecture", "unknown", "os", "unknown"));
			json_array_append_new(list, d);
		}
	return json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_INDEX, "manifests", list);
}

/* index.json: the image index under each tag */
static json_t *
layout_index(struct merge *m, json_t *tags, const char *hex, size_t size)
{
	json_t *list = json_array(), *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		char full[512];
		const char *tag;
		json_t *d;

		if (oci_normalize_ref(json_string_value(t) ?: "", full, sizeof(full), &tag)) {
			json_decref(list);
			return err_set(m->e, EINVAL, "--tag %s: not an image reference (NAME[:TAG])",
				       json_string_value(t) ?: "?"), NULL;
		}
		d = oci_descriptor(MT_INDEX, hex, size);
		json_object_set_new(d, "annotations", json_pack("{s:s, s:s}", "io.containerd.image.name", full,
								"org.opencontainers.image.ref.name", tag));
		json_array_append_new(list, d);
	}
	return json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_INDEX, "manifests", list);
}

/* manifest.json: the image of IN only */
static json_t *
docker_manifest(const struct input *in, json_t *tags)
{
	json_t *layers = json_array(), *l;
	size_t i;
	char name[96];

	json_array_foreach(in->f.layers, i, l) {
		snprintf(name, sizeof(name), "blobs/sha256/%s", str(l, "digest") + 7);
		json_array_append_new(layers, json_string(name));
	}
	snprintf(name, sizeof(name), "blobs/sha256/%s", in->f.config->hex);
	return json_pack("[{s:s, s:O, s:o}]", "Config", name, "RepoTags", tags, "Layers", layers);
}

static int
write_merged(struct merge *m, int outfd)
{
	json_t *tags = NULL, *index = NULL, *layout = NULL, *docker = NULL;
	char *index_s = NULL, *layout_s = NULL, *docker_s = NULL;
	const struct input *load;
	int64_t mtime = 0;
	int r = -1;

	if (!(tags = merged_tags(m)) || !(load = load_input(m)))
		goto out;
	if (!(index = image_index(m)) || !(index_s = json_dumps(index, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		err_set(m->e, ENOMEM, "out of memory");
		goto out;
	}
	oci_sha256_hex(index_s, strlen(index_s), m->o->index_digest);
	snprintf(m->o->loaded, sizeof(m->o->loaded), "%s", load->platform);
	if (!(layout = layout_index(m, tags, m->o->index_digest, strlen(index_s))))
		goto out;
	if (!(docker = docker_manifest(load, tags)) || !(layout_s = oci_dump(layout)) || !(docker_s = oci_dump(docker))) {
		err_set(m->e, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->nin; i++)
		if (m->in[i].a.mtime > mtime)
			mtime = m->in[i].a.mtime;
	{
		char name[96];
		struct oci_member *blobs = reallocarray(m->blobs, m->nblobs + 1, sizeof(*m->blobs));
		const struct oci_member tail[] = {
			{ "index.json", layout_s, strlen(layout_s), -1, 0 },
			{ "manifest.json", docker_s, strlen(docker_s), -1, 0 },
			{ "oci-layout", OCI_LAYOUT, strlen(OCI_LAYOUT), -1, 0 },
		};

		if (!blobs) {
			err_set(m->e, ENOMEM, "out of memory");
			goto out;
		}
		m->blobs = blobs;
		snprintf(name, sizeof(name), "blobs/sha256/%s", m->o->index_digest);
		blobs[m->nblobs] = (struct oci_member){ name, index_s, strlen(index_s), -1, 0 };
		r = oci_write_layout(outfd, blobs, m->nblobs + 1, tail, 3, mtime, m->e);
	}
out:
	json_decref(tags);
	json_decref(index);
	json_decref(layout);
	json_decref(docker);
	free(index_s);
	free(layout_s);
	free(docker_s);
	return r;
}

int
oci_index(struct oci_index_opts *o, int outfd, struct err *e)
{
	struct merge m = { .o = o, .nin = o->nin, .e = e };
	int r = -1;

	err_clear(e);
	if (!o->nin)
		return err_set(e, EINVAL, "no archives to merge");
	if (!(m.in = calloc(o->nin, sizeof(*m.in))))
		return err_set(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < o->nin; i++) {
		m.in[i].path = o->in[i];
		m.in[i].order = i;
		if (read_input(&m, &m.in[i]))
			goto out;
	}
	qsort(m.in, m.nin, sizeof(*m.in), cmp_platform);
	for (size_t i = 1; i < m.nin; i++)
		if (!strcmp(m.in[i].platform, m.in[i - 1].platform)) {
			err_set(e, EINVAL, "%s and %s are both for %s", m.in[i - 1].path, m.in[i].path, m.in[i].platform);
			goto out;
		}
	r = write_merged(&m, outfd);
out:
	for (size_t i = 0; i < m.nin; i++) {
		free(m.in[i].art);
		oci_archive_free(&m.in[i].a);
	}
	free(m.in);
	for (size_t i = 0; i < m.nblobs; i++)
		free(m.names[i]);
	free(m.names);
	free(m.blobs);
	return r;
}
