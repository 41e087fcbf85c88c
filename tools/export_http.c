/*
 * export_http.c: delivering batches to ClickHouse's HTTP interface with
 * libcurl: POST /?query=INSERT INTO table FORMAT JSONEachRow, the batch's
 * JSON lines as the body.  A batch is delivered when the server answers
 * 200 (wait_end_of_query=1 makes it answer only once the insert is done,
 * so an error mid-insert is not a 200).  The server is untrusted: connect
 * and whole-request timeouts bound a slow one, at most
 * HTTP_RESPONSE_MAX bytes of a response are read (a few kept for the
 * error message, escaped), no redirect is followed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "export.h"

#define HTTP_CONNECT_TIMEOUT_MS	5000
#define HTTP_RESPONSE_MAX	(1024 * 1024)
#define HTTP_KEEP		512	/* bytes of a response kept */
#define HTTP_URL_MAX		4096

struct export_http {
	CURL			*curl;
	struct curl_slist	*headers;
	char			*url[EXPORT__NSTREAMS];
	char			 resp[HTTP_KEEP + 1];
	size_t			 resp_len;
	size_t			 resp_total;
};

/* A table name: NAME or DATABASE.NAME, each [A-Za-z_][A-Za-z0-9_]*. */
int
export_table_valid(const char *t)
{
	int	 parts = 0;

	for (;;) {
		if (!isalpha((unsigned char)*t) && *t != '_')
			return 0;
		while (isalnum((unsigned char)*t) || *t == '_')
			t++;
		parts++;
		if (*t == '\0')
			return 1;
		if (*t != '.' || parts == 2)
			return 0;
		t++;
	}
}

/* The INSERT URL of a table. */
static char *
insert_url(CURL *curl, const char *base, const char *table)
{
	char	 q[256], *esc, *url;

	snprintf(q, sizeof(q), "INSERT INTO %s FORMAT JSONEachRow", table);
	if ((esc = curl_easy_escape(curl, q, 0)) == NULL)
		return NULL;
	if ((url = malloc(HTTP_URL_MAX)) != NULL &&
	    snprintf(url, HTTP_URL_MAX, "%s%cquery=%s&wait_end_of_query=1",
	    base, strchr(base, '?') != NULL ? '&' : '?', esc) >= HTTP_URL_MAX) {
		free(url);
		url = NULL;
	}
	curl_free(esc);
	return url;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct export_http	*h = arg;
	size_t			 len = size * n, keep;

	h->resp_total += len;
	if (h->resp_total > HTTP_RESPONSE_MAX)
		return 0;	/* aborts the transfer */
	keep = HTTP_KEEP - h->resp_len;
	if (keep > len)
		keep = len;
	memcpy(h->resp + h->resp_len, p, keep);
	h->resp_len += keep;
	return len;
}

/*
 * A client for the server at url (http://HOST:PORT/), inserting tasks
 * into table and losses into the table "losses" of the same database;
 * a request that takes longer than timeout_ms fails.
 */
struct export_http *
export_http_new(const char *url, const char *table, int64_t timeout_ms,
    char *err, size_t errlen)
{
	struct export_http	*h;
	char			 losses[256];
	const char		*dot;

	if (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "--to %s: give an http:// or https:// "
		    "URL, such as http://127.0.0.1:8123/", url);
		return NULL;
	}
	if (strlen(url) > HTTP_URL_MAX / 2) {
		snprintf(err, errlen, "--to: URL too long");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (h = calloc(1, sizeof(*h))) == NULL ||
	    (h->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		return NULL;
	}
	dot = strchr(table, '.');
	snprintf(losses, sizeof(losses), "%.*slosses",
	    dot != NULL ? (int)(dot - table + 1) : 0, table);
	h->url[EXPORT_TASKS] = insert_url(h->curl, url, table);
	h->url[EXPORT_LOSSES] = insert_url(h->curl, url, losses);
	/* No "Expect: 100-continue" wait before each body. */
	h->headers = curl_slist_append(NULL, "Expect:");
	if (h->url[EXPORT_TASKS] == NULL || h->url[EXPORT_LOSSES] == NULL ||
	    h->headers == NULL) {
		export_http_free(h);
		snprintf(err, errlen, "--to: URL too long");
		return NULL;
	}
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(timeout_ms < HTTP_CONNECT_TIMEOUT_MS ? timeout_ms :
	    HTTP_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)HTTP_RESPONSE_MAX);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "taskacct-export");
	return h;
}

void
export_http_free(struct export_http *h)
{
	int	 i;

	if (h == NULL)
		return;
	for (i = 0; i < EXPORT__NSTREAMS; i++)
		free(h->url[i]);
	curl_slist_free_all(h->headers);
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h);
}

/* The start of the server's answer, one line of printable ASCII. */
static void
resp_line(const struct export_http *h, char *out, size_t outlen)
{
	size_t	 i, n = 0;

	for (i = 0; i < h->resp_len && n + 1 < outlen && n < 200; i++) {
		if (h->resp[i] == '\n' || h->resp[i] == '\r')
			break;
		out[n++] = isprint((unsigned char)h->resp[i]) ? h->resp[i] :
		    '?';
	}
	out[n] = '\0';
}

/*
 * POST one batch of stream s.  0 once the server accepted it; -1 with err
 * set (one line) otherwise: the caller tries again later.
 */
int
export_http_post(struct export_http *h, enum export_stream s,
    const struct export_buf *b, char *err, size_t errlen)
{
	char		 line[256];
	long		 status = 0;
	CURLcode	 rc;

	h->resp_len = h->resp_total = 0;
	curl_easy_setopt(h->curl, CURLOPT_URL, h->url[s]);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, b->p != NULL ? b->p :
	    "");
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)b->len);
	rc = curl_easy_perform(h->curl);
	if (rc == CURLE_WRITE_ERROR && h->resp_total > HTTP_RESPONSE_MAX) {
		snprintf(err, errlen, "the server's answer is longer than %d "
		    "bytes", HTTP_RESPONSE_MAX);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200)
		return 0;
	resp_line(h, line, sizeof(line));
	snprintf(err, errlen, "HTTP %ld: %s", status, line);
	return -1;
}
