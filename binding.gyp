{
  "targets": [
    {
      "target_name": "deepscript_native",
      "sources": [
        "native/activation.cc",
        "native/addon.cc",
        "native/attention.cc",
        "native/batch_norm.cc",
        "native/bf16_binding.cc",
        "native/conv.cc",
        "native/cpu_features.cc",
        "native/depthwise_conv.cc",
        "native/dropout.cc",
        "native/elementwise.cc",
        "native/exp_shifted.cc",
        "native/gemm.cc",
        "native/gemm_avx2.cc",
        "native/gemm_avx512.cc",
        "native/gemm_bf16.cc",
        "native/gemm_bf16_x86.cc",
        "native/gemm_generic.cc",
        "native/infer.cc",
        "native/layer_norm.cc",
        "native/layout.cc",
        "native/openblas.cc",
        "native/optimizers.cc",
        "native/recurrent.cc",
        "native/reduce.cc",
        "native/softmax.cc",
        "native/thread_pool.cc",
        "native/window.cc",
        "native/winograd.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++1y", "-std=gnu++20", "-O2", "-O0"],
      "cflags!": ["-O2", "-O0"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "OTHER_CPLUSPLUSFLAGS": ["-fno-math-errno"]
          }
        }],
        ["OS=='win'", {
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] } }
        }]
      ]
    }
  ]
}
