// SPDX-License-Identifier: Apache-2.0
// The gateway's one trust decision (revocation::trust_peer), the trust set it reads
// (built by libpki's CRL parser and checks) and the one written form of a serial.
// Fixtures are generated here: a root, an issuing CA, leaves, and CRLs made with the
// OpenSSL API so that each field (CRL Number, version, extensions) can be set.
#include <doctest/doctest.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "crl/parse.hpp"
#include "gateway/admin/deny_lists.hpp"
#include "gateway/revocation/chain.hpp"
#include "gateway/revocation/trust.hpp"
#include "gateway/server/trust_policy.hpp"
#include "keys/keys.hpp"
#include "pki_fixture.hpp"
#include "x509/pem.hpp"
#include "x509/profile.hpp"

// CrlSpec is filled with designated initializers; the fields left out keep their
// defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

using gw::revocation::Verdict;
constexpr std::int64_t kGrace = 3600;

using Scratch = test::ScratchDir;

struct Pki {
  pki::x509::Signer root;
  pki::x509::Signer iss;
  pki::X509Ptr leaf;
  pki::X509Ptr admin;
  Pki() {
    pki::PkeyPtr rk = pki::keys::generate(pki::keys::KeyType::ec_p256);
    root = {"root", pki::x509::make_root(rk.get(), "Trust Test Root", "Unit", 30), std::move(rk)};
    pki::PkeyPtr ik = pki::keys::generate(pki::keys::KeyType::ec_p256);
    iss = {"iss1", pki::x509::make_issuing(root, ik.get(), "Trust Test Issuing", "Unit", 20),
           std::move(ik)};
    leaf = make_leaf(pki::x509::Profile::device, "dev-1");
    admin = make_leaf(pki::x509::Profile::admin, "operator");
  }
  pki::X509Ptr make_leaf(pki::x509::Profile p, const std::string& cn) const {
    const pki::PkeyPtr k = pki::keys::generate(pki::keys::KeyType::ec_p256);
    pki::x509::LeafSpec spec;
    spec.profile = p;
    spec.common_name = cn;
    spec.days = 10;
    return pki::x509::make_leaf(iss, k.get(), spec, pki::config::Settings{});
  }
  [[nodiscard]] std::string bundle_pem() const {
    return pki::x509::to_pem(root.cert.get()) + pki::x509::to_pem(iss.cert.get());
  }
  // leaf, iss, root: the shape of SSL_get0_verified_chain.
  [[nodiscard]] pki::X509StackPtr chain(X509* end_entity) const {
    pki::X509StackPtr s(sk_X509_new_null());
    for (X509* c : {end_entity, iss.cert.get(), root.cert.get()}) {
      X509_up_ref(c);
      sk_X509_push(s.get(), c);  // the stack owns the reference now
    }
    return s;
  }
};

struct CrlSpec {
  std::string number_hex = "01";
  std::vector<std::string> serials;
  std::int64_t this_update = 0;  // 0: now - 60
  std::int64_t next_update = 0;  // 0: now + 1 day
  long version = X509_CRL_VERSION_2;
  int critical_nid = NID_undef;  // add this extension, critical
  bool critical_entry = false;   // mark the first entry's reason code critical
  bool with_aki = true;
};

void add_ext(X509_CRL* crl, int nid, void* value, int crit) {
  REQUIRE(X509_CRL_add1_ext_i2d(crl, nid, value, crit, X509V3_ADD_DEFAULT) == 1);
}

pki::Asn1IntegerPtr integer_of(const std::string& hex) {
  BIGNUM* bn = nullptr;
  REQUIRE(BN_hex2bn(&bn, hex.c_str()) > 0);
  const pki::BnPtr owned(bn);
  return pki::Asn1IntegerPtr(BN_to_ASN1_INTEGER(owned.get(), nullptr));
}

std::string make_crl(const pki::x509::Signer& ca, const CrlSpec& spec) {
  const std::int64_t now = ::time(nullptr);
  pki::X509CrlPtr crl(X509_CRL_new());
  REQUIRE(X509_CRL_set_version(crl.get(), spec.version) == 1);
  REQUIRE(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get())) == 1);
  const pki::Asn1TimePtr last(
      ASN1_TIME_set(nullptr, spec.this_update ? spec.this_update : now - 60));
  const pki::Asn1TimePtr next(
      ASN1_TIME_set(nullptr, spec.next_update ? spec.next_update : now + 86400));
  REQUIRE(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1);
  REQUIRE(X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1);
  for (std::size_t i = 0; i < spec.serials.size(); ++i) {
    pki::X509RevokedPtr r(X509_REVOKED_new());
    const auto serial = integer_of(spec.serials[i]);
    REQUIRE(X509_REVOKED_set_serialNumber(r.get(), serial.get()) == 1);
    REQUIRE(X509_REVOKED_set_revocationDate(r.get(), last.get()) == 1);
    if (i == 0 && spec.critical_entry) {
      const pki::Asn1EnumPtr reason(ASN1_ENUMERATED_new());
      ASN1_ENUMERATED_set(reason.get(), 1);
      REQUIRE(X509_REVOKED_add1_ext_i2d(r.get(), NID_crl_reason, reason.get(), 1, 0) == 1);
    }
    REQUIRE(X509_CRL_add0_revoked(crl.get(), r.release()) == 1);  // the CRL owns it now
  }
  const auto number = integer_of(spec.number_hex);
  add_ext(crl.get(), NID_crl_number, number.get(), 0);
  if (spec.with_aki) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca.cert.get(), nullptr, nullptr, crl.get(), 0);
    pki::X509ExtPtr aki(
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
    REQUIRE(aki);
    REQUIRE(X509_CRL_add_ext(crl.get(), aki.get(), -1) == 1);
  }
  if (spec.critical_nid != NID_undef) {
    const auto delta = integer_of("01");
    add_ext(crl.get(), spec.critical_nid, delta.get(), 1);
  }
  REQUIRE(X509_CRL_sort(crl.get()) == 1);
  REQUIRE(X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256()) > 0);
  return pki::x509::to_pem(crl.get());
}

std::string serial_of(X509* c) {
  return pki::x509::serial_hex(c);
}

struct World {
  Pki p;
  Scratch dir{"deny"};
  gw::admin::DenyLists deny{dir.path, 0};
  std::shared_ptr<const gw::revocation::Bundle> bundle =
      gw::revocation::Bundle::parse(p.bundle_pem());
  std::int64_t now = ::time(nullptr);

  std::shared_ptr<const gw::revocation::RevocationSet> crls(const CrlSpec& root_crl,
                                                            const CrlSpec& iss_crl) const {
    return gw::revocation::RevocationSet::parse(
        make_crl(p.root, root_crl) + make_crl(p.iss, iss_crl), *bundle);
  }
  gw::revocation::Decision decide(const gw::revocation::RevocationSet& set, X509* leaf,
                                  std::string_view token_serial = {}) const {
    const auto chain = p.chain(leaf);
    return gw::revocation::trust_peer(set, deny, {chain.get(), token_serial}, now, kGrace);
  }
};

}  // namespace

TEST_CASE("a chain with nothing revoked or denied is trusted") {
  World w;
  const auto set = w.crls({}, {});
  CHECK(w.decide(*set, w.p.leaf.get()).verdict == Verdict::good);
  CHECK(w.decide(*set, w.p.leaf.get(), serial_of(w.p.leaf.get())).trusted());
}

TEST_CASE("a CRL-revoked leaf or issuing CA is refused, naming which certificate") {
  World w;
  const std::string leaf = serial_of(w.p.leaf.get());
  const std::string iss = serial_of(w.p.iss.cert.get());
  auto d = w.decide(*w.crls({}, {.serials = {leaf}}), w.p.leaf.get());
  CHECK(d.verdict == Verdict::revoked);
  CHECK(d.serial == leaf);
  // The issuing CA revoked in the root's CRL: every leaf under it, admins included.
  const auto ca_revoked = w.crls({.serials = {iss}}, {});
  d = w.decide(*ca_revoked, w.p.admin.get());
  CHECK(d.verdict == Verdict::revoked);
  CHECK(d.serial == iss);
  CHECK(d.reason.find("issuing CA " + iss) != std::string::npos);
  CHECK(w.decide(*ca_revoked, w.p.leaf.get()).verdict == Verdict::revoked);
}

TEST_CASE("an admin deny of any certificate of the chain, anchor included, refuses it") {
  World w;
  const auto set = w.crls({}, {});
  const std::string iss = serial_of(w.p.iss.cert.get());
  REQUIRE(w.deny.deny_serial(iss, {"keyCompromise", "operator", w.now}));
  auto d = w.decide(*set, w.p.admin.get());
  CHECK(d.verdict == Verdict::denied);
  CHECK(d.serial == iss);
  CHECK(w.decide(*set, w.p.leaf.get()).verdict == Verdict::denied);

  World v;
  const auto set2 = v.crls({}, {});
  REQUIRE(v.deny.deny_serial(serial_of(v.p.root.cert.get()), {"x", "operator", v.now}));
  CHECK(v.decide(*set2, v.p.leaf.get()).verdict == Verdict::denied);
  World u;
  const auto set3 = u.crls({}, {});
  REQUIRE(u.deny.deny_serial(serial_of(u.p.admin.get()), {"x", "operator", u.now}));
  CHECK(u.decide(*set3, u.p.admin.get()).verdict == Verdict::denied);
  CHECK(u.decide(*set3, u.p.leaf.get()).trusted());
}

TEST_CASE("stale CRLs refuse every peer, even one with nothing revoked") {
  World w;
  const auto set = w.crls({}, {.this_update = w.now - 7200, .next_update = w.now - kGrace - 1});
  const auto d = w.decide(*set, w.p.leaf.get());
  CHECK(d.verdict == Verdict::stale);
  // A token alone (no certificate presented) is refused the same way.
  CHECK(
      gw::revocation::trust_peer(*set, w.deny, {nullptr, serial_of(w.p.leaf.get())}, w.now, kGrace)
          .verdict == Verdict::stale);
  // Inside the grace period it is still trusted.
  const auto fresh = w.crls({}, {.this_update = w.now - 7200, .next_update = w.now - kGrace + 5});
  CHECK(w.decide(*fresh, w.p.leaf.get()).trusted());
}

TEST_CASE("an issuer without a CRL fails closed") {
  World w;
  const auto only_root = gw::revocation::RevocationSet::parse(make_crl(w.p.root, {}), *w.bundle);
  const auto d = w.decide(*only_root, w.p.leaf.get());
  CHECK(d.verdict == Verdict::no_crl);
  CHECK(d.serial == serial_of(w.p.leaf.get()));
}

TEST_CASE("a token's serial is checked against every CRL and the deny list") {
  World w;
  const std::string leaf = serial_of(w.p.leaf.get());
  const auto set = w.crls({}, {.serials = {leaf}});
  CHECK(gw::revocation::trust_peer(*set, w.deny, {nullptr, leaf}, w.now, kGrace).verdict ==
        Verdict::revoked);
  const auto clean = w.crls({}, {});
  const std::string adm = serial_of(w.p.admin.get());
  CHECK(gw::revocation::trust_peer(*clean, w.deny, {nullptr, adm}, w.now, kGrace).trusted());
  REQUIRE(w.deny.deny_serial(adm, {"x", "operator", w.now}));
  CHECK(gw::revocation::trust_peer(*clean, w.deny, {nullptr, adm}, w.now, kGrace).verdict ==
        Verdict::denied);
  // Another spelling of the serial in the token finds the same entry.
  std::string lower = adm;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  CHECK(
      gw::revocation::trust_peer(*clean, w.deny, {nullptr, "0x" + lower}, w.now, kGrace).verdict ==
      Verdict::denied);
}

TEST_CASE("the highest CRL Number of a CA wins, compared as a number, in any file order") {
  World w;
  const std::string leaf = serial_of(w.p.leaf.get());
  const std::string older = make_crl(w.p.iss, {.number_hex = "FF", .serials = {leaf}});
  const std::string newer = make_crl(w.p.iss, {.number_hex = "0100"});
  const std::string root = make_crl(w.p.root, {});
  for (const auto& text : {root + older + newer, root + newer + older}) {
    const auto set = gw::revocation::RevocationSet::parse(text, *w.bundle);
    CHECK(set->crl_count() == 2);
    CHECK(w.decide(*set, w.p.leaf.get()).trusted());  // 0x100 > 0xFF: not un-revoked by text order
  }
}

TEST_CASE("a CRL Number that goes back is a rollback, even beyond 64 bits") {
  World w;
  const std::string big = "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00";  // 20 octets
  const std::string bigger = "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF01";
  const std::string root = make_crl(w.p.root, {});
  const auto a = gw::revocation::RevocationSet::parse(
      root + make_crl(w.p.iss, {.number_hex = bigger}), *w.bundle);
  const auto b = gw::revocation::RevocationSet::parse(root + make_crl(w.p.iss, {.number_hex = big}),
                                                      *w.bundle);
  CHECK(b->rollback_from(*a).has_value());
  CHECK_FALSE(a->rollback_from(*b).has_value());
  CHECK_FALSE(a->rollback_from(*a).has_value());
  CHECK_THROWS_AS((void)gw::revocation::load_trust(
                      w.p.bundle_pem(), root + make_crl(w.p.iss, {.number_hex = big}), a.get()),
                  pki::Error);
}

TEST_CASE("two different CRLs of one CA with the same CRL Number are refused") {
  World w;
  const std::string root = make_crl(w.p.root, {});
  const std::string a = make_crl(w.p.iss, {.number_hex = "05"});
  const std::string b = make_crl(w.p.iss, {.number_hex = "05", .serials = {"0A"}});
  CHECK_THROWS_AS((void)gw::revocation::RevocationSet::parse(root + a + b, *w.bundle), pki::Error);
  CHECK(gw::revocation::RevocationSet::parse(root + a + a, *w.bundle)->crl_count() == 2);
}

TEST_CASE("CRLs a relying party must not read as full CRLs are refused") {
  World w;
  const auto refused = [&](const CrlSpec& spec) {
    try {
      (void)gw::revocation::RevocationSet::parse(make_crl(w.p.iss, spec), *w.bundle);
      return std::string();
    } catch (const pki::Error& e) {
      CHECK(e.code() == pki::Exit::data);
      return std::string(e.what());
    }
  };
  CHECK(refused({.version = X509_CRL_VERSION_1}).find("not a v2 CRL") != std::string::npos);
  CHECK(refused({.critical_nid = NID_delta_crl}).find("critical extension") != std::string::npos);
  CHECK(refused({.serials = {"0A"}, .critical_entry = true}).find("critical") != std::string::npos);
  CHECK(refused({.this_update = w.now, .next_update = w.now - 1}).find("nextUpdate") !=
        std::string::npos);
  // Signed by a CA outside the bundle, or with an AKI that is not the issuer's SKI.
  Pki other;
  const auto foreign = [&](const pki::x509::Signer& ca) {
    try {
      (void)gw::revocation::RevocationSet::parse(make_crl(ca, {}), *w.bundle);
      return false;
    } catch (const pki::Error&) {
      return true;
    }
  };
  CHECK(foreign(other.iss));
  pki::x509::Signer impostor{"iss1", pki::X509Ptr(X509_dup(w.p.iss.cert.get())),
                             pki::keys::generate(pki::keys::KeyType::ec_p256)};
  CHECK(foreign(impostor));  // same name and AKI, wrong key: bad signature
  // Without an AKI the name decides, and the signature still has to verify.
  CHECK(refused({.with_aki = false}).empty());
}

TEST_CASE("load_trust names the file at fault") {
  World w;
  const std::string crls = make_crl(w.p.root, {}) + make_crl(w.p.iss, {});
  const auto message = [](const std::string& bundle, const std::string& crl) {
    try {
      (void)gw::revocation::load_trust(bundle, crl, nullptr);
      return std::string();
    } catch (const pki::Error& e) {
      return std::string(e.what());
    }
  };
  CHECK(message(w.p.bundle_pem(), crls).empty());
  CHECK(message("garbage", crls).starts_with("trust.bundle: "));
  CHECK(message(w.p.bundle_pem(), "garbage").starts_with("trust.crl: "));
  CHECK(message(w.p.bundle_pem(), "").starts_with("trust.crl: "));
}

TEST_CASE("a revoked-serial set costs 22 bytes per serial and finds every form") {
  gw::revocation::SerialSet s;
  for (const char* hex :
       {"00", "01", "0A1B", "7F", "80", "00FF", "-05", "4000000000000000000000000000000000000001",
        "0102030405060708090A0B0C0D0E0F101112131415"}) {
    s.add(integer_of(hex).get());
  }
  s.seal();
  CHECK(s.size() == 9);
  CHECK(s.contains_hex("00"));
  CHECK(s.contains_hex("0A1B"));
  CHECK(s.contains_hex("FF"));
  CHECK(s.contains_hex("-05"));
  CHECK_FALSE(s.contains_hex("05"));
  CHECK(s.contains_hex("4000000000000000000000000000000000000001"));
  CHECK(s.contains_hex("0102030405060708090A0B0C0D0E0F101112131415"));  // 21 octets
  CHECK_FALSE(s.contains_hex("0a1b"));  // not the written form: callers normalise first
  CHECK_FALSE(s.contains_hex("000A1B"));
  CHECK_FALSE(s.contains_hex("02"));
  CHECK(s.contains(integer_of("0A1B").get()));
  CHECK_FALSE(s.contains(integer_of("0A1C").get()));
  CHECK(sizeof(gw::revocation::SerialSet::Key) == 22);
}

TEST_CASE("every spelling of a serial has one written form") {
  using pki::x509::normalize_serial;
  for (const char* s : {"0a1b", "0A1B", "a1b", "A1B", "0x0a1b", "0XA1B", "0a:1b", "00:0a:1b",
                        "000a1b", "0x00:0A:1B"}) {
    CHECK_MESSAGE(normalize_serial(s) == "0A1B", s);
  }
  for (const char* s : {"0", "00", "0000", "0x0", "0x00", "00:00", "-0"}) {
    CHECK_MESSAGE(normalize_serial(s) == "00", s);
  }
  CHECK(normalize_serial("-5") == "-05");
  CHECK(pki::x509::serial_hex(integer_of("00").get()) == "00");  // as the gateway always wrote it
  CHECK(pki::x509::serial_hex(integer_of("0A1B").get()) == "0A1B");
  CHECK(normalize_serial(std::string(40, 'F')) == std::string(40, 'F'));
  for (const char* s :
       {"", "0x", "-", ":", "0a:", ":0a", "0a::1b", "xyz", "0a 1b", "1; DROP", "0x0x1", "+1"}) {
    CHECK_THROWS_AS_MESSAGE((void)normalize_serial(s), pki::Error, s);
  }
  CHECK_THROWS_AS((void)normalize_serial(std::string(42, 'F')), pki::Error);  // 21 octets
  CHECK_THROWS_AS((void)normalize_serial(std::string(129, '0')), pki::Error);
  CHECK(normalize_serial(std::string(100, '0') + "1") == "01");
}

TEST_CASE("a CA certificate re-issued with the same key finds the CRL that key signed") {
  World w;
  const std::string leaf = serial_of(w.p.leaf.get());
  const auto set = w.crls({}, {.serials = {leaf}});
  // The same issuing key and name, a new certificate (as after extending its validity).
  pki::x509::Signer reissued{
      "iss1",
      pki::x509::make_issuing(w.p.root, w.p.iss.key.get(), "Trust Test Issuing", "Unit", 40),
      nullptr};
  REQUIRE(X509_cmp(reissued.cert.get(), w.p.iss.cert.get()) != 0);
  CHECK(set->check(w.p.leaf.get(), reissued.cert.get()) ==
        gw::revocation::RevocationSet::Status::revoked);
  CHECK(set->check(w.p.admin.get(), reissued.cert.get()) ==
        gw::revocation::RevocationSet::Status::good);
  // Another key under the same name is another CA: no CRL.
  Pki other;
  CHECK(set->check(w.p.leaf.get(), other.iss.cert.get()) ==
        gw::revocation::RevocationSet::Status::no_crl);
}
