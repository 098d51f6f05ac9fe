# tessera_add_operator_library(<name>
#     [TARGETS <cpu>...]      CPU targets: host, x86-64, x86-64-v3, x86-64-v4 (default: host x86-64)
#     [OPS <op>...]           operators to include (default: every registered operator)
#     [DTYPES <dtype>...]     keep only variants whose inputs all have these dtypes (e.g. float32)
#     [OUTPUT <path>]         default: ${CMAKE_CURRENT_BINARY_DIR}/lib<name>.so
#     [CACHE_DIR <dir>]       object cache, default: ${CMAKE_CURRENT_BINARY_DIR}/tessera-aot-cache
#     [JOBS <n>]              worker threads (default: one per core)
#     [ALL])                  build it with the default target
#
# Adds the custom target <name>, which compiles the operators ahead of time with
# tessera-aot into one shared library (see include/tessera/ops/aot.h). The library is
# rebuilt when the compiler changes; objects of unchanged kernels come from the cache.
# Applications load it with tessera::runtime::load_library(path) or TESSERA_OPS_LIBRARY.
# The target property TESSERA_LIBRARY_FILE holds the library's path.
function(tessera_add_operator_library name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "ALL" "OUTPUT;CACHE_DIR;JOBS" "TARGETS;OPS;DTYPES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tessera_add_operator_library: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_TARGETS)
    set(ARG_TARGETS host x86-64)
  endif()
  if(NOT ARG_OUTPUT)
    set(ARG_OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/lib${name}.so)
  endif()
  if(NOT ARG_CACHE_DIR)
    set(ARG_CACHE_DIR ${CMAKE_CURRENT_BINARY_DIR}/tessera-aot-cache)
  endif()
  list(JOIN ARG_TARGETS "," targets)
  set(args -o ${ARG_OUTPUT} --targets ${targets} --cache-dir ${ARG_CACHE_DIR})
  if(ARG_OPS)
    list(JOIN ARG_OPS "," ops)
    list(APPEND args --ops ${ops})
  endif()
  if(ARG_DTYPES)
    list(JOIN ARG_DTYPES "," dtypes)
    list(APPEND args --dtypes ${dtypes})
  endif()
  if(ARG_JOBS)
    list(APPEND args --jobs ${ARG_JOBS})
  endif()
  add_custom_command(
    OUTPUT ${ARG_OUTPUT}
    COMMAND $<TARGET_FILE:tessera-aot> ${args}
    DEPENDS tessera-aot $<TARGET_FILE:tessera_compiler> $<TARGET_FILE:tessera_array> $<TARGET_FILE:tessera_runtime>
    COMMENT "tessera-aot: compiling operators for ${targets} into ${ARG_OUTPUT}"
    USES_TERMINAL VERBATIM)
  set(all)
  if(ARG_ALL)
    set(all ALL)
  endif()
  add_custom_target(${name} ${all} DEPENDS ${ARG_OUTPUT})
  set_target_properties(${name} PROPERTIES TESSERA_LIBRARY_FILE ${ARG_OUTPUT})
endfunction()
