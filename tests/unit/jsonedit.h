/*
 * Test helpers for the config tests: load an example file from config/, edit
 * it at a JSON path ("stations[3].shares[1].weight"), write it to a temporary
 * directory, so each error case is the valid example with one mistake.
 */
#ifndef PVMON_TEST_JSONEDIT_H
#define PVMON_TEST_JSONEDIT_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static char jsonedit_dir[256];

/* Creates the temporary directory once; returns it. */
static inline const char *tmpdir_get(void)
{
	if (!jsonedit_dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(jsonedit_dir, sizeof jsonedit_dir, "%s/pvmon-cfgtest-XXXXXX",
		         t && *t ? t : "/tmp");
		if (!mkdtemp(jsonedit_dir)) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return jsonedit_dir;
}

/* A new path inside the temporary directory. */
static inline char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir_get(), name);
}

/* Removes the files the tests wrote, then the directory. */
static inline void tmpdir_remove(const char *const *names)
{
	for (; *names; names++) {
		char *p = tmp_path(*names);
		unlink(p);
		free(p);
	}
	rmdir(tmpdir_get());
}

/* Writes text to a file in the temporary directory; returns its new path. */
static inline char *write_tmp(const char *name, const char *text)
{
	char *p = tmp_path(name);
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
	return p;
}

/* The example file config/NAME, parsed. */
static inline cJSON *example(const char *name)
{
	const char *root = getenv("PVMON_ROOT");
	char *path = root ? xasprintf("%s/config/%s", root, name) : xasprintf("config/%s", name);
	char *text = NULL, *cause = NULL;
	cJSON *j;
	if (util_read_file(path, &text, NULL, &cause) < 0) {
		fprintf(stderr, "%s\n", cause);
		exit(2);
	}
	j = cJSON_Parse(text);
	if (!j) {
		fprintf(stderr, "%s: not JSON\n", path);
		exit(2);
	}
	free(text);
	free(path);
	return j;
}

/* The path of an example file (a new string). */
static inline char *example_path(const char *name)
{
	const char *root = getenv("PVMON_ROOT");
	return root ? xasprintf("%s/config/%s", root, name) : xasprintf("config/%s", name);
}

/*
 * Walks "a.b[2].c" to the parent of its last step; *key gets the last key
 * (or NULL and *index the last index). Exits on a path the example lacks.
 */
static inline cJSON *jpath_parent(cJSON *j, const char *path, char *key, size_t ksize, int *index)
{
	const char *p = path;
	cJSON *parent = NULL;
	for (;;) {
		char name[128];
		size_t n = strcspn(p, ".[");
		parent = j;
		if (n > 0) {
			snprintf(name, sizeof name, "%.*s", (int)n, p);
			p += n;
			if (!*p) {
				snprintf(key, ksize, "%s", name);
				*index = -1;
				return parent;
			}
			j = cJSON_GetObjectItemCaseSensitive(j, name);
		}
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			int i = atoi(p + 1);
			p = strchr(p, ']') + 1;
			if (!*p) {
				key[0] = '\0';
				*index = i;
				return j;
			}
			j = cJSON_GetArrayItem(j, i);
		}
		if (!j) {
			fprintf(stderr, "test: no %s in the example\n", path);
			exit(2);
		}
	}
}

/* Sets the value at path to the JSON text value (adding an object key if new). */
static inline void jset(cJSON *root, const char *path, const char *value)
{
	char key[128];
	int index;
	cJSON *parent = jpath_parent(root, path, key, sizeof key, &index);
	cJSON *v = cJSON_Parse(value);
	if (!v || !parent) {
		fprintf(stderr, "test: bad edit %s = %s\n", path, value);
		exit(2);
	}
	if (index >= 0)
		cJSON_ReplaceItemInArray(parent, index, v);
	else if (cJSON_GetObjectItemCaseSensitive(parent, key))
		cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v);
	else
		cJSON_AddItemToObject(parent, key, v);
}

/* Deletes the value at path. */
static inline void jdel(cJSON *root, const char *path)
{
	char key[128];
	int index;
	cJSON *parent = jpath_parent(root, path, key, sizeof key, &index);
	if (index >= 0)
		cJSON_DeleteItemFromArray(parent, index);
	else
		cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
}

/* Writes the edited tree to the temporary file name, frees it, returns the path. */
static inline char *jwrite(cJSON *root, const char *name)
{
	char *text = cJSON_Print(root);
	char *p = write_tmp(name, text);
	free(text);
	cJSON_Delete(root);
	return p;
}

#endif
