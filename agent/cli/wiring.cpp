#include "agent/cli/wiring.h"

#include <cstdlib>
#include <iostream>

#include "agent/cli/clock.h"
#include "agent/config/secret_file.h"
#include "agent/log/log.h"
#include "agent/notify/webhook_notifier.h"
#include "agent/scim/genesys_directory.h"
#include "agent/scim/genesys_platform.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/token_source.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

// "20261205T101500Z": the CLI clock's time for a moved-aside state DB's name.
std::string backupStamp() {
  std::string stamp;
  for (char c : cliNowIso()) {
    if (c == '.' || c == 'Z') break;
    if (c != '-' && c != ':') stamp += c;
  }
  return stamp + "Z";
}

// How long a run waits for another run's writer lock before giving up (exit 4).
std::chrono::milliseconds lockTimeout() {
  if (const char* v = std::getenv("SCIM_AGENT_LOCK_TIMEOUT_SECONDS")) {
    try {
      return std::chrono::milliseconds(static_cast<long long>(std::stod(v) * 1000));
    } catch (const std::exception&) {
      // Not a number: the default, as for an unset variable.
    }
  }
  return std::chrono::seconds(10);
}

// Reports each response's status (0: none) to an observer.
class ObservedTransport final : public ForwardingTransport {
 public:
  ObservedTransport(HttpTransport& target, std::function<void(int)> observer)
      : ForwardingTransport(target), observer_(std::move(observer)) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    Result<HttpResponse> response = target().send(request);
    observer_(response.ok() ? response->status : 0);
    return response;
  }

 private:
  std::function<void(int)> observer_;
};

// notify.webhook: one WebhookNotifier pass per run, the secret read for each (it may have been
// rotated since the process started; a missing one keeps the messages waiting).
class WebhookDelivery final : public Notifier {
 public:
  WebhookDelivery(StateStore& store, WebhookOptions options, std::string secret_file)
      : store_(store), options_(std::move(options)), secret_file_(std::move(secret_file)) {}

  Result<NotifySummary> deliverDue() override {
    auto secret = readSecretFile(secret_file_, "notify.webhook.secretFile");
    if (!secret.ok()) {
      Error e = secret.error();
      e.message += "; notifications wait";
      return e;
    }
    WebhookNotifier notifier(store_, options_, std::move(secret.value()),
                             [] { return cliClock().now(); });
    return notifier.deliverDue();
  }

 private:
  StateStore& store_;
  WebhookOptions options_;
  std::string secret_file_;
};

}  // namespace

// The network side.
struct Agent::Remote {
  std::unique_ptr<PocoTransport> transport;
  std::unique_ptr<ObservedTransport> observed;  // over `transport`, with an HTTP observer
  std::unique_ptr<OAuthTokenSource> tokens;
  std::unique_ptr<OAuthTokenSource> elevated;
  std::unique_ptr<GenesysDirectory> directory;
  std::unique_ptr<PlatformDirectory> platform;  // NoPlatform for target.kind scim
};

Agent::~Agent() = default;

GenesysDirectory& Agent::directory() { return *remote_->directory; }

std::optional<Config> loadAgentConfig(const std::string& config_path, Diagnostics& diags) {
  return loadConfig(config_path, processEnvironment(), diags);
}

std::unique_ptr<Agent> Agent::load(const std::string& config_path,
                                   const std::string& desired_override, Diagnostics& diags) {
  auto config = loadAgentConfig(config_path, diags);
  if (!config) return nullptr;
  std::unique_ptr<Agent> agent(new Agent());
  agent->config_ = std::move(*config);
  const Config& c = agent->config_;
  ReconcilerSettings& s = agent->settings_;
  s.desired_path = desired_override.empty() ? c.desired_path : desired_override;
  if (s.desired_path.empty()) {
    diags.add({config_path, 0, 0}, "no desired state: set desired: in agent.yaml or pass --desired");
    return nullptr;
  }
  s.target_kind = c.target.kind;
  s.base_policy = c.policy;
  s.requests_per_minute = c.target.requests_per_minute;
  s.concurrency = c.target.concurrency;
  s.notify = !c.notify_webhook_url.empty();
  s.notify_target = c.notify_webhook_url;
  s.lock_timeout = lockTimeout();
  s.plan_signing_key_file = c.plan_signing_key_file;
  s.sources = c.sources;
  s.sources_dir = c.sources_dir;
  // HR sources in S3 sign with the usual AWS environment (SPEC §6).
  const auto env = processEnvironment();
  auto var = [&env](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  s.source_options.credentials = {var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"),
                                  var("AWS_SESSION_TOKEN")};
  s.source_options.aws_region = var("AWS_REGION");
  return agent;
}

Status Agent::open(bool init_state, std::function<void(int)> http_observer) {
  const TargetConfig& org = config_.target;
  std::vector<std::string> warnings;
  auto store = StateStore::openFor(
      config_.state_path, {org.api_base, org.login_base, org.region, org.client.client_id},
      init_state, backupStamp(), warnings);
  for (const std::string& w : warnings) {
    std::cerr << "warning: " << w << "\n";
    logWarn(w);
  }
  if (!store.ok()) return store.error();
  store_ = std::move(store.value());

  auto remote = std::make_unique<Remote>();
  const TargetConfig& target = config_.target;
  TransportOptions transport;
  transport.ca_file = target.ca_file;
  transport.verify = target.tls_verify;
  transport.concurrency = target.concurrency;
  transport.max_response_bytes = target.max_response_bytes;
  transport.request_deadline = target.request_deadline;
  remote->transport = std::make_unique<PocoTransport>(transport);
  HttpTransport* wire = remote->transport.get();
  if (http_observer) {
    remote->observed = std::make_unique<ObservedTransport>(*wire, std::move(http_observer));
    wire = remote->observed.get();
  }
  remote->tokens = std::make_unique<OAuthTokenSource>(
      *wire,
      OAuthClientOptions{target.login_base, target.client.client_id, target.client.client_secret});
  remote->tokens->setSettingsNames("target.clientId and its secret (target.clientSecretFile)");
  DirectoryOptions options;
  options.api_base = target.api_base;
  options.requests_per_minute = target.requests_per_minute;
  if (target.elevated) {
    remote->elevated = std::make_unique<OAuthTokenSource>(
        *wire, OAuthClientOptions{target.login_base, target.elevated->client_id,
                                  target.elevated->client_secret});
    remote->elevated->setSettingsNames(
        "target.elevated.clientId and its secret (target.elevated.clientSecretFile)");
    options.elevated_tokens = remote->elevated.get();
  }
  remote->directory = std::make_unique<GenesysDirectory>(*wire, *remote->tokens, options);
  if (target.kind == "genesys") {
    remote->platform = std::make_unique<GenesysPlatform>(remote->directory->client());
  } else {
    remote->platform = std::make_unique<NoPlatform>();
  }
  remote_ = std::move(remote);
  if (!config_.notify_webhook_url.empty()) {
    WebhookOptions webhook;
    webhook.url = config_.notify_webhook_url;
    webhook.ca_file = config_.target.ca_file;
    notifier_ = std::make_unique<WebhookDelivery>(*store_, std::move(webhook),
                                                  config_.notify_webhook_secret_file);
  }
  reconciler_ = std::make_unique<Reconciler>(*remote_->directory, *remote_->platform, *store_,
                                             cliClock(), notifier_.get(), settings_);
  return Status::success();
}

}  // namespace scim_agent
