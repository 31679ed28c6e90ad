// SPDX-License-Identifier: Apache-2.0
// iot-provision token: single-use enrollment tokens. The token is shown exactly once
// (stdout, or a 0600 file); the registry keeps only its id and an Argon2id hash.
#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "batch/csv.hpp"
#include "ca/home.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "iot-provision/commands.hpp"
#include "iot-provision/progress.hpp"
#include "token/store.hpp"
#include "x509/names.hpp"

namespace {

struct TokenOptions {
  std::string device_id;
  std::optional<std::filesystem::path> batch;
  std::optional<std::filesystem::path> out;
  std::string ttl;
  unsigned jobs = 0;
  bool force = false;
};

// 64-character ids: about 250,000 devices.
constexpr pki::fs::Limit kDeviceListLimit{16 << 20, "device list"};

// One device id per line; blank lines and '#' comments are skipped. Every problem is
// reported with its line before any token is made.
std::vector<std::string> read_device_ids(const std::filesystem::path& path) {
  const std::string file = pki::fs::read_file(path, kDeviceListLimit);
  const std::string_view text = pki::batch::strip_bom(file);  // as a spreadsheet saves it
  std::vector<std::string> ids;
  std::map<std::string, std::size_t> seen;
  std::string problems;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = path.string() + ":" + std::to_string(line_no) + ": ";
    if (!pki::x509::is_valid_device_id(line)) {
      const std::size_t sep = line.find_first_of(",;\t");
      problems +=
          where + "invalid device id (letters, digits, . _ -; at most 64)" +
          (sep == std::string_view::npos ? std::string()
                                         : "; the list has one id per line and this line holds " +
                                               pki::batch::delimiter_name(line[sep])) +
          "\n";
      continue;
    }
    const auto [it, fresh] = seen.emplace(std::string(line), line_no);
    if (!fresh) {
      problems += where + "device id '" + std::string(line) + "' repeats line " +
                  std::to_string(it->second) + "\n";
      continue;
    }
    ids.emplace_back(line);
  }
  if (!problems.empty()) {
    problems.pop_back();
    throw pki::Error(pki::Exit::data, problems);
  }
  if (ids.empty()) throw pki::Error(pki::Exit::data, path.string() + ": no device ids");
  return ids;
}

void json_token_doc(const pki::token::NewToken& t, pki::Secret& buf) {
  // Built by hand into a wiped buffer: ids and device ids are from safe alphabets and
  // the token is base64url, so nothing needs escaping.
  std::string& s = buf.buffer();
  s.reserve(512);
  s += "{\n  \"id\": \"" + t.id + "\",\n  \"device_id\": \"" + t.device_id +
       "\",\n  \"expires_at\": \"" + pki::rfc3339(t.expires_at) + "\",\n  \"token\": \"";
  s += t.text.view();
  s += "\"\n}\n";
}

void run_single(const app::Common& common, TokenOptions o, std::int64_t ttl) {
  pki::x509::require_device_id(o.device_id);
  if (o.out && pki::fs::is_stdio(*o.out)) o.out.reset();  // `--out -`: standard output
  if (o.out) prov::require_writable_output(*o.out, o.force);
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const auto settings = home.settings();
  const std::string ids[] = {o.device_id};
  auto made = pki::token::create_tokens(*db, ids, ttl, settings.argon2, pki::now_unix());
  const pki::token::NewToken& t = made.front();
  const std::string when = pki::rfc3339(t.expires_at);
  if (o.out) {
    pki::Secret content;
    content.buffer().reserve(t.text.size() + 2);
    content.buffer().append(t.text.view()).push_back('\n');
    try {
      pki::fs::write_file_atomic(*o.out, content.view(), 0600);
    } catch (...) {
      pki::token::discard_tokens(*db, made);
      throw;
    }
    app::emit(
        common,
        {{"id", t.id}, {"device_id", t.device_id}, {"expires_at", when}, {"path", o.out->string()}},
        "Token for " + t.device_id + " written to " + o.out->string() +
            " (mode 0600); single use, expires " + when);
    return;
  }
  pki::Secret doc;
  if (common.json) {
    json_token_doc(t, doc);
  } else {
    doc.buffer().reserve(t.text.size() + 2);
    doc.buffer().append(t.text.view()).push_back('\n');
    app::note("iot-provision: token for " + t.device_id + " (id " + t.id +
              "), single use, expires " + when + "; it is shown only this once");
  }
  pki::fs::write_stdout(doc.view());
}

void run_batch(const app::Common& common, const TokenOptions& o, std::int64_t ttl) {
  if (!o.out) throw pki::Error(pki::Exit::usage, "token --batch needs --out FILE (written 0600)");
  const bool to_stdout = pki::fs::is_stdio(*o.out);
  if (to_stdout && common.json) {
    throw pki::Error(pki::Exit::usage,
                     "token --batch --out - writes the CSV to standard output; "
                     "it cannot be combined with --json");
  }
  prov::require_writable_output(*o.out, o.force);
  const std::vector<std::string> ids = read_device_ids(*o.batch);
  const pki::ca::Home home(common.home);
  const auto db = home.open_store();
  const auto settings = home.settings();
  const unsigned jobs =
      o.jobs > 0 ? o.jobs : std::clamp(std::thread::hardware_concurrency(), 1U, 4U);
  std::atomic<std::size_t> hashed{0};
  std::vector<pki::token::NewToken> made;
  {
    prov::ProgressThread progress("token", ids.size(), hashed);
    made = pki::token::create_tokens(*db, ids, ttl, settings.argon2, pki::now_unix(), jobs,
                                     [&hashed] { hashed++; });
  }
  pki::Secret csv;
  std::string& s = csv.buffer();
  s.reserve(64 + made.size() * (64 + pki::token::kTokenChars + 32));  // never regrows
  s += "device_id,token,expires_at\n";
  for (const auto& t : made) {
    s.append(t.device_id).push_back(',');
    s.append(t.text.view()).push_back(',');
    s.append(pki::rfc3339(t.expires_at)).push_back('\n');
  }
  try {
    if (to_stdout) {
      pki::fs::write_stdout(csv.view());
    } else {
      pki::fs::write_file_atomic(*o.out, csv.view(), 0600);
    }
  } catch (...) {
    pki::token::discard_tokens(*db, made);
    throw;
  }
  if (to_stdout) {
    app::note("iot-provision: wrote " + std::to_string(made.size()) +
              " tokens to standard output; single use, expire " +
              pki::rfc3339(made.front().expires_at));
    return;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : made) list.push_back({{"id", t.id}, {"device_id", t.device_id}});
  const std::string when = pki::rfc3339(made.front().expires_at);
  app::emit(
      common,
      {{"count", made.size()}, {"path", o.out->string()}, {"expires_at", when}, {"tokens", list}},
      "Wrote " + std::to_string(made.size()) + " tokens to " + o.out->string() +
          " (mode 0600); single use, expire " + when);
}

}  // namespace

void add_token_command(CLI::App& cli, app::Common& common) {
  auto o = std::make_shared<TokenOptions>();
  CLI::App* cmd = cli.add_subcommand(
      "token", "Create a single-use enrollment token (printed once; only a hash is kept)");
  auto* dev = cmd->add_option("--device-id", o->device_id, "The device the token is for (its CN)");
  auto* batch =
      cmd->add_option("--batch", o->batch, "A file with one device id per line")->excludes(dev);
  cmd->add_option("--out", o->out,
                  "Write the token(s) to this file, mode 0600 (CSV for --batch); - for stdout");
  cmd->add_option("--ttl", o->ttl, "Lifetime, e.g. 90s, 15m, 2h (default from settings: 15m)");
  cmd->add_option("--jobs", o->jobs, "Parallel Argon2id hashes for --batch (default: cores, <= 4)")
      ->check(CLI::Range(1, 64))
      ->needs(batch);
  cmd->add_flag("--force", o->force, "Replace an existing --out file");
  cmd->callback([&common, o] {
    if (o->device_id.empty() && !o->batch) {
      throw pki::Error(pki::Exit::usage, "token needs --device-id ID or --batch FILE");
    }
    const pki::ca::Home home(common.home);
    home.require_initialised();
    const std::int64_t ttl =
        o->ttl.empty() ? home.settings().token_ttl_seconds : prov::parse_ttl(o->ttl);
    if (o->batch) {
      run_batch(common, *o, ttl);
    } else {
      run_single(common, *o, ttl);
    }
  });
}
