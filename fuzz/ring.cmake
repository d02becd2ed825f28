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

file(GLOB _ring_deps ${PROJECT_SOURCE_DIR}/core/src/*.c ${PROJECT_SOURCE_DIR}/core/src/*.h
     ${PROJECT_SOURCE_DIR}/core/include/*.h)
lipc_fuzz_target(NAME ring
  SOURCES ${LIPC_RING_FUZZ_DIR}/ring_fuzz.c ${LIPC_RING_FUZZ_CORE}
  INCLUDES ${PROJECT_SOURCE_DIR}/core/include ${PROJECT_SOURCE_DIR}/core/src
  DEPENDS ${_ring_deps}
  LIBS -lpthread)
