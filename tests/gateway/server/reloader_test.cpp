// SPDX-License-Identifier: Apache-2.0
// server::Reloader as the gateway runs it (Gateway's constructor: a Config, a State and
// an AuditLog; load_initial, then poll on its thread): the trust bundle, the CRLs, the
// server certificate and the JWT keys written into a scratch directory, the CRLs made
// in-process by libpki's CrlBuilder, and the audit log read back from its file.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "crl/builder.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/audit_log.hpp"
#include "gateway/config/config.hpp"
#include "gateway/jwt/key_set.hpp"
#include "gateway/server/reloader.hpp"
#include "gateway/server/state.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

namespace {

using gw::server::Snapshot;

struct World {
  test::ScratchDir dir{"reload"};
  pki::x509::Signer root = test::make_root(pki::keys::KeyType::ec_p256, "Reload Test Root");
  pki::x509::Signer iss = test::make_issuing(root, "reload-iss");
  gw::config::Config cfg;
  std::unique_ptr<gw::audit::AuditLog> audit;
  gw::server::State state;
  std::unique_ptr<gw::server::Reloader> reloader;

  World() {
    cfg.file = dir.path / "gateway.toml";
    cfg.server.cert = dir.path / "server.crt";
    cfg.server.key = dir.path / "server.key";
    cfg.trust.bundle = dir.path / "ca-bundle.pem";
    cfg.trust.crl = dir.path / "crl.pem";
    cfg.trust.state_dir = dir.path / "state";
    cfg.jwt.keys_dir = dir.path / "jwt";
    cfg.audit.path = dir.path / "audit.log";
    cfg.trust.reload_interval = 3600;  // the thread polls only when asked (request())
    // Hand-made CRLs, no manifest (trust_manifest_test covers the signed set); the
    // root is pinned.
    cfg.trust.require_manifest = false;
    cfg.trust.pins = {pki::x509::sha256_fingerprint(root.cert.get())};

    const pki::PkeyPtr sk = pki::keys::generate(pki::keys::KeyType::ec_p256);
    pki::x509::LeafSpec spec;
    spec.profile = pki::x509::Profile::server;
    spec.common_name = "gateway.test";
    spec.days = 5;
    const pki::X509Ptr srv = pki::x509::make_leaf(iss, sk.get(), spec, pki::config::Settings{});
    write(cfg.server.cert, pki::x509::to_pem(srv.get()) + pki::x509::to_pem(iss.cert.get()));
    pki::keys::write_private_key(cfg.server.key, sk.get(), pki::Secret{});
    write(cfg.trust.bundle, bundle_pem());
    write(cfg.trust.crl, crls(1, {}));
    (void)gw::jwt::create_key(cfg.jwt.keys_dir);

    audit = std::make_unique<gw::audit::AuditLog>(cfg.audit.path, 1024);
    reloader = std::make_unique<gw::server::Reloader>(cfg, state, *audit);
  }
  ~World() {
    reloader.reset();  // joins the reload thread before the log goes
    audit.reset();
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  static void write(const std::filesystem::path& p, const std::string& data) {
    pki::fs::write_file_atomic(p, data, 0644);  // a new inode, as an operator's mv makes
  }
  [[nodiscard]] std::string bundle_pem() const {
    return pki::x509::to_pem(root.cert.get()) + pki::x509::to_pem(iss.cert.get());
  }
  // One CRL per CA of the bundle, both with CRL Number `number`; the issuing CA's lists
  // `revoked` (serials in hex).
  [[nodiscard]] std::string crls(std::int64_t number,
                                 const std::vector<std::string>& revoked) const {
    const std::int64_t now = pki::now_unix();
    const pki::crl::CrlFields f{number, now - 60, now + 86400};
    pki::crl::CrlBuilder r(root, f);
    pki::crl::CrlBuilder i(iss, f, revoked.size());
    for (const auto& s : revoked) i.add(s, now - 60, pki::crl::Reason::key_compromise);
    return pki::crl::der_to_pem(r.finish()) + pki::crl::der_to_pem(i.finish());
  }
  [[nodiscard]] std::shared_ptr<const Snapshot> snap() const { return state.get(); }

  // Every record of the audit log so far, as (event, reason).
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> records() const {
    audit->flush();
    std::vector<std::pair<std::string, std::string>> out;
    std::ifstream in(cfg.audit.path);
    std::string line;
    for (int n = 0; n < 10000 && std::getline(in, line); ++n) {
      const auto j = nlohmann::json::parse(line);
      out.emplace_back(j.at("event").get<std::string>(), j.value("reason", std::string{}));
    }
    return out;
  }
  [[nodiscard]] std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& [e, reason] : records()) out.push_back(e);
    return out;
  }
};

using Events = std::vector<std::string>;

}  // namespace

TEST_CASE("the first load publishes bundle, CRLs, TLS context and keys and audits CRL_LOADED") {
  World w;
  CHECK(w.snap() == nullptr);
  w.reloader->load_initial();
  const auto s = w.snap();
  REQUIRE(s != nullptr);
  REQUIRE(s->bundle != nullptr);
  CHECK(s->bundle->certs().size() == 2);
  REQUIRE(s->crls != nullptr);
  CHECK(s->crls->crl_count() == 2);
  CHECK(s->crls->revoked_count() == 0);
  CHECK(s->tls != nullptr);
  REQUIRE(s->keys != nullptr);
  CHECK(s->keys->size() == 1);
  const auto recs = w.records();
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].first == "CRL_LOADED");
  CHECK(recs[0].second.find("2 CRL(s), 0 revoked serial(s)") != std::string::npos);
}

TEST_CASE("a broken CRL at start is refused with a config error and audited CRL_REJECTED") {
  World w;
  World::write(w.cfg.trust.crl, "-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n");
  CHECK(test::code_of([&] { w.reloader->load_initial(); }) == pki::Exit::config);
  CHECK(w.snap() == nullptr);
  CHECK(w.events() == Events{"CRL_REJECTED"});
}

TEST_CASE("unchanged files do not reload anything; a forced reload does") {
  World w;
  w.reloader->load_initial();
  const auto before = w.snap();
  for (int i = 0; i < 3; ++i) w.reloader->poll(false);
  const auto after = w.snap();
  CHECK(after->bundle == before->bundle);
  CHECK(after->crls == before->crls);
  CHECK(after->tls == before->tls);
  CHECK(after->keys == before->keys);
  CHECK(w.events() == Events{"CRL_LOADED"});

  // SIGHUP's path: the same files are read again (a new CRL set; the bundle is the same,
  // so its object is kept).
  w.reloader->poll(true);
  const auto forced = w.snap();
  CHECK(forced->crls != before->crls);
  CHECK(forced->bundle == before->bundle);
  CHECK(w.events() == Events{"CRL_LOADED", "CRL_LOADED"});
}

TEST_CASE("a changed valid CRL is picked up by the next poll and audited CRL_LOADED") {
  World w;
  w.reloader->load_initial();
  const auto before = w.snap();
  CHECK_FALSE(before->crls->serial_revoked("0A1B2C"));

  World::write(w.cfg.trust.crl, w.crls(2, {"0A1B2C", "77"}));
  w.reloader->poll(false);
  const auto after = w.snap();
  REQUIRE(after->crls != before->crls);
  CHECK(after->crls->serial_revoked("0A1B2C"));
  CHECK(after->crls->serial_revoked("77"));
  CHECK(after->crls->revoked_count() == 2);
  // Only the CRL changed: the bundle object, the TLS context and the keys stay.
  CHECK(after->bundle == before->bundle);
  CHECK(after->tls == before->tls);
  CHECK(after->keys == before->keys);
  const auto recs = w.records();
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].first == "CRL_LOADED");
  CHECK(recs[1].second.find("2 revoked serial(s)") != std::string::npos);
}

TEST_CASE("a broken or rolled-back CRL is refused and the last good set kept") {
  World w;
  w.reloader->load_initial();
  World::write(w.cfg.trust.crl, w.crls(5, {"0BAD"}));
  w.reloader->poll(false);
  const auto good = w.snap();
  REQUIRE(good->crls->serial_revoked("0BAD"));

  SUBCASE("garbage") {
    World::write(w.cfg.trust.crl, "this is not a CRL\n");
  }
  SUBCASE("a CRL signed by a CA outside the bundle") {
    const auto stranger = test::make_root(pki::keys::KeyType::ec_p256, "Reload Stranger");
    const std::int64_t now = pki::now_unix();
    pki::crl::CrlBuilder b(stranger, {9, now - 60, now + 86400});
    World::write(w.cfg.trust.crl, pki::crl::der_to_pem(b.finish()));
  }
  SUBCASE("an older CRL Number (a rollback that would un-revoke 0BAD)") {
    World::write(w.cfg.trust.crl, w.crls(4, {}));
  }
  w.reloader->poll(false);
  const auto kept = w.snap();
  CHECK(kept->crls == good->crls);
  CHECK(kept->bundle == good->bundle);
  CHECK(kept->tls == good->tls);
  CHECK(kept->crls->serial_revoked("0BAD"));
  CHECK(w.events() == Events{"CRL_LOADED", "CRL_LOADED", "CRL_REJECTED"});

  // The refused file is not read again until it changes; a good one then goes in.
  w.reloader->poll(false);
  CHECK(w.events().size() == 3);
  World::write(w.cfg.trust.crl, w.crls(6, {"0BAD", "0C"}));
  w.reloader->poll(false);
  CHECK(w.snap()->crls != good->crls);
  CHECK(w.snap()->crls->serial_revoked("0C"));
  CHECK(w.events().back() == "CRL_LOADED");
}

TEST_CASE("a broken bundle is refused and the last good bundle, CRLs and TLS context kept") {
  World w;
  w.reloader->load_initial();
  const auto good = w.snap();
  SUBCASE("a PEM block that does not parse") {
    World::write(w.cfg.trust.bundle, w.bundle_pem() +
                                         "-----BEGIN CERTIFICATE-----\nAAAA\n"
                                         "-----END CERTIFICATE-----\n");
  }
  SUBCASE("a leaf certificate in the bundle") {
    const pki::PkeyPtr k = pki::keys::generate(pki::keys::KeyType::ec_p256);
    pki::x509::LeafSpec spec;
    spec.common_name = "dev-in-bundle";
    spec.days = 1;
    const auto leaf = pki::x509::make_leaf(w.iss, k.get(), spec, pki::config::Settings{});
    World::write(w.cfg.trust.bundle, w.bundle_pem() + pki::x509::to_pem(leaf.get()));
  }
  SUBCASE("the bundle file is gone") {
    std::filesystem::remove(w.cfg.trust.bundle);
  }
  w.reloader->poll(false);
  const auto kept = w.snap();
  CHECK(kept->bundle == good->bundle);
  CHECK(kept->crls == good->crls);
  CHECK(kept->tls == good->tls);
  CHECK(w.events() == Events{"CRL_LOADED", "CRL_REJECTED"});
}

TEST_CASE("a new bundle is taken with its CRLs and gets a new TLS context") {
  World w;
  w.reloader->load_initial();
  const auto before = w.snap();
  const auto iss2 = test::make_issuing(w.root, "reload-iss2");
  World::write(w.cfg.trust.bundle, w.bundle_pem() + pki::x509::to_pem(iss2.cert.get()));
  const std::int64_t now = pki::now_unix();
  pki::crl::CrlBuilder b(iss2, {1, now - 60, now + 86400});
  World::write(w.cfg.trust.crl, w.crls(2, {}) + pki::crl::der_to_pem(b.finish()));
  w.reloader->poll(false);
  const auto after = w.snap();
  REQUIRE(after->bundle != before->bundle);
  CHECK(after->bundle->certs().size() == 3);
  CHECK(after->crls->crl_count() == 3);
  CHECK(after->tls != before->tls);
  CHECK(after->keys == before->keys);
  CHECK(w.events() == Events{"CRL_LOADED", "CRL_LOADED"});
}

TEST_CASE("request() has the reload thread pick up a changed CRL, and stop() joins it") {
  World w;
  w.reloader->load_initial();
  const auto before = w.snap();
  w.reloader->start();
  World::write(w.cfg.trust.crl, w.crls(3, {"0D"}));
  w.reloader->request();
  // The poll runs on the reloader's thread; wait for its snapshot, 5 s at most.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (w.snap()->crls == before->crls && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(w.snap()->crls->serial_revoked("0D"));
  w.reloader->stop();
  w.reloader->stop();  // idempotent
  CHECK(w.events() == Events{"CRL_LOADED", "CRL_LOADED"});
}
