// SPDX-License-Identifier: Apache-2.0
// revocation::verify_trust, the one check of a new trust set (pins, the signed manifest,
// rollback against the highest values seen), on real exports: a PKI home made with the
// workflows `iot-ca init`, `intermediate` and `export` run, in a scratch directory.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.hpp"
#include "fsutil/files.hpp"
#include "gateway/revocation/trust_manifest.hpp"
#include "pki_fixture.hpp"
#include "trustsign/publisher.hpp"
#include "workflows/init_ca.hpp"
#include "workflows/publish.hpp"
#include "workflows/publisher.hpp"
#include "x509/pem.hpp"

namespace {

namespace rv = gw::revocation;
using pki::workflows::export_trust;

struct Export {
  std::string bundle, crl, manifest, signature, log_head, log_leaves;
  [[nodiscard]] rv::TrustFiles files() const {
    return {bundle, crl, manifest, signature, true, log_head, log_leaves};
  }
};

struct Home {
  test::ScratchDir dir{"trust-manifest"};
  pki::ca::Home home{dir.path / "pki"};
  explicit Home(const std::string& cn = "Unit Root") {
    const pki::keys::PassphraseSource none;
    (void)pki::workflows::init_root(home, {cn, "", pki::keys::KeyType::ec_p256, 0, true}, none);
    (void)pki::workflows::create_issuing(
        home, {"iss1", "Unit Issuing", pki::keys::KeyType::ec_p256, 0, true}, none);
  }
  Export do_export() const {
    const auto out = dir.path / "trust";
    (void)export_trust(home, pki::keys::PassphraseSource(), out, pki::now_unix());
    const auto read = [&](const char* n) {
      return pki::fs::read_file(out / n, pki::fs::kTrustLimit);
    };
    return {read("ca-bundle.pem"),     read("crl.pem"),       read("manifest.json"),
            read("manifest.json.p7s"), read("log-head.json"), read("log-leaves.bin")};
  }
  [[nodiscard]] std::string pin() const {
    std::string fp = pki::x509::sha256_fingerprint(home.root_cert().get());
    for (auto& c : fp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return fp;
  }
};

rv::TrustVerdict verify(const Export& e, const std::vector<std::string>& pins,
                        const rv::Seen& seen = {}, bool require_manifest = true) {
  return rv::verify_trust(e.files(), {pins, require_manifest}, seen, nullptr, pki::now_unix());
}

}  // namespace

TEST_CASE("a signed export whose root is pinned is accepted and returns the highest values") {
  const Home h;
  const Export e = h.do_export();
  const auto v = verify(e, {h.pin()});
  REQUIRE_MESSAGE(v.ok, v.reason);
  CHECK(v.sequence > 0);
  CHECK(v.seen.sequence == v.sequence);
  CHECK(v.seen.crl_numbers.size() == 2);
  CHECK(v.set.crls->crl_count() == 2);
}

TEST_CASE("a pin is matched whatever its case and colons") {
  const Home h;
  const Export e = h.do_export();
  std::string colons;
  for (std::size_t i = 0; i < 64; i += 2) {
    colons += (i ? ":" : "") + h.pin().substr(i, 2);
  }
  for (auto& c : colons) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify(e, {colons}).ok);
  CHECK(rv::check_pin(colons).empty());
  CHECK_FALSE(rv::check_pin("abc").empty());
  CHECK_FALSE(rv::check_pin(std::string(64, 'g')).empty());
}

TEST_CASE("no pin refuses every set and names the line iot-ca export prints") {
  const Home h;
  const auto v = verify(h.do_export(), {});
  CHECK_FALSE(v.ok);
  CHECK(v.trust_rejected);
  CHECK(v.reason.find("pins = [") != std::string::npos);
}

TEST_CASE("another root's validly signed export is refused for its unpinned root") {
  const Home ours;
  const Home other("Other Root");
  const auto v = verify(other.do_export(), {ours.pin()});
  CHECK_FALSE(v.ok);
  CHECK(v.trust_rejected);
  CHECK(v.reason.rfind("trust.pins: no root of the bundle is pinned", 0) == 0);
  // Without the manifest the pins still hold.
  CHECK_FALSE(verify(other.do_export(), {ours.pin()}, {}, false).ok);
}

TEST_CASE("a bundle with an extra CA that does not chain to a pinned root is refused") {
  const Home ours;
  const Home other("Other Root");
  Export e = ours.do_export();
  e.bundle += other.do_export().bundle;
  const auto v = verify(e, {ours.pin()}, {}, false);
  CHECK_FALSE(v.ok);
  CHECK(v.reason.find("does not chain to a pinned root") != std::string::npos);
}

TEST_CASE("one changed byte of the manifest, the signature or a file is refused") {
  const Home h;
  const Export good = h.do_export();
  Export e = good;
  e.manifest[e.manifest.find("generated_at") + 20] ^= 1;
  CHECK(verify(e, {h.pin()}).reason.find("does not verify") != std::string::npos);
  e = good;
  e.signature[e.signature.size() - 5] ^= 1;
  CHECK_FALSE(verify(e, {h.pin()}).ok);
  e = good;
  e.signature += "x";
  CHECK(verify(e, {h.pin()}).reason.find("bytes follow") != std::string::npos);
  e = good;
  e.signature.clear();
  CHECK_FALSE(verify(e, {h.pin()}).ok);
  e = good;
  e.bundle += "\n";
  CHECK(verify(e, {h.pin()}).reason.find("ca-bundle.pem does not match") != std::string::npos);
  // A newer, valid CRL file of the same CAs that the manifest does not list.
  e = good;
  e.crl = h.do_export().crl;
  const auto v = verify(e, {h.pin()});
  CHECK(v.trust_rejected);
  CHECK(v.reason.find("crl.pem does not match") != std::string::npos);
}

TEST_CASE("a sequence below the highest seen is refused; the same set again is accepted") {
  const Home h;
  const Export first = h.do_export();
  const Export second = h.do_export();
  const auto v2 = verify(second, {h.pin()});
  REQUIRE(v2.ok);
  const auto again = verify(second, {h.pin()}, v2.seen);
  CHECK(again.ok);
  CHECK(again.seen == v2.seen);
  const auto old = verify(first, {h.pin()}, v2.seen);
  CHECK_FALSE(old.ok);
  CHECK(old.trust_rejected);
  CHECK(old.reason.find("sequence went back") != std::string::npos);
}

TEST_CASE("a CRL Number below the highest seen is refused, with or without the manifest") {
  const Home h;
  const Export first = h.do_export();
  const auto v1 = verify(first, {h.pin()});
  REQUIRE(v1.ok);
  rv::Seen seen = v1.seen;
  for (auto& [id, n] : seen.crl_numbers) n = "FF";
  seen.sequence = 0;  // only the CRL Numbers are ahead
  for (const bool manifest : {true, false}) {
    const auto v = verify(first, {h.pin()}, seen, manifest);
    CHECK_FALSE(v.ok);
    CHECK(v.trust_rejected);
    CHECK(v.reason.find("went back from 255") != std::string::npos);
  }
}

TEST_CASE("without require_manifest no manifest is read, and with it none is refused") {
  const Home h;
  Export e = h.do_export();
  e.manifest.clear();
  e.signature.clear();
  CHECK(verify(e, {h.pin()}, {}, false).ok);
  CHECK_FALSE(verify(e, {h.pin()}, {}, true).ok);
}

TEST_CASE("the trust state round-trips and a damaged one is refused") {
  rv::Seen s;
  s.sequence = 42;
  s.crl_numbers[std::string(64, 'a')] = "1F";
  CHECK(rv::parse_seen(rv::write_seen(s)) == s);
  for (const char* bad :
       {"", "{}", "[]", R"({"format":"iot-gateway-trust-state/1","sequence":-1,"crl_numbers":{}})",
        R"({"format":"iot-gateway-trust-state/1","sequence":1,"crl_numbers":{"ab":"01"}})",
        R"({"format":"iot-gateway-trust-state/1","sequence":1,"crl_numbers":{"x":1}})",
        R"({"format":"other","sequence":1,"crl_numbers":{}})"}) {
    CHECK_THROWS_AS((void)rv::parse_seen(bad), pki::Error);
  }
  const test::ScratchDir d("seen");
  CHECK(rv::read_seen(d.path) == rv::Seen{});
  rv::store_seen(d.path / "state", s);
  CHECK(rv::read_seen(d.path / "state") == s);
  pki::fs::write_file_atomic(d.path / "state" / "trust-state.json", "{", 0600);
  CHECK(test::code_of([&] { (void)rv::read_seen(d.path / "state"); }) == pki::Exit::config);
}

TEST_CASE("only the publisher profile signs: a device, server or CA certificate does not") {
  const auto root = test::make_root();
  const auto iss = test::make_issuing(root, "iss");
  pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const pki::X509Ptr pub = pki::trustsign::make_publisher(root, key.get(), "Pub", "Org", 10);
  CHECK(pki::trustsign::publisher_problem(pub.get()).empty());
  CHECK_FALSE(pki::trustsign::publisher_problem(iss.cert.get()).empty());
  CHECK_FALSE(pki::trustsign::publisher_problem(root.cert.get()).empty());
  pki::config::Settings settings;
  pki::x509::LeafSpec spec;
  spec.common_name = "dev-1";
  spec.days = 5;
  const pki::X509Ptr dev = pki::x509::make_leaf(iss, key.get(), spec, settings);
  CHECK(pki::trustsign::publisher_problem(dev.get()).find("not a publisher") != std::string::npos);
  // Signed by the publisher, verified against its root; another root is not an anchor.
  const pki::x509::Signer signer{"publisher", pki::X509Ptr(X509_dup(pub.get())), std::move(key)};
  const std::string sig = pki::trustsign::sign_detached(signer, "content");
  CHECK_NOTHROW(
      (void)pki::trustsign::verify_detached(sig, "content", {root.cert.get()}, pki::now_unix()));
  CHECK_THROWS_AS(
      (void)pki::trustsign::verify_detached(sig, "Content", {root.cert.get()}, pki::now_unix()),
      pki::Error);
  const auto other = test::make_root();
  CHECK_THROWS_AS(
      (void)pki::trustsign::verify_detached(sig, "content", {other.cert.get()}, pki::now_unix()),
      pki::Error);
  // Past the publisher certificate's end.
  CHECK_THROWS_AS((void)pki::trustsign::verify_detached(sig, "content", {root.cert.get()},
                                                        pki::now_unix() + 20 * 86400),
                  pki::Error);
}
