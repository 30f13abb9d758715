#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

namespace scim_agent {

// YAML read piece by piece from yaml-cpp's event parser, for documents too large to hold as a
// YAML::Node tree (a desired-state file of 100,000 users: yaml-cpp's tree costs about 15 KiB per
// user). The strict readers of yaml_reader.h work over StreamNode as they do over YAML::Node and
// give the same messages at the same places.

// One node: a handle to node data owned by a StreamBuilder's arenas (or kept alive by a
// StreamTree). It answers what the strict readers ask of a YAML::Node, the same way: kind,
// scalar text, tag ("?" for a plain scalar, "!" for a quoted one, "" for null), the mark of its
// first event (an alias is its anchor's node, so it has the anchor's mark) and its children.
// Copying copies the handle. A default-constructed StreamNode is null without a mark.
class StreamNode {
 public:
  enum class Kind : std::uint8_t { kNull, kScalar, kSequence, kMap };
  struct Data {
    Kind kind = Kind::kNull;
    bool anchored = false;  // has an anchor (an alias may refer to it)
    YAML::Mark mark = YAML::Mark::null_mark();
    std::string tag;
    std::string scalar;
    // Sequence items; for a mapping key, value, key, value… in document order (duplicate keys
    // kept, as yaml-cpp keeps them).
    std::vector<const Data*> children;
  };

  StreamNode() = default;
  explicit StreamNode(const Data* data) : data_(data) {}

  bool IsDefined() const { return true; }
  bool IsNull() const { return !data_ || data_->kind == Kind::kNull; }
  bool IsScalar() const { return data_ && data_->kind == Kind::kScalar; }
  bool IsSequence() const { return data_ && data_->kind == Kind::kSequence; }
  bool IsMap() const { return data_ && data_->kind == Kind::kMap; }
  // The text of a scalar; "" for any other node (as YAML::Node::Scalar()).
  const std::string& Scalar() const;
  const std::string& Tag() const;
  YAML::Mark Mark() const { return data_ ? data_->mark : YAML::Mark::null_mark(); }

  // Sequence items, or mapping pairs (the key of pair i is child(2i), its value child(2i+1)).
  size_t size() const;
  StreamNode item(size_t i) const { return StreamNode(data_->children[i]); }
  StreamNode key(size_t i) const { return StreamNode(data_->children[2 * i]); }
  StreamNode value(size_t i) const { return StreamNode(data_->children[2 * i + 1]); }

  // Same node (not just equal content): true for an alias and its anchor.
  bool is(const StreamNode& other) const { return data_ == other.data_; }

 private:
  const Data* data_ = nullptr;
};

// Owns the nodes a StreamNode of it points to. Shared, so that a node read from a document can
// outlive the parse (the loader keeps a spec's `defaults:` until every file is read).
class StreamTree {
 public:
  StreamNode root() const { return StreamNode(root_); }

 private:
  friend class StreamBuilder;
  using Arena = std::deque<StreamNode::Data>;
  std::vector<std::unique_ptr<Arena>> arenas_;
  const StreamNode::Data* root_ = nullptr;
};

// Builds one YAML document from parser events, as yaml-cpp's own node builder does, except for
// the sequence that is the value of the top-level mapping's first key `streamed_key`: each of
// its items goes to `on_item` as soon as it is complete and is then dropped, so at most one item
// is held at a time. An item holding an anchor is kept (a later alias may refer to it); an alias
// item is its anchor's node. The streamed sequence itself stays in the tree, empty.
//
// It also records what a caller needs to re-read the rest of the document with yaml-cpp's
// builder (yaml_reader.h, streamYamlText): where the streamed sequence starts and where the
// next top-level key starts, and whether an alias outside refers to an anchor inside.
// Use: parser.HandleNextDocument(builder) once; then read the results. Exceptions of the
// parser pass through; those of the callbacks too.
class StreamBuilder final : public YAML::EventHandler {
 public:
  struct Handlers {
    // Called when the streamed sequence starts, with the top-level mapping as read so far
    // (the keys before `streamed_key`).
    std::function<void(const StreamNode& top_so_far)> on_start;
    std::function<void(const StreamNode& item)> on_item;
  };

  StreamBuilder(std::string streamed_key, Handlers handlers);

  // Results, once the document was handled.
  bool sawDocument() const { return saw_document_; }
  YAML::Mark documentStart() const { return document_start_; }
  // True when the items of the streamed sequence went to on_item.
  bool streamed() const { return streamed_; }
  // Where the streamed sequence starts in the text (its first event's byte offset), and the mark
  // of the next top-level key after it (null when it is the last). Replacing the text from
  // there to the start of that key's line leaves a document that yaml-cpp reads the same apart
  // from the key's value, when removable(): the top-level mapping is in block style and no
  // alias after the sequence refers to an anchor inside it.
  long regionBegin() const { return region_begin_; }
  YAML::Mark nextKeyMark() const { return next_key_mark_; }
  bool removable() const { return streamed_ && removable_; }
  // The whole tree (the streamed sequence empty); valid after the document.
  std::shared_ptr<StreamTree> tree() const { return tree_; }

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override;
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override;

 private:
  using Data = StreamNode::Data;

  // A new node in the current arena, registered under `anchor`.
  Data* make(StreamNode::Kind kind, const YAML::Mark& mark, const std::string& tag,
             YAML::anchor_t anchor);
  // Every event starts here: the place of the node about to be added.
  void beforeNode(const YAML::Mark& mark);
  // Adds a complete node (or the start of a collection) to its parent.
  void attach(const Data* node);
  // A node ended (a scalar, null, alias, or a collection's end).
  void afterNode(const Data* node);

  std::string streamed_key_;
  Handlers handlers_;
  std::shared_ptr<StreamTree> tree_ = std::make_shared<StreamTree>();
  StreamTree::Arena* arena_ = nullptr;   // where new nodes go
  std::unique_ptr<StreamTree::Arena> item_arena_;  // the streamed item being built
  bool item_has_anchor_ = false;
  std::vector<Data*> open_;  // the collections being built, outermost first
  std::map<YAML::anchor_t, const Data*> anchors_;
  YAML::anchor_t last_anchor_ = 0;

  bool saw_document_ = false;
  YAML::Mark document_start_ = YAML::Mark::null_mark();
  bool root_block_map_ = false;
  bool key_found_ = false;         // the top-level key `streamed_key` was seen
  bool next_is_streamed_ = false;  // the next top-level value is the one to stream
  Data* streamed_seq_ = nullptr;   // while streaming its items
  bool streamed_ = false;
  bool after_region_ = false;  // the sequence ended; the next top-level key ends the region
  bool removable_ = false;
  long region_begin_ = -1;
  YAML::Mark next_key_mark_ = YAML::Mark::null_mark();
  YAML::anchor_t region_anchor_low_ = 0;  // anchors defined inside: [low, high]
  YAML::anchor_t region_anchor_high_ = 0;
};

}  // namespace scim_agent
