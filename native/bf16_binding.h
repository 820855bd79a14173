// Registers the bf16 kernels' Node-API functions on the addon's exports.
#pragma once
#include <napi.h>

namespace ds {

void register_bf16(Napi::Env env, Napi::Object exports);

}  // namespace ds
