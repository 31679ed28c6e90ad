// SPDX-License-Identifier: Apache-2.0
#include "crl/reason.hpp"

#include <strings.h>
#include <array>
#include <utility>

#include "core/error.hpp"

namespace pki::crl {
namespace {

constexpr std::array<std::pair<Reason, std::string_view>, 8> kReasons = {{
    {Reason::unspecified, "unspecified"},
    {Reason::key_compromise, "keyCompromise"},
    {Reason::ca_compromise, "cACompromise"},
    {Reason::affiliation_changed, "affiliationChanged"},
    {Reason::superseded, "superseded"},
    {Reason::cessation_of_operation, "cessationOfOperation"},
    {Reason::certificate_hold, "certificateHold"},
    {Reason::privilege_withdrawn, "privilegeWithdrawn"},
}};

const Reason* find(std::string_view name) {
  for (const auto& [r, n] : kReasons) {
    if (n.size() == name.size() && ::strncasecmp(n.data(), name.data(), n.size()) == 0) return &r;
  }
  return nullptr;
}

}  // namespace

Reason parse_reason(std::string_view name) {
  if (const Reason* r = find(name)) return *r;
  throw Error(Exit::usage, "unknown revocation reason '" + std::string(name.substr(0, 40)) +
                               "' (use one of: " + reason_names() + ")");
}

Reason reason_from_registry(std::string_view name, std::string_view serial) {
  if (const Reason* r = find(name)) return *r;
  throw Error(Exit::data, "registry: certificate " + std::string(serial) +
                              " has an unknown revocation reason '" +
                              std::string(name.substr(0, 40)) + "'");
}

std::string reason_name(Reason r) {
  for (const auto& [code, n] : kReasons) {
    if (code == r) return std::string(n);
  }
  return "unspecified";
}

std::string reason_names() {
  std::string out;
  for (const auto& entry : kReasons) {
    if (!out.empty()) out += ", ";
    out += entry.second;
  }
  return out;
}

}  // namespace pki::crl
