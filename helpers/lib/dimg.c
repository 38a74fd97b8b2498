#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dimg.h"

/* a reference or ID goes into the path as it is ("/" included): refuse
 * what a reference never holds */
static int
ref_path(char *out, size_t n, const char *fmt, const char *ref, struct err *e)
{
	if (!*ref || ref[strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@")])
		return err_set(e, EINVAL, "'%s' is not an image reference", ref);
	if (snprintf(out, n, fmt, ref) >= (int)n)
		return err_set(e, ENAMETOOLONG, "'%s' is too long", ref);
	return 0;
}

int
dimg_id(struct dapi *d, const char *ref, char id[80], char driver[32], struct err *e)
{
	char path[1200];
	json_t *reply = NULL;
	const char *got;
	long st;

	if (ref_path(path, sizeof(path), "/images/%s/json", ref, e))
		return -1;
	st = dapi_json(d, "GET", path, NULL, &reply, e);
	if (st != 200) {
		json_decref(reply);
		return st == 404 ? err_set(e, ENOENT, "no such image") : -1;
	}
	got = json_string_value(json_object_get(reply, "Id"));
	if (!got || strlen(got) >= 80) {
		json_decref(reply);
		return err_set(e, EPROTO, "no image ID in the engine's answer");
	}
	memcpy(id, got, strlen(got) + 1);
	if (driver) {
		got = json_string_value(json_object_get(json_object_get(reply, "GraphDriver"), "Name"));
		snprintf(driver, 32, "%s", got ? got : "unknown");
	}
	json_decref(reply);
	return 0;
}

int
dimg_remove(struct dapi *d, const char *ref, struct err *e)
{
	char path[1200];
	long st;

	if (ref_path(path, sizeof(path), "/images/%s", ref, e))
		return -1;
	st = dapi_json(d, "DELETE", path, NULL, NULL, e);
	if (st / 100 == 2)
		return 0;
	if (st == 404 || st == 409)
		errno = st == 404 ? ENOENT : EBUSY;
	return -1;
}

int
dimg_load(struct dapi *d, int fd, struct dload *l, struct err *e)
{
	struct dapi_req r = { .method = "POST", .path = "/images/load?quiet=1", .type = "application/x-tar" };
	struct dapi_buf out = { 0 };
	long status;
	int rc;

	memset(l, 0, sizeof(*l));
	dapi_body_fd(&r, &fd);
	status = dapi_do(d, &r, &out, e);
	rc = status / 100 == 2 ? dload_parse(out.data, out.len, l, e) : -1;
	dapi_buf_free(&out);
	return rc;
}

int
dimg_list(struct dapi *d, char **labels, size_t n, int dangling, json_t **list, struct err *e)
{
	return dapi_list(d, "/images/json?", labels, n, dangling, list, e);
}

const char *
dimg_find_tag(json_t *list, const char *ref)
{
	size_t i, j;
	json_t *img, *tag;

	json_array_foreach(list, i, img) {
		json_array_foreach(json_object_get(img, "RepoTags"), j, tag) {
			if (json_is_string(tag) && !strcmp(json_string_value(tag), ref))
				return json_string_value(json_object_get(img, "Id"));
		}
	}
	return NULL;
}
