/* oci_impl: what the files of the oci module share (not its interface:
 * oci.h is). oci.c writes and attaches, oci_read.c reads back,
 * oci_index.c merges platforms. */
#ifndef OCI_IMPL_H
#define OCI_IMPL_H

#include <archive.h>
#include <archive_entry.h>
#include <sys/types.h>

#include "oci.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_EMPTY "application/vnd.oci.empty.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define OCI_LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

/* a member of the archive being written: DATA, or SIZE bytes at OFF of FD */
struct oci_member {
	const char *name;
	const char *data;	/* NULL: from FD */
	size_t size;
	int fd;
	int64_t off;
};

json_t *oci_descriptor(const char *mt, const char *hex, uint64_t size);
char *oci_dump(json_t *j);
void oci_sha256_hex(const void *buf, size_t n, char hex[65]);
/* "WHAT: REASON": libarchive's message for A when it has one, else errno's */
void oci_archive_fail(struct err *e, struct archive *a, const char *what);
/* IN opened for reading as a tar (no compression filter); NULL with E set */
struct archive *oci_open_archive(const char *in, struct err *e);
/* The blob descriptor D names, present and of the size D says; WHAT says
 * what it is, for the message. NULL with E set. */
const struct oci_blob *oci_sized_blob(const struct oci_archive *a, json_t *d, const char *what, struct err *e);
/* Write the layout: the directories blobs/ and blobs/sha256/, BLOBS (any
 * order; sorted here, a name twice written once), then TAIL as given
 * (index.json, manifest.json, oci-layout), every member with MTIME. */
int oci_write_layout(int outfd, struct oci_member *blobs, size_t nblobs, const struct oci_member *tail,
		     size_t ntail, int64_t mtime, struct err *e);

#endif
