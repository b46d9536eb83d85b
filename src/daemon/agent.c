/* agent.c — placeholder, being written */
#include "agent.h"
SovaAgent *sova_agent_new(SovaBackend *be, const SovaConfig *cfg, const SovaCpuPolicy *policy, const SovaAgentOptions *opts) { (void)be; (void)cfg; (void)policy; (void)opts; return NULL; }
void sova_agent_free(SovaAgent *a) { (void)a; }
gboolean sova_agent_step(SovaAgent *a, GError **e) { (void)a; (void)e; return TRUE; }
int sova_agent_run(SovaAgent *a, gboolean once, const volatile gint *stop) { (void)a; (void)once; (void)stop; return 0; }
guint64 sova_agent_pin_changes(const SovaAgent *a) { (void)a; return 0; }
const SovaModel *sova_agent_model(const SovaAgent *a) { (void)a; return NULL; }
