# Multi-process tests (need the IPC skeleton, the broker and samgr_server).
if(NOT SAMGR_HAS_REMOTE)
  return()
endif()
add_executable(samgr_test_remote test_remote.c)
target_link_libraries(samgr_test_remote PRIVATE samgr Threads::Threads)
target_include_directories(samgr_test_remote PRIVATE ${PROJECT_SOURCE_DIR}/tests/support
  ${PROJECT_SOURCE_DIR}/samgr/src/remote)
target_compile_definitions(samgr_test_remote PRIVATE
  LIPC_BROKER_PATH="$<TARGET_FILE:liteipcd>" SAMGR_SERVER_PATH="$<TARGET_FILE:samgr_server>")
add_dependencies(samgr_test_remote liteipcd samgr_server)
# TSan-clean ones carry the tsan label ("basic" forks a multi-threaded
# consumer whose child starts threads: TSan refuses that).
foreach(_s basic policy flowctl death restart syscap factory)
  set(_labels "samgr;ipc")
  if(NOT _s STREQUAL "basic")
    set(_labels "samgr;ipc;tsan")
  endif()
  add_test(NAME samgr_remote_${_s} COMMAND samgr_test_remote ${_s})
  set_tests_properties(samgr_remote_${_s} PROPERTIES LABELS "${_labels}" TIMEOUT 90)
endforeach()
