// SPDX-License-Identifier: Apache-2.0
#include "crl/output.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "core/error.hpp"

namespace pki::crl {
namespace {

constexpr auto kLockWait = std::chrono::seconds(30);
constexpr auto kLockPoll = std::chrono::milliseconds(50);
constexpr std::string_view kLockName = ".iot-pki-publish.lock";

}  // namespace

PublishLock::PublishLock(const stdfs::path& dir) {
  const stdfs::path path = dir / kLockName;
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd_.valid()) throw_errno(Exit::cant_create, "cannot create " + path.string());
  ::fchmod(fd_.get(), 0644);  // best effort: it holds nothing; readable like the outputs
  const auto deadline = std::chrono::steady_clock::now() + kLockWait;
  while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw_errno(Exit::io, "flock " + path.string());
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error(Exit::temp, "another publisher into " + dir.string() +
                                  " has held its lock for 30 s; try again later");
    }
    std::this_thread::sleep_for(kLockPoll);
  }
}

}  // namespace pki::crl
