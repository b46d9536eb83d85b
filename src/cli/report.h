/* report.h — how the CLI renders the daemons' interval records: one JSON line per
 * interval (`--json`), or the text of a dry run ("would ..." lines). The daemons print
 * nothing themselves (daemon/agent.h, daemon/controller.h); their log lines go to
 * stderr through util/log.h, these to stdout. */
#pragma once
#include "daemon/agent.h"
#include "daemon/controller.h"

typedef struct {
    gboolean json;            /* a JSON line per interval, else the text of a dry run */
} SovaReport;

/* an SovaAgentObserver / SovaControllerObserver; data is a SovaReport */
void sova_report_agent(const SovaAgentInterval *iv, gpointer data);
void sova_report_controller(const SovaControllerInterval *iv, gpointer data);

/* the JSON of one record (what --json prints), for callers that print it otherwise */
JsonNode *sova_agent_interval_to_json(const SovaAgentInterval *iv);
JsonNode *sova_controller_interval_to_json(const SovaControllerInterval *iv);
