# fuzz/broker.cmake - the broker packet-handling fuzz target
# (fuzz/broker_fuzz.c), included from fuzz/CMakeLists.txt.  Same two builds
# as the other targets:
#  - broker_fuzz_replay: normal compiler (+ sanitizers with LIPC_SANITIZE=ON),
#    linked with liteipcd_core, replays fuzz/corpus/broker and
#    fuzz/crashes/broker as a ctest;
#  - fuzz_broker: the libFuzzer binary (clang), a custom target outside ALL.
set(LIPC_BROKER_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})

if(BUILD_TESTING AND TARGET liteipcd_core)
  add_executable(broker_fuzz_replay ${LIPC_BROKER_FUZZ_DIR}/replay_main.c ${LIPC_BROKER_FUZZ_DIR}/broker_fuzz.c)
  target_link_libraries(broker_fuzz_replay PRIVATE liteipcd_core Threads::Threads)
  add_test(NAME broker_fuzz_replay
           COMMAND broker_fuzz_replay ${LIPC_BROKER_FUZZ_DIR}/corpus/broker ${LIPC_BROKER_FUZZ_DIR}/crashes/broker)
  set_tests_properties(broker_fuzz_replay PROPERTIES LABELS "broker;fuzz" TIMEOUT 300)
endif()

if(NOT DEFINED LIPC_FUZZ_CLANG)
  find_program(LIPC_FUZZ_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
endif()
if(LIPC_FUZZ_CLANG AND NOT DEFINED LIPC_FUZZ_CLANG_WORKS)
  set(_probe ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe_broker.c)
  file(WRITE ${_probe} "#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${LIPC_FUZZ_CLANG} -fsanitize=fuzzer,address,undefined ${_probe}
                          -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe_broker
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    set(LIPC_FUZZ_CLANG_WORKS ON CACHE INTERNAL "clang can build libFuzzer targets")
  else()
    set(LIPC_FUZZ_CLANG_WORKS OFF CACHE INTERNAL "clang can build libFuzzer targets")
  endif()
endif()

if(LIPC_FUZZ_CLANG AND LIPC_FUZZ_CLANG_WORKS)
  set(_brk_flags -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  set(_brk_srcs ${LIPC_BROKER_FUZZ_DIR}/broker_fuzz.c ${PROJECT_SOURCE_DIR}/broker/brk.c
      ${PROJECT_SOURCE_DIR}/broker/brk_state.c ${PROJECT_SOURCE_DIR}/broker/brk_ops.c
      ${PROJECT_SOURCE_DIR}/core/src/lipc_conn.c)
  set(_brk_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_broker)
  add_custom_command(
    OUTPUT ${_brk_out}
    COMMAND ${LIPC_FUZZ_CLANG} ${_brk_flags}
            -I${PROJECT_SOURCE_DIR}/core/include -I${PROJECT_SOURCE_DIR}/core/src
            -I${PROJECT_SOURCE_DIR}/broker
            ${_brk_srcs} -lpthread -o ${_brk_out}
    DEPENDS ${_brk_srcs} ${PROJECT_SOURCE_DIR}/broker/brk.h ${PROJECT_SOURCE_DIR}/core/src/lipc_proto.h
            ${PROJECT_SOURCE_DIR}/core/src/lipc_conn.h ${PROJECT_SOURCE_DIR}/core/include/lite_ipc.h
    COMMENT "Building libFuzzer target fuzz_broker with ${LIPC_FUZZ_CLANG}"
    VERBATIM)
  add_custom_target(fuzz_broker DEPENDS ${_brk_out})
  if(NOT TARGET fuzz)
    add_custom_target(fuzz)
  endif()
  add_dependencies(fuzz fuzz_broker)
else()
  message(STATUS "fuzz: clang with libFuzzer not found, fuzz_broker target not defined")
endif()
