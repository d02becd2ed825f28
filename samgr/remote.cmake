# samgr across processes (docs/SAMGR_REMOTE.md), included by samgr/CMakeLists.txt.
set(SAMGR_REMOTE_UTIL_SOURCES
  src/remote/sa_store.c src/remote/policy.c src/remote/token_bucket.c src/remote/syscap_json.c)
add_library(samgr_remote_util STATIC ${SAMGR_REMOTE_UTIL_SOURCES})
target_include_directories(samgr_remote_util PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src/remote)
target_link_libraries(samgr_remote_util PUBLIC Threads::Threads)

# The IPC parts: compiled into libsamgr when the C IPC library's skeleton
# exists.  They replace the weak registry hooks with strong definitions.
set(SAMGR_HAS_REMOTE OFF)
if(LIPC_WITH_IPC AND TARGET ipc_single AND EXISTS ${PROJECT_SOURCE_DIR}/ipc/include/ipc_skeleton.h)
  set(SAMGR_HAS_REMOTE ON)
  set(SAMGR_REMOTE_SOURCES
    src/remote/endpoint.c src/remote/client_proxy.c src/remote/remote_syscap.c
    src/remote/service_watch.c)
  target_sources(samgr_objects PRIVATE ${SAMGR_REMOTE_SOURCES})
  target_include_directories(samgr_objects PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/remote
    ${CMAKE_CURRENT_SOURCE_DIR}/src/registry)
  target_link_libraries(samgr_objects PUBLIC ipc_single samgr_remote_util)
  target_link_libraries(samgr PUBLIC ipc_single PRIVATE samgr_remote_util)
  target_link_libraries(samgr_static PUBLIC ipc_single samgr_remote_util)
  target_compile_definitions(samgr_objects PUBLIC LIPC_SAMGR_REMOTE=1)
  install(FILES include/iproxy_client.h include/iproxy_server.h include/registry.h include/lipc_samgr.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/samgr)

  add_executable(samgr_server server/samgr_server.c)
  target_link_libraries(samgr_server PRIVATE ipc_single samgr_remote_util)
  target_include_directories(samgr_server PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include
    ${CMAKE_CURRENT_SOURCE_DIR}/src/remote)
  install(TARGETS samgr_server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The foundation host (safwk_lite) and its example service libraries.
if(SAMGR_HAS_REMOTE AND EXISTS ${PROJECT_SOURCE_DIR}/foundation/CMakeLists.txt)
  add_subdirectory(${PROJECT_SOURCE_DIR}/foundation ${CMAKE_BINARY_DIR}/foundation)
endif()
