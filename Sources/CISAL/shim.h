// Intel ISA-L's igzip (Debian libisal-dev): its level buffer sizes and stream state are C macros
// and enums Swift cannot use directly.
#ifndef TIDINGS_CISAL_SHIM_H
#define TIDINGS_CISAL_SHIM_H
#include <isa-l/igzip_lib.h>

/// The documented default `level_buf` size for `level` (0 needs none); 0 for levels igzip lacks.
static inline uint32_t tg_isal_level_buf_size(int level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}

/// True once a stream given `end_of_stream` has written its last byte (the gzip trailer).
static inline int tg_isal_ended(const struct isal_zstream *s) { return s->internal_state.state == ZSTATE_END; }
#endif
