# The runtime half of the C IPC library (ipc_skeleton.h, rpc_errno.h,
# lipc_ipc.h): added to libipc_single.so, which then needs libliteipc.
target_sources(ipc_single PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/src/ipc_skeleton.c
  ${CMAKE_CURRENT_LIST_DIR}/src/ipc_process.c
  ${CMAKE_CURRENT_LIST_DIR}/src/ipc_thread.c
  ${CMAKE_CURRENT_LIST_DIR}/src/ipc_invoker.c
  ${CMAKE_CURRENT_LIST_DIR}/src/ipc_death.c
  ${CMAKE_CURRENT_LIST_DIR}/src/ipc_dispatch.c)
target_include_directories(ipc_single PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src)
target_link_libraries(ipc_single PUBLIC liteipc Threads::Threads)

install(FILES ${CMAKE_CURRENT_LIST_DIR}/include/ipc_skeleton.h
              ${CMAKE_CURRENT_LIST_DIR}/include/rpc_errno.h
              ${CMAKE_CURRENT_LIST_DIR}/include/lipc_ipc.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/liteipc)

if(BUILD_TESTING)
  # Multi-process tests of the skeleton (label "ipc"): each starts a private broker.
  file(GLOB _skel_tests ${CMAKE_CURRENT_LIST_DIR}/tests/test_skeleton*.c)
  foreach(_t ${_skel_tests})
    get_filename_component(_n ${_t} NAME_WE)
    add_executable(${_n} ${_t})
    target_link_libraries(${_n} PRIVATE ipc_single Threads::Threads)
    target_include_directories(${_n} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
    target_compile_definitions(${_n} PRIVATE LIPC_BROKER_PATH="$<TARGET_FILE:liteipcd>")
    add_dependencies(${_n} liteipcd)
    add_test(NAME ipc_${_n} COMMAND ${_n})
    set_tests_properties(ipc_${_n} PROPERTIES LABELS "ipc" TIMEOUT 120)
  endforeach()
endif()
