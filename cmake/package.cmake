# What `cmake --install` puts beside the daemon and the SDK, and the Debian package CPack
# builds from it (`cpack -G DEB` in the build directory, or scripts/deb-test.sh):
#   <prefix>/bin/limitsd
#   /etc/limitsd/limitsd.yaml                 examples/limitsd.yaml; a conffile in the .deb
#   <prefix>/lib/systemd/system/limitsd.service
#   <prefix>/share/doc/limitsd/               README.md, docs/*.md, examples/limitsd.yaml
#   <prefix>/include/limitsd/, <lib>/cmake/limitsd/   the custom-storage SDK (cmake/sdk.cmake)
include(GNUInstallDirs)

install(FILES packaging/limitsd.service DESTINATION lib/systemd/system)
install(FILES examples/limitsd.yaml DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/limitsd/examples)
file(GLOB LIMITSD_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/limitsd)
install(FILES ${LIMITSD_DOCS} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/limitsd/docs)

# The configuration goes where GNUInstallDirs puts the prefix's sysconfdir: /etc for the
# prefix /usr (the .deb), <prefix>/etc otherwise. Decided when installing, not when
# configuring, so that `cmake --install --prefix` and CPack's staging both get it right.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(limitsd_etc /etc/limitsd)
  else()
    set(limitsd_etc \"\${CMAKE_INSTALL_PREFIX}/etc/limitsd\")
  endif()
  file(INSTALL DESTINATION \"\${limitsd_etc}\" TYPE FILE
       FILES \"${PROJECT_SOURCE_DIR}/examples/limitsd.yaml\")
")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME limitsd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "limitsd maintainers <maintainers@limitsd.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "rate-limit daemon (line protocol, RESP2, HTTP, Envoy RLS)")
set(CPACK_PACKAGE_DESCRIPTION "limitsd tells an application over TCP whether a key may make \
one more call under a limit, with the rate strings and strategies of the Python library limits \
and storages chosen by URI (memory, Redis, Redis Cluster and Sentinel, memcached).")
# Installed with the prefix /usr into the staging directory as DESTDIR, so that the
# install(CODE) above sees the real prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The unit's readiness wait (ExecStartPost) runs curl.
set(CPACK_DEBIAN_PACKAGE_DEPENDS curl)
# The unit runs under a dynamic user (DynamicUser=yes), so the package creates no account;
# its scripts only tell a running systemd that the unit appeared or went.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/deb/postinst
    ${PROJECT_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
