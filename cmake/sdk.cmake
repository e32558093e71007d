# The custom-storage SDK: the storage headers and a CMake package, so that a plugin builds
# out of tree with find_package(limitsd) and links limitsd::sdk (headers only; a plugin
# resolves the rest from the limitsd executable that loads it).
#
# Headers include each other as "storage/x.h" and "strategy/x.h", so they are installed
# under <prefix>/include/limitsd/{storage,strategy}/ and the include directory is
# <prefix>/include/limitsd.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(LIMITSD_SDK_HEADERS
  storage/capabilities.h
  storage/clock.h
  storage/configuration_error.h
  storage/result.h
  storage/storage.h
  storage/storage_context.h
  storage/storage_error.h
  storage/storage_key.h
  storage/storage_registry.h
  storage/storage_uri.h
  storage/sync_storage.h
  storage/window_state.h
)
# The strategies' arithmetic, which a custom storage calls (header-only).
set(LIMITSD_SDK_STRATEGY_HEADERS
  strategy/fixed_window.h
  strategy/gcra.h
  strategy/moving_window_log.h
  strategy/sliding_window_counter.h
  strategy/strategy_kind.h
  strategy/verdict.h
  strategy/window_state.h
)
set(LIMITSD_SDK_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR}/limitsd)
set(LIMITSD_SDK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/limitsd)

add_library(limitsd_sdk INTERFACE)
add_library(limitsd::sdk ALIAS limitsd_sdk)
set_target_properties(limitsd_sdk PROPERTIES EXPORT_NAME sdk)
target_compile_features(limitsd_sdk INTERFACE cxx_std_20)
# The daemon is built with this definition; plugins see the same Asio declarations.
target_compile_definitions(limitsd_sdk INTERFACE BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(limitsd_sdk INTERFACE Boost::headers)
target_include_directories(limitsd_sdk INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
  $<INSTALL_INTERFACE:${LIMITSD_SDK_INCLUDE_DIR}>)

install(FILES ${LIMITSD_SDK_HEADERS} DESTINATION ${LIMITSD_SDK_INCLUDE_DIR}/storage
        COMPONENT sdk)
install(FILES ${LIMITSD_SDK_STRATEGY_HEADERS} DESTINATION ${LIMITSD_SDK_INCLUDE_DIR}/strategy
        COMPONENT sdk)
install(TARGETS limitsd_sdk EXPORT limitsdTargets COMPONENT sdk)
install(EXPORT limitsdTargets NAMESPACE limitsd:: DESTINATION ${LIMITSD_SDK_CMAKE_DIR}
        COMPONENT sdk)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/limitsdConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/limitsdConfig.cmake
  INSTALL_DESTINATION ${LIMITSD_SDK_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/limitsdConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/limitsdConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/limitsdConfigVersion.cmake
        DESTINATION ${LIMITSD_SDK_CMAKE_DIR} COMPONENT sdk)
