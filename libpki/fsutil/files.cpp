// SPDX-License-Identifier: Apache-2.0
#include "fsutil/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.hpp"
#include "core/handles.hpp"

namespace pki::fs {
namespace {

constexpr std::size_t kTempChars = 6;  // the "XXXXXX" mkostemp fills in

void write_all_or_throw(int fd, std::string_view data, const std::string& what) {
  if (const int err = write_all(fd, data); err != 0) {
    errno = err;
    throw_errno(Exit::io, "write " + what);
  }
}

std::string size_text(std::size_t n) {
  if (n >= (1U << 20) && n % (1U << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1U << 10) && n % (1U << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

[[noreturn]] void throw_too_large(const std::string& what, Limit limit) {
  throw Error(Exit::data, what + " is larger than a " + limit.kind + " may be (at most " +
                              size_text(limit.bytes) + ")");
}

// Reads to EOF, but never more than limit.bytes: the buffer stays bounded whatever the
// file turns out to be.
void read_all(int fd, std::string& out, const std::string& what, Limit limit) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::sodium_memzero(buf, sizeof buf);
      throw_errno(Exit::io, "read " + what);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limit.bytes) {
      ::sodium_memzero(buf, sizeof buf);
      throw_too_large(what, limit);
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::sodium_memzero(buf, sizeof buf);
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. A regular
// file ignores the flag. `st` receives the file's status.
UniqueFd open_regular(const stdfs::path& path, Limit limit, struct stat& st) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) {
    if (errno == ENOENT) throw Error(Exit::no_input, path.string() + ": no such file");
    if (errno == EACCES) throw_errno(Exit::denied, "open " + path.string());
    throw_errno(Exit::io, "open " + path.string());
  }
  if (::fstat(fd.get(), &st) != 0) throw_errno(Exit::io, "fstat " + path.string());
  if (!S_ISREG(st.st_mode)) {
    throw Error(Exit::no_input, path.string() + " is not a regular file (a " + limit.kind +
                                    " must be one; FIFOs, devices and directories are refused)");
  }
  if (static_cast<std::uint64_t>(st.st_size) > limit.bytes) {
    throw_too_large(path.string() + " (" + std::to_string(st.st_size) + " bytes)", limit);
  }
  return fd;
}

}  // namespace

int write_all(int fd, std::string_view data) noexcept {
  for (std::size_t off = 0; off < data.size();) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    off += static_cast<std::size_t>(n);
  }
  return 0;
}

void remove_stale_temps(const stdfs::path& dir,
                        const std::function<bool(std::string_view name)>& ours) {
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir, ec)) {
    const std::string f = entry.path().filename().string();
    // "." + NAME + "." + XXXXXX
    if (f.size() < kTempChars + 3 || f[0] != '.' || f[f.size() - kTempChars - 1] != '.') continue;
    const std::string_view name(f.data() + 1, f.size() - kTempChars - 2);
    if (ours(name) && entry.is_regular_file(ec)) {
      stdfs::remove(entry.path(), ec);  // best effort: a leftover is hidden and harmless
    }
  }
}

void remove_stale_temps(const stdfs::path& dir, std::string_view name) {
  remove_stale_temps(dir, [name](std::string_view n) { return n == name; });
}

void write_file_atomic(const stdfs::path& path, std::string_view data, mode_t mode) {
  const stdfs::path dir = path.has_parent_path() ? path.parent_path() : stdfs::path(".");
  std::string tmp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  const UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) throw_errno(Exit::cant_create, "cannot create a file in " + dir.string());
  try {
    if (::fchmod(fd.get(), mode) != 0) throw_errno(Exit::io, "fchmod " + tmp);
    write_all_or_throw(fd.get(), data, tmp);
    if (::fsync(fd.get()) != 0) throw_errno(Exit::io, "fsync " + tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw_errno(Exit::cant_create, "rename to " + path.string());
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  // The rename is durable only once the directory entry is on disk.
  const UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid() || ::fsync(dfd.get()) != 0) throw_errno(Exit::io, "fsync " + dir.string());
}

std::string read_file(const stdfs::path& path, Limit limit) {
  struct stat st {};
  const UniqueFd fd = open_regular(path, limit, st);
  std::string out;
  read_all(fd.get(), out, path.string(), limit);
  return out;
}

UniqueFd open_input(const stdfs::path& path, Limit limit) {
  struct stat st {};
  return open_regular(path, limit, st);
}

void require_private_mode(const stdfs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw Error(Exit::no_input, path.string() + ": no such file");
    throw_errno(Exit::io, "stat " + path.string());
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error(Exit::config, path.string() + " is accessible by group or others (mode " + mode +
                                  "); run: chmod 600 " + path.string());
  }
}

SecretFile read_secret_file(const stdfs::path& path, Limit limit) {
  struct stat st {};
  const UniqueFd fd = open_regular(path, limit, st);
  SecretFile out;
  out.shared = (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
  // One allocation, sized by fstat (already within the cap), and a read that stops at
  // that size + 1: a regrowth would leave an unwiped copy of the secret on the heap.
  std::string& buf = out.text.buffer();
  const std::size_t room = static_cast<std::size_t>(st.st_size) + 1;
  buf.resize(room);
  std::size_t got = 0;
  while (got < room) {
    const ssize_t n = ::read(fd.get(), buf.data() + got, room - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(Exit::io, "read " + path.string());
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got == room) throw Error(Exit::data, path.string() + " grew while it was being read");
  buf.resize(got);
  return out;
}

Secret read_private_file(const stdfs::path& path) {
  SecretFile f = read_secret_file(path, kKeyLimit);
  if (f.shared) require_private_mode(path);  // throws, naming the mode and the chmod
  return std::move(f.text);
}

void ensure_private_dir(const stdfs::path& dir) {
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  if (ec)
    throw Error(Exit::cant_create, "cannot create directory " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) throw_errno(Exit::cant_create, "chmod 700 " + dir.string());
}

Secret read_stdin_secret() {
  Secret out;
  out.buffer().reserve(kKeyLimit.bytes);
  read_all(STDIN_FILENO, out.buffer(), "standard input", kKeyLimit);
  return out;
}

std::string read_stdin(Limit limit) {
  std::string out;
  read_all(STDIN_FILENO, out, "standard input", limit);
  return out;
}

std::string read_input(const stdfs::path& path, Limit limit) {
  return is_stdio(path) ? read_stdin(limit) : read_file(path, limit);
}

void write_stdout(std::string_view data) {
  write_all_or_throw(STDOUT_FILENO, data, "to standard output");
}

void require_regular_if_present(const stdfs::path& path, const char* kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw_errno(Exit::io, "stat " + path.string());
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(Exit::no_input, path.string() + " is not a regular file (a " + std::string(kind) +
                                    " must be one; FIFOs, devices and directories are refused)");
  }
}

}  // namespace pki::fs
