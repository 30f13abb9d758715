#pragma once

// The composition root of one invocation: the only place that builds the real edges (state
// store, HTTP transport, OAuth tokens, the Genesys directory and Platform API, the webhook
// notifier) from agent.yaml and hands them to a Reconciler.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/base/diagnostics.h"
#include "agent/base/result.h"
#include "agent/config/config.h"
#include "agent/reconcile/reconciler.h"

namespace scim_agent {

class GenesysDirectory;
class StateStore;

// agent.yaml from `config_path`; problems go to `diags` (nullopt when any).
std::optional<Config> loadAgentConfig(const std::string& config_path, Diagnostics& diags);

class Agent {
 public:
  ~Agent();

  // Loads agent.yaml; `desired_override` (--desired) replaces `desired:` when not empty.
  // Problems go to `diags`; null when there was any (including no desired state at all).
  static std::unique_ptr<Agent> load(const std::string& config_path,
                                     const std::string& desired_override, Diagnostics& diags);

  // Opens the state DB and builds the remote edges and the Reconciler. The state DB must belong
  // to target's org (StateStore::checkIdentity): an empty file or another org's database is
  // refused (kCorrupt / kInvalidInput, saying to use --init-state) unless `init_state`
  // (--init-state), which moves it aside and starts a new one;
  // a changed clientId is a warning on stderr. `http_observer`, when
  // set, is told the status of every HTTP response from Genesys (0: none came), from the
  // sending thread (run's metrics). kIo (or the store's error) when the state DB cannot be
  // opened.
  Status open(bool init_state, std::function<void(int http_status)> http_observer = nullptr);

  const Config& config() const { return config_; }
  const ReconcilerSettings& settings() const { return settings_; }
  // Before open(): HR sources unchanged since an earlier cycle of this process (run --loop,
  // which opens an Agent per cycle) reuse that cycle's read.
  void useSourceCache(SourceCache& cache) { settings_.source_options.cache = &cache; }
  // REQUIRES: open() succeeded.
  StateStore& store() { return *store_; }
  Reconciler& reconciler() { return *reconciler_; }
  // REQUIRES: open() succeeded. The SCIM client the Reconciler uses (validate --online lists the
  // org's groups through it, and its Platform names through its GenesysClient).
  GenesysDirectory& directory();

 private:
  Agent() = default;
  struct Remote;

  Config config_;
  ReconcilerSettings settings_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Remote> remote_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<Reconciler> reconciler_;
};

}  // namespace scim_agent
