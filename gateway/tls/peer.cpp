#include "gateway/tls/peer.hpp"

#include "core/encoding.hpp"
#include "gateway/revocation/trust.hpp"

namespace gw::tls {
namespace {

std::vector<std::string> entries(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, s);
    if (len < 0) continue;
    out.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
  }
  return out;
}

}  // namespace

Peer read_peer(SSL* ssl) {
  Peer p;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return p;
  p.chain = SSL_get0_verified_chain(ssl);
  if (p.chain == nullptr || sk_X509_num(p.chain) < 1) return p;
  p.has_cert = true;
  X509_NAME* subject = X509_get_subject_name(cert);
  const auto cns = entries(subject, NID_commonName);
  p.device_id = cns.size() == 1 ? cns.front() : "";
  p.ous = entries(subject, NID_organizationalUnitName);
  p.serial = revocation::serial_hex(X509_get0_serialNumber(cert));
  const int len = i2d_X509(cert, nullptr);
  if (len > 0) {
    pki::Bytes der(static_cast<std::size_t>(len));
    unsigned char* out = der.data();
    i2d_X509(cert, &out);
    p.x5t = pki::base64url(pki::sha256(der));
  }
  return p;
}

}  // namespace gw::tls
