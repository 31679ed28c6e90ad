// SPDX-License-Identifier: Apache-2.0
#pragma once
// File I/O with the project's durability and permission rules (SPEC §2, §4).
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/handles.hpp"
#include "core/secret.hpp"

namespace pki::fs {

namespace stdfs = std::filesystem;

// Readers see the old file or the new one, never a torn one: temp file in the same
// directory, fsync, rename, then fsync of the directory. Throws Error(cant_create/io).
void write_file_atomic(const stdfs::path& path, std::string_view data, mode_t mode);

// Removes the ".NAME.XXXXXX" temp files write_file_atomic leaves in `dir` when it is
// killed between creating and renaming one, for every target NAME that `ours` accepts
// (or the one `name`). Best effort. Only call while no other writer of those names
// runs (e.g. under crl::PublishLock).
void remove_stale_temps(const stdfs::path& dir,
                        const std::function<bool(std::string_view name)>& ours);
void remove_stale_temps(const stdfs::path& dir, std::string_view name);

// write(2) until all of `data` is written (EINTR retried). Returns 0, or the errno of
// the failed write, possibly after part of `data` was written.
[[nodiscard]] int write_all(int fd, std::string_view data) noexcept;

// Every input file is read with a cap that fits its kind, so a wrong path (a 300 MiB
// file, /dev/zero, a FIFO) fails with a message instead of exhausting memory or hanging.
struct Limit {
  std::size_t bytes;
  const char* kind;  // names the file in messages: "a CSR is at most 64 KiB"
};
inline constexpr Limit kCsrLimit{64 << 10, "CSR"};
inline constexpr Limit kCertLimit{1 << 20, "certificate file"};
inline constexpr Limit kKeyLimit{64 << 10, "key or secret file"};
// A token file holds one token line (about 100 bytes).
inline constexpr Limit kTokenLimit{4 << 10, "token file"};
inline constexpr Limit kConfigLimit{1 << 20, "configuration file"};
inline constexpr Limit kListLimit{64 << 20, "list or manifest"};
// A 1,000,000-entry CRL is about 40 MB of DER, 55 MB of PEM.
inline constexpr Limit kTrustLimit{256 << 20, "trust file (bundle or CRL)"};
inline constexpr Limit kStateLimit{256 << 20, "state file"};
inline constexpr Limit kLogLimit{std::size_t{4} << 30, "log file"};

// Opens without blocking (a FIFO cannot stall the caller), requires a regular file
// (Error(no_input) for a missing file, a FIFO, a device or a directory), and reads at
// most limit.bytes (Error(data) naming the size and the cap beyond that).
[[nodiscard]] std::string read_file(const stdfs::path& path, Limit limit);
// The same checks, for a caller that streams the file itself (a log of gigabytes).
[[nodiscard]] UniqueFd open_input(const stdfs::path& path, Limit limit);
// A file that holds secrets (a key, a passphrase, a token, a batch manifest), read with
// the rules of read_file into one wiped buffer that never regrows (no unwiped copy).
struct SecretFile {
  Secret text;
  bool shared = false;  // group or others have some access: the caller warns or refuses
};
[[nodiscard]] SecretFile read_secret_file(const stdfs::path& path, Limit limit);
// read_secret_file(path, kKeyLimit) that refuses (Error(config), exit 78) a file that
// group or others can access, naming the chmod that fixes it.
[[nodiscard]] Secret read_private_file(const stdfs::path& path);

// Refuses a private file that group or others can read or write, naming the fix.
void require_private_mode(const stdfs::path& path);

// Creates the directory (and parents) with mode 0700 when missing; tightens an
// existing one to 0700.
void ensure_private_dir(const stdfs::path& dir);

// Reads all of stdin (for `--token -`), at most kKeyLimit.
[[nodiscard]] Secret read_stdin_secret();
// Reads all of stdin (for `--csr -`), at most limit.bytes.
[[nodiscard]] std::string read_stdin(Limit limit);

// SPEC §10: `-` names standard input (`--csr -`) or standard output (`--out -`).
[[nodiscard]] inline bool is_stdio(const stdfs::path& p) {
  return p == "-";
}
// An input path or `-`: read_file or read_stdin with the same cap.
[[nodiscard]] std::string read_input(const stdfs::path& path, Limit limit);
// Writes all of `data` to standard output with write(2) (no iostream copy of a secret).
void write_stdout(std::string_view data);

// Refuses (Error(no_input), exit 66) a path that exists and is not a regular file (a
// FIFO would block whoever opens it, e.g. SQLite on the registry). A missing path passes.
void require_regular_if_present(const stdfs::path& path, const char* kind);

}  // namespace pki::fs
