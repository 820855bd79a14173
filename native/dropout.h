// Inverted dropout with a counter-based mask (the same bits as src/backend/js/dropout.ts).
#pragma once
#include <cstdint>

#include "dtype.h"

namespace ds {

void dropout(const Buf& x, uint32_t seed0, uint32_t seed1, double rate, const Buf& out);

}  // namespace ds
