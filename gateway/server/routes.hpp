// SPDX-License-Identifier: Apache-2.0
#pragma once
// Request routing and the authentication policy of SPEC §5. Every refusal answers
// with its status and writes one audit record.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "gateway/http/responses.hpp"
#include "gateway/server/routes_table.hpp"
#include "gateway/server/services.hpp"
#include "gateway/tls/peer.hpp"

namespace gw::server {

struct Client {
  const tls::Peer& peer;
  const std::string& ip;
};

// Never throws out of the coroutine for expected failures; the session still wraps it.
boost::asio::awaitable<http::Response> route(Services& svc, http::Request& req,
                                             const Client& client);

}  // namespace gw::server
