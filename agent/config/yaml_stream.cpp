#include "agent/config/yaml_stream.h"

#include <utility>

namespace scim_agent {

namespace {

const std::string& emptyText() {
  static const std::string empty;
  return empty;
}

}  // namespace

const std::string& StreamNode::Scalar() const {
  return data_ && data_->kind == Kind::kScalar ? data_->scalar : emptyText();
}

const std::string& StreamNode::Tag() const { return data_ ? data_->tag : emptyText(); }

size_t StreamNode::size() const {
  if (!data_) return 0;
  if (data_->kind == Kind::kMap) return data_->children.size() / 2;
  if (data_->kind == Kind::kSequence) return data_->children.size();
  return 0;
}

StreamBuilder::StreamBuilder(std::string streamed_key, Handlers handlers)
    : streamed_key_(std::move(streamed_key)), handlers_(std::move(handlers)) {
  tree_->arenas_.push_back(std::make_unique<StreamTree::Arena>());
  arena_ = tree_->arenas_.back().get();
}

void StreamBuilder::OnDocumentStart(const YAML::Mark& mark) {
  saw_document_ = true;
  document_start_ = mark;
}

StreamBuilder::Data* StreamBuilder::make(StreamNode::Kind kind, const YAML::Mark& mark,
                                         const std::string& tag, YAML::anchor_t anchor) {
  Data& node = arena_->emplace_back();
  node.kind = kind;
  node.mark = mark;
  node.tag = tag;
  if (anchor != 0) {
    node.anchored = true;
    anchors_[anchor] = &node;
    if (anchor > last_anchor_) last_anchor_ = anchor;
    if (item_arena_ && arena_ == item_arena_.get()) item_has_anchor_ = true;
  }
  return &node;
}

void StreamBuilder::beforeNode(const YAML::Mark& mark) {
  const bool top_level = open_.size() == 1 && open_[0]->kind == StreamNode::Kind::kMap;
  const bool key_slot = top_level && open_[0]->children.size() % 2 == 0;
  if (after_region_ && key_slot) {  // the first key after the streamed sequence
    next_key_mark_ = mark;
    after_region_ = false;
  }
  if (streamed_seq_ && open_.size() >= 1 && open_.back() == streamed_seq_) {
    // A new item of the streamed sequence: its own arena, dropped once it was handed on.
    item_arena_ = std::make_unique<StreamTree::Arena>();
    item_has_anchor_ = false;
    arena_ = item_arena_.get();
  }
}

void StreamBuilder::attach(const Data* node) {
  if (open_.empty()) {
    tree_->root_ = node;
    return;
  }
  Data* parent = open_.back();
  if (parent == streamed_seq_) return;  // items are handed on, not kept
  parent->children.push_back(node);
}

void StreamBuilder::afterNode(const Data* node) {
  if (open_.empty()) return;
  Data* parent = open_.back();
  if (streamed_seq_ && parent == streamed_seq_) {
    handlers_.on_item(StreamNode(node));
    if (item_arena_) {
      // An item with an anchor stays: an alias further on may be its copy.
      if (item_has_anchor_) tree_->arenas_.push_back(std::move(item_arena_));
      item_arena_.reset();
    }
    arena_ = tree_->arenas_.front().get();
    return;
  }
  const bool top_level = open_.size() == 1 && parent->kind == StreamNode::Kind::kMap;
  if (top_level && parent->children.size() % 2 == 1 && !key_found_ &&
      node->kind == StreamNode::Kind::kScalar && node->scalar == streamed_key_) {
    // The first occurrence of the key is the one the strict readers keep (YamlMap).
    key_found_ = true;
    next_is_streamed_ = true;
  }
}

void StreamBuilder::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  beforeNode(mark);
  next_is_streamed_ = false;
  const Data* node = make(StreamNode::Kind::kNull, mark, "", anchor);
  attach(node);
  afterNode(node);
}

void StreamBuilder::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  beforeNode(mark);
  next_is_streamed_ = false;
  if (streamed_ && !streamed_seq_ && anchor >= region_anchor_low_ &&
      anchor <= region_anchor_high_) {
    removable_ = false;  // refers into the sequence: it cannot be cut out of the text
  }
  auto found = anchors_.find(anchor);
  // The parser refuses an unknown anchor before it gets here; a null node all the same.
  const Data* node = found != anchors_.end() ? found->second
                                             : make(StreamNode::Kind::kNull, mark, "", 0);
  attach(node);
  afterNode(node);
}

void StreamBuilder::OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                             const std::string& value) {
  beforeNode(mark);
  next_is_streamed_ = false;
  Data* node = make(StreamNode::Kind::kScalar, mark, tag, anchor);
  node->scalar = value;
  attach(node);
  afterNode(node);
}

void StreamBuilder::OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                                    YAML::anchor_t anchor, YAML::EmitterStyle::value) {
  beforeNode(mark);
  const bool stream = next_is_streamed_;
  next_is_streamed_ = false;
  if (stream) region_anchor_low_ = last_anchor_ + 1;
  Data* node = make(StreamNode::Kind::kSequence, mark, tag, anchor);
  attach(node);
  open_.push_back(node);
  if (stream) {
    streamed_seq_ = node;
    streamed_ = true;
    region_begin_ = mark.pos;
    if (handlers_.on_start) handlers_.on_start(StreamNode(tree_->root_));
  }
}

void StreamBuilder::OnSequenceEnd() {
  const Data* node = open_.back();
  open_.pop_back();
  if (node == streamed_seq_) {
    streamed_seq_ = nullptr;
    region_anchor_high_ = last_anchor_;
    removable_ = root_block_map_;
    after_region_ = true;
  }
  afterNode(node);
}

void StreamBuilder::OnMapStart(const YAML::Mark& mark, const std::string& tag,
                               YAML::anchor_t anchor, YAML::EmitterStyle::value style) {
  beforeNode(mark);
  next_is_streamed_ = false;
  Data* node = make(StreamNode::Kind::kMap, mark, tag, anchor);
  if (open_.empty()) root_block_map_ = style == YAML::EmitterStyle::Block;
  attach(node);
  open_.push_back(node);
}

void StreamBuilder::OnMapEnd() {
  const Data* node = open_.back();
  open_.pop_back();
  afterNode(node);
}

}  // namespace scim_agent
