/* plan_file.h — a cluster plan written for an operator to read and apply: what
 * `sova controller --recommend` writes and `sova apply` reads (docs/sova.1.md, "PLAN FILES").
 *
 * JSON (json-glib): {"sova_plan": 1, "created": "ISO 8601 UTC", "created_unix": S,
 * "sampled_unix": S, "policy", "imbalance", "imbalance_after", "reason",
 * "actions": [{"action": "migrate", "vm", "uuid", "from", "to", "reason", "gain", "cost_s",
 *              "expected": {"imbalance_before", "imbalance_after"},
 *              "assumed": {"vm": {"cpu", "memory_kib", "net_Bps"},
 *                          "source": {"host", "cpu", "mem", "net", "score"},
 *                          "destination": {...}}}]}
 * Times are wall-clock seconds since the epoch: the file outlives the process. The parser
 * checks the shape and the values a migration needs, and ignores what it does not read
 * ("assumed" is for the operator; `sova apply` checks the cluster as it is now). */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "model/cluster.h"
#include "model/plan.h"

#define SOVA_PLAN_FILE_VERSION 1

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *vm, *from, *to;     /* VM name, source and destination host names */
    char *reason;
    double gain, cost_s;
    double imbalance_before, imbalance_after;  /* expected, when planned */
} SovaPlanFileAction;

typedef struct {
    int version;
    double created;           /* wall clock, seconds since the epoch */
    double sampled;           /* when the sample it was planned from was taken */
    char *policy;
    double imbalance;
    GArray *actions;          /* SovaPlanFileAction */
} SovaPlanFile;

/* what the writer needs besides the cluster and the plan */
typedef struct {
    const char *policy;
    double created, sampled;  /* wall clock, seconds since the epoch */
} SovaPlanFileInfo;

/* the file of `plan`'s migrations planned on `c`; expected: the imbalance before action i
 * and after it (expected[i], expected[i + 1]), as the controller's interval record has it */
JsonNode *sova_plan_file_to_json(const SovaCluster *c, const SovaPlan *plan,
                                 const double *expected, const SovaPlanFileInfo *info);
/* parses a plan file's text; NULL with SOVA_ERROR_INVALID and a message saying what is
 * wrong (and in which action) */
SovaPlanFile *sova_plan_file_parse(const char *text, gssize len, GError **error);
void sova_plan_file_free(SovaPlanFile *f);
SovaPlanFileAction *sova_plan_file_action(const SovaPlanFile *f, guint i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaPlanFile, sova_plan_file_free)
