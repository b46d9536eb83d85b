/* registry.h — the one shape of a policy, in every plane, and the one registry by name.
 *
 * A policy of any plane (cpu, net, cluster) starts with the same head (SOVA_POLICY_HEAD):
 * a name and a one-line summary, an optional state kept by the caller between intervals
 * (state_new / state_free), and an optional feedback call through which the caller tells
 * the state what became of each action of the policy's last plan (SovaPlanResults, from
 * the executor). After the head comes the plane's own pure plan function, typed on that
 * plane's model and parameters:
 *
 *   state = state_new()                    once
 *   plan  = plan(model, params, state)     every interval; plan->status says what to do
 *   feedback(state, plan, results)         after the plan was executed (or not: dry run)
 *   state_free(state)                      once
 *
 * A plane keeps its policies in a SovaRegistry (a table of heads) and finds them by name
 * with sova_registry_find(); the lists for --help and the docs come from the same table. */
#pragma once
#include <glib.h>
#include "model/plan.h"

typedef struct SovaPolicy {
    const char *name;
    const char *summary;      /* one line, for --help and docs */
    gpointer (*state_new)(void);          /* may be NULL: stateless */
    void (*state_free)(gpointer state);
    /* may be NULL: the policy learns nothing from what became of its plan */
    void (*feedback)(gpointer state, const SovaPlan *plan, const SovaPlanResults *results);
} SovaPolicy;

/* The head of every plane's policy struct: its fields can be used by name (policy->name)
 * and the whole as a SovaPolicy (&policy->head), which is what the registry holds. */
#define SOVA_POLICY_HEAD                                                                    \
    union {                                                                                 \
        SovaPolicy head;                                                                    \
        struct {                                                                            \
            const char *name;                                                               \
            const char *summary;                                                            \
            gpointer (*state_new)(void);                                                    \
            void (*state_free)(gpointer state);                                             \
            void (*feedback)(gpointer state, const SovaPlan *plan,                          \
                             const SovaPlanResults *results);                               \
        };                                                                                  \
    }

typedef struct {
    const char *plane;                /* "cpu", "net", "cluster" */
    const SovaPolicy *const *policies;
    gsize n;
    char *list;                       /* built on first use: "a, b, c" */
} SovaRegistry;

/* NULL when name is NULL or unknown */
const SovaPolicy *sova_registry_find(const SovaRegistry *r, const char *name);
/* the names, in registry order: "balance, zigzag, lpt" (owned by the registry) */
const char *sova_registry_list(SovaRegistry *r);

/* the contract's calls, NULL-safe for the optional parts */
gpointer sova_policy_state_new(const SovaPolicy *p);
void sova_policy_state_free(const SovaPolicy *p, gpointer state);
void sova_policy_feedback(const SovaPolicy *p, gpointer state, const SovaPlan *plan,
                          const SovaPlanResults *results);
