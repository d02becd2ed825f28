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

lipc_fuzz_target(NAME broker
  SOURCES ${LIPC_BROKER_FUZZ_DIR}/broker_fuzz.c ${PROJECT_SOURCE_DIR}/broker/brk.c
          ${PROJECT_SOURCE_DIR}/broker/brk_state.c ${PROJECT_SOURCE_DIR}/broker/brk_ops.c
          ${PROJECT_SOURCE_DIR}/core/src/lipc_conn.c
  INCLUDES ${PROJECT_SOURCE_DIR}/core/include ${PROJECT_SOURCE_DIR}/core/src ${PROJECT_SOURCE_DIR}/broker
  DEPENDS ${PROJECT_SOURCE_DIR}/broker/brk.h ${PROJECT_SOURCE_DIR}/core/src/lipc_proto.h
          ${PROJECT_SOURCE_DIR}/core/src/lipc_conn.h ${PROJECT_SOURCE_DIR}/core/include/lite_ipc.h
  LIBS -lpthread)
