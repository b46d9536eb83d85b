/* recommend.c — `sova controller --recommend`; see recommend.h. The sample's wall-clock
 * time is derived from the interval's (monotonic) time: the file outlives the process. */
#include "cli/recommend.h"
#include "model/plan_file.h"
#include <stdio.h>

struct SovaRecommend {
    char *output;
    char *policy;
    gboolean written, failed;
    guint actions;
};

SovaRecommend *sova_recommend_new(const char *output, const char *policy)
{
    SovaRecommend *r = g_new0(SovaRecommend, 1);
    r->output = g_strdup(output);
    r->policy = g_strdup(policy);
    return r;
}

void sova_recommend_free(SovaRecommend *r)
{
    if (!r)
        return;
    g_free(r->output);
    g_free(r->policy);
    g_free(r);
}

/* wall-clock seconds of a monotonic time in seconds */
static double wall_of(double mono_s)
{
    return g_get_real_time() / 1e6 - (g_get_monotonic_time() / 1e6 - mono_s);
}

void sova_recommend_write(SovaRecommend *r, const SovaControllerInterval *iv)
{
    if (r->written || r->failed)
        return;
    SovaPlanFileInfo info = { .policy = r->policy, .created = g_get_real_time() / 1e6,
                              .sampled = wall_of(iv->now) };
    g_autoptr(JsonNode) root = sova_plan_file_to_json(iv->cluster, iv->plan, iv->expected, &info);
    g_autofree char *text = json_to_string(root, TRUE);
    g_autofree char *line = g_strconcat(text, "\n", NULL);
    g_autoptr(GError) err = NULL;
    if (r->output && !g_file_set_contents(r->output, line, -1, &err)) {
        g_printerr("sova: %s\n", err->message);
        r->failed = TRUE;
        return;
    }
    if (!r->output) {
        fputs(line, stdout);
        fflush(stdout);
    }
    r->written = TRUE;
    r->actions = sova_plan_len(iv->plan);
}

gboolean sova_recommend_finish(SovaRecommend *r)
{
    if (!r->written) {
        if (!r->failed)
            g_printerr("sova: no plan: the cluster could not be read\n");
        return FALSE;
    }
    g_printerr("sova: %u migration(s) recommended, nothing moved; plan written to %s%s\n",
               r->actions, r->output ? r->output : "standard output",
               r->actions ? " (carry it out with sova apply)" : "");
    return TRUE;
}
