// SPDX-License-Identifier: Apache-2.0
// tls::read_peer on real handshakes: the server side is the gateway's own context
// (tls::make_server_context with files written here), the client a plain OpenSSL
// context, the two joined by an in-memory BIO pair. Every certificate is made in-process
// by libpki's profile functions (root, issuing CA, leaves), so the peer comes from a
// chain OpenSSL really verified against the bundle.
#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "core/encoding.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "fsutil/files.hpp"
#include "gateway/revocation/trust.hpp"
#include "gateway/tls/context.hpp"
#include "gateway/tls/peer.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "x509/names.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

namespace {

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// A client certificate and its key.
struct Leaf {
  pki::X509Ptr cert;
  pki::PkeyPtr key;
};

Leaf make_leaf(const pki::x509::Signer& ca, pki::x509::Profile profile, const std::string& cn) {
  Leaf l;
  l.key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::x509::LeafSpec spec;
  spec.profile = profile;
  spec.common_name = cn;
  spec.days = 5;
  l.cert = pki::x509::make_leaf(ca, l.key.get(), spec, pki::config::Settings{});
  return l;
}

// A leaf of the device profile whose subject is replaced by `entries` (field, value),
// signed again by `ca`: subjects the CA never writes (no OU, two CNs, a CN that is not
// a device id), with every extension of a real device certificate.
Leaf with_subject(const pki::x509::Signer& ca,
                  const std::vector<std::pair<std::string, std::string>>& entries) {
  Leaf l = make_leaf(ca, pki::x509::Profile::device, "placeholder");
  const pki::X509NamePtr name(X509_NAME_new());
  for (const auto& [field, value] : entries) {
    REQUIRE(X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) == 1);
  }
  REQUIRE(X509_set_subject_name(l.cert.get(), name.get()) == 1);
  REQUIRE(X509_sign(l.cert.get(), ca.key.get(), EVP_sha256()) > 0);
  return l;
}

// The gateway's side: root + issuing CA as the bundle, a server certificate and key in
// a scratch directory, and the context the gateway builds from them.
struct Server {
  test::ScratchDir dir{"peer"};
  pki::x509::Signer root = test::make_root(pki::keys::KeyType::ec_p256, "Peer Test Root");
  pki::x509::Signer iss = test::make_issuing(root, "peer-iss");
  std::shared_ptr<const gw::revocation::Bundle> bundle;
  std::shared_ptr<boost::asio::ssl::context> ctx;

  Server() {
    const Leaf srv = make_leaf(iss, pki::x509::Profile::server, "gateway.test");
    const auto cert = dir.path / "server.crt";
    const auto key = dir.path / "server.key";
    pki::fs::write_file_atomic(
        cert, pki::x509::to_pem(srv.cert.get()) + pki::x509::to_pem(iss.cert.get()), 0644);
    pki::keys::write_private_key(key, srv.key.get(), pki::Secret{});
    bundle = gw::revocation::Bundle::parse(pki::x509::to_pem(root.cert.get()) +
                                           pki::x509::to_pem(iss.cert.get()));
    ctx = gw::tls::make_server_context(cert, key, *bundle);
  }
};

// A client context that verifies the gateway against `anchor` and presents `leaf` (with
// `intermediate` as its chain) when one is given.
SslCtxPtr client_context(X509* anchor, const Leaf* leaf, X509* intermediate) {
  SslCtxPtr c(SSL_CTX_new(TLS_client_method()));
  REQUIRE(c);
  REQUIRE(SSL_CTX_set_min_proto_version(c.get(), TLS1_3_VERSION) == 1);
  REQUIRE(X509_STORE_add_cert(SSL_CTX_get_cert_store(c.get()), anchor) == 1);
  SSL_CTX_set_verify(c.get(), SSL_VERIFY_PEER, nullptr);
  if (leaf != nullptr) {
    REQUIRE(SSL_CTX_use_certificate(c.get(), leaf->cert.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(c.get(), leaf->key.get()) == 1);
    if (intermediate != nullptr) REQUIRE(SSL_CTX_add1_chain_cert(c.get(), intermediate) == 1);
  }
  return c;
}

struct Handshake {
  SslPtr server;
  SslPtr client;
  bool server_done = false;
  bool client_done = false;
  bool failed = false;  // either side gave up (an alert, a verification failure)
};

// Drives both ends over a BIO pair until both finished or one failed; a TLS 1.3
// handshake takes a handful of rounds, 32 is far more than any needs.
Handshake handshake(const Server& srv, SSL_CTX* client_ctx) {
  Handshake h;
  h.server.reset(SSL_new(srv.ctx->native_handle()));
  h.client.reset(SSL_new(client_ctx));
  REQUIRE(h.server);
  REQUIRE(h.client);
  BIO* sb = nullptr;
  BIO* cb = nullptr;
  REQUIRE(BIO_new_bio_pair(&sb, 0, &cb, 0) == 1);
  SSL_set_bio(h.server.get(), sb, sb);  // each SSL owns its end now
  SSL_set_bio(h.client.get(), cb, cb);
  SSL_set_accept_state(h.server.get());
  SSL_set_connect_state(h.client.get());
  REQUIRE(SSL_set_tlsext_host_name(h.client.get(), "gateway.test") == 1);
  REQUIRE(SSL_set1_host(h.client.get(), "gateway.test") == 1);
  const auto step = [&h](SSL* s, bool& done) {
    if (done || h.failed) return;
    const int rc = SSL_do_handshake(s);
    if (rc == 1) {
      done = true;
      return;
    }
    const int err = SSL_get_error(s, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) h.failed = true;
  };
  for (int round = 0; round < 32 && !h.failed && !(h.server_done && h.client_done); ++round) {
    step(h.client.get(), h.client_done);
    step(h.server.get(), h.server_done);
  }
  pki::clear_ossl_errors();
  return h;
}

bool is_upper_hex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0 || (c >= 'A' && c <= 'F');
  });
}

}  // namespace

TEST_CASE("a device certificate's handshake yields its device id, OU, serial, x5t and chain") {
  const Server srv;
  const Leaf dev = make_leaf(srv.iss, pki::x509::Profile::device, "dev-0001");
  const SslCtxPtr cctx = client_context(srv.root.cert.get(), &dev, srv.iss.cert.get());
  const Handshake h = handshake(srv, cctx.get());
  REQUIRE_FALSE(h.failed);
  REQUIRE(h.server_done);
  REQUIRE(h.client_done);

  const gw::tls::Peer p = gw::tls::read_peer(h.server.get());
  REQUIRE(p.has_cert);
  CHECK(p.device_id == "dev-0001");
  CHECK(pki::x509::is_valid_device_id(p.device_id));
  CHECK(p.ous == std::vector<std::string>{"IoT Devices"});
  CHECK(p.serial == pki::x509::serial_hex(dev.cert.get()));
  CHECK(is_upper_hex(p.serial));
  // RFC 8705 §3.1: base64url (no padding) of the SHA-256 of the leaf's DER, 43 chars.
  CHECK(p.x5t == pki::base64url(pki::sha256(pki::x509::to_der(dev.cert.get()))));
  CHECK(p.x5t.size() == 43);
  // The verified chain: leaf first, the bundle's anchor last.
  REQUIRE(p.chain != nullptr);
  REQUIRE(sk_X509_num(p.chain) == 3);
  CHECK(X509_cmp(sk_X509_value(p.chain, 0), dev.cert.get()) == 0);
  CHECK(X509_cmp(sk_X509_value(p.chain, 1), srv.iss.cert.get()) == 0);
  CHECK(X509_cmp(sk_X509_value(p.chain, 2), srv.root.cert.get()) == 0);
}

TEST_CASE("a client sending only its leaf gets the chain completed from the bundle") {
  const Server srv;
  const Leaf dev = make_leaf(srv.iss, pki::x509::Profile::device, "dev-leaf-only");
  const SslCtxPtr cctx = client_context(srv.root.cert.get(), &dev, nullptr);
  const Handshake h = handshake(srv, cctx.get());
  REQUIRE_FALSE(h.failed);
  REQUIRE(h.server_done);
  const gw::tls::Peer p = gw::tls::read_peer(h.server.get());
  REQUIRE(p.has_cert);
  CHECK(p.device_id == "dev-leaf-only");
  REQUIRE(p.chain != nullptr);
  REQUIRE(sk_X509_num(p.chain) == 3);
  CHECK(X509_cmp(sk_X509_value(p.chain, 2), srv.root.cert.get()) == 0);
}

TEST_CASE("a client without a certificate completes the handshake and has no peer certificate") {
  const Server srv;
  const SslCtxPtr cctx = client_context(srv.root.cert.get(), nullptr, nullptr);
  const Handshake h = handshake(srv, cctx.get());
  REQUIRE_FALSE(h.failed);  // /auth/token answers 401 itself (with an audit record)
  REQUIRE(h.server_done);
  const gw::tls::Peer p = gw::tls::read_peer(h.server.get());
  CHECK_FALSE(p.has_cert);
  CHECK(p.device_id.empty());
  CHECK(p.ous.empty());
  CHECK(p.serial.empty());
  CHECK(p.x5t.empty());
  CHECK(p.chain == nullptr);
}

TEST_CASE("nothing is read from a connection whose handshake has not run") {
  const Server srv;
  const SslPtr s(SSL_new(srv.ctx->native_handle()));
  REQUIRE(s);
  const gw::tls::Peer p = gw::tls::read_peer(s.get());
  CHECK_FALSE(p.has_cert);
  CHECK(p.chain == nullptr);
}

TEST_CASE("a certificate from outside the bundle fails the handshake and yields no peer") {
  const Server srv;
  const pki::x509::Signer other_root =
      test::make_root(pki::keys::KeyType::ec_p256, "Peer Test Other Root");
  const pki::x509::Signer other_iss = test::make_issuing(other_root, "other-iss");
  const Leaf dev = make_leaf(other_iss, pki::x509::Profile::device, "dev-0001");
  const SslCtxPtr cctx = client_context(srv.root.cert.get(), &dev, other_iss.cert.get());
  const Handshake h = handshake(srv, cctx.get());
  CHECK(h.failed);
  CHECK_FALSE(h.server_done);
  const gw::tls::Peer p = gw::tls::read_peer(h.server.get());
  CHECK_FALSE(p.has_cert);
  CHECK(p.chain == nullptr);
}

TEST_CASE("subjects without the device OU or without one valid CN are reported as they are") {
  const Server srv;
  const auto peer_of = [&srv](const Leaf& leaf) {
    const SslCtxPtr cctx = client_context(srv.root.cert.get(), &leaf, srv.iss.cert.get());
    const Handshake h = handshake(srv, cctx.get());
    REQUIRE_FALSE(h.failed);  // each chains to the bundle: only the routes may refuse it
    REQUIRE(h.server_done);
    gw::tls::Peer p = gw::tls::read_peer(h.server.get());
    REQUIRE(p.has_cert);
    CHECK(p.serial == pki::x509::serial_hex(leaf.cert.get()));
    p.chain = nullptr;  // borrowed from the SSL object, which dies here
    return p;
  };
  const std::vector<std::string> device_ou{"IoT Devices"};

  SUBCASE("an admin certificate carries the admin OU, not the device OU") {
    const gw::tls::Peer p = peer_of(make_leaf(srv.iss, pki::x509::Profile::admin, "operator"));
    CHECK(p.device_id == "operator");
    CHECK(p.ous == std::vector<std::string>{"IoT Admins"});
  }
  SUBCASE("no OU at all") {
    const gw::tls::Peer p = peer_of(with_subject(srv.iss, {{"O", "Unit Org"}, {"CN", "dev-0002"}}));
    CHECK(p.device_id == "dev-0002");
    CHECK(p.ous.empty());
  }
  SUBCASE("every OU is reported, in order") {
    const gw::tls::Peer p = peer_of(
        with_subject(srv.iss, {{"OU", "Other"}, {"OU", "IoT Devices"}, {"CN", "dev-0003"}}));
    CHECK(p.ous == std::vector<std::string>{"Other", "IoT Devices"});
    CHECK(p.device_id == "dev-0003");
  }
  SUBCASE("two CNs: no device id") {
    const gw::tls::Peer p = peer_of(
        with_subject(srv.iss, {{"OU", "IoT Devices"}, {"CN", "dev-0004"}, {"CN", "dev-0005"}}));
    CHECK(p.ous == device_ou);
    CHECK(p.device_id.empty());
  }
  SUBCASE("no CN: no device id") {
    const gw::tls::Peer p = peer_of(with_subject(srv.iss, {{"OU", "IoT Devices"}}));
    CHECK(p.device_id.empty());
  }
  SUBCASE("a CN that is not a device id is reported as written, and fails the device-id rule") {
    const gw::tls::Peer p =
        peer_of(with_subject(srv.iss, {{"OU", "IoT Devices"}, {"CN", "../dev 0006"}}));
    CHECK(p.device_id == "../dev 0006");
    CHECK_FALSE(pki::x509::is_valid_device_id(p.device_id));
  }
}
