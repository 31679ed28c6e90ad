# SPDX-License-Identifier: Apache-2.0
# Debian packages, one per role (`cmake --build build --target package`, or `cpack` in
# the build directory; docs/install.md):
#   iot-pki-ca   the CA and provisioning tools for the (air-gapped) CA workstation:
#                shared libraries only, no daemon, no maintainer scripts.
#   iot-gateway  the gateway with its systemd unit (installed, not enabled), its system
#                account (postinst), /etc/iot-gateway, logrotate and fail2ban files.
# Depends come from the binaries' shared libraries (dpkg-shlibdeps, from dpkg-dev),
# plus what the maintainer scripts call. Checked by tests/package/packages.sh.
set(IOTPKI_MAINTAINER "iot-pki maintainers <iot-pki@example.org>"
  CACHE STRING "Maintainer field of the Debian packages")
set(IOTPKI_HOMEPAGE "https://example.org/iot-pki"
  CACHE STRING "Homepage field of the Debian packages")
set(IOTPKI_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME iot-pki)
set(CPACK_PACKAGE_VENDOR "iot-pki")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${IOTPKI_MAINTAINER})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ca gateway)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${IOTPKI_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${IOTPKI_HOMEPAGE})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${IOTPKI_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Maintainer scripts 0755, conffiles 0644, as dpkg expects; lintian checks it.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_CA_PACKAGE_NAME iot-pki-ca)
set(CPACK_DEBIAN_CA_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_CA_DESCRIPTION "device PKI for IoT fleets: offline CA and provisioning tools
iot-ca runs an offline root and issuing CAs and signs device, server and admin
certificates by profile; iot-provision creates single-use enrollment tokens
(stored as Argon2id hashes) and turns token + device CSR into a certificate;
iot-revoke revokes certificates and devices and signs X.509 v2 CRLs.
.
This package is meant for the CA workstation, which may be air-gapped: it holds
no network service. The gateway that checks device certificates at the edge is
in the iot-gateway package.")

# CA keys in a PKCS#11 token (docs/hsm.md): iot-ca loads libp11's engine and the module
# at run time (dlopen), which shlibdeps cannot see; the default [hsm] module is p11-kit's
# proxy. Not Depends: a workstation with key files needs neither.
set(CPACK_DEBIAN_CA_PACKAGE_RECOMMENDS "libengine-pkcs11-openssl, p11-kit-modules")
set(CPACK_DEBIAN_CA_PACKAGE_SUGGESTS "softhsm2, opensc")

set(CPACK_DEBIAN_GATEWAY_PACKAGE_NAME iot-gateway)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_SECTION net)
# adduser: postinst creates the account; init-system-helpers: deb-systemd-helper.
set(CPACK_DEBIAN_GATEWAY_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.52)")
set(CPACK_DEBIAN_GATEWAY_PACKAGE_SUGGESTS "fail2ban, logrotate, nftables, iot-pki-ca")
set(CPACK_DEBIAN_GATEWAY_DESCRIPTION "device PKI for IoT fleets: mutual-TLS authentication gateway
iot-gateway terminates TLS 1.3, requires a client certificate from the fleet's
CA bundle, checks it against the CRLs, issues ES256 JWTs bound to the
certificate and proxies authenticated requests to a backend, with per-address
rate limits and bans and a hash-chained audit log of every authentication.
.
The package ships a sandboxed systemd unit (installed, not enabled), its
configuration in /etc/iot-gateway, logrotate and fail2ban (disabled) files and
an nftables firewall script. The CA tools are in the iot-pki-ca package.")

# Maintainer scripts, and the gateway's conffiles: every file it installs under /etc.
set(IOTPKI_DEB_GEN ${CMAKE_BINARY_DIR}/packaging-gen)
file(MAKE_DIRECTORY ${IOTPKI_DEB_GEN})
file(WRITE ${IOTPKI_DEB_GEN}/conffiles
  "/etc/iot-gateway/gateway.toml\n"
  "/etc/logrotate.d/iot-gateway\n"
  "/etc/fail2ban/filter.d/iot-gateway.conf\n"
  "/etc/fail2ban/jail.d/iot-gateway.conf\n")
set(CPACK_DEBIAN_GATEWAY_PACKAGE_CONTROL_EXTRA
  ${IOTPKI_DEB_GEN}/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/iot-gateway/postinst
  ${PROJECT_SOURCE_DIR}/packaging/iot-gateway/prerm
  ${PROJECT_SOURCE_DIR}/packaging/iot-gateway/postrm)

set(CPACK_COMPONENT_CA_DISPLAY_NAME "iot-pki CA tools")
set(CPACK_COMPONENT_GATEWAY_DISPLAY_NAME "iot-pki gateway")
include(CPack)
