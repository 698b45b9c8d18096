/*
 * pages: builds the dashboard's HTML shells. Everything a page needs is in
 * the one response: texts, style, script; it never links an external asset.
 */
#include "html.h"
#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Generated from allocator/live/web/ by the Makefile: const char dash_css[], dash_js[]. */
#include "dash_css.h"
#include "dash_js.h"

extern const struct msg_entry msg_table_live[];

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_html(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		const char *e = html_entity((unsigned char)*s);
		if (e)
			puts_(b, e);
		else
			put(b, s, 1);
	}
}

/* A JSON string safe inside <script>: "<" and "&" escaped too. */
static void put_js(struct buf *b, const char *s)
{
	char u[8];
	put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\') {
			u[0] = '\\';
			u[1] = (char)*p;
			put(b, u, 2);
		} else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
			snprintf(u, sizeof u, "\\u%04x", *p);
			puts_(b, u);
		} else
			put(b, (const char *)p, 1);
	}
	put(b, "\"", 1);
}

char *pages_escape(const char *s)
{
	struct buf b = {0};
	puts_(&b, "");
	put_html(&b, s);
	return b.p;
}

static void nav_link(struct buf *b, enum msg_lang lang, const char *href, const char *key)
{
	puts_(b, "<a href=\"");
	puts_(b, href);
	if (lang == MSG_EN)
		puts_(b, "?lang=en");
	puts_(b, "\">");
	put_html(b, msg_get(lang, key));
	puts_(b, "</a>");
}

char *pages_render(const struct pages_view *v)
{
	struct buf b = {0};
	char num[32];
	int first = 1;

	puts_(&b, "<!doctype html>\n<html lang=\"");
	puts_(&b, v->lang == MSG_EN ? "en" : "zh-CN");
	puts_(&b, "\"><head><meta charset=\"utf-8\">"
	          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	          "<title>");
	if (v->title) {
		put_html(&b, v->title);
		puts_(&b, " · ");
	}
	put_html(&b, msg_get(v->lang, "live.title"));
	puts_(&b, "</title><style>");
	puts_(&b, dash_css);
	puts_(&b, "</style></head><body><header><h1>");
	put_html(&b, msg_get(v->lang, "live.title"));
	puts_(&b, "</h1>");
	nav_link(&b, v->lang, "/", "live.nav.overview");
	nav_link(&b, v->lang, "/alerts", "live.nav.alerts");
	nav_link(&b, v->lang, "/reports", "live.nav.reports");
	/* the other language, same page */
	puts_(&b, "<a id=\"lang\" href=\"?lang=");
	puts_(&b, v->lang == MSG_EN ? "zh" : "en");
	puts_(&b, "\">");
	put_html(&b, msg_get(v->lang, "live.nav.lang"));
	puts_(&b, "</a></header><main id=\"app\">");
	if (v->body)
		puts_(&b, v->body);
	else {
		puts_(&b, "<p class=\"muted\">");
		put_html(&b, msg_get(v->lang, "live.loading"));
		puts_(&b, "</p>");
	}
	puts_(&b, "</main><script>const T={");
	for (const struct msg_entry *e = msg_table_live; e->key; e++) {
		if (!first)
			puts_(&b, ",");
		first = 0;
		put_js(&b, e->key);
		puts_(&b, ":");
		put_js(&b, v->lang == MSG_EN ? e->en : e->zh);
	}
	puts_(&b, "};const P={page:");
	put_js(&b, v->page);
	puts_(&b, ",id:");
	put_js(&b, v->id ? v->id : "");
	puts_(&b, ",lang:");
	put_js(&b, msg_lang_code(v->lang));
	puts_(&b, ",tz:");
	put_js(&b, v->tz);
	snprintf(num, sizeof num, ",refresh:%d};\n", v->refresh_s);
	puts_(&b, num);
	puts_(&b, dash_js);
	puts_(&b, "</script></body></html>\n");
	return b.p;
}

char *pages_reports_body(enum msg_lang lang, int y0, int m0, int y1, int m1)
{
	static const char *const fmts[] = {"txt", "csv", "json", "html", "xlsx"};
	struct buf b = {0};
	char line[160];
	int y = y1, m = m1;

	puts_(&b, "<h2>");
	put_html(&b, msg_get(lang, "live.nav.reports"));
	puts_(&b, "</h2><p>");
	put_html(&b, msg_get(lang, "live.reports_intro"));
	puts_(&b, "</p><div class=\"tw\"><table><thead><tr><th>");
	put_html(&b, msg_get(lang, "live.month"));
	puts_(&b, "</th><th>");
	put_html(&b, msg_get(lang, "live.download"));
	puts_(&b, "</th></tr></thead><tbody>");
	/* newest first; y0-m0 is the oldest */
	while (y > y0 || (y == y0 && m >= m0)) {
		snprintf(line, sizeof line, "<tr><td>%04d-%02d</td><td>", y, m);
		puts_(&b, line);
		for (int i = 0; i < 5; i++) {
			snprintf(line, sizeof line, "<a href=\"/reports/%04d-%02d.%s%s\">%s</a> ",
			         y, m, fmts[i], lang == MSG_EN ? "?lang=en" : "", fmts[i]);
			puts_(&b, line);
		}
		puts_(&b, "</td></tr>");
		if (--m < 1) {
			m = 12;
			y--;
		}
	}
	puts_(&b, "</tbody></table></div>");
	return b.p;
}
