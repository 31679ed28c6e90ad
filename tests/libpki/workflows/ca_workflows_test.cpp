// SPDX-License-Identifier: Apache-2.0
// The CA workflows on a real PKI home: init_root and create_issuing record the CA with
// its journal record and write its files, publish_crl and export_trust spend each CRL
// Number once, commit it before any file names it, and sign records what it writes.
#include <doctest/doctest.h>

#include "ca/home.hpp"
#include "crl/parse.hpp"
#include "fsutil/files.hpp"
#include "journal/journal.hpp"
#include "pki_fixture.hpp"
#include "workflows/init_ca.hpp"
#include "workflows/publish.hpp"
#include "workflows/sign.hpp"

namespace {

namespace stdfs = std::filesystem;
using test::code_of;

struct Home {
  test::ScratchDir dir{"wf"};
  pki::ca::Home home{dir.path / "pki"};
  pki::keys::PassphraseSource pass;

  Home() {
    (void)pki::workflows::init_root(
        home, {"WF Root", "WF Org", pki::keys::KeyType::ec_p256, 30, true}, pass);
  }
  std::vector<pki::store::JournalRecord> journal() const {
    std::vector<pki::store::JournalRecord> out;
    home.open_store()->for_each_journal([&](const pki::store::JournalRecord& r) {
      out.push_back(r);
      return true;
    });
    return out;
  }
};

}  // namespace

TEST_CASE("init_root records the root with an init journal record and refuses a second one") {
  Home h;
  const auto db = h.home.open_store();
  const auto roots = db->list_certs(pki::store::CertStatus::any, 0);
  REQUIRE(roots.size() == 1);
  CHECK(roots[0].profile == "root");
  CHECK(roots[0].issuer == "root");
  const auto j = h.journal();
  REQUIRE(j.size() == 1);
  CHECK(j[0].action == "init");
  const auto detail = nlohmann::json::parse(j[0].detail);
  CHECK(detail["serial"] == roots[0].serial);
  CHECK(detail["encrypted"] == false);
  CHECK(detail["key"] == "ec-p256");
  CHECK(stdfs::exists(h.home.root_cert_path()));
  CHECK(stdfs::exists(h.home.settings_path()));
  CHECK(code_of([&] {
          (void)pki::workflows::init_root(
              h.home, {"Again", "", pki::keys::KeyType::ec_p256, 30, true}, h.pass);
        }) == pki::Exit::cant_create);
  CHECK(h.journal().size() == 1);
}

TEST_CASE("an empty root CN is a usage error that leaves no home behind") {
  const test::ScratchDir dir("wf-cn");
  const pki::ca::Home home(dir.path / "pki");
  CHECK(
      code_of([&] {
        (void)pki::workflows::init_root(home, {"", "", pki::keys::KeyType::ec_p256, 30, true}, {});
      }) == pki::Exit::usage);
  CHECK_FALSE(stdfs::exists(dir.path / "pki"));
}

TEST_CASE("create_issuing records the issuing CA, signed by the root, once") {
  Home h;
  const auto ca = pki::workflows::create_issuing(
      h.home, {"line1", "Line 1", pki::keys::KeyType::ec_p256, 10, true}, h.pass);
  CHECK(ca.record.profile == "issuing");
  CHECK(ca.record.issuer == "root");
  CHECK(stdfs::exists(ca.cert_path));
  CHECK(stdfs::exists(ca.key_path));
  const auto j = h.journal();
  REQUIRE(j.size() == 2);
  CHECK(j[1].action == "intermediate");
  CHECK(nlohmann::json::parse(j[1].detail)["name"] == "line1");
  CHECK(code_of([&] {
          (void)pki::workflows::create_issuing(
              h.home, {"line1", "Again", pki::keys::KeyType::ec_p256, 10, true}, h.pass);
        }) == pki::Exit::cant_create);
  CHECK(code_of([&] {
          (void)pki::workflows::create_issuing(
              h.home, {"root", "Root?", pki::keys::KeyType::ec_p256, 10, true}, h.pass);
        }) == pki::Exit::usage);
  CHECK(pki::journal::verify(*h.home.open_store()).records == 2);
}

TEST_CASE("publish_crl spends a new CRL Number each time and writes the file it names") {
  Home h;
  const pki::x509::Signer root = h.home.load_root(h.pass);
  const stdfs::path out = h.dir.path / "root.crl";
  const auto a = pki::workflows::publish_crl(h.home, root, 7, true, out, 1'800'000'000);
  const auto b = pki::workflows::publish_crl(h.home, root, 7, false, std::nullopt, 1'800'000'000);
  CHECK(a.crl.number == 1);
  CHECK(b.crl.number == 2);
  CHECK(pki::fs::read_file(out, pki::fs::kTrustLimit) == a.data);
  CHECK(a.data.rfind("-----BEGIN X509 CRL-----", 0) == 0);
  CHECK(pki::crl::crls_from_bytes(b.data, "der").size() == 1);
  CHECK(h.home.open_store()->last_crl_number("root") == 2);
  // A folder that is not there: refused before a number is spent.
  CHECK(code_of([&] {
          (void)pki::workflows::publish_crl(h.home, root, 7, true, h.dir.path / "no" / "x.crl",
                                            1'800'000'000);
        }) == pki::Exit::cant_create);
  CHECK(h.home.open_store()->last_crl_number("root") == 2);
}

TEST_CASE("export_trust spends one number per CA in one transaction, manifest last") {
  Home h;
  (void)pki::workflows::create_issuing(
      h.home, {"line1", "Line 1", pki::keys::KeyType::ec_p256, 10, true}, h.pass);
  const stdfs::path out = h.dir.path / "trust";
  const auto manifest = pki::workflows::export_trust(h.home, h.pass, out, 1'800'000'000);
  REQUIRE(manifest["cas"].size() == 2);
  CHECK(manifest["cas"][0]["name"] == "root");
  CHECK(manifest["cas"][1]["crl_number"] == 1);
  for (const auto name :
       {pki::workflows::kBundleName, pki::workflows::kCrlName, pki::workflows::kManifestName}) {
    CHECK(stdfs::exists(out / name));
  }
  CHECK(pki::crl::crls_from_bytes(
            pki::fs::read_file(out / pki::workflows::kCrlName, pki::fs::kTrustLimit), "pem")
            .size() == 2);
  const auto j = h.journal();
  REQUIRE(j.size() == 6);  // init, intermediate, publisher (first export), crl, crl, export
  CHECK(j[5].action == "export");
  CHECK(nlohmann::json::parse(j[5].detail)["crl_numbers"]["line1"] == 1);
  CHECK(stdfs::exists(out / pki::workflows::kSignatureName));
}

TEST_CASE("sign records the certificate it writes, and records nothing it could not write") {
  Home h;
  const pki::x509::Signer root = h.home.load_root(h.pass);
  const pki::PkeyPtr key = pki::keys::generate(pki::keys::KeyType::ec_p256);
  const pki::config::Settings settings;
  const stdfs::path out = h.dir.path / "srv.crt";
  const auto db = h.home.open_store();
  const auto issued = pki::workflows::sign(
      *db, root, key.get(), {pki::x509::Profile::server, "gw.example", {}, 5}, settings, out, "");
  CHECK(pki::fs::read_file(out, pki::fs::kCertLimit) == issued.record.pem);
  CHECK(db->find_cert(issued.record.serial)->profile == "server");

  // A file that cannot be written: the certificate is not recorded either.
  const auto before = db->list_certs(pki::store::CertStatus::any, 0).size();
  CHECK(code_of([&] {
          (void)pki::workflows::sign(*db, root, key.get(),
                                     {pki::x509::Profile::server, "gw2.example", {}, 5}, settings,
                                     h.dir.path / "absent" / "srv2.crt", "");
        }) == pki::Exit::cant_create);
  CHECK(db->list_certs(pki::store::CertStatus::any, 0).size() == before);
}
