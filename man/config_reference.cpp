// SPDX-License-Identifier: Apache-2.0
// config-reference: writes gateway.toml(5) and iot-pki.toml(5) from the loaders' schema
// tables (gw::config::reference(), pki::config::settings_reference()).
//   config-reference --out DIR     write DIR/gateway.toml.5 and DIR/iot-pki.toml.5
//   config-reference --check DIR   exit 1 when a page in DIR differs from the table
// The pages are committed under man/ (installed from there); the test
// man_config_reference runs --check, so a key added to a loader without regenerating
// the pages fails the build's tests.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "config/reference.hpp"
#include "config/settings.hpp"
#include "gateway/config/config.hpp"

namespace {

using pki::config::ManPage;

ManPage gateway_page() {
  ManPage p;
  p.name = "gateway.toml";
  p.describes = "configuration of the iot-gateway mTLS gateway";
  p.see_also = "iot-pki.toml 5 ,\n.Xr iot-gateway 8";
  p.description = {
      "The configuration file of iot-gateway(8), in TOML: the tables below, each key "
      "optional with the default shown. Relative paths are relative to the directory of "
      "the file itself. iot-gateway check-config --config FILE reports every problem "
      "(exit 78) together with missing or unreadable files the keys name; the gateway "
      "refuses to start on any of them.",
      "The Debian package installs a commented sample as /etc/iot-gateway/gateway.toml; "
      "the same file is in /usr/share/doc/iot-gateway/examples."};
  p.tables = {
      {"server", "The device listener: TLS 1.3 with client certificates, timeouts, sizes."},
      {"trust", "The trust material written by iot-ca export, and what a certificate must be."},
      {"jwt", "The ES256 tokens POST /auth/token issues and /api/* checks."},
      {"backend", "Where /api/* is proxied to."},
      {"rate_limit", "Per-client limits and bans (a client is an IPv4 address or an IPv6 /64)."},
      {"audit", "The audit log."}};
  p.keys = gw::config::reference();
  return p;
}

ManPage settings_page() {
  ManPage p;
  p.name = "iot-pki.toml";
  p.describes = "settings of a PKI home for iot-ca, iot-provision and iot-revoke";
  p.see_also = "iot-ca 1 ,\n.Xr iot-provision 1 ,\n.Xr iot-revoke 1 ,\n.Xr gateway.toml 5";
  p.description = {
      "The settings file of a PKI home (HOME/iot-pki.toml, written with its defaults by "
      "iot-ca init), in TOML: the tables below, each key optional with the default shown. "
      "Every command of iot-ca, iot-provision and iot-revoke reads it before it does "
      "anything, the same strict way, and stops with exit 78 on any problem.",
      "A commented sample is in /usr/share/doc/iot-pki-ca/examples/iot-pki.toml."};
  p.tables = {
      {"ca", "Names written into certificates."},
      {"validity", "Certificate lifetimes per profile, in days."},
      {"crl", "Certificate revocation lists."},
      {"crl.root", "The root CA's CRL, signed at a root ceremony (iot-revoke crl --ca root)."},
      {"crl.issuing", "The CRLs of the issuing CAs, signed by every iot-ca export."},
      {"crl.<name>", "One issuing CA's own CRL lifetime (the table is named after it)."},
      {"argon2", "The cost of enrollment-token hashes (Argon2id)."},
      {"token", "Enrollment tokens."},
      {"hsm", "CA keys kept in a PKCS#11 token (iot-ca --key-uri; docs/hsm.md)."}};
  p.keys = pki::config::settings_reference();
  return p;
}

bool every_table_documented(const ManPage& p) {
  for (const auto& k : p.keys) {
    bool found = false;
    for (const auto& t : p.tables) found = found || t.name == k.table;
    if (!found) {
      std::cerr << "config-reference: table [" << k.table << "] of " << p.name
                << " has no description in man/config_reference.cpp\n";
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "--out" && mode != "--check") {
    std::cerr << "usage: config-reference --out DIR | --check DIR\n";
    return 2;
  }
  const std::string dir = argv[2];
  int status = 0;
  for (const ManPage& page : {gateway_page(), settings_page()}) {
    if (!every_table_documented(page)) return 1;
    const std::string text = pki::config::render_man(page);
    const std::string path = dir + "/" + page.name + ".5";
    if (mode == "--out") {
      std::ofstream(path, std::ios::binary) << text;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream have;
    have << in.rdbuf();
    if (have.str() != text) {
      std::cerr << path << " differs from the loader's schema table; run: cmake --build build "
                << "--target update-man (and commit the page)\n";
      status = 1;
    }
  }
  return status;
}
