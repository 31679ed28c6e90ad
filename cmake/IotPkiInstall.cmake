# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts where, in two components that become the two Debian
# packages (cmake/IotPkiPackaging.cmake):
#   ca       iot-ca, iot-provision, iot-revoke, their man pages, examples/iot-pki.toml:
#            the offline CA workstation; nothing network-facing.
#   gateway  iot-gateway, its man page, the systemd unit, /etc/iot-gateway/gateway.toml,
#            logrotate and fail2ban files, the nftables script, examples/deploy/.
# (The binaries' own install() rules are in apps/CMakeLists.txt.)
#
# Places follow the FHS for the prefix the install runs with. With --prefix /usr (the
# packages) the configuration goes to /etc and the unit to /lib/systemd/system, Debian
# 12's unit directory; with any other prefix (default /usr/local) both stay under it
# (PREFIX/etc, PREFIX/lib/systemd/system, which systemd also reads for /usr/local).
# The choice is made when the install runs, not when CMake configures, so one build
# tree serves `cmake --install build --prefix …` and `cpack` alike. Files that name a
# path of the install (the unit's ExecStart) are written at install time too.
include(GNUInstallDirs)

set(IOTPKI_GEN ${CMAKE_BINARY_DIR}/install-gen)
file(MAKE_DIRECTORY ${IOTPKI_GEN})

# For every component: where /etc and the unit directory are, relative to the prefix,
# decided from the prefix the install runs with.
foreach(comp ca gateway)
  install(CODE [[
    if(CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
      set(IOTPKI_ETC "../etc")
      set(IOTPKI_UNITDIR "../lib/systemd/system")
    else()
      set(IOTPKI_ETC "etc")
      set(IOTPKI_UNITDIR "lib/systemd/system")
    endif()
  ]] COMPONENT ${comp})
endforeach()

# --- shared: licence, Debian changelog, man pages ---------------------------------------
set(IOTPKI_DOC_ca ${CMAKE_INSTALL_DATAROOTDIR}/doc/iot-pki-ca)
set(IOTPKI_DOC_gateway ${CMAKE_INSTALL_DATAROOTDIR}/doc/iot-gateway)
set(pkgdir ${PROJECT_SOURCE_DIR}/packaging)
foreach(comp ca gateway)
  install(FILES ${pkgdir}/copyright DESTINATION ${IOTPKI_DOC_${comp}} COMPONENT ${comp})
  # Debian wants the changelog gzipped without a timestamp (-n), so the file is the same
  # on every build.
  install(CODE "execute_process(COMMAND gzip -9nc ${pkgdir}/changelog
      OUTPUT_FILE ${IOTPKI_GEN}/changelog.Debian.gz COMMAND_ERROR_IS_FATAL ANY)"
    COMPONENT ${comp})
  install(FILES ${IOTPKI_GEN}/changelog.Debian.gz DESTINATION ${IOTPKI_DOC_${comp}}
    COMPONENT ${comp})
  install(FILES README.md DESTINATION ${IOTPKI_DOC_${comp}} COMPONENT ${comp})
endforeach()

# Every man/NAME.SECTION page, gzipped (-n: reproducible), into share/man/manSECTION;
# the gateway's pages (iot-gateway*, gateway*) go with the gateway, the rest with the CA.
file(GLOB IOTPKI_MAN_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.[1-8])
foreach(page ${IOTPKI_MAN_PAGES})
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE "^.*\\.([1-8])$" "\\1" section ${name})
  if(name MATCHES "^(iot-gateway|gateway)")
    set(comp gateway)
  else()
    set(comp ca)
  endif()
  install(CODE "execute_process(COMMAND gzip -9nc ${page} OUTPUT_FILE ${IOTPKI_GEN}/${name}.gz
      COMMAND_ERROR_IS_FATAL ANY)" COMPONENT ${comp})
  install(FILES ${IOTPKI_GEN}/${name}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section}
    COMPONENT ${comp})
endforeach()

# --- ca ----------------------------------------------------------------------------------
install(FILES examples/iot-pki.toml DESTINATION ${IOTPKI_DOC_ca}/examples COMPONENT ca)
install(FILES docs/provisioning.md docs/revocation.md docs/operations.md
  DESTINATION ${IOTPKI_DOC_ca} COMPONENT ca)

# --- gateway -----------------------------------------------------------------------------
# Copies SRC to DST replacing each FROM with TO; a FROM that is not found is a
# configure error, so a change to the source file cannot silently skip a replacement.
function(iotpki_edit src dst)
  file(READ ${src} text)
  set(pairs ${ARGN})
  list(LENGTH pairs n)
  math(EXPR last "${n} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET pairs ${i} from)
    list(GET pairs ${j} to)
    string(FIND "${text}" "${from}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${src}: expected to find '${from}' (packaging edit)")
    endif()
    string(REPLACE "${from}" "${to}" text "${text}")
  endforeach()
  file(WRITE ${dst} "${text}")
endfunction()

# /etc/iot-gateway/gateway.toml: the commented sample with the two writable paths in
# the service's StateDirectory= and LogsDirectory= (the unit makes /etc read-only).
iotpki_edit(${PROJECT_SOURCE_DIR}/examples/gateway.toml ${IOTPKI_GEN}/gateway.toml
  "# The Debian package installs this file as /etc/iot-gateway/gateway.toml, with the\n# writable paths (trust.state_dir, audit.path) under /var/lib and /var/log.\n"
  "# This is /etc/iot-gateway/gateway.toml from the iot-gateway package: the sample\n# (/usr/share/doc/iot-gateway/examples/gateway.toml) with the writable paths in the\n# directories the systemd unit gives the service. See /usr/share/doc/iot-gateway.\n"
  "state_dir = \"state\"" "state_dir = \"/var/lib/iot-gateway\""
  "path = \"audit.log\"" "path = \"/var/log/iot-gateway/audit.log\"")
# The fail2ban jail ships disabled: enabling a ban on this host is the operator's call
# (and fail2ban refuses to start while a jail's log file does not exist yet).
iotpki_edit(${PROJECT_SOURCE_DIR}/examples/deploy/fail2ban/jail.local
  ${IOTPKI_GEN}/jail-iot-gateway.conf
  "enabled  = true"
  "# Off as shipped. To turn it on once the gateway runs, create\n# /etc/fail2ban/jail.d/iot-gateway.local holding \"[iot-gateway]\" and \"enabled = true\",\n# then: systemctl reload fail2ban\nenabled  = false")

set(deploy ${PROJECT_SOURCE_DIR}/examples/deploy)
# Absolute places under /etc are conffiles in the package (cmake/IotPkiPackaging.cmake).
install(FILES ${IOTPKI_GEN}/gateway.toml DESTINATION \${IOTPKI_ETC}/iot-gateway COMPONENT gateway)
install(FILES ${deploy}/logrotate/iot-gateway DESTINATION \${IOTPKI_ETC}/logrotate.d
  COMPONENT gateway)
install(FILES ${deploy}/fail2ban/filter.d/iot-gateway.conf
  DESTINATION \${IOTPKI_ETC}/fail2ban/filter.d COMPONENT gateway)
install(FILES ${IOTPKI_GEN}/jail-iot-gateway.conf DESTINATION \${IOTPKI_ETC}/fail2ban/jail.d
  RENAME iot-gateway.conf COMPONENT gateway)

# The unit names the binary: rewritten at install time for the prefix in use.
install(CODE "
  file(READ ${deploy}/systemd/iot-gateway.service unit)
  string(REPLACE \"/usr/local/bin/\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/\" unit \"\${unit}\")
  string(REPLACE \"file:/usr/local/share/doc/iot-pki/deploy.md\"
    \"file:\${CMAKE_INSTALL_PREFIX}/${IOTPKI_DOC_gateway}/deploy.md\" unit \"\${unit}\")
  string(REPLACE \"# Install: /etc/systemd/system/iot-gateway.service (harden_linux.sh does it), then\"
    \"# Installed by the iot-gateway package (or cmake --install); once configured:\" unit \"\${unit}\")
  # The configuration's place: /etc/iot-gateway for --prefix /usr, PREFIX/etc/… else.
  cmake_path(SET etc_dir NORMALIZE \"\${CMAKE_INSTALL_PREFIX}/\${IOTPKI_ETC}/iot-gateway/\")
  string(REPLACE \"/etc/iot-gateway/\" \"\${etc_dir}\" unit \"\${unit}\")
  file(WRITE ${IOTPKI_GEN}/iot-gateway.service \"\${unit}\")
" COMPONENT gateway)
install(FILES ${IOTPKI_GEN}/iot-gateway.service DESTINATION \${IOTPKI_UNITDIR} COMPONENT gateway)

# The nftables firewall script, runnable; the whole kit (and the sample config) as
# examples next to the documentation.
install(PROGRAMS ${deploy}/setup_iptables.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/iot-gateway
  COMPONENT gateway)
install(DIRECTORY ${deploy} DESTINATION ${IOTPKI_DOC_gateway}/examples COMPONENT gateway
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES examples/gateway.toml DESTINATION ${IOTPKI_DOC_gateway}/examples COMPONENT gateway)
install(FILES docs/gateway.md docs/deploy.md docs/operations.md docs/install.md
  DESTINATION ${IOTPKI_DOC_gateway} COMPONENT gateway)

# Lintian overrides, each justified in its file (tests/package/packages.sh runs lintian).
install(FILES packaging/lintian/iot-pki-ca DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
  COMPONENT ca)
install(FILES packaging/lintian/iot-gateway DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
  COMPONENT gateway)

# Bash completion (one script, installed under each command's name so bash-completion
# loads it on first use): the CA tools with the CA, iot-gateway with the gateway.
set(IOTPKI_COMPLETIONS ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
foreach(tool iot-ca iot-provision iot-revoke)
  install(FILES packaging/completions/iot-pki.bash DESTINATION ${IOTPKI_COMPLETIONS}
    RENAME ${tool} COMPONENT ca)
endforeach()
install(FILES packaging/completions/iot-pki.bash DESTINATION ${IOTPKI_COMPLETIONS}
  RENAME iot-gateway COMPONENT gateway)
