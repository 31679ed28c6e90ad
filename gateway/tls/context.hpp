// SPDX-License-Identifier: Apache-2.0
#pragma once
// The server's TLS context (SPEC §5): TLS 1.3 only, no session tickets and no session
// cache (no resumption at all, so every connection re-verifies its client certificate),
// groups X25519 and P-256, client certificates requested and verified against the
// bundle, which is the only trust store. A client without a certificate still completes
// the handshake so that /auth/token can answer 401 with an audit record.
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>

#include "gateway/revocation/trust.hpp"

namespace gw::tls {

// Throws pki::Error(config) when the certificate or key cannot be loaded, or the key
// file is accessible by group or others.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_server_context(
    const std::filesystem::path& cert_chain, const std::filesystem::path& key,
    const revocation::Bundle& bundle);

}  // namespace gw::tls
