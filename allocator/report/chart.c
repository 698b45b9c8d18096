/*
 * chart: SVG bar charts with a target line, a pace line and a band (chart.h).
 * Coordinates are written in hundredths of a viewBox unit from integers.
 */
#include "chart.h"

#include "html.h"

#define W 1000 /* plot width */
#define H 220  /* plot height */
#define L 92   /* left margin: axis labels */
#define T 14   /* top margin */
#define B 46   /* bottom margin: bar labels */

/* Hundredths as "12.34". */
static void fx(FILE *out, int64_t h)
{
	if (h < 0) {
		fputc('-', out);
		h = -h;
	}
	fprintf(out, "%lld.%02lld", (long long)(h / 100), (long long)(h % 100));
}

/* A shown value: raw / unit with thousands separators, one decimal below 100. */
static void value(FILE *out, const struct chart *c, int64_t raw)
{
	int64_t whole = raw / c->unit, tenth = raw % c->unit * 10 / c->unit;
	char d[32], g[48];
	int n, i, o = 0;
	fputs(c->prefix ? c->prefix : "", out);
	n = snprintf(d, sizeof d, "%lld", (long long)(whole < 0 ? -whole : whole));
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			g[o++] = ',';
		g[o++] = d[i];
	}
	g[o] = 0;
	fprintf(out, "%s%s", raw < 0 ? "-" : "", g);
	if (whole < 100 && whole > -100 && tenth)
		fprintf(out, ".%lld", (long long)(tenth < 0 ? -tenth : tenth));
}

/* y of a raw value, in hundredths. */
static int64_t ypos(int64_t v, int64_t vmax)
{
	if (v < 0)
		v = 0;
	return (T + H) * 100 - (int64_t)((__int128)v * H * 100 / vmax);
}

int chart_bars(FILE *out, const struct chart *c, const struct chart_bar *bars, int n)
{
	int64_t vmax = 1, step, bw;
	int i, every = c->label_every > 0 ? c->label_every : 1;

	for (i = 0; i < n; i++) {
		if (bars[i].v > vmax)
			vmax = bars[i].v;
		if (c->pace && c->pace[i] > vmax)
			vmax = c->pace[i];
		if (c->hi && c->hi[i] > vmax)
			vmax = c->hi[i];
	}
	if (c->line > vmax)
		vmax = c->line;
	vmax += vmax / 8 + 1;
	step = n > 0 ? W * 100 / n : W * 100;
	if (step > 12000)
		step = 12000;
	bw = step * 3 / 4;
	if (bw > 7000)
		bw = 7000;
	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "class=\"chart\" data-chart=\"",
	        L + W + 8, T + H + B);
	html_text(out, c->data_name);
	fputs("\" aria-label=\"", out);
	html_text(out, c->aria);
	fputs("\">\n", out);
	/* Grid: lines at round values (1, 2 or 5 x a power of ten), at most seven. */
	{
		int64_t p = 1, g = 1, v;
		static const int mult[] = {1, 2, 5};
		int found = 0, m;
		while (!found) {
			for (m = 0; m < 3 && !found; m++)
				if (vmax / (p * mult[m]) <= 7) {
					g = p * mult[m];
					found = 1;
				}
			if (!found)
				p *= 10;
		}
		for (v = g; v < vmax; v += g) {
			fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"", L, L + W);
			fx(out, ypos(v, vmax));
			fputs("\" y2=\"", out);
			fx(out, ypos(v, vmax));
			fputs("\" stroke=\"#ddd\"/><text x=\"", out);
			fprintf(out, "%d\" text-anchor=\"end\" font-size=\"13\" fill=\"#333\" y=\"",
			        L - 6);
			fx(out, ypos(v, vmax) + 450);
			fputs("\">", out);
			value(out, c, v);
			fputs("</text>\n", out);
		}
	}
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", L, T + H,
	        L + W, T + H);
	for (i = 0; i < n; i++) {
		const struct chart_bar *b = &bars[i];
		int64_t x = L * 100 + step * i + (step - bw) / 2;
		if (b->v >= 0) {
			int64_t y = ypos(b->v, vmax);
			fputs("<rect class=\"bar", out);
			if (b->cls) {
				fputc(' ', out);
				html_text(out, b->cls);
			}
			fputs("\" x=\"", out);
			fx(out, x);
			fputs("\" y=\"", out);
			fx(out, y);
			fputs("\" width=\"", out);
			fx(out, bw);
			fputs("\" height=\"", out);
			fx(out, (T + H) * 100 - y);
			fputs("\"><title>", out);
			html_text(out, b->label);
			fputs(": ", out);
			value(out, c, b->v);
			fputs("</title></rect>\n", out);
		}
		if (c->pace && c->pace[i] >= 0) {
			fputs("<line class=\"pace\" stroke=\"#111\" stroke-width=\"3\" x1=\"", out);
			fx(out, x - step / 10);
			fputs("\" x2=\"", out);
			fx(out, x + bw + step / 10);
			fputs("\" y1=\"", out);
			fx(out, ypos(c->pace[i], vmax));
			fputs("\" y2=\"", out);
			fx(out, ypos(c->pace[i], vmax));
			fputs("\"/>\n", out);
		}
		if (b->label && (i % every == 0)) {
			int64_t cx = L * 100 + step * i + step / 2;
			if (n > 8) {
				/* Many bars: labels turned to read upwards. */
				fputs("<text font-size=\"12\" fill=\"#222\" text-anchor=\"end\" "
				      "transform=\"translate(",
				      out);
				fx(out, cx + 400);
				fprintf(out, " %d) rotate(-60)\">", T + H + 6);
			} else {
				fputs("<text font-size=\"14\" fill=\"#222\" text-anchor=\"middle\" "
				      "x=\"",
				      out);
				fx(out, cx);
				fprintf(out, "\" y=\"%d\">", T + H + 20);
			}
			html_text(out, b->label);
			fputs("</text>\n", out);
		}
	}
	if (c->lo && c->hi) {
		/* The band over the bars, see-through: one polygon through the bar centres. */
		int first = 1;
		fputs("<polygon class=\"band\" fill=\"#1e88e5\" fill-opacity=\"0.28\" "
		      "stroke=\"#1565c0\" stroke-width=\"1.5\" points=\"",
		      out);
		for (i = 0; i < n; i++) {
			if (c->lo[i] < 0 || c->hi[i] < 0)
				continue;
			if (!first)
				fputc(' ', out);
			first = 0;
			fx(out, L * 100 + step * i + step / 2);
			fputc(',', out);
			fx(out, ypos(c->hi[i], vmax));
		}
		for (i = n - 1; i >= 0; i--) {
			if (c->lo[i] < 0 || c->hi[i] < 0)
				continue;
			fputc(' ', out);
			fx(out, L * 100 + step * i + step / 2);
			fputc(',', out);
			fx(out, ypos(c->lo[i], vmax));
		}
		fputs("\"/>\n", out);
	}
	if (c->line >= 0) {
		fprintf(out,
		        "<line class=\"target\" stroke=\"#0d47a1\" stroke-width=\"2.5\" "
		        "stroke-dasharray=\"10 5\" x1=\"%d\" x2=\"%d\" y1=\"",
		        L, L + W);
		fx(out, ypos(c->line, vmax));
		fputs("\" y2=\"", out);
		fx(out, ypos(c->line, vmax));
		/* Labelled at the left, above the line: sorted charts are lowest there. */
		fprintf(out,
		        "\"/>\n<text x=\"%d\" text-anchor=\"start\" font-size=\"14\" "
		        "font-weight=\"bold\" fill=\"#0d47a1\" stroke=\"#fff\" stroke-width=\"3\" "
		        "paint-order=\"stroke\" y=\"",
		        L + 6);
		fx(out, ypos(c->line, vmax) - 500);
		fputs("\">", out);
		html_text(out, c->line_text);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
	return ferror(out) ? -1 : 0;
}
