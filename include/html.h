/*
 * html: escaping text for HTML and SVG, shared by the report, the dashboard
 * and the ledger's statements, so that every page escapes names the same way.
 */
#ifndef PVMON_HTML_H
#define PVMON_HTML_H

#include <stdio.h>

/*
 * The entity that stands for byte c in HTML text and attribute values
 * ("&amp;" for '&' ...), "?" for a control character other than tab and
 * newline, or NULL when c is written as it is. Static storage.
 */
const char *html_entity(unsigned char c);

/* Writes s (NULL as empty) to out, escaped with html_entity. */
void html_text(FILE *out, const char *s);

#endif
