#include <micro/server/server.h>

#include <algorithm>
#include <set>
#include <thread>

namespace micro::server {

namespace {

size_t DefaultWorkers() {
  size_t hw = std::max(1u, std::thread::hardware_concurrency());
  return std::max<size_t>(4, 2 * hw);
}

}  // namespace

Server::Server(ServerOptions options) : options_(options) {
  if (options_.worker_threads == 0) options_.worker_threads = DefaultWorkers();
  workers_ = std::make_unique<runtime::ThreadPool>(options_.worker_threads);
  chain_.Add(std::make_shared<RecoveryInterceptor>());
}

Server::~Server() { workers_->Shutdown(); }

Server::CallGuard::~CallGuard() {
  if (server_ == nullptr) return;
  if (server_->inflight_.fetch_sub(1) == 1) {
    std::lock_guard lock(server_->drain_mu_);
    server_->drain_cv_.notify_all();
  }
}

Status Server::AddMethod(Method method) {
  if (method.service.empty() || method.name.empty() || !method.request_prototype ||
      !method.response_prototype) {
    return Status::InvalidArgument("method needs a service, a name and message prototypes");
  }
  bool unary = method.kind == MethodKind::kUnary;
  if ((unary && !method.unary) || (!unary && !method.stream)) {
    return Status::InvalidArgument(method.Path() + " has no handler for its call kind");
  }
  std::string path = method.Path();
  if (methods_.count(path)) return Status::AlreadyExists(path + " is already registered");

  // The short form drops the package; it is ambiguous when two packages share a name.
  std::string simple_service = method.service.substr(method.service.rfind('.') + 1);
  std::string short_path = "/" + simple_service + "/" + method.name;
  if (short_path != path) {
    auto [it, inserted] = short_paths_.emplace(short_path, path);
    if (!inserted && it->second != path) it->second.clear();  // ambiguous: disable
  }
  auto [it, ok] = methods_.emplace(path, std::move(method));
  method_list_.push_back(&it->second);
  return {};
}

Status Server::SetExecution(std::string_view path, Execution execution) {
  auto it = methods_.find(std::string(path));
  if (it == methods_.end()) return Status::NotFound(std::string(path) + " is not registered");
  it->second.execution = execution;
  return {};
}

void Server::Use(std::shared_ptr<Interceptor> interceptor) { chain_.Add(std::move(interceptor)); }

const Method* Server::Find(std::string_view path) const {
  auto it = methods_.find(std::string(path));
  if (it != methods_.end()) return &it->second;
  auto sp = short_paths_.find(std::string(path));
  if (sp == short_paths_.end() || sp->second.empty()) return nullptr;
  it = methods_.find(sp->second);
  return it == methods_.end() ? nullptr : &it->second;
}

std::vector<std::string> Server::Services() const {
  std::set<std::string> names;
  for (const auto& [path, m] : methods_) names.insert(m.service);
  return {names.begin(), names.end()};
}

Status Server::Invoke(Context& ctx, const CallInfo& call) const {
  if (ctx.Expired()) return Status::DeadlineExceeded("deadline passed before the handler ran");
  if (ctx.cancelled()) return Status::Cancelled("call cancelled before the handler ran");
  return chain_.Run(ctx, call);
}

bool Server::RunOn(const Method& method, std::function<void()> task) {
  if (method.execution == Execution::kNonBlocking) {
    task();
    return true;
  }
  return workers_->Post(std::move(task));
}

bool Server::WaitDrained(Context::Clock::time_point deadline) {
  std::unique_lock lock(drain_mu_);
  return drain_cv_.wait_until(lock, deadline, [&] { return inflight_.load() == 0; });
}

}  // namespace micro::server
