/*
 * render: the report formats by name, a table like the allocator's command
 * table, and the dispatch to their renderers (render_*.c). The renderers use
 * format.c's helpers; nothing here is used by them.
 */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "util.h"

/* The formats, in the order of enum format_kind. */
static const struct {
	const char *name;
	int (*render)(const struct report *r, FILE *out);
} formats[] = {
    {"text", render_text}, {"csv", render_csv},   {"json", render_json},
    {"html", render_html}, {"xlsx", render_xlsx},
};

/* Parses a format name. */
int render_parse(const char *s, enum format_kind *out)
{
	size_t i;
	for (i = 0; i < UTIL_ARRAY_LEN(formats); i++) {
		if (strcmp(s, formats[i].name) == 0) {
			*out = (enum format_kind)i;
			return 0;
		}
	}
	return -1;
}

/* Dispatches to the renderer of the format. */
int render_report(const struct report *r, enum format_kind fmt, FILE *out)
{
	int rc = -1;
	if ((size_t)fmt < UTIL_ARRAY_LEN(formats))
		rc = formats[fmt].render(r, out);
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	return rc;
}
