// SPDX-License-Identifier: Apache-2.0
#pragma once
// Certificate construction. The CA decides subject and extensions from the profile
// (SPEC §3); nothing a CSR asks for is copied except its public key.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "core/handles.hpp"

namespace pki::x509 {

enum class Profile { device, server, admin };

[[nodiscard]] Profile parse_profile(std::string_view name);  // Error(usage) otherwise
[[nodiscard]] std::string profile_name(Profile p);

// A CA that signs: its certificate and private key.
struct Signer {
  std::string name;  // "root" or the issuing CA's name
  X509Ptr cert;
  PkeyPtr key;
};

struct LeafSpec {
  Profile profile = Profile::device;
  std::string common_name;
  std::vector<std::string> sans;  // "DNS:name" / "IP:addr", server profile only
  std::int64_t days = 0;
};

// "DNS:a,IP:1.2.3.4" → entries, validated (no OpenSSL config syntax gets through).
[[nodiscard]] std::vector<std::string> parse_sans(std::string_view text);

[[nodiscard]] X509Ptr make_root(EVP_PKEY* key, const std::string& cn, const std::string& org,
                                std::int64_t days);
// `settings` gives the root's crl_url / ca_issuers_url (config/settings.hpp), with
// {ca} = "root"; the defaults add neither.
[[nodiscard]] X509Ptr make_issuing(const Signer& root, EVP_PKEY* key, const std::string& cn,
                                   const std::string& org, std::int64_t days,
                                   const config::Settings& settings = config::Settings{});
// The leaf's notAfter never passes the signer's. CDP and AIA caIssuers come from
// settings.crl_url / ca_issuers_url with {ca} = ca.name (non-critical; none when empty).
[[nodiscard]] X509Ptr make_leaf(const Signer& ca, EVP_PKEY* subject_key, const LeafSpec& spec,
                                const config::Settings& settings);

}  // namespace pki::x509
