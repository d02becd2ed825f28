# fuzz/ring.cmake - the ring-consumer fuzz target (fuzz/ring_fuzz.c), included
# from fuzz/CMakeLists.txt.  Same two builds as the other targets:
#  - ring_fuzz_replay: normal compiler (+ sanitizers with LIPC_SANITIZE=ON),
#    replays fuzz/corpus/ring and fuzz/crashes/ring as a ctest;
#  - fuzz_ring: the libFuzzer binary (clang), a custom target outside ALL.
# ring_fuzz.c is a unity build: it #includes core/src/lipc_chan.c and
# core/src/lipc_rx.c and core/src/lipc_msg.c (their parsers are static) and links the rest of the
# runtime's sources.
set(LIPC_RING_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(LIPC_RING_FUZZ_CORE
    ${PROJECT_SOURCE_DIR}/core/src/lipc_dev.c
    ${PROJECT_SOURCE_DIR}/core/src/lipc_pool.c
    ${PROJECT_SOURCE_DIR}/core/src/lipc_conn.c)

if(BUILD_TESTING)
  add_executable(ring_fuzz_replay ${LIPC_RING_FUZZ_DIR}/replay_main.c ${LIPC_RING_FUZZ_DIR}/ring_fuzz.c
                 ${LIPC_RING_FUZZ_CORE})
  target_include_directories(ring_fuzz_replay PRIVATE ${PROJECT_SOURCE_DIR}/core/include
                             ${PROJECT_SOURCE_DIR}/core/src)
  target_link_libraries(ring_fuzz_replay PRIVATE Threads::Threads)
  add_test(NAME ring_fuzz_replay
           COMMAND ring_fuzz_replay ${LIPC_RING_FUZZ_DIR}/corpus/ring ${LIPC_RING_FUZZ_DIR}/crashes/ring)
  set_tests_properties(ring_fuzz_replay PROPERTIES LABELS "core;fuzz" TIMEOUT 300)
endif()

if(NOT DEFINED LIPC_FUZZ_CLANG)
  find_program(LIPC_FUZZ_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
endif()
if(LIPC_FUZZ_CLANG AND NOT DEFINED LIPC_FUZZ_CLANG_WORKS)
  set(_probe ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe_ring.c)
  file(WRITE ${_probe} "#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${LIPC_FUZZ_CLANG} -fsanitize=fuzzer,address,undefined ${_probe}
                          -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe_ring
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    set(LIPC_FUZZ_CLANG_WORKS ON CACHE INTERNAL "clang can build libFuzzer targets")
  else()
    set(LIPC_FUZZ_CLANG_WORKS OFF CACHE INTERNAL "clang can build libFuzzer targets")
  endif()
endif()

if(LIPC_FUZZ_CLANG AND LIPC_FUZZ_CLANG_WORKS)
  set(_ring_flags -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  set(_ring_srcs ${LIPC_RING_FUZZ_DIR}/ring_fuzz.c ${LIPC_RING_FUZZ_CORE})
  set(_ring_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_ring)
  file(GLOB _ring_deps ${PROJECT_SOURCE_DIR}/core/src/*.c ${PROJECT_SOURCE_DIR}/core/src/*.h
       ${PROJECT_SOURCE_DIR}/core/include/*.h)
  add_custom_command(
    OUTPUT ${_ring_out}
    COMMAND ${LIPC_FUZZ_CLANG} ${_ring_flags}
            -I${PROJECT_SOURCE_DIR}/core/include -I${PROJECT_SOURCE_DIR}/core/src
            ${_ring_srcs} -lpthread -o ${_ring_out}
    DEPENDS ${_ring_srcs} ${_ring_deps}
    COMMENT "Building libFuzzer target fuzz_ring with ${LIPC_FUZZ_CLANG}"
    VERBATIM)
  add_custom_target(fuzz_ring DEPENDS ${_ring_out})
  if(NOT TARGET fuzz)
    add_custom_target(fuzz)
  endif()
  add_dependencies(fuzz fuzz_ring)
else()
  message(STATUS "fuzz: clang with libFuzzer not found, fuzz_ring target not defined")
endif()
