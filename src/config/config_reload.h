/* config_reload.h — which sova.conf keys a running daemon takes on SIGHUP, and which keys
 * a new text of the file changes.
 *
 * A key "reloads" when `sova agent` or `sova controller` applies its new value at the next
 * interval (policy parameters, exclusions, net thresholds, hosts in maintenance ...); the
 * others (URIs, the host list, what the backends were opened with) keep their running
 * value until a restart, and a reload names them in a warning. A key this file does not
 * list does not reload. docs/sova.conf.5.md, "RELOAD", says the same per key
 * (tests/docs/check-docs.sh reads the *_reload[] lists of config_reload.c). */
#pragma once
#include <glib.h>
#include "util/keyfile.h"

/* TRUE when a running daemon applies `key` of section `group` ("cpu", "host NAME" ...) */
gboolean sova_config_key_reloads(const char *group, const char *key);

/* The keys, in the sections `owns` knows, whose value differs between two texts of the
 * file (NULL: no file, every key absent), as "[group] key": appended to `reloads` when the
 * key reloads, to `kept` when not (either may be NULL). Both texts must parse. */
void sova_config_changes(const char *before, const char *after, SovaKeyfileKeysOf owns,
                         GPtrArray *reloads, GPtrArray *kept);
