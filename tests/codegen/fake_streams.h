// In-memory streams for driving generated code without a transport: a ServerStream fed
// from a list of requests, and a scripted ClientStream. Single-threaded use only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>

#include <micro/client/client.h>
#include <micro/server/method.h>

namespace micro::testing {

inline std::unique_ptr<google::protobuf::Message> Clone(const google::protobuf::Message& m) {
  std::unique_ptr<google::protobuf::Message> copy(m.New());
  copy->CopyFrom(m);
  return copy;
}

class FakeServerStream : public server::ServerStream {
 public:
  // Messages Read() hands out, in order, before it reports the end of input.
  void AddInput(const google::protobuf::Message& m) { inputs_.push_back(Clone(m)); }
  // Write() fails once `n` messages were written.
  void FailWritesAfter(size_t n) { write_limit_ = n; }

  // server::ServerStream
  bool Read(google::protobuf::Message* message) override {
    if (next_input_ == inputs_.size()) return false;
    message->CopyFrom(*inputs_[next_input_++]);
    return true;
  }
  bool Write(const google::protobuf::Message& message) override {
    if (outputs_.size() >= write_limit_) return false;
    outputs_.push_back(Clone(message));
    return true;
  }

  // What the handler wrote, as T.
  template <typename T>
  std::vector<T> Outputs() const {
    std::vector<T> out;
    for (const auto& m : outputs_) {
      T typed;
      typed.CopyFrom(*m);
      out.push_back(std::move(typed));
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<google::protobuf::Message>> inputs_;
  size_t next_input_ = 0;
  std::vector<std::unique_ptr<google::protobuf::Message>> outputs_;
  size_t write_limit_ = static_cast<size_t>(-1);
};

// Records what the typed wrappers send and plays back scripted replies and a status.
// The wrappers own their stream, so the test keeps a pointer to this state.
class FakeClientStream : public client::ClientStream {
 public:
  struct State {
    std::vector<std::string> written;  // serialized requests
    bool writes_done = false;
    bool finished = false;
    std::vector<std::unique_ptr<google::protobuf::Message>> replies;
    size_t next_reply = 0;
    Status final_status;
    bool fail_writes = false;
  };

  explicit FakeClientStream(std::shared_ptr<State> state) : state_(std::move(state)) {}

  // client::ClientStream
  bool Write(const google::protobuf::Message& message) override {
    if (state_->fail_writes || state_->writes_done) return false;
    state_->written.push_back(message.SerializeAsString());
    return true;
  }
  bool WritesDone() override {
    state_->writes_done = true;
    return true;
  }
  bool Read(google::protobuf::Message* message) override {
    if (state_->next_reply == state_->replies.size()) return false;
    message->CopyFrom(*state_->replies[state_->next_reply++]);
    return true;
  }
  Status Finish() override {
    state_->finished = true;
    return state_->final_status;
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace micro::testing
