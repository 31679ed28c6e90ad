// SPDX-License-Identifier: Apache-2.0
#include "gateway/tls/context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cstdint>

#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/tls/chain_cache.hpp"

namespace gw::tls {
namespace {

namespace ssl = boost::asio::ssl;
using pki::Exit;

int no_password(char*, int, int, void*) {
  return -1;
}

// The client chain's verification, through the process's ChainCache (the epoch is
// this context's, passed as the callback argument). No exception leaves it: a failure
// fails the handshake as OpenSSL's own verification would.
int verify_client_chain(X509_STORE_CTX* ctx, void* arg) noexcept {
  try {
    return chain_cache().verify(ctx, reinterpret_cast<std::uintptr_t>(arg));
  } catch (...) {
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_OUT_OF_MEM);
    return 0;
  }
}

void check(int rc, const std::string& what) {
  if (rc != 1) pki::throw_ossl(Exit::config, what);
}

void load_key(SSL_CTX* ctx, const std::filesystem::path& key_file) {
  pki::Secret pem;
  try {
    pem = pki::fs::read_private_file(key_file);
  } catch (const pki::Error& e) {
    throw pki::Error(Exit::config, std::string("server.key: ") + e.what());
  }
  const pki::BioPtr bio(BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size())));
  const pki::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key)
    pki::throw_ossl(Exit::config, key_file.string() + ": not an unencrypted PEM private key");
  check(SSL_CTX_use_PrivateKey(ctx, key.get()), "server.key " + key_file.string());
  check(SSL_CTX_check_private_key(ctx), "server.key does not match server.cert");
}

// The chain is read like every trust file: non-blocking open, regular file only, capped
// (SSL_CTX_use_certificate_chain_file would block on a FIFO and read /dev/zero forever).
void load_chain(SSL_CTX* ctx, const std::filesystem::path& file) {
  std::string pem;
  try {
    pem = pki::fs::read_file(file, pki::fs::kCertLimit);
  } catch (const pki::Error& e) {
    throw pki::Error(Exit::config, std::string("server.cert: ") + e.what());
  }
  const pki::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) pki::throw_ossl(Exit::internal, "BIO_new_mem_buf");
  const pki::X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, no_password, nullptr));
  if (!leaf) pki::throw_ossl(Exit::config, "server.cert " + file.string() + ": no PEM certificate");
  check(SSL_CTX_use_certificate(ctx, leaf.get()), "server.cert " + file.string());
  check(SSL_CTX_clear_chain_certs(ctx), "server.cert chain");
  while (pki::X509Ptr ca{PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr)}) {
    check(SSL_CTX_add1_chain_cert(ctx, ca.get()), "server.cert chain " + file.string());
  }
  const unsigned long e = ERR_peek_last_error();
  if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
    pki::throw_ossl(Exit::config, "server.cert " + file.string() + ": a PEM block does not parse");
  }
  pki::clear_ossl_errors();
}

}  // namespace

std::shared_ptr<ssl::context> make_server_context(const std::filesystem::path& cert_chain,
                                                  const std::filesystem::path& key,
                                                  const revocation::Bundle& bundle) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* raw = ctx->native_handle();
  check(SSL_CTX_set_min_proto_version(raw, TLS1_3_VERSION), "TLS 1.3 minimum");
  check(SSL_CTX_set_max_proto_version(raw, TLS1_3_VERSION), "TLS 1.3 maximum");
  // No resumption: no tickets (stateless or stateful) and no server-side cache.
  SSL_CTX_set_options(raw,
                      SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  check(SSL_CTX_set_num_tickets(raw, 0), "SSL_CTX_set_num_tickets");
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  check(SSL_CTX_set1_groups_list(raw, "X25519:P-256"), "groups X25519:P-256");
  load_chain(raw, cert_chain);
  load_key(raw, key);

  pki::X509StorePtr store = bundle.make_store();
  SSL_CTX_set_cert_store(raw, store.release());  // the context owns the store now
  for (const auto& ca : bundle.certs()) {
    check(SSL_CTX_add_client_CA(raw, ca.get()), "client CA list");
  }
  // The server's own chain is built here, once, from the configured chain and the
  // bundle (a leaf-only server.cert is completed from the bundle); without it OpenSSL
  // rebuilds and re-verifies it on every handshake (one X509_verify_cert per login, a
  // quarter of the gateway's CPU per login, docs/benchmarks.md). When it cannot be
  // built the configured chain is sent as it is.
  if (SSL_CTX_build_cert_chain(raw, SSL_BUILD_CHAIN_FLAG_NO_ROOT) != 1) pki::clear_ossl_errors();
  SSL_CTX_set_mode(raw, SSL_MODE_NO_AUTO_CHAIN);
  // Record buffers (two of ~17 KiB) are freed whenever they are empty, so an idle
  // connection holds none (tls/ssl_socket.hpp drives OpenSSL on the socket directly).
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
  // Client chains: verified once per leaf and trust bundle (tls/chain_cache.hpp).
  SSL_CTX_set_cert_verify_callback(
      raw, verify_client_chain,
      reinterpret_cast<void*>(static_cast<std::uintptr_t>(ChainCache::next_epoch())));
  // verify_peer without fail_if_no_peer_cert: a certificate that does not chain to the
  // bundle fails the handshake; no certificate at all is decided by the HTTP layer.
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify_depth(raw, 4);
  static const unsigned char kSidCtx[] = "iot-gateway";
  check(SSL_CTX_set_session_id_context(raw, kSidCtx, sizeof kSidCtx - 1), "session id context");
  return ctx;
}

}  // namespace gw::tls
