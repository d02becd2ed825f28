# samgr across processes (docs/SAMGR_REMOTE.md), included by samgr/CMakeLists.txt.
set(SAMGR_REMOTE_UTIL_SOURCES
  src/remote/sa_store.c src/remote/policy.c src/remote/token_bucket.c src/remote/syscap_json.c)
add_library(samgr_remote_util STATIC ${SAMGR_REMOTE_UTIL_SOURCES})
target_include_directories(samgr_remote_util PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src/remote)
target_link_libraries(samgr_remote_util PUBLIC Threads::Threads)
