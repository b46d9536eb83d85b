/* status_net.h — the net plane's part of `sova status` (status_net.c). */
#pragma once
#include <json-glib/json-glib.h>
#include "model/netmodel.h"
#include "config/config.h"

/* rates over a -> b, no smoothing */
SovaNetModel *sova_status_net_model(const SovaSnapshot *a, const SovaSnapshot *b,
                                    const SovaConfig *cfg);
void sova_status_net_text(const SovaSnapshot *s, const SovaNetModel *m);
/* adds a "net" member to the object being built */
void sova_status_net_json(const SovaSnapshot *s, const SovaNetModel *m, JsonBuilder *b);
