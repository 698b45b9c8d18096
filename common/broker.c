/*
 * broker: what every pvmon MQTT client does before it connects to the county
 * broker: the password from its file, then the client's callbacks,
 * credentials and TLS, the same way for the collector and ingest. It never
 * connects and never logs the password.
 */
#include "broker.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "util.h"

int broker_password_read(const char *path, char **out, char **cause)
{
	char *text = NULL;
	size_t len = 0, n;
	struct stat st;

	*out = NULL;
	if (util_read_file(path, &text, &len, cause) < 0)
		return -1;
	n = strcspn(text, "\r\n");
	text[n] = '\0';
	if (n == 0) {
		free(text);
		*cause = xasprintf("%s: expected the broker password on the first line, got an "
		                   "empty line",
		                   path);
		return -1;
	}
	if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		log_warn("%s: the broker password file can be read by others (mode %03o); "
		         "chmod 600 it",
		         path, (unsigned)(st.st_mode & 0777));
	*out = text;
	return 0;
}

int broker_client_setup(struct mosquitto *m, const struct broker_conf *b, const char *password,
                        const struct broker_callbacks *cb, const char **failed)
{
	int rc;

	if (cb->on_connect)
		mosquitto_connect_with_flags_callback_set(m, cb->on_connect);
	if (cb->on_disconnect)
		mosquitto_disconnect_callback_set(m, cb->on_disconnect);
	if (cb->on_publish)
		mosquitto_publish_callback_set(m, cb->on_publish);
	if (cb->on_message)
		mosquitto_message_callback_set(m, cb->on_message);
	if (cb->on_log)
		mosquitto_log_callback_set(m, cb->on_log);
	if (b->username || password) {
		rc = mosquitto_username_pw_set(m, b->username, password);
		if (rc != MOSQ_ERR_SUCCESS) {
			*failed = "credentials";
			return rc;
		}
	}
	if (b->ca_file) {
		rc = mosquitto_tls_set(m, b->ca_file, NULL, b->cert_file, b->key_file, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			*failed = "TLS";
			return rc;
		}
	}
	return MOSQ_ERR_SUCCESS;
}
