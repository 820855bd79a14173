// Which SIMD instruction sets the running CPU has, asked once at run time so one binary runs on
// any x86-64 (and on other architectures with the portable kernels only).
#pragma once

namespace ds {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

Isa detected_isa();
const char* isa_name(Isa isa);

}  // namespace ds
