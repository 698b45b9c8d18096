/*
 * version: the one version of pvmon, printed by every program's --version and
 * sent in the collector's status. Change it here only.
 */
#ifndef PVMON_VERSION_H
#define PVMON_VERSION_H

#define PVMON_VERSION "0.1.0"

#endif
