// SPDX-License-Identifier: Apache-2.0
// Boost.Asio's and Beast's compiled parts (their .ipp files: io_context, sockets, the
// TLS engine, Beast's HTTP parser and field tables), built once for the whole program.
// gwlib defines BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION for
// everything that includes their headers, so no other file compiles this code again.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
