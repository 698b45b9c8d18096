/*
 * broker: the MQTT client set-up the collector and ingest share: the broker
 * password file, and a client's callbacks, credentials and TLS from the
 * broker section of its configuration (struct broker_conf, config.h).
 */
#ifndef PVMON_BROKER_H
#define PVMON_BROKER_H

#include "config.h"

struct mosquitto;
struct mosquitto_message;

/*
 * Reads a password file: the first line, newline stripped, into *out (new
 * string, caller frees). Warns through log_warn, naming the file but never the
 * password, if group or others may read it. An empty first line is an error.
 */
int broker_password_read(const char *path, char **out, char **cause);

/* The client's callbacks; NULL ones are left unset. Their data is borrowed (libmosquitto's). */
struct broker_callbacks {
	void (*on_connect)(struct mosquitto *m, void *ctx, int rc, int flags);
	void (*on_disconnect)(struct mosquitto *m, void *ctx, int rc);
	void (*on_publish)(struct mosquitto *m, void *ctx, int mid);
	void (*on_message)(struct mosquitto *m, void *ctx, const struct mosquitto_message *msg);
	void (*on_log)(struct mosquitto *m, void *ctx, int level, const char *msg);
};

/*
 * Sets up client m before it connects: the callbacks, then the username and
 * password (when either is given; password borrowed, may be NULL), then TLS
 * when b->ca_file is set. Returns MOSQ_ERR_SUCCESS, or libmosquitto's error
 * with *failed naming the step ("credentials" or "TLS").
 */
int broker_client_setup(struct mosquitto *m, const struct broker_conf *b, const char *password,
                        const struct broker_callbacks *cb, const char **failed);

#endif
