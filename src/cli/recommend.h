/* recommend.h — `sova controller --recommend`: the first planned interval's plan written as
 * a plan file (model/plan_file.h) for an operator to read and `sova apply`. */
#pragma once
#include <glib.h>
#include "daemon/controller.h"

typedef struct SovaRecommend SovaRecommend;

/* output NULL: standard output */
SovaRecommend *sova_recommend_new(const char *output, const char *policy);
/* the controller's observer: writes the first interval's plan, ignores the others */
void sova_recommend_write(SovaRecommend *r, const SovaControllerInterval *iv);
/* says on stderr what was written; FALSE when nothing could be written */
gboolean sova_recommend_finish(SovaRecommend *r);
void sova_recommend_free(SovaRecommend *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaRecommend, sova_recommend_free)
