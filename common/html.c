/*
 * html: one escaper for every page pvmon writes. Names come from the fleet
 * and from devices, so nothing may reach a page unescaped.
 */
#include "html.h"

const char *html_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return c < 0x20 && c != '\t' && c != '\n' ? "?" : NULL;
	}
}

void html_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (; *p; p++) {
		const char *e = html_entity(*p);
		if (e)
			fputs(e, out);
		else
			fputc(*p, out);
	}
}
