/*
 * pages: the dashboard's HTML (docs/serve.md): one small page shell per view
 * with the catalogue's texts for the language, the inline stylesheet and
 * script (allocator/live/web/), nothing fetched from elsewhere. The script renders
 * the view from the JSON API and refreshes it. Returned strings are new.
 */
#ifndef PVMON_ALLOCATOR_PAGES_H
#define PVMON_ALLOCATOR_PAGES_H

#include "msg.h"

struct pages_view {
	enum msg_lang lang;
	const char *page;  /* "overview", "township", "village", "station", "alerts", "reports" */
	const char *id;    /* the entity's id, or NULL */
	const char *title; /* the entity's name, or NULL */
	const char *tz;    /* the county's zone, for times */
	int refresh_s;
	const char *body; /* HTML placed in <main> before the script renders (may be NULL) */
};

char *pages_render(const struct pages_view *v);
/* The reports page's body: every month from first to last ("YYYY-MM") in every format. */
char *pages_reports_body(enum msg_lang lang, int y0, int m0, int y1, int m1);
/* HTML-escapes s into a new string. */
char *pages_escape(const char *s);

#endif
