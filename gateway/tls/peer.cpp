// SPDX-License-Identifier: Apache-2.0
#include "gateway/tls/peer.hpp"

#include "core/encoding.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"

namespace gw::tls {

Peer read_peer(SSL* ssl) noexcept {
  try {
    Peer p;
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return p;
    p.chain = SSL_get0_verified_chain(ssl);
    if (p.chain == nullptr || sk_X509_num(p.chain) < 1) return {};
    X509_NAME* subject = X509_get_subject_name(cert);
    const auto cns = pki::x509::entries(subject, NID_commonName);
    p.device_id = cns.size() == 1 ? cns.front() : "";
    p.ous = pki::x509::entries(subject, NID_organizationalUnitName);
    p.serial = pki::x509::serial_hex(cert);  // the one written form (libpki)
    p.x5t = pki::base64url(pki::sha256(pki::x509::to_der(cert)));
    p.has_cert = true;
    return p;
  } catch (const std::exception&) {
    return {};  // out of memory: treated as no certificate (every route then refuses)
  }
}

}  // namespace gw::tls
