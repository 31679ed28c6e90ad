// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "commands.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/audit/verify.hpp"

namespace gwapp {
namespace {

// Streams the log through the verifier in 1 MiB reads: memory stays bounded whatever
// the file's size (a line longer than Verifier::kMaxLine is refused, not buffered).
// Several files (rotated ones oldest first, then the current one) are one chain.
gw::audit::VerifyResult verify_files(const std::vector<std::filesystem::path>& files,
                                     const gw::audit::VerifyOptions& options) {
  gw::audit::Verifier v(options);
  std::string buf(1 << 20, '\0');
  std::string line;  // the part of a line that a read cut off
  for (const auto& file : files) {
    if (!line.empty()) return v.finish(true);  // the file before ended mid-line
    const pki::UniqueFd fd = pki::fs::open_input(file, pki::fs::kLogLimit);
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) pki::throw_errno(pki::Exit::io, "read " + file.string());
      if (n == 0) break;
      const std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
      for (std::size_t pos = 0; pos < chunk.size();) {
        const auto nl = chunk.find('\n', pos);
        const std::size_t stop = nl == std::string_view::npos ? chunk.size() : nl;
        line.append(chunk.substr(pos, std::min(stop - pos, gw::audit::Verifier::kMaxLine + 1)));
        if (line.size() > gw::audit::Verifier::kMaxLine) {
          (void)v.add(line);  // refused as too long: the verdict is in
          return v.finish(false);
        }
        if (nl == std::string_view::npos) break;
        if (!v.add(line)) return v.finish(false);
        line.clear();
        pos = nl + 1;
      }
    }
  }
  return v.finish(!line.empty());
}

std::string checkpoint_text(const gw::audit::VerifyResult& r) {
  if (!r.last_checkpoint) return "no checkpoint";
  const auto& c = *r.last_checkpoint;
  return "last checkpoint: line " + std::to_string(c.line) + ", seq " + std::to_string(c.seq) +
         ", " + c.ts + " (" + c.kind + ")";
}

nlohmann::json checkpoint_json(const gw::audit::VerifyResult& r) {
  if (!r.last_checkpoint) return nullptr;
  const auto& c = *r.last_checkpoint;
  return {{"line", c.line},
          {"seq", c.seq},
          {"ts", c.ts},
          {"kind", c.kind},
          {"interval_ms", c.interval_ms}};
}

}  // namespace

void define_audit(CLI::App& cli, app::Common& common) {
  auto* cmd = cli.add_subcommand("audit", "Audit log tools");
  cmd->require_subcommand(1);
  auto* verify = cmd->add_subcommand(
      "verify",
      "Check the audit log's hash chain and, with --key, its signed checkpoints: a cut head, "
      "a cut tail or a recomputed chain fails (exit 65)");
  struct Opts {
    std::vector<std::filesystem::path> files;
    std::filesystem::path key;
    bool stopped = false;
  };
  auto o = std::make_shared<Opts>();
  verify
      ->add_option("FILE", o->files,
                   "Audit log; several files (rotated ones oldest first) are one chain")
      ->required();
  verify->add_option("--key", o->key,
                     "The checkpoint public key (audit key new writes KEY.pub) or a certificate "
                     "holding it: checks every checkpoint's signature, the head and the tail");
  verify->add_flag("--stopped", o->stopped,
                   "The gateway is not running: the log must end with its shutdown checkpoint");
  verify->callback([o, &common] {
    const std::string file_names = [&] {
      std::string s;
      for (const auto& f : o->files) s += (s.empty() ? "" : " ") + f.string();
      return s;
    }();
    std::optional<gw::audit::CheckpointVerifier> key;
    if (!o->key.empty()) key = gw::audit::CheckpointVerifier::load(o->key);
    gw::audit::VerifyOptions options;
    options.key = key ? &*key : nullptr;
    options.stopped = o->stopped;
    options.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto r = verify_files(o->files, options);
    const std::string path = o->files.size() == 1 ? o->files.front().string() : file_names;
    if (!r.ok) {
      app::emit(common,
                {{"path", path},
                 {"ok", false},
                 {"line", r.bad_line},
                 {"problem", r.problem},
                 {"last_checkpoint", checkpoint_json(r)}},
                "");
      throw pki::Error(pki::Exit::data, path + ": " + r.problem);
    }
    std::string human = path + ": OK, " + std::to_string(r.lines) + " records, chain intact";
    if (key) {
      human += ", " + std::to_string(r.checkpoints) + " checkpoint signatures valid (key " +
               key->kid().substr(0, 16) + "…), starts at " + r.head + "\n  " + checkpoint_text(r) +
               (r.ends_with_shutdown
                    ? "; the log ends with it (clean shutdown)"
                    : "; " + std::to_string(r.after_checkpoint) +
                          " record(s) after it not yet signed (the gateway is running)");
      for (const auto line : r.unclean_stops) {
        human += "\n  line " + std::to_string(line) +
                 ": the gateway started again after a run that ended without its shutdown "
                 "checkpoint (a crash, a kill, or that run's tail was cut: compare with the "
                 "syslog copy)";
      }
    } else {
      human +=
          "\n  signatures, head and tail not checked: pass --key (the checkpoint public "
          "key) to detect a cut or a recomputed chain";
    }
    for (const auto line : r.repaired) {
      human += "\n  line " + std::to_string(line) +
               ": a torn write, kept as evidence; the gateway repaired it at its next start "
               "(AUDIT_TAIL_REPAIRED on line " +
               std::to_string(line + 1) + ")";
    }
    app::emit(common,
              {{"path", path},
               {"ok", true},
               {"lines", r.lines},
               {"repaired_tears", r.repaired},
               {"signatures_checked", r.signatures_checked},
               {"checkpoints", r.checkpoints},
               {"last_checkpoint", checkpoint_json(r)},
               {"after_checkpoint", r.after_checkpoint},
               {"ends_with_shutdown", r.ends_with_shutdown},
               {"head", r.head},
               {"unclean_stops", r.unclean_stops}},
              human);
  });

  auto* key = cmd->add_subcommand("key", "Manage the audit checkpoint signing key");
  key->require_subcommand(1);
  auto* make = key->add_subcommand(
      "new", "Create the Ed25519 key that signs audit checkpoints (FILE 0600, FILE.pub 0644)");
  auto out = std::make_shared<std::filesystem::path>();
  make->add_option("--out", *out, "Private key file (audit.checkpoint_key)")->required();
  make->callback([out, &common] {
    const std::string kid = gw::audit::create_checkpoint_key(*out);
    const std::string pub = out->string() + ".pub";
    app::emit(common, {{"kid", kid}, {"path", out->string()}, {"public_key", pub}},
              "new audit checkpoint key " + kid + " in " + out->string() +
                  "\npublic key for audit verify --key: " + pub +
                  "\nset [audit] checkpoint_key and restart the gateway; keep a copy of " + pub +
                  " off this host");
  });
}

}  // namespace gwapp
