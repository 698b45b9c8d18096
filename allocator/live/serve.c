/*
 * serve: routes each HTTP request to a page, an API document, /metrics or a
 * report. It only reads: the store is opened read only (WAL lets it read
 * while ingest writes), one handle per concurrent request from a small pool.
 * Anything but a well-formed GET or HEAD for a known path gets a 4xx.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "fleet.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "pages.h"
#include "format.h"
#include "render.h"
#include "report.h"
#include "store.h"
#include "util.h"
#include "alerts.h"

#define URL_MAX 256
#define ARG_MAX_LEN 64

struct serve {
	const struct central_conf *conf;
	const struct fleet *fleet;
	struct MHD_Daemon *d;
	char *cert, *key; /* PEM text, for the daemon's lifetime */
	char **users;     /* "user:password" lines of the password file */
	int n_users;
	pthread_mutex_t pool_lock;
	struct store **pool; /* idle read-only handles */
	int n_pool, cap_pool;
	pthread_mutex_t snap_lock;
	pthread_cond_t snap_cond;
	int building; /* a request is rebuilding the snapshot */
	struct live_snapshot *snap;
};

/* ---- store pool ---- */

static struct store *pool_get(struct serve *sv, char **cause)
{
	struct store *s = NULL;
	pthread_mutex_lock(&sv->pool_lock);
	if (sv->n_pool > 0)
		s = sv->pool[--sv->n_pool];
	pthread_mutex_unlock(&sv->pool_lock);
	return s ? s
	         : store_open_conf(sv->conf->database, sv->conf->database_password_file, 1, cause);
}

static void pool_put(struct serve *sv, struct store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&sv->pool_lock);
	if (sv->n_pool == sv->cap_pool) {
		sv->cap_pool = sv->cap_pool ? sv->cap_pool * 2 : 8;
		sv->pool = xrealloc(sv->pool, (size_t)sv->cap_pool * sizeof *sv->pool);
	}
	sv->pool[sv->n_pool++] = s;
	pthread_mutex_unlock(&sv->pool_lock);
}

/*
 * The current snapshot (a reference the caller drops). When it is older than
 * cache_s one request rebuilds it while the others keep answering from the
 * old one, so a slow rebuild never queues the whole server behind it; only
 * the very first requests wait. NULL and *cause when none can be built.
 */
static struct live_snapshot *snapshot(struct serve *sv, struct store *s, char **cause)
{
	struct live_snapshot *ls = NULL, *n;
	int64_t now = util_now_ms(), age;

	pthread_mutex_lock(&sv->snap_lock);
	for (;;) {
		age = sv->snap ? now - live_snapshot_built_ms(sv->snap) : INT64_MAX;
		if (sv->snap && ((age >= 0 && age < sv->conf->live.cache_s * 1000) || sv->building))
			break; /* fresh, or someone is rebuilding: the current one will do */
		if (!sv->building)
			break;                                     /* this request rebuilds */
		pthread_cond_wait(&sv->snap_cond, &sv->snap_lock); /* nothing yet: wait for it */
	}
	if (sv->snap && ((age >= 0 && age < sv->conf->live.cache_s * 1000) || sv->building)) {
		ls = live_snapshot_ref(sv->snap);
		pthread_mutex_unlock(&sv->snap_lock);
		return ls;
	}
	sv->building = 1;
	pthread_mutex_unlock(&sv->snap_lock);
	n = live_snapshot_build(s, sv->fleet, sv->conf, now, cause);
	pthread_mutex_lock(&sv->snap_lock);
	sv->building = 0;
	if (n) {
		live_snapshot_unref(sv->snap);
		sv->snap = n;
	}
	/* on a failed rebuild a snapshot under a minute old is still better than nothing */
	if (sv->snap && (n || now - live_snapshot_built_ms(sv->snap) < 60000))
		ls = live_snapshot_ref(sv->snap);
	pthread_cond_broadcast(&sv->snap_cond);
	pthread_mutex_unlock(&sv->snap_lock);
	return ls;
}

/* ---- responses ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len, const char *disposition)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
	                        "default-src 'none'; script-src 'unsafe-inline'; style-src "
	                        "'unsafe-inline'; img-src data:; connect-src 'self'; "
	                        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	if (disposition)
		MHD_add_response_header(r, "Content-Disposition", disposition);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate",
		                        "Basic realm=\"pvmon\", charset=\"UTF-8\"");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, char *body)
{
	return reply(c, status, "application/json; charset=utf-8", body, strlen(body), NULL);
}

/* An error: JSON for /api/ and /metrics, a small page otherwise. */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, int api,
                                   enum msg_lang lang, const char *what)
{
	char *body;
	if (api) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "status", status);
		cJSON_AddStringToObject(o, "error", what);
		body = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		return reply_json(c, status, body);
	}
	{
		char *w = pages_escape(what);
		body = xasprintf("<!doctype html><html><head><meta charset=\"utf-8\"><meta "
		                 "name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		                 "<title>%u</title></head><body><h1>%u</h1><p>%s</p><p>%s</p>"
		                 "<p><a href=\"/\">%s</a></p></body></html>\n",
		                 status, status,
		                 msg_get(lang, status == 404   ? "live.page.notfound"
		                               : status >= 500 ? "live.err.unavailable"
		                                               : "live.err.bad_request"),
		                 w, msg_get(lang, "live.nav.overview"));
		free(w);
	}
	return reply(c, status, "text/html; charset=utf-8", body, strlen(body), NULL);
}

/* ---- request checks ---- */

/* Only these characters may appear in a path: ids, slashes, dots (never ".."). */
static int path_ok(const char *url)
{
	if (url[0] != '/' || strstr(url, "..") || strstr(url, "//"))
		return 0;
	for (const char *p = url; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '/' || *p == '-' || *p == '_' || *p == '.'))
			return 0;
	return 1;
}

struct args {
	const char *lang, *open, *limit;
	int bad;
	char bad_key[ARG_MAX_LEN];
};

static enum MHD_Result arg_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
	struct args *a = cls;
	(void)kind;
	if (!key || strlen(key) > ARG_MAX_LEN || (value && strlen(value) > ARG_MAX_LEN)) {
		a->bad = 1;
		return MHD_NO;
	}
	if (strcmp(key, "lang") == 0 && value)
		a->lang = value;
	else if (strcmp(key, "open") == 0 && value)
		a->open = value;
	else if (strcmp(key, "limit") == 0 && value)
		a->limit = value;
	else {
		a->bad = 1;
		util_strlcpy(a->bad_key, key, sizeof a->bad_key);
		return MHD_NO;
	}
	return MHD_YES;
}

static int b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Compares without an early exit, so timing does not tell how much matched. */
static int same(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	for (size_t i = 0; i < na; i++)
		d |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
	return d == 0;
}

/* 1 when the request carries Basic credentials from the password file. */
static int authorized(struct serve *sv, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char dec[256];
	size_t n = 0;
	int bits = 0, ok = 0;
	unsigned acc = 0;
	if (!h || strncmp(h, "Basic ", 6) != 0)
		return 0;
	for (h += 6; *h && *h != '='; h++) {
		int v = b64val((unsigned char)*h);
		if (v < 0 || n + 1 >= sizeof dec)
			return 0;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dec[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	dec[n] = '\0';
	if (strlen(dec) != n)
		return 0;
	for (int i = 0; i < sv->n_users; i++)
		ok |= same(dec, sv->users[i]);
	return ok;
}

/* ---- handlers ---- */

/* Splits "/prefix/<id>" into id (validated); returns the id or NULL. */
static const char *tail_id(const char *url, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(url, prefix, n) != 0)
		return NULL;
	url += n;
	return util_id_valid(url) ? url : NULL;
}

static const char *name_of(const cJSON *arr, const char *id)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *x = cJSON_GetObjectItem(e, "id");
		if (cJSON_IsString(x) && strcmp(x->valuestring, id) == 0) {
			const cJSON *nm = cJSON_GetObjectItem(e, "name");
			return cJSON_IsString(nm) ? nm->valuestring : id;
		}
	}
	return NULL;
}

static enum MHD_Result handle_report(struct serve *sv, struct MHD_Connection *c, struct store *s,
                                     const char *spec, enum msg_lang lang)
{
	static const struct {
		const char *ext, *type;
		enum format_kind fmt;
	} fmts[] = {{"txt", "text/plain; charset=utf-8", FORMAT_TEXT},
	            {"csv", "text/csv; charset=utf-8", FORMAT_CSV},
	            {"json", "application/json; charset=utf-8", FORMAT_JSON},
	            {"html", "text/html; charset=utf-8", FORMAT_HTML},
	            {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	             FORMAT_XLSX}};
	char month[8], *cause = NULL, *buf = NULL, disp[96];
	const char *dot = strchr(spec, '.');
	struct report_params p = {0};
	struct report *r = NULL;
	size_t len = 0, i;
	int hour, y, m, d;
	FILE *f;

	if (!dot || dot - spec != 7)
		return reply_error(c, 404, 0, lang,
		                   "expected /reports/YYYY-MM.txt|csv|json|html|xlsx");
	memcpy(month, spec, 7);
	month[7] = '\0';
	for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
		if (strcmp(dot + 1, fmts[i].ext) == 0)
			break;
	caltime_civil(caltime_local_day(util_now_ms(), &hour), &y, &m, &d);
	if (i == sizeof fmts / sizeof fmts[0] ||
	    caltime_parse_month(month, &p.year, &p.month) < 0 || p.year < 2000 ||
	    p.year * 12 + p.month > y * 12 + m)
		return reply_error(c, 404, 0, lang, "no such report");
	p.timezone = sv->conf->timezone;
	p.lang = lang; /* the page's language: Chinese unless ?lang=en */
	p.target_fen_per_year = sv->conf->target_fen_per_year;
	/* the same basis as `report` (the dashboard's own snapshot stays on accruals) */
	p.basis = sv->conf->target_basis_received ? REPORT_BASIS_RECEIVED : REPORT_BASIS_ACCRUED;
	p.expected_interval_s = sv->conf->expected_interval_s;
	p.meter_tolerance_permille = sv->conf->meter_tolerance_permille;
	if (!(r = report_build(s, sv->fleet, &p, &cause))) {
		log_warn("serve: report %s: %s", month, cause);
		free(cause);
		return reply_error(c, 503, 0, lang, "the report could not be built");
	}
	f = open_memstream(&buf, &len);
	if (!f || render_report(r, fmts[i].fmt, f) < 0) {
		if (f)
			fclose(f);
		free(buf);
		report_free(r);
		return reply_error(c, 500, 0, lang, "the report could not be rendered");
	}
	fclose(f);
	report_free(r);
	snprintf(disp, sizeof disp, "attachment; filename=\"pvmon-report-%s.%s\"", month,
	         fmts[i].ext);
	return reply(c, 200, fmts[i].type, buf, len, disp);
}

static enum MHD_Result route(struct serve *sv, struct MHD_Connection *c, const char *url,
                             const struct args *a, enum msg_lang lang)
{
	int api = strncmp(url, "/api/", 5) == 0, status = 0;
	struct live_snapshot *ls = NULL;
	struct store *s = NULL;
	char *cause = NULL, *body = NULL;
	const char *id = NULL;
	enum MHD_Result rc;

	if (strcmp(url, "/healthz") == 0)
		return reply(c, 200, "text/plain; charset=utf-8", xstrdup("ok\n"), 3, NULL);
	if (!(s = pool_get(sv, &cause)) || !(ls = snapshot(sv, s, &cause))) {
		log_warn("serve: %s", cause ? cause : "no snapshot");
		free(cause);
		if (s)
			pool_put(sv, s);
		return reply_error(c, 503, api || strcmp(url, "/metrics") == 0, lang,
		                   "database unavailable");
	}
	free(cause);
	cause = NULL;

	if (api) {
		const cJSON *root = live_tree(ls);
		if (strncmp(url, "/api/v1/", 8) != 0)
			goto not_found;
		url += 8;
		if (strcmp(url, "overview") == 0 || strcmp(url, "townships") == 0 ||
		    strcmp(url, "villages") == 0 || strcmp(url, "stations") == 0 ||
		    strcmp(url, "gateways") == 0)
			body = live_json(ls, url, NULL);
		else if (strcmp(url, "alerts") == 0) {
			long limit = 200;
			int open = 0;
			char *end = NULL;
			cJSON *l;
			if (a->limit) {
				limit = strtol(a->limit, &end, 10);
				if (*end || limit < 1 || limit > 10000) {
					rc = reply_error(
					    c, 400, 1, lang,
					    "limit: expected an integer from 1 to 10000");
					goto done;
				}
			}
			if (a->open) {
				if (strcmp(a->open, "0") && strcmp(a->open, "1")) {
					rc = reply_error(c, 400, 1, lang, "open: expected 0 or 1");
					goto done;
				}
				open = a->open[0] == '1';
			}
			if (!(l = alerts_list(s, open, NULL, NULL, (int)limit, &cause))) {
				log_warn("serve: %s", cause);
				rc = reply_error(c, 503, 1, lang, "database unavailable");
				goto done;
			}
			body = cJSON_PrintUnformatted(l);
			cJSON_Delete(l);
		} else if ((id = tail_id(url, "townships/")))
			body = live_json(ls, "township", id);
		else if ((id = tail_id(url, "villages/")))
			body = live_json(ls, "village", id);
		else if ((id = tail_id(url, "stations/"))) {
			body = live_station_json(ls, s, id, &status);
			if (!body && status == 500) {
				rc = reply_error(c, 503, 1, lang, "database unavailable");
				goto done;
			}
		}
		(void)root;
		if (!body)
			goto not_found;
		rc = reply_json(c, 200, body);
		goto done;
	}
	if (strcmp(url, "/metrics") == 0) {
		int64_t rejected = -1;
		if (store_rejected_count(s, &rejected) < 0)
			rejected = -1;
		body = metrics_render(ls, util_now_ms(), rejected);
		body = metrics_ingest(body, s, util_now_ms());
		rc = reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", body, strlen(body),
		           NULL);
		goto done;
	}
	if (strncmp(url, "/reports/", 9) == 0) {
		rc = handle_report(sv, c, s, url + 9, lang);
		goto done;
	}
	{
		const cJSON *root = live_tree(ls);
		struct pages_view v = {
		    lang, NULL, NULL, NULL, sv->conf->timezone, sv->conf->live.refresh_s, NULL};
		char *extra = NULL;
		if (strcmp(url, "/") == 0)
			v.page = "overview";
		else if (strcmp(url, "/alerts") == 0)
			v.page = "alerts";
		else if (strcmp(url, "/reports") == 0) {
			int hour, y, m, d, y0, m0;
			int32_t first = INT32_MAX;
			v.page = "reports";
			caltime_civil(caltime_local_day(util_now_ms(), &hour), &y, &m, &d);
			for (int i = 0; i < sv->fleet->n_stations; i++)
				if (sv->fleet->stations[i].commissioned_day < first)
					first = sv->fleet->stations[i].commissioned_day;
			if (first == INT32_MAX || first > caltime_days(y, m, 1))
				first = caltime_days(y, m, 1);
			caltime_civil(first, &y0, &m0, &d);
			if ((y - y0) * 12 + m - m0 > 120) { /* at most ten years listed */
				y0 = y - 10;
				m0 = m;
			}
			v.body = extra = pages_reports_body(lang, y0, m0, y, m);
		} else if ((id = tail_id(url, "/township/"))) {
			v.page = "township";
			v.title = name_of(cJSON_GetObjectItem(root, "townships"), id);
		} else if ((id = tail_id(url, "/village/"))) {
			v.page = "village";
			v.title = name_of(cJSON_GetObjectItem(root, "villages"), id);
		} else if ((id = tail_id(url, "/station/"))) {
			v.page = "station";
			v.title = name_of(cJSON_GetObjectItem(root, "stations"), id);
		} else
			goto not_found;
		if (strcmp(v.page, "township") == 0 || strcmp(v.page, "village") == 0 ||
		    strcmp(v.page, "station") == 0) {
			if (!v.title)
				goto not_found;
			v.id = id;
		}
		body = pages_render(&v);
		free(extra);
		rc = reply(c, 200, "text/html; charset=utf-8", body, strlen(body), NULL);
		goto done;
	}
not_found:
	free(body);
	rc = reply_error(c, 404, api, lang, "not found");
done:
	free(cause);
	live_snapshot_unref(ls);
	pool_put(sv, s);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	struct serve *sv = cls;
	struct args a = {0};
	enum msg_lang lang = MSG_ZH;
	int api = url && (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/metrics") == 0);
	(void)version;
	(void)upload_data;

	/* first call: headers only; a body is never wanted */
	if (!*req_cls) {
		*req_cls = (void *)1;
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, api, lang,
			                   "only GET and HEAD");
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (sv->n_users && !authorized(sv, c))
		return reply_error(c, MHD_HTTP_UNAUTHORIZED, api, lang, "authorization required");
	if (!url || strlen(url) > URL_MAX)
		return reply_error(c, MHD_HTTP_URI_TOO_LONG, api, lang, "URL too long");
	if (!path_ok(url))
		return reply_error(c, 400, api, lang, "malformed path");
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_cb, &a);
	if (a.bad)
		return reply_error(c, 400, api, lang, "unknown or malformed query parameter");
	if (a.lang && msg_lang_parse(a.lang, &lang) < 0)
		return reply_error(c, 400, api, lang, "lang: expected zh or en");
	return route(sv, c, url, &a, lang);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("serve: http: %s", line);
}

/* Reads the password file: "user:password" per line; blank lines and # comments skipped. */
static int read_users(struct serve *sv, const char *path, char **cause)
{
	char *text = NULL, *line, *save = NULL;
	size_t len;
	if (util_read_file(path, &text, &len, cause) < 0)
		return -1;
	for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		if (!*line || *line == '#')
			continue;
		if (!strchr(line, ':') || line[0] == ':') {
			*cause = xasprintf("%s: expected \"user:password\" lines", path);
			free(text);
			return -1;
		}
		sv->users = xrealloc(sv->users, (size_t)(sv->n_users + 1) * sizeof *sv->users);
		sv->users[sv->n_users++] = xstrdup(line);
	}
	memset(text, 0, len);
	free(text);
	if (!sv->n_users) {
		*cause = xasprintf("%s: expected at least one \"user:password\" line", path);
		return -1;
	}
	return 0;
}

struct serve *serve_start(const struct central_conf *conf, const struct fleet *fleet, char **cause)
{
	struct serve *sv = xcalloc(1, sizeof *sv);
	struct store *s = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	size_t len;

	sv->conf = conf;
	sv->fleet = fleet;
	pthread_mutex_init(&sv->pool_lock, NULL);
	pthread_mutex_init(&sv->snap_lock, NULL);
	pthread_cond_init(&sv->snap_cond, NULL);
	/* refuse to start on a database serve cannot read */
	if (!(s = store_open_conf(conf->database, conf->database_password_file, 1, cause)))
		goto fail;
	pool_put(sv, s);
	if (conf->live.password_file && read_users(sv, conf->live.password_file, cause) < 0)
		goto fail;
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, conf->live.listen_host, &((struct sockaddr_in *)&ss)->sin_addr) ==
	    1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)conf->live.listen_port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, conf->live.listen_host,
	                     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)conf->live.listen_port);
		sl = sizeof(struct sockaddr_in6);
		flags |= MHD_USE_IPv6;
	} else {
		*cause = xasprintf("%s: serve.listen: \"%s\" is not an IP address", conf->path,
		                   conf->live.listen_host);
		goto fail;
	}
	(void)sl;
	if (conf->live.tls_cert_file) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			*cause = xstrdup("serve: this libmicrohttpd was built without TLS");
			goto fail;
		}
		if (util_read_file(conf->live.tls_cert_file, &sv->cert, &len, cause) < 0 ||
		    util_read_file(conf->live.tls_key_file, &sv->key, &len, cause) < 0)
			goto fail;
		flags |= MHD_USE_TLS;
	}
	sv->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, sv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)conf->live.threads, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)512, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_EXTERNAL_LOGGER, on_log,
	    NULL, conf->live.tls_cert_file ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, sv->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, sv->key, MHD_OPTION_END);
	if (!sv->d) {
		*cause = xasprintf(
		    "serve: cannot listen on %s:%d%s (in use, or not an address of "
		    "this machine)",
		    conf->live.listen_host, conf->live.listen_port,
		    conf->live.tls_cert_file ? " with TLS (check tls_cert and tls_key)" : "");
		goto fail;
	}
	return sv;
fail:
	serve_stop(sv);
	return NULL;
}

int serve_port(const struct serve *sv)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(sv->d, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : -1;
}

void serve_stop(struct serve *sv)
{
	if (!sv)
		return;
	if (sv->d)
		MHD_stop_daemon(sv->d);
	for (int i = 0; i < sv->n_pool; i++)
		store_close(sv->pool[i]);
	free(sv->pool);
	for (int i = 0; i < sv->n_users; i++) {
		memset(sv->users[i], 0, strlen(sv->users[i]));
		free(sv->users[i]);
	}
	free(sv->users);
	live_snapshot_unref(sv->snap);
	free(sv->cert);
	free(sv->key);
	pthread_mutex_destroy(&sv->pool_lock);
	pthread_mutex_destroy(&sv->snap_lock);
	pthread_cond_destroy(&sv->snap_cond);
	free(sv);
}
