// The serve latency benchmark's client (tests/bench/serve_latency.sh): posts N signed termination
// events to `scim-agent serve`, one at a time, and times each until genesys-sim has answered the
// suspending PATCH of that user (polled on /sim/requests, reset before each event). Prints p50,
// p99 and max in milliseconds of that, of the 202 (each POST on a new connection) and of a
// GET /healthz on a new connection before each event.
//
// With SLOW > 0, that many slow clients hold connections to serve all along (issue 10): each
// sends a POST header announcing a 1000-byte body and then one byte every 2 s, and reconnects
// when serve cuts it at its request deadline.
//
//   serve_poster SIM_URL SERVE_PORT SECRET_FILE [N [SLOW]]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"

namespace {

using scim_agent::Json;

struct Answer {
  int status = 0;
  std::string body;
};

Answer call(Poco::Net::HTTPClientSession& session, const std::string& method,
            const std::string& path, const std::string& body = "",
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(true);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (method == "POST") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  Answer a;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), a.body);
  a.status = response.getStatus();
  return a;
}

// One slow client (see the top of the file), until `quit`.
void slowClient(int port, const std::atomic<bool>& quit, std::atomic<int>& cuts) {
  const std::string head =
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n{";
  while (!quit) {
    try {
      Poco::Net::StreamSocket socket(
          Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
      socket.sendBytes(head.data(), static_cast<int>(head.size()));
      while (!quit) {
        if (socket.poll(Poco::Timespan(2, 0), Poco::Net::Socket::SELECT_READ)) {
          ++cuts;  // serve answered (408) or closed it
          break;
        }
        socket.sendBytes("a", 1);
      }
    } catch (const Poco::Exception&) {
      if (!quit) ++cuts;  // reset by serve
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

struct Percentiles {
  std::vector<double> ms;
  void add(std::chrono::steady_clock::time_point start) {
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  void print(const char* what) {
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) {
      return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))];
    };
    std::printf("%s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu)\n", what, pct(0.50), pct(0.99),
                ms.back(), ms.size());
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: serve_poster SIM_URL SERVE_PORT SECRET_FILE [N [SLOW]]\n";
    return 64;
  }
  const Poco::URI sim_uri(argv[1]);
  const int serve_port = std::stoi(argv[2]);
  std::ifstream secret_file(argv[3]);
  std::string secret;
  std::getline(secret_file, secret);
  const size_t n = argc > 4 ? static_cast<size_t>(std::stoul(argv[4])) : 200;
  const int slow = argc > 5 ? std::stoi(argv[5]) : 0;
  std::atomic<bool> quit{false};
  std::atomic<int> cuts{0};
  std::vector<std::thread> slow_clients;
  for (int i = 0; i < slow; ++i) {
    slow_clients.emplace_back([&] { slowClient(serve_port, quit, cuts); });
  }
  if (slow > 0) std::this_thread::sleep_for(std::chrono::seconds(1));  // all connected

  Poco::Net::HTTPClientSession sim(sim_uri.getHost(), sim_uri.getPort());
  auto state = scim_agent::parseJson(call(sim, "GET", "/sim/state").body);
  if (!state.ok()) {
    std::cerr << "cannot read /sim/state\n";
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> users;  // externalId, id
  for (const Json& u : state->get("users").asArray()) {
    if (u.getBool("active") && !u.getString("externalId").empty()) {
      users.emplace_back(u.getString("externalId"), u.getString("id"));
    }
    if (users.size() == n) break;
  }
  Percentiles acted;
  Percentiles accepted;
  Percentiles health;
  for (size_t i = 0; i < users.size(); ++i) {
    const auto& [external_id, id] = users[i];
    call(sim, "POST", "/sim/counters/reset", "{}");
    {
      Poco::Net::HTTPClientSession probe("127.0.0.1", static_cast<Poco::UInt16>(serve_port));
      const auto probe_start = std::chrono::steady_clock::now();
      const Answer h = call(probe, "GET", "/healthz");
      health.add(probe_start);
      if (h.status != 200) {
        std::cerr << "/healthz: " << h.status << " " << h.body << "\n";
        return 1;
      }
    }
    Poco::Net::HTTPClientSession serve("127.0.0.1", static_cast<Poco::UInt16>(serve_port));
    const std::string body = "{\"type\":\"termination\",\"externalId\":\"" + external_id +
                             "\",\"occurredAt\":\"2026-11-23T09:00:00Z\",\"eventId\":\"bench-" +
                             std::to_string(std::time(nullptr)) + "-" + std::to_string(i) + "\"}";
    const std::string ts = std::to_string(std::time(nullptr));
    const auto start = std::chrono::steady_clock::now();
    const Answer posted =
        call(serve, "POST", "/v1/events", body,
             {{"X-Scim-Agent-Timestamp", ts},
              {"X-Scim-Agent-Signature", scim_agent::timestampedSignature(secret, ts, body)}});
    accepted.add(start);
    if (posted.status != 202) {
      std::cerr << external_id << ": " << posted.status << " " << posted.body << "\n";
      return 1;
    }
    bool seen = false;
    while (!seen) {
      auto log = scim_agent::parseJson(call(sim, "GET", "/sim/requests").body);
      if (log.ok() && log->isArray()) {
        for (const Json& e : log->asArray()) {
          if (e.getString("method") == "PATCH" && e.getString("path").find(id) != std::string::npos &&
              e.getNumber("status") < 300) {
            seen = true;
          }
        }
      }
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(30)) {
        std::cerr << external_id << ": no suspending PATCH within 30 s\n";
        return 1;
      }
    }
    acted.add(start);
  }
  quit = true;
  for (std::thread& t : slow_clients) t.join();
  std::printf("%d slow clients holding connections (%d cut by serve and reconnected)\n", slow,
              cuts.load());
  health.print("GET /healthz, new connection");
  accepted.print("POST /v1/events to 202, new connection");
  acted.print("termination events, POST to the suspending PATCH");
  return 0;
}
