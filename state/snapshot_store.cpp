// StateStore's snapshots: content-addressed documents, chunks and manifests (SPEC §10, §14).

#include <algorithm>
#include <map>
#include <set>
#include <optional>
#include <string_view>

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

// The sorted member list is stored as a small Merkle tree (the shape of a "prolly tree"):
//  - leaf chunks hold about kLeafTarget members, lines "<64 hex doc hash> <escaped key>\n";
//  - interior nodes hold about kNodeTarget child hashes, lines "<64 hex>\n", and are grouped
//    level by level until at most kManifestMax remain; the manifest lists those, and its height
//    says how many interior levels lie between it and the leaves (0: it lists leaves).
// Boundaries depend on content alone (a leaf ends after a key whose FNV-1a hash is 0 modulo the
// target, a node after such a child hash), not on positions, so inserting, removing or changing
// one member rewrites one leaf and one node per level, not every chunk after it. The *Max bounds
// cap a run of missed boundaries. Changing any constant is safe for existing snapshots (a manifest
// names its chunks); only deduplication across the change is lost.
// Measured at 50,000 users: an unchanged snapshot adds 0 bytes, one changed user a few KiB.
constexpr uint64_t kLeafTarget = 16;
constexpr size_t kLeafMax = 256;
constexpr uint64_t kNodeTarget = 16;
constexpr size_t kNodeMax = 256;
constexpr size_t kManifestMax = 64;
constexpr size_t kHashLength = 64;

uint64_t fnv1a(std::string_view data) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool endsLeaf(std::string_view key) { return fnv1a(key) % kLeafTarget == 0; }
bool endsNode(std::string_view child_hash) { return fnv1a(child_hash) % kNodeTarget == 0; }

// A leaf line is "<64 hex doc hash> <key>\n"; the key escapes '\\' and '\n' so any key fits.
void appendEntry(std::string& chunk, std::string_view doc_hash, std::string_view key) {
  chunk += doc_hash;
  chunk += ' ';
  for (char c : key) {
    if (c == '\\') {
      chunk += "\\\\";
    } else if (c == '\n') {
      chunk += "\\n";
    } else {
      chunk += c;
    }
  }
  chunk += '\n';
}

struct ChunkEntry {
  std::string key;
  std::string doc_hash;
};

std::optional<std::vector<ChunkEntry>> parseChunk(std::string_view body) {
  std::vector<ChunkEntry> entries;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() < kHashLength + 1 || line[kHashLength] != ' ') return std::nullopt;
    ChunkEntry entry;
    entry.doc_hash = std::string(line.substr(0, kHashLength));
    for (size_t i = kHashLength + 1; i < line.size(); ++i) {
      if (line[i] != '\\') {
        entry.key += line[i];
        continue;
      }
      if (++i == line.size()) return std::nullopt;
      if (line[i] == '\\') {
        entry.key += '\\';
      } else if (line[i] == 'n') {
        entry.key += '\n';
      } else {
        return std::nullopt;
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// An interior node or manifest body: one 64-hex hash per line.
std::optional<std::vector<std::string>> parseHashList(std::string_view body) {
  std::vector<std::string> hashes;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find('\n', pos);
    if (end == std::string_view::npos || end - pos != kHashLength) return std::nullopt;
    hashes.emplace_back(body.substr(pos, kHashLength));
    pos = end + 1;
  }
  return hashes;
}

// Reads one `body` column by hash; nullopt when absent.
Result<std::optional<std::string>> bodyByHash(SqliteStatement& stmt, const std::string& hash) {
  stmt.reset();
  Result<bool> row = stmt.bind(1, hash).step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.text(0));
}

}  // namespace

Result<int64_t> StateStore::saveSnapshot(int64_t run_id, const std::string& kind,
                                         const SnapshotItems& items,
                                         const std::string& taken_at) {
  if (!isOneOf(kind, {"live", "desired"})) {
    return Error(ErrorCode::kInvalidInput,
                 "saveSnapshot: snapshot kind \"" + kind + "\" is not live | desired");
  }
  // Sort pointers, not the (large) documents.
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(items.size());
  for (const auto& item : items) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->first == sorted[i - 1]->first) {
      return Error(ErrorCode::kInvalidInput,
                   "saveSnapshot: duplicate key \"" + sorted[i]->first + "\" in " + kind +
                       " snapshot");
    }
  }

  Result<Transaction> tx = db_->begin("saveSnapshot");
  if (!tx.ok()) return tx.error();
  Status status = requireRun(run_id, "saveSnapshot");
  if (!status.ok()) return status.error();

  // Build the tree first, then write its rows in hash order: a B-tree takes keys in order as
  // appends to one page instead of writes scattered over the whole index, which at 100,000
  // users made a fresh snapshot grow faster than its size (7.0 s instead of …; see the commit).
  std::vector<std::pair<std::string, const std::string*>> documents;  // hash → body
  documents.reserve(sorted.size());
  std::vector<std::pair<std::string, std::string>> chunks;  // hash → body
  auto addChunk = [&chunks](std::string body) {
    std::string hash = sha256Hex(body);
    chunks.emplace_back(hash, std::move(body));
    return hash;
  };

  // Leaves.
  std::vector<std::string> level;  // hashes of the current level, in key order
  std::string leaf;
  size_t leaf_entries = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto* item = sorted[i];
    std::string doc_hash = sha256Hex(item->second);
    appendEntry(leaf, doc_hash, item->first);
    documents.emplace_back(std::move(doc_hash), &item->second);
    ++leaf_entries;
    if (endsLeaf(item->first) || leaf_entries >= kLeafMax || i + 1 == sorted.size()) {
      level.push_back(addChunk(std::move(leaf)));
      leaf.clear();
      leaf_entries = 0;
    }
  }

  // Interior levels, until the top fits in the manifest.
  int64_t height = 0;
  while (level.size() > kManifestMax) {
    std::vector<std::string> parents;
    std::string node;
    size_t node_entries = 0;
    for (size_t i = 0; i < level.size(); ++i) {
      node += level[i];
      node += '\n';
      ++node_entries;
      if (endsNode(level[i]) || node_entries >= kNodeMax || i + 1 == level.size()) {
        parents.push_back(addChunk(std::move(node)));
        node.clear();
        node_entries = 0;
      }
    }
    level = std::move(parents);
    ++height;
  }

  // Each distinct document and chunk once, in hash order.
  std::sort(documents.begin(), documents.end());
  std::sort(chunks.begin(), chunks.end());
  {
    Result<SqliteStatement> insert_doc =
        db_->prepare("INSERT OR IGNORE INTO documents (hash, body) VALUES (?, ?)");
    if (!insert_doc.ok()) return insert_doc.error();
    for (size_t i = 0; i < documents.size(); ++i) {
      if (i > 0 && documents[i].first == documents[i - 1].first) continue;
      insert_doc->reset();
      status = insert_doc->bind(1, documents[i].first).bind(2, *documents[i].second).run();
      if (!status.ok()) return status.error();
    }
    Result<SqliteStatement> insert_chunk =
        db_->prepare("INSERT OR IGNORE INTO snapshot_chunks (hash, body) VALUES (?, ?)");
    if (!insert_chunk.ok()) return insert_chunk.error();
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (i > 0 && chunks[i].first == chunks[i - 1].first) continue;
      insert_chunk->reset();
      status = insert_chunk->bind(1, chunks[i].first).bind(2, chunks[i].second).run();
      if (!status.ok()) return status.error();
    }
  }

  std::string manifest;
  for (const std::string& hash : level) {
    manifest += hash;
    manifest += '\n';
  }
  const std::string manifest_hash = sha256Hex(manifest);
  const auto item_count = static_cast<int64_t>(sorted.size());
  status = runSql(*db_,
                  "INSERT OR IGNORE INTO manifests (hash, body, item_count, height) "
                  "VALUES (?, ?, ?, ?)",
                  manifest_hash, manifest, item_count, height);
  if (!status.ok()) return status.error();
  return commitReturning(
      *tx, insertRow(*db_,
                     "INSERT INTO snapshots (run_id, kind, taken_at, manifest_hash, item_count) "
                     "VALUES (?, ?, ?, ?, ?)",
                     run_id, kind, taken_at, manifest_hash, item_count));
}

Result<SnapshotItems> StateStore::loadSnapshot(int64_t snapshot_id) {
  auto lock = db_->lock();
  const std::string place =
      "state database " + path() + ": snapshot " + std::to_string(snapshot_id);
  auto corrupt = [&](const std::string& what) {
    return Error(ErrorCode::kCorrupt, place + ": " + what);
  };

  std::string manifest_hash;
  int64_t item_count = 0;
  {
    Result<SqliteStatement> stmt =
        db_->prepare("SELECT manifest_hash, item_count FROM snapshots WHERE id = ?");
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->bind(1, snapshot_id).step();
    if (!row.ok()) return row.error();
    if (!*row) return Error(ErrorCode::kNotFound, place + " not found");
    manifest_hash = stmt->text(0);
    item_count = stmt->int64(1);
  }

  Result<SqliteStatement> manifest_stmt =
      db_->prepare("SELECT body, height FROM manifests WHERE hash = ?");
  if (!manifest_stmt.ok()) return manifest_stmt.error();
  Result<bool> found = manifest_stmt->bind(1, manifest_hash).step();
  if (!found.ok()) return found.error();
  if (!*found) return corrupt("manifest " + manifest_hash + " is missing");
  std::optional<std::vector<std::string>> level = parseHashList(manifest_stmt->text(0));
  if (!level) return corrupt("manifest " + manifest_hash + " is malformed");
  const int64_t height = manifest_stmt->int64(1);

  Result<SqliteStatement> chunk_stmt =
      db_->prepare("SELECT body FROM snapshot_chunks WHERE hash = ?");
  if (!chunk_stmt.ok()) return chunk_stmt.error();
  Result<SqliteStatement> doc_stmt = db_->prepare("SELECT body FROM documents WHERE hash = ?");
  if (!doc_stmt.ok()) return doc_stmt.error();

  // Interior levels down to the leaves.
  for (int64_t h = height; h > 0; --h) {
    std::vector<std::string> children;
    for (const std::string& node_hash : *level) {
      Result<std::optional<std::string>> node = bodyByHash(*chunk_stmt, node_hash);
      if (!node.ok()) return node.error();
      if (!*node) return corrupt("node " + node_hash + " is missing");
      std::optional<std::vector<std::string>> hashes = parseHashList(**node);
      if (!hashes) return corrupt("node " + node_hash + " is malformed");
      for (std::string& hash : *hashes) children.push_back(std::move(hash));
    }
    level = std::move(children);
  }

  SnapshotItems items;
  items.reserve(static_cast<size_t>(std::max<int64_t>(item_count, 0)));
  for (const std::string& leaf_hash : *level) {
    Result<std::optional<std::string>> leaf = bodyByHash(*chunk_stmt, leaf_hash);
    if (!leaf.ok()) return leaf.error();
    if (!*leaf) return corrupt("chunk " + leaf_hash + " is missing");
    std::optional<std::vector<ChunkEntry>> entries = parseChunk(**leaf);
    if (!entries) return corrupt("chunk " + leaf_hash + " is malformed");
    for (ChunkEntry& entry : *entries) {
      Result<std::optional<std::string>> doc = bodyByHash(*doc_stmt, entry.doc_hash);
      if (!doc.ok()) return doc.error();
      if (!*doc) {
        return corrupt("document " + entry.doc_hash + " of \"" + entry.key + "\" is missing");
      }
      if (!items.empty() && !(items.back().first < entry.key)) {
        return corrupt("members are out of order at \"" + entry.key + "\"");
      }
      items.emplace_back(std::move(entry.key), std::move(**doc));
    }
  }
  if (static_cast<int64_t>(items.size()) != item_count) {
    return corrupt("has " + std::to_string(items.size()) + " members, expected " +
                   std::to_string(item_count));
  }
  return items;
}

Result<std::vector<SnapshotChange>> StateStore::diffSnapshots(int64_t old_id, int64_t new_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> chunk_stmt =
      db_->prepare("SELECT body FROM snapshot_chunks WHERE hash = ?");
  if (!chunk_stmt.ok()) return chunk_stmt.error();
  Result<SqliteStatement> doc_stmt = db_->prepare("SELECT body FROM documents WHERE hash = ?");
  if (!doc_stmt.ok()) return doc_stmt.error();

  // The leaf hashes of a snapshot, in key order (interior nodes read, leaves not).
  auto leaves = [&](int64_t id) -> Result<std::vector<std::string>> {
    const std::string place = "state database " + path() + ": snapshot " + std::to_string(id);
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT m.body, m.height FROM snapshots s JOIN manifests m ON m.hash = s.manifest_hash "
        "WHERE s.id = ?");
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->bind(1, id).step();
    if (!row.ok()) return row.error();
    if (!*row) return Error(ErrorCode::kNotFound, place + " not found (or its manifest is missing)");
    std::optional<std::vector<std::string>> level = parseHashList(stmt->text(0));
    if (!level) return Error(ErrorCode::kCorrupt, place + ": manifest is malformed");
    for (int64_t h = stmt->int64(1); h > 0; --h) {
      std::vector<std::string> children;
      for (const std::string& node_hash : *level) {
        Result<std::optional<std::string>> node = bodyByHash(*chunk_stmt, node_hash);
        if (!node.ok()) return node.error();
        std::optional<std::vector<std::string>> hashes =
            *node ? parseHashList(**node) : std::nullopt;
        if (!hashes) return Error(ErrorCode::kCorrupt, place + ": node " + node_hash + " is missing or malformed");
        for (std::string& hash : *hashes) children.push_back(std::move(hash));
      }
      level = std::move(children);
    }
    return std::move(*level);
  };
  Result<std::vector<std::string>> old_leaves = leaves(old_id);
  if (!old_leaves.ok()) return old_leaves.error();
  Result<std::vector<std::string>> new_leaves = leaves(new_id);
  if (!new_leaves.ok()) return new_leaves.error();

  // A leaf both hold has the same members in both (a key is in one leaf of each snapshot), so
  // only the members of the leaves one of them lacks can differ.
  const std::set<std::string> old_set(old_leaves->begin(), old_leaves->end());
  const std::set<std::string> new_set(new_leaves->begin(), new_leaves->end());
  auto members = [&](const std::vector<std::string>& list, const std::set<std::string>& other)
      -> Result<std::map<std::string, std::string>> {  // key → document hash
    std::map<std::string, std::string> out;
    for (const std::string& leaf_hash : list) {
      if (other.count(leaf_hash)) continue;
      Result<std::optional<std::string>> leaf = bodyByHash(*chunk_stmt, leaf_hash);
      if (!leaf.ok()) return leaf.error();
      std::optional<std::vector<ChunkEntry>> entries = *leaf ? parseChunk(**leaf) : std::nullopt;
      if (!entries) {
        return Error(ErrorCode::kCorrupt, "state database " + path() + ": chunk " + leaf_hash +
                                              " is missing or malformed");
      }
      for (ChunkEntry& e : *entries) out.emplace(std::move(e.key), std::move(e.doc_hash));
    }
    return out;
  };
  auto old_members = members(*old_leaves, new_set);
  if (!old_members.ok()) return old_members.error();
  auto new_members = members(*new_leaves, old_set);
  if (!new_members.ok()) return new_members.error();

  auto document = [&](const std::string& hash) -> Result<std::string> {
    Result<std::optional<std::string>> doc = bodyByHash(*doc_stmt, hash);
    if (!doc.ok()) return doc.error();
    if (!*doc) {
      return Error(ErrorCode::kCorrupt,
                   "state database " + path() + ": document " + hash + " is missing");
    }
    return std::move(**doc);
  };
  std::vector<SnapshotChange> changes;
  auto o = old_members->begin();
  auto n = new_members->begin();
  while (o != old_members->end() || n != new_members->end()) {
    SnapshotChange change;
    if (n == new_members->end() || (o != old_members->end() && o->first < n->first)) {
      change.key = o->first;
      auto before = document(o->second);
      if (!before.ok()) return before.error();
      change.before = std::move(*before);
      ++o;
    } else if (o == old_members->end() || n->first < o->first) {
      change.key = n->first;
      auto after = document(n->second);
      if (!after.ok()) return after.error();
      change.after = std::move(*after);
      ++n;
    } else {
      const bool same = o->second == n->second;
      change.key = o->first;
      if (!same) {
        auto before = document(o->second);
        if (!before.ok()) return before.error();
        auto after = document(n->second);
        if (!after.ok()) return after.error();
        change.before = std::move(*before);
        change.after = std::move(*after);
      }
      ++o;
      ++n;
      if (same) continue;
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

Result<std::optional<std::pair<int64_t, int64_t>>> StateStore::previousSnapshot(
    const std::string& kind, int64_t before_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT id, run_id FROM snapshots WHERE kind = ? AND id < ? ORDER BY id DESC LIMIT 1");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = bindAll(*stmt, kind, before_id).step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<std::pair<int64_t, int64_t>>();
  return std::optional<std::pair<int64_t, int64_t>>(std::pair{stmt->int64(0), stmt->int64(1)});
}

Result<std::optional<int64_t>> StateStore::latestSnapshot(const std::string& kind) {
  if (!isOneOf(kind, {"live", "desired"})) {
    return Error(ErrorCode::kInvalidInput,
                 "latestSnapshot: snapshot kind \"" + kind + "\" is not live | desired");
  }
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare("SELECT id FROM snapshots WHERE kind = ? ORDER BY id DESC LIMIT 1");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->bind(1, kind).step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->int64(0));
}

}  // namespace scim_agent
