/* config.c — placeholder, being written */
#include "config.h"
SovaConfig *sova_config_new(void) { return g_new0(SovaConfig, 1); }
void sova_config_free(SovaConfig *c) { g_free(c); }
gboolean sova_config_load(SovaConfig *c, const char *p, GError **e) { (void)c; (void)p; (void)e; return TRUE; }
gboolean sova_config_validate(const SovaConfig *c, GError **e) { (void)c; (void)e; return TRUE; }
